"""A stand-in AWS for `--dry-run`: the real SageMaker SDK builds its requests, nothing leaves the machine.

    boto = DryRunBotoSession("us-east-1")
    session = sagemaker.Session(boto_session=boto, sagemaker_client=boto.client("sagemaker"), ...)
    ...estimator.fit(...)
    boto.client("sagemaker").last_request("create_training_job")   # the CreateTrainingJob request

Each client records every API call (name and keyword arguments) and answers
with a canned response: `{}` unless the SDK needs a field, listed in
`RESPONSES`. The S3 resource records uploads (the SDK tars and uploads the
job's source_dir) instead of sending them.
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

# What the SDK reads back from a call it makes while building or submitting a job.
RESPONSES: dict[str, dict[str, dict]] = {
    "sagemaker": {"describe_training_job": {"TrainingJobStatus": "InProgress"}},
    "sts": {"get_caller_identity": {"Account": "111122223333", "Arn": "arn:aws:iam::111122223333:user/dry-run"}},
}


class RecordingClient:
    """A boto3 client whose every operation is recorded and answered from `responses`."""

    def __init__(self, service: str, region: str, responses: dict[str, dict] | None = None):
        self.service = service
        self.calls: list[tuple[str, dict]] = []
        self._responses = responses or {}
        self.meta = _Meta(region, self)

    def __getattr__(self, operation: str) -> Callable[..., dict]:
        if operation.startswith("_"):  # copy, pickle and friends probe dunders: this is not a dunder-bearing object
            raise AttributeError(operation)

        def call(**kwargs: Any) -> dict:
            self.calls.append((operation, kwargs))
            return dict(self._responses.get(operation, {}))

        return call

    def last_request(self, operation: str) -> dict | None:
        """Keyword arguments of the latest `operation` call, or None if the SDK never made it."""
        found = [kwargs for name, kwargs in self.calls if name == operation]
        return found[-1] if found else None


class _Meta:
    def __init__(self, region: str, client: Any):
        self.region_name = region
        self.client = client
        self.endpoint_url = f"https://dry-run.{region}.amazonaws.com"


class _Bucket:
    def __init__(self, name: str):
        self.name = name
        self.creation_date = "dry-run"  # "exists": the SDK would otherwise try to create it
        self.objects = _NoObjects()


class _NoObjects:
    def filter(self, **_: Any) -> _NoObjects:
        return self

    def all(self) -> list:
        return []


class _Object:
    def __init__(self, uploads: list[str], bucket: str, key: str):
        self._uploads, self.bucket_name, self.key = uploads, bucket, key

    def upload_file(self, filename: str, ExtraArgs: dict | None = None, **_: Any) -> None:
        self._uploads.append(f"s3://{self.bucket_name}/{self.key}")


class RecordingS3Resource:
    """boto3's S3 resource, as far as the SDK uses it: buckets exist, uploads are recorded."""

    def __init__(self, client: RecordingClient):
        self.meta = _Meta(client.meta.region_name, client)
        self.uploads: list[str] = []

    def Bucket(self, name: str) -> _Bucket:
        return _Bucket(name)

    def Object(self, bucket_name: str, key: str) -> _Object:
        return _Object(self.uploads, bucket_name, key)


class DryRunBotoSession:
    """boto3.Session for the SDK: one recording client per service, one recording S3 resource."""

    def __init__(self, region_name: str):
        self.region_name = region_name
        self._clients: dict[str, RecordingClient] = {}
        self._s3: RecordingS3Resource | None = None

    def client(self, service_name: str, **_: Any) -> RecordingClient:
        if service_name not in self._clients:
            self._clients[service_name] = RecordingClient(service_name, self.region_name, RESPONSES.get(service_name))
        return self._clients[service_name]

    def resource(self, service_name: str, **_: Any) -> RecordingS3Resource:
        if service_name != "s3":
            raise NotImplementedError(f"dry run has no fake for the {service_name} resource")
        if self._s3 is None:
            self._s3 = RecordingS3Resource(self.client("s3"))
        return self._s3
