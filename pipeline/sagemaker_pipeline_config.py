"""The weekly SageMaker Pipeline's typed config (configs/sagemaker_pipeline/weekly.yaml).

    python -m pipeline.sagemaker definition --config configs/sagemaker_pipeline/weekly.yaml [key=value ...]

Machines and container versions of the training and transform jobs stay in
the SageMaker launch config (`sagemaker:`, configs/sagemaker/*.yaml) that
`scripts/launch_sagemaker.py` reads too; this file adds what only the DAG
needs: where it keeps its files, the ETL step, the gate, the registry, the
schedule and the alert. Values that a run may change (input prefixes,
instance types, gate threshold, approval status) are the defaults of the
pipeline's parameters.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from common.configfile import ConfigError, check_fraction

APPROVAL_STATUSES = ("PendingManualApproval", "Approved", "Rejected")


@dataclass
class StageFile:
    """A stage's own config file plus key=value overrides."""

    config: str = ""
    """Path of the stage's YAML config, relative to the repository root (it ships with the code)."""
    overrides: list[str] = field(default_factory=list)
    """key=value overrides of that config."""


@dataclass
class EtlStepConfig:
    """The ETL ProcessingStep: preprocessing/etl.py under PySparkProcessor (SageMaker's Spark image)."""

    instance_type: str = "ml.m5.4xlarge"
    """Default of the EtlInstanceType parameter (16 vCPUs, 64 GiB)."""
    instance_count: int = 1
    """Must be 1: Spark writes the run into the job's local output folder, and only the node
    that holds it uploads it. More nodes would leave shards on the others' disks; use a bigger
    instance, or run the ETL on EMR with s3:// output (README, "Run on a cluster")."""
    spark_version: str = "3.5"
    """SageMaker Spark processing image version."""
    py_version: str = "py312"
    """Python of that image; the project needs 3.10 or newer."""
    image_uri: str | None = None
    """An image built FROM the Spark image with the ETL's Python packages (numpy, pyarrow, pyyaml,
    fsspec) when the stock one lacks them; default: the stock image. The evaluation and drift
    steps run in the same image."""
    volume_size_gb: int = 100
    """Disk of the ETL instance: raw input, Spark scratch and the run."""
    max_runtime_s: int = 4 * 3600
    """Hard stop of the ETL job."""
    preprocess: StageFile = field(default_factory=lambda: StageFile("configs/preprocess/default.yaml"))
    """ETL config of both ETL steps (training data and new batch)."""

    def __post_init__(self):
        if self.instance_count != 1:
            raise ConfigError(f"etl.instance_count must be 1, found {self.instance_count}: the run is written to the "
                              "job's local output folder, which only one node holds; pick a bigger etl.instance_type")


@dataclass
class ScheduleConfig:
    """The weekly trigger: an EventBridge Scheduler schedule created by the SDK's put_triggers."""

    cron: str = "0 6 ? * MON *"
    """EventBridge cron fields (minutes hours day-of-month month day-of-week year), UTC: Mondays 06:00.
    The schedule's expression is cron(<these fields>)."""
    enabled: bool = True
    """Create the schedule enabled (false: created, but paused)."""
    role_arn: str = ""
    """Role EventBridge Scheduler assumes to start the pipeline (sagemaker:StartPipelineExecution);
    default: the pipeline's role from the SageMaker config."""

    def __post_init__(self):
        if not re.fullmatch(r"\S+( \S+){5}", self.cron):
            raise ConfigError(f"schedule.cron must hold six fields, as in '0 6 ? * MON *', found {self.cron!r}")


@dataclass
class AlertConfig:
    """An EventBridge rule on failed pipeline executions that notifies an SNS topic."""

    sns_topic_arn: str = ""
    """Topic that receives the failure notice (its access policy must let events.amazonaws.com publish)."""
    rule_name: str = ""
    """EventBridge rule name; default <pipeline name>-failed."""

    def __post_init__(self):
        if self.sns_topic_arn and not self.sns_topic_arn.startswith("arn:aws"):
            raise ConfigError(f"alerts.sns_topic_arn must be an SNS topic ARN (arn:aws:sns:...), found {self.sns_topic_arn!r}")


@dataclass
class WeeklyPipelineConfig:
    """ETL -> training -> evaluation and gate -> registry -> batch inference -> drift, as one SageMaker Pipeline."""

    name: str = "support-triage-weekly"
    """Pipeline name (letters, digits and hyphens)."""
    sagemaker: StageFile = field(default_factory=lambda: StageFile("configs/sagemaker/gpu_single.yaml"))
    """Role, region, container versions, training and transform machines (modeling.sagemaker_job.SageMakerConfig)."""
    s3_prefix: str = "s3://your-bucket/support-triage"
    """Where the pipeline keeps its code and every step's output (<prefix>/<pipeline name>/...)."""
    raw_train_prefix: str = ""
    """Default of the RawTrainPrefix parameter: raw twcs CSV files to train on; default <s3_prefix>/raw/train/."""
    new_batch_prefix: str = ""
    """Default of the NewBatchPrefix parameter: raw twcs CSV files to label; default <s3_prefix>/raw/new_batch/."""
    train: StageFile = field(default_factory=lambda: StageFile("configs/train/distilbert-multilingual.yaml"))
    """Training config and overrides, sent to the training job as hyperparameters."""
    etl: EtlStepConfig = field(default_factory=EtlStepConfig)
    """The two ETL steps."""
    processing_instance_type: str = "ml.m5.xlarge"
    """Default of the ProcessingInstanceType parameter: the evaluation and drift steps (small JSON work)."""
    gate_min_test_macro_f1: float | None = None
    """Default of the GateMinTestMacroF1 parameter; default: the train config's gate.min_test_macro_f1."""
    approval_status: str = "PendingManualApproval"
    """Default of the ModelApprovalStatus parameter: the registered model package's status."""
    model_package_group: str = "support-triage"
    """Model Registry group the gated model is registered in."""
    drift_threshold: float = 0.2
    """PSI above this (labels or text lengths vs the training data) is a warning in drift.json."""
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    """The weekly trigger."""
    alerts: AlertConfig = field(default_factory=AlertConfig)
    """Where failed executions are reported."""

    def __post_init__(self):
        if not re.fullmatch(r"[A-Za-z0-9](-*[A-Za-z0-9]){0,79}", self.name):
            raise ConfigError(f"name may hold letters, digits and single hyphens (at most 80), found {self.name!r}")
        if not self.s3_prefix.startswith("s3://") or len(self.s3_prefix.rstrip("/")) <= len("s3://"):
            raise ConfigError(f"s3_prefix must be an s3://bucket[/prefix] URI, found {self.s3_prefix!r}")
        for key in ("raw_train_prefix", "new_batch_prefix"):
            value = getattr(self, key)
            if value and not value.startswith("s3://"):
                raise ConfigError(f"{key} must be an s3:// prefix, found {value!r}")
        if self.approval_status not in APPROVAL_STATUSES:
            raise ConfigError(f"approval_status must be one of {', '.join(APPROVAL_STATUSES)}; found {self.approval_status!r}")
        if self.gate_min_test_macro_f1 is not None:
            check_fraction("gate_min_test_macro_f1", self.gate_min_test_macro_f1)
        if self.drift_threshold <= 0:
            raise ConfigError(f"drift_threshold must be > 0, found {self.drift_threshold}")

    @property
    def bucket(self) -> str:
        return self.s3_prefix[len("s3://"):].split("/", 1)[0]

    @property
    def key_prefix(self) -> str:
        """The prefix inside the bucket, without slashes at either end ('' for a bare bucket)."""
        return self.s3_prefix[len("s3://"):].partition("/")[2].strip("/")

    @property
    def root(self) -> str:
        """s3://bucket/prefix/<name>: every file this pipeline writes lies under it."""
        return f"{self.s3_prefix.rstrip('/')}/{self.name}"

    @property
    def raw_train(self) -> str:
        return self.raw_train_prefix or f"{self.s3_prefix.rstrip('/')}/raw/train/"

    @property
    def raw_new_batch(self) -> str:
        return self.new_batch_prefix or f"{self.s3_prefix.rstrip('/')}/raw/new_batch/"

    @property
    def alert_rule_name(self) -> str:
        return self.alerts.rule_name or f"{self.name}-failed"
