"""The batch-prediction stage's typed config (configs/predict/*.yaml).

    cfg = load_config(PredictConfig, "configs/predict/default.yaml", ["model=runs/model", "input=runs/etl/..."])
"""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

from common.configfile import ConfigError
from preprocessing.rowchecks import RowChecks

INPUT_FORMATS = ("auto", "etl", "csv", "parquet", "jsonl")
OUTPUT_FORMATS = ("auto", "parquet", "csv", "jsonl")
DEVICES = ("auto", "cpu", "cuda")
PRECISIONS = ("auto", "fp32", "bf16", "int8", "onnx", "onnx-int8")


@dataclass
class PredictConfig:
    """Score messages with a trained classifier: input file(s) -> sharded predictions + summary."""

    model: str = ""
    """Model folder (local or s3://) or a registry spec such as `registry:latest-approved`."""
    registry_root: str = "models"
    """Registry root that `registry:` model specs resolve against."""
    input: str = ""
    """ETL run folder, raw twcs CSV, Parquet or JSON Lines: a file, folder or glob; local or s3://."""
    input_format: str = "auto"
    """auto | etl | csv | parquet | jsonl. auto: a folder with manifest.json is an ETL run, else by extension."""
    input_encoding: str = "utf-8"
    """Text encoding of CSV and JSON Lines input (the ETL's input.encoding), e.g. latin-1 or cp1252.
    When most of the first lines do not decode as utf-8, the run stops and names this key."""
    output: str = ""
    """Output folder. Its extension picks the shard format (preds.csv -> CSV shards in preds.csv/)."""
    output_format: str = "auto"
    """auto | parquet | csv | jsonl. auto: by the output's extension, Parquet when it has none."""
    splits: list[str] = field(default_factory=list)
    """ETL runs only: which splits to score; empty = every split the run has."""
    text_column: str = "text"
    """Input column holding the message. Raw CSV text goes through preprocessing.text.model_text."""
    id_column: str = "tweet_id"
    """Input column with the message id. Ids are kept exactly as given ("INC-0001", "0042") in every
    output; rows without one are quarantined (checks.ids=integer also quarantines non-integers)."""
    checks: RowChecks = field(default_factory=RowChecks)
    """Which declared row checks quarantine a row and which only flag it (preprocessing/rowchecks.py).
    The Spark predictor applies the same; the ETL's are `RowChecks(ids=integer, ...=quarantine)`."""
    inbound_only: bool = True
    """Raw CSV with an `inbound` column: score customer rows only; company replies are counted as skipped."""
    rows_per_shard: int = 100_000
    """Input rows per chunk; chunk i becomes output shard part-i, which is what lets a killed run resume."""
    batch_tokens: int = 4096
    """Token budget per model batch (rows x padded length). CPUs like small (cache-sized) batches; GPUs 131072+."""
    max_length_tokens: int | None = None
    """Truncate longer texts (flagged `truncated`); default: the training manifest's, else 512."""
    device: str = "auto"
    """auto | cpu | cuda. auto picks cuda when available."""
    precision: str = "auto"
    """auto | fp32 | bf16 | int8 | onnx | onnx-int8. auto: bf16 on cuda and on CPUs with native bf16, else fp32."""
    num_threads: int | None = None
    """torch CPU threads; default: probe 1, half or all usable cores and keep the fastest now (modeling/cpu_threads.py)."""
    tokenizer_workers: int = 2
    """Threads tokenizing the next chunk while the model runs this one (the fast tokenizer drops the GIL)."""
    run_id: str | None = None
    """Name stamped on every prediction; default a UTC timestamp. A resumed run keeps its first id."""
    drift_threshold: float = 0.2
    """PSI above this (labels or text length vs training data) is logged and listed in summary drift.warnings."""
    drift_min_rows: int = 500
    """Below this many predicted rows drift is not computed (summary drift_reason says so). PSI from a
    small sample is mostly sampling noise: a length bin holding 2% of the training texts is empty in
    about 1 of 7 samples of 100 rows, and that bin alone adds 0.02*ln(0.02/1e-4) = 0.11 to the PSI;
    at 500 rows that happens about once in 25,000."""
    progress: bool = True
    """Show a tqdm progress bar with messages/s."""

    def __post_init__(self):
        for key, allowed in (("input_format", INPUT_FORMATS), ("output_format", OUTPUT_FORMATS),
                             ("device", DEVICES), ("precision", PRECISIONS)):
            if getattr(self, key) not in allowed:
                raise ConfigError(f"{key} must be one of {', '.join(allowed)}; found {getattr(self, key)!r}")
        for key in ("rows_per_shard", "batch_tokens"):
            if getattr(self, key) < 1:
                raise ConfigError(f"{key} must be >= 1, found {getattr(self, key)}")
        if self.max_length_tokens is not None and not 2 < self.max_length_tokens <= 8192:
            raise ConfigError(f"max_length_tokens must be in 3..8192, found {self.max_length_tokens}")
        if self.tokenizer_workers < 1:
            raise ConfigError(f"tokenizer_workers must be >= 1, found {self.tokenizer_workers}")
        if self.drift_threshold <= 0:
            raise ConfigError(f"drift_threshold must be > 0, found {self.drift_threshold}")
        if self.drift_min_rows < 1:
            raise ConfigError(f"drift_min_rows must be >= 1, found {self.drift_min_rows}")
        try:
            codecs.lookup(self.input_encoding)
        except LookupError:
            raise ConfigError(f"input_encoding {self.input_encoding!r} is not an encoding Python knows; "
                              "use e.g. utf-8, latin-1 or cp1252") from None
        if self.run_id is not None and not re.fullmatch(r"[A-Za-z0-9._-]+", self.run_id):
            raise ConfigError(f"run_id may hold letters, digits, '.', '_' and '-' only, found {self.run_id!r}")

    def check_paths(self) -> None:
        """Called by run(): a config file may leave these to the command line."""
        for key, flag in (("model", "--model"), ("input", "--input"), ("output", "--output")):
            if not getattr(self, key):
                raise ConfigError(f"'{key}' is not set; pass {flag} (or {key}=... )")
