"""The published ETL run's manifest: per-split statistics counted from the written shards, rule
agreement with a gold column, and the reconciliation that refuses to publish counts that do not add up.

    stats = split_stats(spark, f"{staging}/by_split", on_driver)
    manifest = build_manifest(cfg, rules, folder, counts, stats, spark.version)   # common.contracts.EtlManifest
    reconcile(manifest)                                                            # ReconciliationError: a bug
"""
from __future__ import annotations

from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.dataset as ds
from pyspark.sql import SparkSession
from pyspark.sql import functions as F

from common.configfile import to_dict
from common.contracts import EtlCounts, EtlManifest, SplitStats
from common.provenance import git_commit, versions
from preprocessing.config import EtlConfig
from preprocessing.driver_tables import local_dir
from preprocessing.labeling import RuleSet
from preprocessing.runfolder import RunFolder
from preprocessing.schema import (
    LENGTH_BINS,
    QUARANTINE_COLUMNS,
    SPLITS,
    describe_prepared,
    length_histogram,
    spark_length_bin,
)


class ReconciliationError(RuntimeError):
    """Counts do not add up: a bug, never bad input. Nothing is published."""


def split_stats(spark: SparkSession, by_split: str, on_driver: bool) -> dict:
    """Rows, labels, conversations and text-length histogram per split, from the written shards.

    `on_driver`: the ids already fit on the driver (as in the ETL's `_outcomes`); if the
    shards are on its disk too, they are counted there, by pyarrow, in a
    third of the time a Spark job takes.
    """
    local = local_dir(spark, by_split) if on_driver else None
    if local is not None:
        return {s: split_stats_on_driver(f"{local}/split={s}") for s in SPLITS}
    prepared = spark.read.parquet(by_split)
    with_chars = prepared.select("split", "label", "rule_label", F.length("text").alias("chars"))
    rows = with_chars.groupBy("split", "label", "rule_label", spark_length_bin(F.col("chars")).alias("len_bin")).agg(
        F.count(F.lit(1)).alias("n")
    ).collect()
    convs = dict(prepared.groupBy("split").agg(F.countDistinct("conversation_id")).collect())
    stats = {s: {"rows": 0, "conversations": convs.get(s, 0), "labels": {}, "text_length_chars": {}, "pairs": {}} for s in SPLITS}
    for r in rows:
        s = stats[r["split"]]
        s["rows"] += r["n"]
        s["labels"][r["label"]] = s["labels"].get(r["label"], 0) + r["n"]
        key = str(r["len_bin"])
        s["text_length_chars"][key] = s["text_length_chars"].get(key, 0) + r["n"]
        pair = f"{r['label']}|{r['rule_label']}"
        s["pairs"][pair] = s["pairs"].get(pair, 0) + r["n"]
    return stats


def split_stats_on_driver(folder: str) -> dict:
    """One split's `split_stats`, streamed from its local shards (no folder: no rows)."""
    rows, labels, lengths, pairs, conversations = 0, Counter(), Counter(), Counter(), [np.zeros(0, dtype=np.int64)]
    batches = ds.dataset(folder, format="parquet").to_batches(
        columns=["label", "rule_label", "text", "conversation_id"]) if Path(folder).is_dir() else []
    for b in batches:
        rows += b.num_rows
        labels.update(value_counts(b["label"]))
        lengths.update(length_histogram(pc.utf8_length(b["text"]).to_numpy()))  # code points, as Spark's length()
        pairs.update(value_counts(pc.binary_join_element_wise(b["label"], b["rule_label"], "|")))
        conversations.append(b["conversation_id"].to_numpy())
    return {"rows": rows, "conversations": len(np.unique(np.concatenate(conversations))), "labels": dict(labels),
            "text_length_chars": dict(lengths), "pairs": dict(pairs)}


def value_counts(values: pa.Array) -> dict:
    return {r["values"]: r["counts"] for r in pc.value_counts(values).to_pylist()}


def _agreement(stats: dict, labels: list[str]) -> dict:
    pairs: dict[str, int] = {}
    for s in stats.values():
        for k, n in s["pairs"].items():
            pairs[k] = pairs.get(k, 0) + n
    total = sum(pairs.values())
    agree = sum(n for k, n in pairs.items() if k.split("|")[0] == k.split("|")[1])
    confusion = [[pairs.get(f"{g}|{r}", 0) for r in labels] for g in labels]
    return {"rows": total, "accuracy": round(agree / total, 4) if total else None,
            "labels": labels, "confusion_gold_rows_rule_cols": confusion}


def build_manifest(cfg: EtlConfig, rules: RuleSet, folder: RunFolder, counts: dict, stats: dict, spark_version: str) -> EtlManifest:
    return EtlManifest(
        run_date=folder.run_date,
        run_id=folder.run_id,
        path=folder.final,
        created_at=datetime.now(timezone.utc).isoformat(),
        input=cfg.input.path,
        counts=EtlCounts(**counts),
        labels=rules.labels,
        label_source=f"gold column '{cfg.gold_label_column}'" if cfg.gold_label_column else f"rules {cfg.rules}",
        splits={s: SplitStats(**{k: v for k, v in st.items() if k != "pairs"}) for s, st in stats.items()},
        text_length_bins_chars=list(LENGTH_BINS),
        schema=describe_prepared(),
        quarantine_columns=list(QUARANTINE_COLUMNS),
        config=to_dict(cfg),
        versions={**versions(("pyspark", "pyarrow")), "spark": spark_version},
        git_commit=git_commit(),
        rule_agreement_with_gold=_agreement(stats, rules.labels) if cfg.gold_label_column else None,
    )


def reconcile(manifest: EtlManifest) -> None:
    c = manifest.counts
    split_rows = sum(s.rows for s in manifest.splits.values())
    if c.input_rows != c.customer_rows + c.company_rows + c.quarantined_rows:
        raise ReconciliationError(f"input {c.input_rows} != customer + company + quarantined: {c}")
    if split_rows != c.customer_rows:
        raise ReconciliationError(f"split rows {split_rows} != customer rows {c.customer_rows}")
