r"""Batch prediction scaled out over a Spark cluster: the same Predictor inside mapInPandas.

    python -m inference.spark_predict --model s3://bucket/models/m --input s3://bucket/etl/2024-05-31/r1 \
        --output s3://bucket/preds/r1 [key=value ...]            (keys: configs/predict/*.yaml)
    spark-submit --py-files triage.zip inference/spark_predict.py (same flags)

Each Python worker loads the model once (a module-level cache keyed by model
and engine settings) and scores its partitions' Arrow batches with
`Predictor.predict`, so labels and probabilities match the single-machine CLI.
Input: an ETL run (its split folders), raw twcs CSV (through the ETL's own
reader and validation, `preprocessing.reading`, then `spark_model_text`: rows
the ETL would quarantine are quarantined here too), Parquet or JSON Lines
(model_text applied in pandas). Output: Parquet predictions with the CLI's
columns in predictions/, quarantine/ (raw CSV only), summary.json, _SUCCESS last.
The model folder must be readable from every executor (s3:// on a cluster).
"""
from __future__ import annotations

import json
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

if __package__ in (None, ""):  # spark-submit runs this file as a script
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import fsspec
import numpy as np

from inference.config import PredictConfig
from inference.drift import drift_report, etl_length_bins, reference
from inference.intake import add_flag, text_flags
from inference.predictor import Predictor, local_model_dir, model_labels, read_model_info
from inference.sinks import prediction_schema, prediction_table
from inference.sources import open_source
from modeling import registry
from common.configfile import to_dict

_PREDICTORS: dict[tuple, Predictor] = {}


def cached_predictor(model_dir: str, device: str, precision: str, batch_tokens: int, max_length: int | None,
                     num_threads: int) -> Predictor:
    """One Predictor per Python worker and settings: tasks reuse it instead of reloading weights."""
    key = (model_dir, device, precision, batch_tokens, max_length, num_threads)
    if key not in _PREDICTORS:
        _PREDICTORS[key] = Predictor.load(model_dir, device, precision, batch_tokens, max_length, 1, num_threads)
    return _PREDICTORS[key]


def run(cfg: PredictConfig, spark=None) -> dict:
    """Score cfg.input on the cluster into cfg.output (Parquet); returns the summary."""
    from preprocessing.config import SparkConfig
    from preprocessing.session import get_spark

    cfg.check_paths()
    t0 = time.perf_counter()
    spark = spark or get_spark(SparkConfig(), "support-predict")
    model_dir = registry.resolve(cfg.model, cfg.registry_root)
    info = read_model_info(local_model_dir(model_dir))
    labels = [model_labels(info.path)[i] for i in range(len(model_labels(info.path)))]
    frame, quarantine, company, prepared = _read(spark, cfg)
    with_split = "split" in frame.columns
    schema = _spark_schema(prediction_schema(labels, with_split))
    run_id = cfg.run_id or datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    # Spark parallelises over tasks, so each task's torch gets one thread unless told otherwise.
    engine = (model_dir, cfg.device, cfg.precision, cfg.batch_tokens, cfg.max_length_tokens, cfg.num_threads or 1)
    scorer = _scorer(engine, labels, (info.name, info.version, info.sha256), run_id, prepared)
    out = cfg.output.rstrip("/")
    fs, root = fsspec.core.url_to_fs(out)
    if fs.exists(f"{root}/_SUCCESS"):
        fs.rm(f"{root}/_SUCCESS")
    frame.mapInPandas(scorer, schema).write.mode("overwrite").parquet(f"{out}/predictions")
    summary = _summary(spark, cfg, info, labels, run_id, frame, quarantine, company, t0)
    with fs.open(f"{root}/summary.json", "w") as fh:
        json.dump(summary, fh, indent=2, sort_keys=True, default=str)
    with fs.open(f"{root}/_SUCCESS", "w") as fh:
        fh.write("")
    return summary


def _summary(spark, cfg, info, labels, run_id, frame, quarantine, company, t0) -> dict:
    """Counts from the written predictions, plus the same PSI drift report as the CLI."""
    out = cfg.output.rstrip("/")
    written = spark.read.parquet(f"{out}/predictions")
    label_counts = dict(sorted((r["label"], r["count"]) for r in written.groupBy("label").count().collect()))
    ref, reason = reference(info.training_manifest)
    lengths = _length_counts(frame, ref["bins"] if ref else etl_length_bins())
    total = round(time.perf_counter() - t0, 3)
    summary = {"run_id": run_id, "engine": "spark", "model": {"name": info.name, "version": info.version,
               "sha256": info.sha256, "path": cfg.model, "labels": labels},
               "counts": {"predicted": sum(label_counts.values()), "skipped_company": company},
               "labels": label_counts, "text_length_chars": lengths, "timings_s": {"total": total},
               "throughput": {"messages_per_s": round(sum(label_counts.values()) / total, 1)},
               "drift": drift_report(ref, label_counts, lengths, cfg.drift_threshold) if ref else None,
               "config": to_dict(cfg)}
    if reason:
        summary["drift_reason"] = reason
    if quarantine is not None:
        quarantine.write.mode("overwrite").parquet(f"{out}/quarantine")
        reasons = {r["reason"]: r["count"] for r in quarantine.groupBy("reason").count().collect()}
        summary["counts"].update(quarantined=sum(reasons.values()), quarantined_by_reason=reasons)
    return summary


def _length_counts(frame, bins: list[int]) -> dict[str, int]:
    """Model-text length histogram in the ETL manifest's bins, computed by Spark."""
    from pyspark.sql import functions as F

    from preprocessing.schema import spark_length_bin

    chars = frame.select(F.length(F.coalesce(F.col("text"), F.lit(""))).alias("chars"))
    rows = chars.groupBy(spark_length_bin(F.col("chars"), bins).alias("bin")).count().collect()
    return {str(r["bin"]): r["count"] for r in sorted(rows, key=lambda r: r["bin"])}


def _read(spark, cfg: PredictConfig):
    """(id, text[, split]) rows to score, the quarantine (raw CSV only), company rows skipped, text prepared?"""
    from pyspark.sql import functions as F

    source = open_source(cfg)  # same file discovery and column checks as the CLI
    if source.kind == "etl":
        parts = []
        for split in dict.fromkeys(s for _, s in source.files):
            files = [f for f, s in source.files if s == split]
            parts.append(spark.read.parquet(*files).select(
                F.col(cfg.id_column).cast("long").alias("id"), F.col(cfg.text_column).alias("text"), F.lit(split).alias("split")))
        frame = parts[0]
        for p in parts[1:]:
            frame = frame.unionByName(p)
        return frame, None, 0, True
    if source.kind == "csv":
        return (*_read_raw_csv(spark, cfg), True)
    reader = spark.read.parquet if source.kind == "parquet" else spark.read.json
    frame = reader(*[f for f, _ in source.files])
    # Parquet/JSONL text is raw: model_text runs in pandas inside the scorer.
    cols = (F.col(cfg.id_column).cast("long").alias("id"), F.col(cfg.text_column).cast("string").alias("text"))
    return frame.select(*cols), None, 0, False


def _read_raw_csv(spark, cfg: PredictConfig):
    from pyspark.sql import functions as F

    from preprocessing.config import EtlConfig
    from preprocessing.reading import read_raw, validate
    from preprocessing.text import spark_model_text

    etl_cfg = EtlConfig(input=cfg.input)
    etl_cfg.columns.tweet_id, etl_cfg.columns.text = cfg.id_column, cfg.text_column
    checked = validate(read_raw(spark, etl_cfg), etl_cfg, labels=[]).cache()
    valid = checked.where(F.col("reason").isNull())
    customers = valid.where(F.col("inbound_b")) if cfg.inbound_only else valid
    company = valid.where(~F.col("inbound_b")).count() if cfg.inbound_only else 0
    frame = customers.select(F.col("tweet_id_n").alias("id"), spark_model_text(F.col("text")).alias("text"))
    return frame, checked.where(F.col("reason").isNotNull()).select("tweet_id", "text", "raw_record", "source_file", "reason"), company


def _scorer(engine: tuple, labels: list[str], model: tuple, run_id: str, prepared: bool):
    def score(batches):
        from preprocessing.text import model_text

        predictor = cached_predictor(*engine)
        for pdf in batches:
            raw = pdf["text"].fillna("").astype(str).tolist()
            texts = raw if prepared else [model_text(t) for t in raw]
            preds = predictor.predict(texts)
            flags = add_flag(text_flags(raw, texts, np.zeros(len(raw), bool)), preds.truncated, "truncated")
            split = pdf["split"].to_numpy(dtype=object) if "split" in pdf.columns else None
            table = prediction_table(pdf["id"].to_numpy(np.int64), preds.probs, preds.n_tokens, flags, labels, model,
                                     run_id, split)
            yield table.to_pandas()

    return score


def _spark_schema(schema):
    from pyspark.sql import types as T

    kinds = {"int64": T.LongType(), "int32": T.IntegerType(), "float": T.FloatType(), "string": T.StringType()}
    return T.StructType([T.StructField(f.name, kinds[str(f.type)]) for f in schema])


def main(argv: list[str] | None = None) -> int:
    from common.cli import run_stage

    return run_stage(PredictConfig, run, argv, ("model", "input", "output", "text_column", "id_column", "batch_tokens", "device"),
                     "configs/predict/default.yaml", __doc__,
                     report=lambda s: f"spark predictions: {s['counts']} labels {s['labels']} in {s['timings_s']['total']}s")


if __name__ == "__main__":
    sys.exit(main())
