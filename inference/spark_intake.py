"""The Spark predictor's intake: every input kind read into one shape, then the declared row checks.

    rows = read_checked(spark, cfg)     # cfg: PredictConfig, as the CLI's
    rows.frame        # id (as given), raw (text as read), text (model text)[, split]: rows to score
    rows.quarantine   # source, id, text, raw_record, reason

The Spark twin of inference/intake.py: the same files (inference.sources lists
them), the same checks with the same options (`cfg.checks`, rendered by
`preprocessing.rowchecks.spark_checked`), the same duplicate rule (the first
row of an id in read order wins, company replies included) and the same
company skip, so both quarantine the same rows for the same reasons. CSV is
parsed by the ETL's reader (`preprocessing.reading.read_csv_records`).
"""
from __future__ import annotations

from dataclasses import dataclass

from inference.config import PredictConfig
from inference.sources import Source, open_source
from preprocessing.reading import CORRUPT, allow_charset, mark_duplicates, read_csv_records, read_header, spark_charset
from preprocessing.rowchecks import MALFORMED_CSV, MALFORMED_JSON, SparkColumns, spark_checked, spark_id_key
from preprocessing.text import spark_model_text

QUARANTINE_COLUMNS = ("source", "id", "text", "raw_record", "reason")


@dataclass
class SparkRows:
    frame: object  # DataFrame to score: id, raw, text[, split]
    quarantine: object  # DataFrame of rejected rows, QUARANTINE_COLUMNS
    skipped_company: int
    kind: str  # the inference.sources kind: etl | csv | parquet | jsonl
    files: int


def read_checked(spark, cfg: PredictConfig) -> SparkRows:
    from pyspark.sql import functions as F

    source = open_source(cfg)  # same file discovery and column checks as the CLI
    records = _records(spark, cfg, source)
    cols = SparkColumns(id="id", text="text", inbound="inbound" if source.has_inbound else None,
                        created_at="created_at" if source.has_created_at else None,
                        corrupt=CORRUPT if CORRUPT in records.columns else None,
                        malformed=MALFORMED_JSON if source.kind == "jsonl" else MALFORMED_CSV)
    checked = spark_checked(records, cfg.checks, cols)
    marked = mark_duplicates(checked, key=spark_id_key(cfg.checks, cols), order="_order").cache()
    valid = marked.where(F.col("reason").isNull())
    company = 0
    if source.has_inbound and cfg.inbound_only:
        company = valid.where(~F.col("inbound_b")).count()
        valid = valid.where(F.col("inbound_b"))
    text = F.col("text") if source.prepared else spark_model_text(F.col("text"))
    split = [F.col("split")] if source.kind == "etl" else []
    frame = valid.select("id", F.coalesce(F.col("text"), F.lit("")).alias("raw"),
                         F.coalesce(text, F.lit("")).alias("text"), *split)
    raw_record = F.col(CORRUPT) if CORRUPT in records.columns else F.lit(None).cast("string")
    quarantine = marked.where(F.col("reason").isNotNull()).select(
        F.col("_order.file").alias("source"), F.coalesce(F.col("id"), F.lit("")).alias("id"),  # as the CLI's
        "text", raw_record.alias("raw_record"), "reason")
    return SparkRows(frame, quarantine, company, source.kind, len(source.files))


def _records(spark, cfg: PredictConfig, source: Source):
    """Every input record as strings: id, text, [inbound], [created_at], [split], [_corrupt_record],
    and `_order` (split, file, position), the read order the CLI sees."""
    from pyspark.sql import functions as F

    files = [f for f, _ in source.files]
    wanted = {"id": source.id_column, "text": source.text_column}
    wanted.update({"inbound": "inbound"} if source.has_inbound else {})
    wanted.update({"created_at": "created_at"} if source.has_created_at else {})
    charset = spark_charset(cfg.input_encoding)
    if source.kind == "etl":
        parts = [spark.read.parquet(*[f for f, s in source.files if s == split]).withColumn("split", F.lit(split))
                 .withColumn("_split", F.lit(rank)) for rank, split in enumerate(dict.fromkeys(s for _, s in source.files))]
        frame = parts[0]
        for part in parts[1:]:
            frame = frame.unionByName(part)
        extra = ["split"]
    elif source.kind == "csv":
        frame = read_csv_records(spark, files, read_header(spark, files[0], cfg.input_encoding), charset)
        extra = [CORRUPT]
    elif source.kind == "jsonl":
        from pyspark.sql import types as T

        # Every field as a string: numbers keep the text they were written as, as in the CLI.
        schema = T.StructType([T.StructField(c, T.StringType()) for c in dict.fromkeys(wanted.values())]
                              + [T.StructField(CORRUPT, T.StringType())])
        reader = spark.read.schema(schema).option("columnNameOfCorruptRecord", CORRUPT)
        if charset != "utf-8":  # JSON is UTF-8 nearly always (RFC 8259)
            # Through this (char-based) parser Spark rewrites numbers (1.50 -> 1.5); the default
            # UTF-8 one keeps their text. It needs the line separator spelled out.
            allow_charset(spark, charset, "input_encoding")
            reader = reader.option("encoding", charset).option("lineSep", "\n")
        frame = reader.json(files)
        extra = [CORRUPT]
    else:
        frame = spark.read.parquet(*files)
        extra = []
    if "_split" not in frame.columns:
        frame = frame.withColumn("_split", F.lit(0))
    # Files sort by name as the CLI lists them; within a file Spark keeps the byte order.
    order = F.struct(F.col("_split").alias("split"), F.input_file_name().alias("file"),
                     F.monotonically_increasing_id().alias("row"))
    return frame.select(*(F.col(f"`{c}`").cast("string").alias(k) for k, c in wanted.items()), *extra,
                        order.alias("_order"))
