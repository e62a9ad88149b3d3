"""The pipeline's typed config (configs/pipeline/*.yaml): which stage configs, where outputs go."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from common.configfile import ConfigError, check_fraction

LAUNCHERS = ("local", "sagemaker")


@dataclass
class StageRef:
    """A stage's own config file plus key=value overrides applied on top of it."""

    config: str = ""
    """Path of the stage's YAML config."""
    overrides: list[str] = field(default_factory=list)
    """key=value overrides for that stage (the pipeline sets paths itself)."""


@dataclass
class DataSpec:
    """Where the raw messages come from."""

    raw_train: str | None = None
    """Existing raw twcs CSV for training; default: generate `train_rows` rows."""
    raw_new_batch: str | None = None
    """Existing raw twcs CSV to label; default: generate `new_batch_rows` rows with another seed."""
    etl_run: str | None = None
    """Existing ETL run folder to train on (skips generation and the training ETL); must hold _SUCCESS."""
    train_rows: int = 8000
    """Generated training rows (customer + company replies)."""
    new_batch_rows: int = 2000
    """Generated rows in the batch to label."""
    seed: int = 7
    """Generator seed of the training data; the new batch uses seed + 1."""
    spanish_fraction: float = 0.3
    """Share of generated threads in Spanish."""
    include_real_sample: bool = True
    """Mix the 93 real Kaggle rows (data/samples/twcs_sample.csv) into the training data."""
    reviewed_labels: str | None = None
    """Labels people gave back (CSV/Parquet `tweet_id,label`, or a Label Studio export of a review queue):
    the training ETL applies them over the rules (the ETL's reviewed_labels)."""

    def __post_init__(self):
        check_fraction("data.spanish_fraction", self.spanish_fraction)
        if self.train_rows < 100 or self.new_batch_rows < 1:
            raise ConfigError("data.train_rows must be >= 100 and data.new_batch_rows >= 1")


@dataclass
class ReviewSpec:
    """The review step: a queue of the new batch's messages that most deserve a person's look (modeling.review)."""

    enabled: bool = False
    """Write <run>/review/queue.csv (or .json) after the predict step."""
    size: int = 200
    """At most this many messages in the queue."""
    format: str = "csv"
    """csv, or label-studio (Label Studio JSON tasks with the model's label as a pre-annotation)."""
    overrides: list[str] = field(default_factory=list)
    """Further modeling.review.ReviewConfig keys, e.g. unsure_log_odds=0.5."""

    def __post_init__(self):
        if self.format not in ("csv", "label-studio"):
            raise ConfigError(f"review.format must be csv or label-studio, found {self.format!r}")
        if self.size < 1:
            raise ConfigError(f"review.size must be >= 1, found {self.size}")


@dataclass
class SimulatedReviewSpec:
    """Demo only: the review loop run once before the real training, with the generator playing the people.

    A first-pass model (the training config plus `first_pass_overrides`, not
    registered) scores the training run; its review queue (modeling.review) is
    answered with the class the generator wrote each message for, and the
    training ETL runs again with those answers as reviewed labels. Real data
    has no such answers: there people label the queue (the `review` step) and
    `data.reviewed_labels` brings their labels into the next run.
    """

    enabled: bool = False
    size: int = 1000
    """At most this many queued messages get an answer."""
    first_pass_overrides: list[str] = field(default_factory=lambda: ["train.epochs=1"])
    """TrainConfig overrides of the first-pass model: it only has to point at the doubtful labels."""
    queue_overrides: list[str] = field(default_factory=list)
    """modeling.review.ReviewConfig overrides of its queue, e.g. unsure_log_odds=2.0 for a wider unsure band."""

    def __post_init__(self):
        if self.size < 1:
            raise ConfigError(f"simulated_review.size must be >= 1, found {self.size}")


@dataclass
class SageMakerSpec:
    """launcher=sagemaker: the jobs the launcher would create (dry_run: print them, touch no AWS)."""

    config: str = "configs/sagemaker/gpu_single.yaml"
    """Instance types, role, S3 locations: scripts/launch_sagemaker.py's config."""
    dry_run: bool = True
    """Print the training and transform job requests instead of sending them."""


@dataclass
class PipelineConfig:
    """Training pipeline (ETL -> fine-tune -> gate -> register) then inference pipeline
    (ETL of a new batch -> latest approved model -> predictions -> drift), then a report."""

    run_id: str = "demo"
    """Name of this pipeline run; its outputs land in <workdir>/<run_id>/. Re-running resumes it."""
    workdir: str = "runs"
    """Root of every output: local or s3://bucket/prefix."""
    spark_workdir: str = "runs/.spark"
    """Local folder Spark writes to when workdir is remote and this Spark has no S3 connector;
    the run is then copied up with _SUCCESS last. On EMR/Glue point workdir at s3:// directly."""
    run_date: str | None = None
    """Partition date of the ETL runs; default: the date the pipeline run first started."""
    registry_root: str | None = None
    """Model registry root; default <workdir>/models."""
    model: str | None = None
    """Use this model (folder or registry spec) for inference and skip training."""
    unapproved_fallback: bool = False
    """When the registry holds no approved model, label the new batch with this run's own model even though
    the gate rejected it; the summary and the report say so. For demos, where no earlier model exists."""
    launcher: str = "local"
    """local: run each stage in this process. sagemaker: training and transform as SageMaker jobs."""
    data: DataSpec = field(default_factory=DataSpec)
    """Raw data sources."""
    preprocess: StageRef = field(default_factory=lambda: StageRef("configs/preprocess/default.yaml"))
    """ETL config (both ETL runs)."""
    train: StageRef = field(default_factory=lambda: StageRef("configs/train/offline-minilm.yaml"))
    """Training config."""
    predict: StageRef = field(default_factory=lambda: StageRef("configs/predict/default.yaml"))
    """Batch inference config."""
    review: ReviewSpec = field(default_factory=ReviewSpec)
    """The review queue of the new batch (local launcher only)."""
    simulated_review: SimulatedReviewSpec = field(default_factory=SimulatedReviewSpec)
    """Demo only: answer a review queue of the generated training data with the generator's intents."""
    sagemaker: SageMakerSpec = field(default_factory=SageMakerSpec)
    """Only read when launcher is sagemaker."""
    report: bool = True
    """Write report.html."""
    force: bool = False
    """Re-run every step even when its output is complete."""

    def __post_init__(self):
        if not re.fullmatch(r"[A-Za-z0-9._-]+", self.run_id):
            raise ConfigError(f"run_id may hold letters, digits, '.', '_' and '-' only, found {self.run_id!r}")
        if self.launcher not in LAUNCHERS:
            raise ConfigError(f"launcher must be one of {', '.join(LAUNCHERS)}; found {self.launcher!r}")
        # With model= nothing is trained, so there is nothing to simulate a review for: the step is skipped.
        if self.simulated_review.enabled and not self.model and (self.data.raw_train or self.data.etl_run
                                                                  or self.launcher != "local"):
            raise ConfigError("simulated_review.enabled needs generated training data and local training: only the "
                              "generator knows the answers (unset data.raw_train and data.etl_run, launcher=local), "
                              "or set simulated_review.enabled=false")

    @property
    def root(self) -> str:
        return f"{self.workdir.rstrip('/')}/{self.run_id}"

    @property
    def registry(self) -> str:
        return self.registry_root or f"{self.workdir.rstrip('/')}/models"
