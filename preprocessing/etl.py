r"""Raw twcs CSV -> labeled, conversation-grouped train/validation/test Parquet.

    python -m preprocessing.etl --config configs/preprocess/default.yaml \
        --input raw.csv --output runs/etl [--run-date 2024-05-31] [--run-id r1] [--reviewed-labels CSV] [key=value ...]
    spark-submit --py-files code.zip preprocessing/etl.py --input s3://... (same flags; zip -r code.zip common preprocessing)

Writes <output>/<run_date>/<run_id>/{train,validation,test}/*.parquet (schema:
preprocessing.schema.PREPARED_FIELDS), quarantine/*.parquet (every rejected
row with its raw fields and a reason), manifest.json, and _SUCCESS last.
"""
from __future__ import annotations

import math
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # spark-submit runs this file as a script
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import numpy as np
import pyarrow as pa
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F

from common.contracts import EtlManifest
from preprocessing.config import EtlConfig
from preprocessing.conversations import assign_split, conversation_roots, driver_roots
from preprocessing.driver_tables import count_rows, local_dir, read_columns, to_spark
from preprocessing.labeling import (
    MASK_COLUMN,
    RuleSet,
    category_counts,
    load_rules,
    observe_rule_counts,
    spark_label_from_mask,
    spark_rule_mask,
)
from preprocessing.reading import (
    InputError,
    check_decoding,
    duplicate_rows,
    mark_duplicates,
    read_raw,
    split_csv,
    validate,
)
from preprocessing.reviewed import label_source_counts, read_reviewed, record_label_sources
from preprocessing.rowchecks import DUPLICATE
from preprocessing.run_manifest import build_manifest, reconcile, split_stats, value_counts
from preprocessing.runfolder import HadoopFS, RunFolder, clean_stale_staging, publish, staging_path
from preprocessing.schema import PREPARED_COLUMNS, QUARANTINE_COLUMNS, SPLITS
from preprocessing.session import get_spark
from preprocessing.text import spark_clean_from_model_text, spark_model_text

# Parquet's dictionary encoding pays only on repeated values. Ids, authors and
# texts are mostly distinct (1M generated rows: 342,000 authors among 528,000
# customer messages), so for them it only costs time, hashing every value until
# the dictionary overflows; only the label columns keep it.
DICTIONARY_COLUMNS = ("label", "rule_label", "label_source")


def run(cfg: EtlConfig, spark: SparkSession | None = None) -> EtlManifest:
    """Run the ETL; returns the manifest of the published run."""
    clock = _Clock()
    spark = spark or get_spark(cfg.spark)
    rules = load_rules(cfg.rules)
    # Checked before any data is read: a bad reviewed label stops the run with nothing published.
    reviewed = read_reviewed(cfg.reviewed_labels, rules.labels) if cfg.reviewed_labels else None
    folder = RunFolder.of(cfg)
    fs = HadoopFS(spark, cfg.output)
    fs.mkdirs(folder.parent)
    fs.check_writable(folder.parent)
    clean_stale_staging(fs, folder.parent, folder.run_id)
    staging = staging_path(folder.final)
    try:
        checked = _parse_once(spark, cfg, rules, staging, fs)
        clock.lap("parse_validate_s")
        # Ids up to this many rows go to the driver (numpy) for duplicates, roots and
        # conversation counts; beyond it, Spark joins do the same work.
        on_driver = count_rows(spark, f"{staging}/parsed") <= cfg.conversations.driver_max_rows  # footers only
        quarantine, customers, counts = _outcomes(spark, checked, staging, on_driver)
        clock.lap("conversations_s")
        if counts["input_rows"] == 0:
            raise InputError(f"input has a header but no data rows: {cfg.input.path}; pass a file with at least one row")
        check_decoding(counts, cfg)
        _write_shards(quarantine.select(*QUARANTINE_COLUMNS), counts["quarantined_rows"], cfg.rows_per_shard,
                      f"{staging}/quarantine", fs)
        clock.lap("quarantine_s")
        # The rule categories are counted while the rows are written, not in a pass of their own.
        # Reviewed labels reach the executors as a broadcast key table, like the conversation roots.
        reviewed_df = to_spark(spark, reviewed, f"{staging}/keys") if reviewed is not None else None
        prepared, rule_counts = observe_rule_counts(_prepare(customers, cfg, rules, reviewed_df), rules)
        prepared = prepared.select(*PREPARED_COLUMNS, "split")
        # No shuffle before the write: fewer input partitions than shards only merge (small inputs).
        prepared = prepared.coalesce(max(1, math.ceil(counts["customer_rows"] / cfg.rows_per_shard)))
        writer = (prepared.write.partitionBy("split").option("maxRecordsPerFile", cfg.rows_per_shard)
                  .option("parquet.enable.dictionary", "false"))
        for column in DICTIONARY_COLUMNS:
            writer = writer.option(f"parquet.enable.dictionary#{column}", "true")
        writer.parquet(f"{staging}/by_split")
        clock.lap("prepare_write_s")
        sources = label_source_counts(spark, f"{staging}/by_split", on_driver) if reviewed is not None else None
        stats = split_stats(spark, f"{staging}/by_split", on_driver)
        _move_splits(fs, staging)
        for scratch in ("parsed", "keys"):  # parse cache and driver key tables: every reader has run
            fs.delete(f"{staging}/{scratch}")
        manifest = build_manifest(cfg, rules, folder, counts, stats, spark.version)
        reconcile(manifest)
        clock.lap("stats_s")
        manifest.rule_categories = category_counts(rule_counts.get)
        record_label_sources(manifest, cfg, reviewed, sources)
        manifest.timings_s = clock.report()
        publish(fs, staging, folder.final, manifest.dumps())
    finally:
        fs.delete(staging)  # gone already after a publish; a failed run leaves nothing
    return manifest


class _Clock:
    def __init__(self):
        self.t0 = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name], self.last = round(now - self.last, 3), now

    def report(self) -> dict:
        return {**self.laps, "total_s": round(time.perf_counter() - self.t0, 3)}


def _parse_once(spark: SparkSession, cfg: EtlConfig, rules: RuleSet, staging: str, fs: HadoopFS) -> DataFrame:
    """Parse and validate the CSV in one pass into staging Parquet, and return that.

    A multi-line CSV file is a single Spark partition (Spark cannot split it
    safely), so a big local file is first cut into per-core chunks at record
    boundaries (`split_csv`); anything else that reads as fewer partitions
    than cores is spread out once here. Every later step reads only the
    columns it needs from the Parquet.
    """
    cores = spark.sparkContext.defaultParallelism
    local_staging = local_dir(spark, staging)
    chunks = None
    if local_staging is not None:
        chunks = split_csv(cfg.input.path, f"{local_staging}/input_chunks", cores, cfg.split_input_min_bytes,
                           cfg.input.encoding)
    checked = validate(read_raw(spark, cfg, chunks), cfg, rules.labels)
    if checked.rdd.getNumPartitions() < cores:
        checked = checked.repartition(cores)
    # A scratch copy read once or twice: no dictionary pages (see DICTIONARY_COLUMNS).
    checked.write.option("parquet.enable.dictionary", "false").parquet(f"{staging}/parsed")
    fs.delete(f"{staging}/input_chunks")
    return spark.read.parquet(f"{staging}/parsed")


def _outcomes(spark: SparkSession, checked: DataFrame, staging: str, on_driver: bool) -> tuple[DataFrame, DataFrame, dict]:
    """(quarantined rows, kept customer rows with their conversation_id, source counts)."""
    if on_driver:
        return _outcomes_on_driver(spark, checked, staging)
    marked = mark_duplicates(checked)
    valid = marked.where(F.col("reason").isNull())
    customers = valid.where(F.col("inbound_b")).join(conversation_roots(valid), "tweet_id_n")
    return marked.where(F.col("reason").isNotNull()), customers, _source_counts(marked)


def _outcomes_on_driver(spark: SparkSession, checked: DataFrame, staging: str) -> tuple[DataFrame, DataFrame, dict]:
    """`_outcomes` with duplicates and roots in numpy: (row, id, parent) pairs come over as Arrow.

    `checked` is the Parquet at `staging`/parsed. Only small (row, ...) tables
    go back, as broadcasts, so the full rows never shuffle. Most customer
    messages start their own conversation, so only the others (replies further
    down a chain) are sent, with their root.
    """
    t = read_columns(spark, f"{staging}/parsed", ["_row", "tweet_id_n", "parent_id", "inbound_b", "reason"])
    rows, ids = t["_row"].to_numpy(), t["tweet_id_n"].fill_null(0).to_numpy()
    valid = t["reason"].is_null().to_numpy(zero_copy_only=False)
    dup = np.zeros(len(rows), dtype=bool)
    dup[valid] = duplicate_rows(ids[valid], rows[valid])
    keep = valid & ~dup
    pointers = t["parent_id"].fill_null(0).to_numpy()
    pointers = np.where(t["parent_id"].is_null().to_numpy(zero_copy_only=False), ids, pointers)
    roots = driver_roots(ids[keep], pointers[keep])
    inbound = t["inbound_b"].fill_null(False).to_numpy(zero_copy_only=False)[keep]
    follow_up = inbound & (roots != ids[keep])
    keys = to_spark(spark, pa.table({"_row": rows[keep][follow_up], "root": roots[follow_up]}), f"{staging}/keys")
    # Filtering first (pushed into the Parquet scan) halves the rows that probe the broadcast.
    customers = checked.where(F.col("reason").isNull() & F.col("inbound_b"))
    customers = customers.join(F.broadcast(keys), "_row", "left").withColumn(
        "conversation_id", F.coalesce(F.col("root"), F.col("tweet_id_n"))).drop("root")
    quarantine = checked
    if dup.any():
        dups = to_spark(spark, pa.table({"_row": rows[dup], "_dup": np.ones(int(dup.sum()), dtype=bool)}), f"{staging}/keys")
        customers = customers.join(F.broadcast(dups.select("_row")), "_row", "left_anti")
        quarantine = checked.join(F.broadcast(dups), "_row", "left").withColumn(
            "reason", F.when(F.col("_dup"), F.lit(DUPLICATE)).otherwise(F.col("reason")))
    by_reason = value_counts(t["reason"].drop_null())
    if dup.any():
        by_reason[DUPLICATE] = int(dup.sum())
    counts = {"customer_rows": int(inbound.sum()), "company_rows": int((~inbound).sum()),
              "quarantined_rows": sum(by_reason.values()), "quarantined_by_reason": dict(sorted(by_reason.items()))}
    counts = {"input_rows": len(rows), **counts}
    return quarantine.where(F.col("reason").isNotNull()), customers, counts


def _move_splits(fs: HadoopFS, staging: str) -> None:
    """`by_split/split=train` -> `train`; a split with no rows is an empty folder, never an empty shard."""
    for split in SPLITS:
        src = f"{staging}/by_split/split={split}"
        if fs.exists(src):
            fs.rename(src, f"{staging}/{split}")
        else:
            fs.mkdirs(f"{staging}/{split}")
    fs.delete(f"{staging}/by_split")


def _source_counts(checked: DataFrame) -> dict:
    rows = checked.groupBy("reason", "inbound_b").count().collect()
    by_reason: dict[str, int] = {}
    customer = company = 0
    for r in rows:
        if r["reason"] is not None:
            by_reason[r["reason"]] = by_reason.get(r["reason"], 0) + r["count"]
        elif r["inbound_b"]:
            customer += r["count"]
        else:
            company += r["count"]
    quarantined = sum(by_reason.values())
    return {
        "input_rows": customer + company + quarantined,
        "customer_rows": customer,
        "company_rows": company,
        "quarantined_rows": quarantined,
        "quarantined_by_reason": dict(sorted(by_reason.items())),
    }


def _prepare(customers: DataFrame, cfg: EtlConfig, rules: RuleSet, reviewed: DataFrame | None = None) -> DataFrame:
    """Customer rows -> prepared rows: text forms, rule label, `label` and its `label_source`, split.

    `reviewed` (tweet_id, reviewed_label) is small: broadcast, it overrides the
    rule (or gold) label of exactly its ids, and rows never shuffle.
    """
    out = with_text_forms(customers.select(
        F.col("tweet_id_n").alias("tweet_id"),
        "conversation_id",
        F.trim("author_id").alias("author_id"),
        F.col("created_at_ts").alias("created_at"),
        "text",
        *([F.trim("gold").alias("gold")] if cfg.gold_label_column else []),
    ), rules)
    label = F.col("gold") if cfg.gold_label_column else F.col("rule_label")
    source = F.lit("gold" if cfg.gold_label_column else "rules")
    if reviewed is not None:
        out = out.join(F.broadcast(reviewed), "tweet_id", "left")
        label = F.coalesce(F.col("reviewed_label"), label)
        source = F.when(F.col("reviewed_label").isNotNull(), F.lit("reviewed")).otherwise(source)
    return (out.withColumn("label", label).withColumn("label_source", source)
            .withColumn("split", assign_split(F.col("conversation_id"), cfg.split)))


def with_text_forms(df: DataFrame, rules: RuleSet) -> DataFrame:
    """Raw `text` -> model `text`, `clean_text`, the rule mask and `rule_label`: all of the ETL's text work.

    Each form reads the column before it, so no regex runs twice. The mask
    (`labeling.MASK_COLUMN`) stays for the category counts; writers select
    their columns, so it is never written.
    """
    df = df.withColumn("text", spark_model_text(F.col("text")))
    df = df.withColumn("clean_text", spark_clean_from_model_text(F.col("text")))
    df = df.withColumn(MASK_COLUMN, spark_rule_mask(rules, F.col("clean_text")))
    return df.withColumn("rule_label", spark_label_from_mask(rules, F.col(MASK_COLUMN)))


def _write_shards(df: DataFrame, rows: int, rows_per_shard: int, path: str, fs: HadoopFS) -> None:
    """ceil(rows / rows_per_shard) even shards; no rows -> an empty folder, never an empty file."""
    if rows == 0:
        fs.mkdirs(path)
        return
    shards = math.ceil(rows / rows_per_shard)
    df.repartition(shards).write.option("maxRecordsPerFile", rows_per_shard).parquet(path)


def main(argv: list[str] | None = None) -> int:
    from common.cli import run_stage

    return run_stage(EtlConfig, run, argv, flags=("input", "output", "run_date", "run_id", "reviewed_labels"),
                     default_config="configs/preprocess/default.yaml", doc=__doc__, report=_report)


def _report(m: EtlManifest) -> str:
    c = m.counts
    lines = [f"ETL run published: {m.path}",
             f"  input {c.input_rows:,} = customer {c.customer_rows:,} + company {c.company_rows:,}"
             f" + quarantined {c.quarantined_rows:,} {c.quarantined_by_reason}",
             *(f"  {k:<10} {v.rows:>9,} rows  {v.conversations:>8,} conversations  {v.labels}" for k, v in m.splits.items()),
             f"  timings {m.timings_s}"]
    if m.rule_categories:
        fired = ", ".join(f"{k} {v:,}" for k, v in m.rule_categories["fired"].items() if v)
        lines.append(f"  rule categories fired: {fired or 'none'}")
    if m.rule_agreement_with_gold:
        lines.append(f"  rule agreement with gold: {m.rule_agreement_with_gold['accuracy']}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
