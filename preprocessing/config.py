"""The ETL's typed config (configs/preprocess/*.yaml)."""
from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field
from typing import ClassVar

from common.configfile import ConfigError, check_fraction
from preprocessing.rowchecks import RowChecks, etl_row_checks
from preprocessing.schema import RAW_COLUMNS


@dataclass
class InputConfig:
    """The raw CSV and how to decode it. `input: PATH` (or `--input PATH`) is short for `input.path`."""

    shorthand_field: ClassVar[str] = "path"

    path: str = ""
    """CSV file, folder or glob (local, hdfs://, s3:// on EMR/Glue, s3a:// elsewhere)."""
    encoding: str = "utf-8"
    """The files' text encoding, e.g. latin-1 or cp1252 for exports from older tools. When more than
    half the rows do not decode, the run stops and names this key; nothing is published."""

    def __post_init__(self):
        try:
            codecs.lookup(self.encoding)
        except LookupError:
            raise ConfigError(f"input.encoding {self.encoding!r} is not an encoding Python knows; "
                              "use e.g. utf-8, latin-1 or cp1252") from None

@dataclass
class ColumnMap:
    """Input header name for each canonical twcs column.

    The real Kaggle sample names its (raw) text column `clean_text`; map it
    with `columns.text=clean_text` rather than editing the file.
    """

    tweet_id: str = "tweet_id"
    author_id: str = "author_id"
    inbound: str = "inbound"
    created_at: str = "created_at"
    text: str = "text"
    response_tweet_id: str = "response_tweet_id"
    in_response_to_tweet_id: str = "in_response_to_tweet_id"


@dataclass
class SplitConfig:
    """Fractions of conversations per split; a conversation never spans two."""

    train: float = 0.8
    """Fraction of conversations in train."""
    validation: float = 0.1
    """Fraction of conversations in validation."""
    test: float = 0.1
    """Fraction of conversations in test."""
    seed: int = 42
    """Hash seed: the same seed and input always give the same split."""

    def __post_init__(self):
        for key in ("train", "validation", "test"):
            check_fraction(f"split.{key}", getattr(self, key))
        total = self.train + self.validation + self.test
        if abs(total - 1.0) > 1e-6:
            raise ConfigError(f"split.train + split.validation + split.test must be 1.0, found {total:.4f}")


@dataclass
class SparkConfig:
    """Only used when no Spark master is set yet (not under spark-submit/Glue/Databricks)."""

    master: str = "local[*]"
    """Master for in-process runs; spark-submit's --master wins when present."""
    shuffle_partitions: int = 8
    """spark.sql.shuffle.partitions of in-process runs: small, because one machine runs them.
    Under a launcher Spark keeps its own (`spark-submit --conf spark.sql.shuffle.partitions=N`)."""
    driver_memory: str = "4g"
    """Driver heap for in-process runs."""
    conf: dict = field(default_factory=dict)
    """Extra Spark settings, e.g. {"spark.hadoop.fs.s3a.endpoint": "..."}."""


@dataclass
class ConversationConfig:
    """Where duplicate ids and conversation roots are worked out."""

    driver_max_rows: int = 20_000_000
    """Up to this many parsed rows, in numpy on the driver (1M rows: ~2 s, ~40 bytes a row);
    above it, by Spark joins (pointer jumping), which scale out but cost a join per round."""

    def __post_init__(self):
        if self.driver_max_rows < 0:
            raise ConfigError(f"conversations.driver_max_rows must be >= 0, found {self.driver_max_rows}")


@dataclass
class EtlConfig:
    """Raw twcs CSV -> labeled, split Parquet shards + quarantine + manifest."""

    input: InputConfig = field(default_factory=InputConfig)
    """The raw CSV: `input: PATH`, or `input: {path: PATH, encoding: latin-1}`."""
    output: str = "runs/etl"
    """Root folder; the run lands in <output>/<run_date>/<run_id>/."""
    run_date: str | None = None
    """YYYY-MM-DD; default today (UTC)."""
    run_id: str | None = None
    """Run name; default a UTC timestamp. Re-running an id replaces that run."""
    columns: ColumnMap = field(default_factory=ColumnMap)
    """Input header names for the canonical columns."""
    rules: str = "configs/labels/default.yaml"
    """Label rule file (classes, keywords, priorities)."""
    gold_label_column: str | None = None
    """Input column with human labels; when set it is the label and the rules are only measured."""
    reviewed_labels: str | None = None
    """CSV or Parquet of `tweet_id,label[,reviewer,reviewed_at]` (or a Label Studio JSON export): those
    messages take the reviewed label, over the rules and the gold column (preprocessing/reviewed.py)."""
    split: SplitConfig = field(default_factory=SplitConfig)
    """Train/validation/test fractions and seed."""
    max_text_chars: int = 10_000
    """Longer raw texts are quarantined as text_too_long (tweets are <= 280; chats rarely pass 2k).
    The ETL's one row-check option: every other check is on (see `row_checks`)."""
    rows_per_shard: int = 100_000
    """Rows per Parquet shard; each split is cut into ceil(rows / this) shards."""
    split_input_min_bytes: int = 32 * 2**20
    """A single local CSV file this big or bigger is cut into one chunk per core at record
    boundaries, so Spark parses it in parallel (a multi-line CSV file is one partition)."""
    conversations: ConversationConfig = field(default_factory=ConversationConfig)
    """Driver (numpy) or Spark for duplicate ids and conversation roots."""
    spark: SparkConfig = field(default_factory=SparkConfig)
    """Session settings for in-process runs."""

    def __post_init__(self):
        if isinstance(self.input, str):  # EtlConfig(input="raw.csv") in code, as on the command line
            self.input = InputConfig(path=self.input)
        if self.run_date is not None and not re.fullmatch(r"\d{4}-\d{2}-\d{2}", self.run_date):
            raise ConfigError(f"run_date must look like 2024-05-31, found {self.run_date!r}")
        if self.run_id is not None and not re.fullmatch(r"[A-Za-z0-9._-]+", self.run_id):
            raise ConfigError(f"run_id may hold letters, digits, '.', '_' and '-' only, found {self.run_id!r}")
        if self.rows_per_shard < 1:
            raise ConfigError(f"rows_per_shard must be >= 1, found {self.rows_per_shard}")
        if self.split_input_min_bytes < 0:
            raise ConfigError(f"split_input_min_bytes must be >= 0, found {self.split_input_min_bytes}")
        if self.max_text_chars < 1:
            raise ConfigError(f"max_text_chars must be >= 1, found {self.max_text_chars}")

    @property
    def row_checks(self) -> RowChecks:
        """The declared checks (preprocessing/rowchecks.py) as the ETL runs them: integer ids,
        a valid time, and text problems quarantined, since a training row needs all three."""
        return etl_row_checks(self.max_text_chars)

    def header_name(self, canonical: str) -> str:
        assert canonical in RAW_COLUMNS
        return getattr(self.columns, canonical)
