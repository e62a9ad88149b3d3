"""Read raw twcs CSV with an explicit schema and sort every record into valid or quarantined.

Each record the CSV parser yields gets exactly one outcome: a parsed row with
`reason` null, or a `reason` from `schema.REASONS`. Nothing is dropped here, so
input = customer + company + quarantined holds by construction, and the ETL
checks it again from the counts.
"""
from __future__ import annotations

import csv
import io

from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from preprocessing.config import EtlConfig
from preprocessing.schema import RAW_COLUMNS, REQUIRED_RAW_COLUMNS

CORRUPT = "_corrupt_record"
# twcs `created_at`: "Wed Oct 11 06:55:44 +0000 2017". Spark 3+ cannot *parse*
# day-of-week names, so the first 4 characters ("Wed ") are cut off first.
CREATED_AT_FORMAT = "MMM dd HH:mm:ss Z yyyy"


class InputError(ValueError):
    """The input cannot be processed at all; the message names the fix."""


def read_header(spark: SparkSession, path: str) -> list[str]:
    """Column names from the first line of the first file, or an InputError.

    Read with fsspec when it knows the scheme (local, s3://): starting a Spark
    job just to read one line costs seconds. hdfs:// and friends go via Spark.
    """
    try:
        first = _first_line_fsspec(path)
    except (ImportError, ValueError):  # protocol fsspec does not know
        try:
            rows = spark.read.text(path).limit(1).collect()
        except Exception as exc:  # AnalysisException: PATH_NOT_FOUND and friends
            if "PATH_NOT_FOUND" in str(exc) or "does not exist" in str(exc):
                first = None
            else:
                raise
        else:
            first = rows[0][0] if rows else ""
    if first is None:
        raise InputError(f"input not found: {path}; pass --input with an existing CSV file, folder or glob")
    if not first.strip():
        raise InputError(f"input is empty: {path}; it needs a header line and at least one data row")
    return next(csv.reader(io.StringIO(first.lstrip("\ufeff"))))


def _first_line_fsspec(path: str) -> str | None:
    import fsspec

    fs, p = fsspec.core.url_to_fs(path)
    if any(ch in p for ch in "*?["):
        files = sorted(fs.glob(p))
    elif fs.isdir(p):
        # Spark skips hidden and underscore files (_SUCCESS, .crc) in folders.
        files = sorted(f for f in fs.find(p) if not f.rsplit("/", 1)[-1].startswith(("_", ".")))
    else:
        files = [p] if fs.exists(p) else []
    if not files:
        return None
    for f in files:
        with fs.open(f, "rb") as fh:
            line = fh.readline().decode("utf-8", errors="replace")
        if line.strip():
            return line
    return ""


def read_raw(spark: SparkSession, cfg: EtlConfig) -> DataFrame:
    """All parser records with canonical column names, all as strings.

    Columns: the seven raw columns, `gold` (if configured), `raw_record`
    (the text of records the parser flagged), `source_file`, `_row` (read order).
    """
    header = read_header(spark, cfg.input)
    wanted = {c: cfg.header_name(c) for c in RAW_COLUMNS}
    missing = [f"{c} (header '{h}')" for c, h in wanted.items() if c in REQUIRED_RAW_COLUMNS and h not in header]
    if cfg.gold_label_column and cfg.gold_label_column not in header:
        missing.append(f"gold label column '{cfg.gold_label_column}'")
    if missing:
        raise InputError(
            f"input {cfg.input} lacks required column(s): {', '.join(missing)}; found {header}. "
            "Map names with columns.<name>=<header> (e.g. columns.text=clean_text)."
        )
    schema = T.StructType([T.StructField(h, T.StringType()) for h in header] + [T.StructField(CORRUPT, T.StringType())])
    df = (
        spark.read.schema(schema)
        .option("header", True)
        .option("multiLine", True)  # quoted newlines stay inside their record
        .option("escape", '"')  # twcs doubles quotes inside quoted fields
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", CORRUPT)
        .option("encoding", "UTF-8")
        .csv(cfg.input)
    )
    cols = [(F.col(f"`{h}`") if h in header else F.lit(None).cast("string")).alias(c) for c, h in wanted.items()]
    if cfg.gold_label_column:
        cols.append(F.col(f"`{cfg.gold_label_column}`").alias("gold"))
    return df.select(
        *cols,
        F.col(CORRUPT).alias("raw_record"),
        F.input_file_name().alias("source_file"),
        F.monotonically_increasing_id().alias("_row"),
    )


def _to_long(name: str):
    # "119236.0" appears in twcs exports that passed through pandas; accept it.
    # SQL try_cast (not Column.try_cast) keeps Spark 3.5 (Glue 5, EMR 7) working.
    v = f"trim(`{name}`)"
    return F.expr(f"coalesce(try_cast({v} as bigint), try_cast(try_cast({v} as double) as bigint))")


def validate(raw: DataFrame, cfg: EtlConfig, labels: list[str]) -> DataFrame:
    """Parsed columns plus `reason` (null for valid rows), first failing check wins."""
    inbound = F.lower(F.trim(F.col("inbound")))
    created = F.try_to_timestamp(F.substring(F.trim(F.col("created_at")), 5, 64), F.lit(CREATED_AT_FORMAT))
    df = raw.select(
        "*",
        _to_long("tweet_id").alias("tweet_id_n"),
        F.when(inbound == "true", True).when(inbound == "false", False).alias("inbound_b"),
        created.alias("created_at_ts"),
        _to_long("in_response_to_tweet_id").alias("parent_id"),
    )
    has_text = F.length(F.trim(F.coalesce(F.col("text"), F.lit("")))) > 0
    reason = (
        F.when(F.col("raw_record").isNotNull(), "malformed_csv")
        .when(F.col("tweet_id_n").isNull(), "bad_tweet_id")
        .when(F.col("inbound_b").isNull(), "bad_inbound")
        .when(F.col("created_at_ts").isNull(), "bad_created_at")
        .when(F.col("text").contains("\ufffd"), "invalid_utf8")  # the decoder's mark for bad bytes
        .when(~has_text, "empty_text")
        .when(F.length("text") > cfg.max_text_chars, "text_too_long")
    )
    if cfg.gold_label_column:
        reason = reason.when(~F.trim(F.col("gold")).isin(labels), "bad_gold_label")
    return df.withColumn("reason", reason)


def mark_duplicates(checked: DataFrame) -> DataFrame:
    """Second and later rows of a tweet id (in read order) get reason duplicate_tweet_id.

    Only (id, row) pairs are shuffled, and only repeated ids are joined back,
    so the full rows move once at most, and not at all when no id repeats.
    """
    valid = checked.where(F.col("reason").isNull()).select("tweet_id_n", "_row")
    repeated = valid.groupBy("tweet_id_n").agg(F.min("_row").alias("first_row"), F.count(F.lit(1)).alias("n"))
    dups = (
        valid.join(repeated.where("n > 1"), "tweet_id_n")
        .where(F.col("_row") != F.col("first_row"))
        .select("_row", F.lit(True).alias("_dup"))
    )
    out = checked.join(dups, "_row", "left")
    reason = F.when(F.col("_dup"), F.lit("duplicate_tweet_id")).otherwise(F.col("reason"))
    return out.withColumn("reason", reason).drop("_dup")
