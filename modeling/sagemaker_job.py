r"""SageMaker training and batch-transform jobs for the triage model (SDK v2 HuggingFace estimator).

    python scripts/launch_sagemaker.py train --sagemaker-config configs/sagemaker/gpu_single.yaml \
        --config configs/train/distilbert-multilingual.yaml --data s3://bucket/etl/2024-05-31/r1 [--dry-run]

Hardware (instance type/count, spot, volumes) comes from configs/sagemaker/*.yaml;
hyperparameters are the train config path plus key=value overrides, so the
job runs the very `modeling.train.run` a laptop runs. The ETL run's splits
become channels train/validation/test, and its manifest.json a fourth channel
`manifest`; the run's `_SUCCESS` is checked here, before submitting, since
the container only ever sees the channels.

With dry_run the SDK runs for real against a `sagemaker.Session` whose AWS
clients record each call instead of sending it (modeling/sagemaker_dry_run.py),
and the CreateTrainingJob / CreateModel / CreateTransformJob requests it would
send are returned.
"""
from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from common.configfile import ConfigError
from common.etl_run import open_etl_run

ROOT = Path(__file__).resolve().parent.parent
# Copied into the job's source_dir: the code the entry point imports and the files configs name.
SOURCE_PACKAGES = ("common", "modeling", "preprocessing", "configs")
DRY_RUN_ROLE = "arn:aws:iam::111122223333:role/dry-run-sagemaker-role"
NO_TELEMETRY = {"SchemaVersion": "1.0", "SageMaker": {"PythonSDK": {"Modules": {"TelemetryOptOut": True}}}}


@dataclass
class TrainingJobConfig:
    """Machines of a training job."""

    instance_type: str = "ml.g5.2xlarge"
    """One A10G GPU: DistilBERT on tweets fits with room to spare."""
    instance_count: int = 1
    """Machines; > 1 (or gpus_per_instance > 1) turns on torch_distributed (DDP via torchrun)."""
    gpus_per_instance: int = 1
    """GPUs of instance_type; decides whether torch_distributed is enabled."""
    volume_size_gb: int = 50
    """EBS volume for the channels, the datasets cache and checkpoints."""
    max_run_s: int = 6 * 3600
    """Hard stop of the job."""
    use_spot: bool = False
    """Managed spot training; resumes from checkpoint_s3_uri after an interruption (train.resume=auto)."""
    max_wait_s: int | None = None
    """Spot only: total time including waiting for capacity (>= max_run_s)."""
    checkpoint_s3_uri: str | None = None
    """Synced with /opt/ml/checkpoints; the entry point then checkpoints there."""


@dataclass
class TransformJobConfig:
    """Machines of a batch-transform job."""

    instance_type: str = "ml.g4dn.xlarge"
    """Inference instance."""
    instance_count: int = 1
    """Machines; each takes a share of the input files."""
    max_payload_mb: int = 6
    """Largest request body; MultiRecord packs lines up to this size."""
    max_concurrent_transforms: int = 1
    """Parallel requests per instance."""


@dataclass
class SageMakerConfig:
    """Account, container versions and machines for SageMaker jobs (configs/sagemaker/*.yaml)."""

    role: str = ""
    """IAM role ARN the jobs run as (required unless --dry-run)."""
    region: str = "us-east-1"
    """AWS region."""
    output_path: str | None = None
    """s3:// prefix for model.tar.gz and output.tar.gz (default: the session's bucket)."""
    base_job_name: str = "support-triage"
    """Prefix of job names."""
    transformers_version: str = "4.56.2"
    """HF training DLC: transformers 4.56.2 / pytorch 2.8.0 / py312 is in the SDK's image_uri_config."""
    pytorch_version: str = "2.8.0"
    """Must form an existing DLC with transformers_version and py_version."""
    py_version: str = "py312"
    """Python of the training DLC."""
    inference_transformers_version: str = "4.51.3"
    """HF inference DLC (newest in the SDK's table): transformers 4.51.3 / pytorch 2.6.0 / py312."""
    inference_pytorch_version: str = "2.6.0"
    """Pytorch of the inference DLC."""
    inference_py_version: str = "py312"
    """Python of the inference DLC."""
    training: TrainingJobConfig = field(default_factory=TrainingJobConfig)
    """Training machines."""
    transform: TransformJobConfig = field(default_factory=TransformJobConfig)
    """Batch-transform machines."""
    tags: dict = field(default_factory=dict)
    """Tags on every job, e.g. {project: support-triage}."""

    def __post_init__(self):
        if self.training.use_spot and self.training.max_wait_s is not None and self.training.max_wait_s < self.training.max_run_s:
            raise ConfigError("training.max_wait_s must be >= training.max_run_s for spot training")


def channels(run_dir: str) -> dict[str, str]:
    """The ETL run's split prefixes and manifest as input channels."""
    root = run_dir.rstrip("/")
    return {"train": f"{root}/train/", "validation": f"{root}/validation/", "test": f"{root}/test/",
            "manifest": f"{root}/manifest.json"}


def check_run_complete(run_dir: str) -> None:
    """The container sees only the channels: refuse a half-published run (or a foreign manifest) here."""
    open_etl_run(run_dir, setting="--data")


def stage_source_dir(dest: str, extra_files: tuple[str, ...] = ()) -> str:
    """A minimal source_dir: the entry point and requirements.txt at its root, the packages beside them."""
    os.makedirs(dest, exist_ok=True)
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc")
    for name in SOURCE_PACKAGES:
        shutil.copytree(ROOT / name, Path(dest) / name, ignore=ignore, dirs_exist_ok=True)
    shutil.copy(ROOT / "modeling" / "sagemaker_entry.py", Path(dest) / "sagemaker_entry.py")
    shutil.copy(ROOT / "modeling" / "requirements.txt", Path(dest) / "requirements.txt")
    for rel in extra_files:  # e.g. the gold set a train config names by relative path
        if (ROOT / rel).is_file():
            (Path(dest) / rel).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(ROOT / rel, Path(dest) / rel)
    return dest


def hyperparameters(train_config: str, overrides: list[str]) -> dict[str, str]:
    """{"config": path, key: value, ...}: the entry point turns them back into key=value overrides."""
    out = {"config": train_config}
    for item in overrides:
        key, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"override '{item}' is not of the form key=value")
        out[key] = value
    return out


def estimator_kwargs(cfg: SageMakerConfig, role: str, source_dir: str, hyper: dict) -> dict:
    t = cfg.training
    distributed = t.instance_count > 1 or t.gpus_per_instance > 1
    kwargs = dict(
        entry_point="sagemaker_entry.py",
        source_dir=source_dir,
        role=role,
        instance_type=t.instance_type,
        instance_count=t.instance_count,
        volume_size=t.volume_size_gb,
        max_run=t.max_run_s,
        transformers_version=cfg.transformers_version,
        pytorch_version=cfg.pytorch_version,
        py_version=cfg.py_version,
        hyperparameters=hyper,
        base_job_name=cfg.base_job_name,
        output_path=cfg.output_path,
        use_spot_instances=t.use_spot,
        max_wait=t.max_wait_s if t.use_spot else None,
        checkpoint_s3_uri=t.checkpoint_s3_uri,
        debugger_hook_config=False,
        disable_profiler=True,
        tags=[{"Key": k, "Value": str(v)} for k, v in cfg.tags.items()] or None,
    )
    if distributed:
        kwargs["distribution"] = {"torch_distributed": {"enabled": True}}
    return {k: v for k, v in kwargs.items() if v is not None}


def session(cfg: SageMakerConfig, dry_run: bool):
    """A real sagemaker.Session, or one whose AWS clients record calls instead of sending them."""
    import sagemaker

    if not dry_run:
        import boto3

        return sagemaker.Session(boto_session=boto3.Session(region_name=cfg.region), sagemaker_config=NO_TELEMETRY)
    from modeling.sagemaker_dry_run import DryRunBotoSession

    boto = DryRunBotoSession(cfg.region)
    return sagemaker.Session(boto_session=boto, sagemaker_client=boto.client("sagemaker"),
                             sagemaker_runtime_client=boto.client("sagemaker-runtime"),
                             default_bucket="dry-run-bucket", sagemaker_config=NO_TELEMETRY)


def launch_training(cfg: SageMakerConfig, train_config: str, run_dir: str, overrides: list[str],
                    dry_run: bool = False, extra_files: tuple[str, ...] = ()) -> dict:
    """Submit (or, dry_run, only build) the training job; returns estimator args and the request."""
    if not dry_run:
        check_run_complete(run_dir)
    role = cfg.role or (DRY_RUN_ROLE if dry_run else "")
    if not role:
        raise ConfigError("role is empty: set role in the SageMaker config (an IAM role ARN), or use --dry-run")
    from sagemaker.huggingface import HuggingFace  # after the checks: the SDK takes seconds to import

    sess = session(cfg, dry_run)
    with tempfile.TemporaryDirectory(prefix="sm-source-") as tmp:
        source_dir = stage_source_dir(os.path.join(tmp, "source"), extra_files)
        kwargs = estimator_kwargs(cfg, role, source_dir, hyperparameters(train_config, overrides))
        # The SDK adds its own keys to the hyperparameters dict it is given: hand it a copy.
        estimator = HuggingFace(sagemaker_session=sess, **{**kwargs, "hyperparameters": dict(kwargs["hyperparameters"])})
        estimator.fit(channels(run_dir), wait=False, logs=False)
        files = sorted(str(p.relative_to(source_dir)) for p in Path(source_dir).rglob("*") if p.is_file())
    out = {"estimator": {**kwargs, "source_dir": f"<staged: {len(files)} files>"}, "source_files": files,
           "channels": channels(run_dir), "job_name": estimator.latest_training_job.name}
    if dry_run:
        out["create_training_job"] = sess.sagemaker_client.last_request("create_training_job")
    return out


def launch_transform(cfg: SageMakerConfig, model_data: str, input_s3: str, output_s3: str,
                     dry_run: bool = False, env: dict | None = None) -> dict:
    """Batch Transform of JSON Lines input ({"inputs": text} per line) with a registered model.tar.gz."""
    role = cfg.role or (DRY_RUN_ROLE if dry_run else "")
    if not role:
        raise ConfigError("role is empty: set role in the SageMaker config (an IAM role ARN), or use --dry-run")
    from sagemaker.huggingface import HuggingFaceModel

    sess = session(cfg, dry_run)
    t = cfg.transform
    model_kwargs = dict(model_data=model_data, role=role, transformers_version=cfg.inference_transformers_version,
                        pytorch_version=cfg.inference_pytorch_version, py_version=cfg.inference_py_version,
                        env={"HF_TASK": "text-classification", **(env or {})})
    model = HuggingFaceModel(sagemaker_session=sess, **model_kwargs)
    transformer_kwargs = dict(instance_count=t.instance_count, instance_type=t.instance_type, strategy="MultiRecord",
                              assemble_with="Line", output_path=output_s3, accept="application/jsonlines",
                              max_payload=t.max_payload_mb, max_concurrent_transforms=t.max_concurrent_transforms)
    transformer = model.transformer(**transformer_kwargs)
    transform_kwargs = dict(data=input_s3, content_type="application/jsonlines", split_type="Line")
    transformer.transform(**transform_kwargs, wait=False, logs=False)
    out = {"model": model_kwargs, "transformer": transformer_kwargs, "transform": transform_kwargs,
           "job_name": transformer.latest_transform_job.name if transformer.latest_transform_job else None}
    if dry_run:
        out["create_model"] = sess.sagemaker_client.last_request("create_model")
        out["create_transform_job"] = sess.sagemaker_client.last_request("create_transform_job")
    return out
