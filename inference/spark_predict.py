r"""Batch prediction scaled out over a Spark cluster: the same Predictor inside mapInPandas.

    python -m inference.spark_predict --model s3://bucket/models/m --input s3://bucket/etl/2024-05-31/r1 \
        --output s3://bucket/preds/r1 [key=value ...]            (keys: configs/predict/*.yaml)
    spark-submit --py-files code.zip inference/spark_predict.py (same flags)

Each Python worker loads the model once (a module-level cache keyed by model
and engine settings) and scores its partitions' Arrow batches with
`Predictor.predict`, so labels and probabilities match the single-machine CLI.
Input: an ETL run, CSV (through the ETL's CSV reader), Parquet or JSON Lines;
every kind goes through the CLI's row checks and duplicate rule with the same
`checks` options (inference/spark_intake.py), so both quarantine the same rows,
and through `spark_model_text`. Ids stay the strings the input holds. Output:
Parquet predictions with the CLI's columns in predictions/, quarantine/,
config.json, summary.json, _SUCCESS last; a non-empty input with nothing
predicted then exits 2 with the reason.
The model folder must be readable from every executor (s3:// on a cluster).
"""
from __future__ import annotations

import sys
import time
from datetime import datetime, timezone
from pathlib import Path

if __package__ in (None, ""):  # spark-submit runs this file as a script
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dataclasses import dataclass

import fsspec
import pyarrow as pa

from common import storage
from common.configfile import to_dict
from common.contracts import Engine, ModelRef, PredictCounts, PredictSummary
from common.provenance import git_commit, versions
from inference.config import PredictConfig
from inference.drift import assess_drift, etl_length_bins, reference
from inference.intake import add_flag, replaced_bytes, text_flags
from inference.predict import check_something_predicted
from inference.predictor import ModelInfo, Predictor, local_model_dir, model_labels, read_model_info
from inference.sinks import prediction_schema, prediction_table
from inference.spark_intake import read_checked
from modeling import registry
from modeling.threshold import read_threshold

_PREDICTORS: dict[EngineSettings, Predictor] = {}


@dataclass(frozen=True)
class EngineSettings:
    """How each worker loads its Predictor; hashable, so it keys the per-worker cache."""

    model_dir: str
    device: str
    precision: str
    batch_tokens: int
    max_length: int | None
    num_threads: int


@dataclass(frozen=True)
class Scoring:
    """Everything a task needs besides its rows (shipped to the executors with the scorer)."""

    engine: EngineSettings
    labels: tuple[str, ...]
    model: tuple[str, str, str]  # name, version, sha256: the columns every prediction row carries
    run_id: str


@dataclass
class SparkInput:
    """The rows to score and what was set aside before scoring."""

    frame: object  # DataFrame of (id, raw, text[, split]): raw as read, text its model text
    quarantine: object  # DataFrame of rejected rows (source, id, text, raw_record, reason), every input kind
    skipped_company: int
    kind: str  # the inference.sources kind: etl | csv | parquet | jsonl
    files: int


def cached_predictor(engine: EngineSettings) -> Predictor:
    """One Predictor per Python worker and settings: tasks reuse it instead of reloading weights."""
    if engine not in _PREDICTORS:
        _PREDICTORS[engine] = Predictor.load(engine.model_dir, engine.device, engine.precision, engine.batch_tokens,
                                             engine.max_length, 1, engine.num_threads)
    return _PREDICTORS[engine]


def run(cfg: PredictConfig, spark=None) -> PredictSummary:
    """Score cfg.input on the cluster into cfg.output (Parquet); returns the summary."""
    from preprocessing.config import SparkConfig
    from preprocessing.session import get_spark

    cfg.check_paths()
    t0 = time.perf_counter()
    spark = spark or get_spark(SparkConfig(), "support-predict")
    model_dir = registry.resolve(cfg.model, cfg.registry_root)
    info = read_model_info(local_model_dir(model_dir))
    labels = [model_labels(info.path)[i] for i in range(len(model_labels(info.path)))]
    data = _read(spark, cfg)
    schema = _spark_schema(prediction_schema(labels, "split" in data.frame.columns))
    run_id = cfg.run_id or datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    # Spark parallelises over tasks, so each task's torch gets one thread unless told otherwise.
    engine = EngineSettings(model_dir, cfg.device, cfg.precision, cfg.batch_tokens, cfg.max_length_tokens, cfg.num_threads or 1)
    scoring = Scoring(engine, tuple(labels), (info.name, info.version, info.sha256), run_id)
    out = cfg.output.rstrip("/")
    fs, root = fsspec.core.url_to_fs(out)
    if fs.exists(f"{root}/_SUCCESS"):
        fs.rm(f"{root}/_SUCCESS")
    data.frame.mapInPandas(_scorer(scoring), schema).write.mode("overwrite").parquet(f"{out}/predictions")
    data.quarantine.write.mode("overwrite").parquet(f"{out}/quarantine")
    summary = _summary(spark, cfg, info, scoring, data, t0)
    storage.write_json(f"{out}/config.json", to_dict(cfg))
    summary.write(f"{out}/summary.json")
    storage.write_text(f"{out}/_SUCCESS", "")
    check_something_predicted(summary.counts, cfg.output)
    return summary


def _summary(spark, cfg: PredictConfig, info: ModelInfo, scoring: Scoring, data: SparkInput, t0: float) -> PredictSummary:
    """Counts from the written predictions, plus the same PSI drift report as the CLI."""
    from pyspark.sql import functions as F

    out = cfg.output.rstrip("/")
    written = spark.read.parquet(f"{out}/predictions")
    label_counts = dict(sorted((r["label"], r["count"]) for r in written.groupBy("label").count().collect()))
    flags = written.select(F.explode(F.split("text_flags", ",")).alias("flag")).where(F.col("flag") != "")
    flag_counts = dict(sorted((r["flag"], r["count"]) for r in flags.groupBy("flag").count().collect()))
    tokens = written.agg(F.sum("n_tokens")).first()[0] or 0
    ref, reason = reference(info.training_manifest)
    lengths = _length_counts(data.frame, ref["bins"] if ref else etl_length_bins())
    quarantine = spark.read.parquet(f"{out}/quarantine")
    reasons = dict(sorted((r["reason"], r["count"]) for r in quarantine.groupBy("reason").count().collect()))
    predicted, quarantined = sum(label_counts.values()), sum(reasons.values())
    drift, reason = assess_drift(ref, reason, label_counts, lengths, cfg.drift_threshold, cfg.drift_min_rows)
    fs, root = fsspec.core.url_to_fs(out)
    total = round(time.perf_counter() - t0, 3)
    e = scoring.engine
    return PredictSummary(
        run_id=scoring.run_id, created_at=datetime.now(timezone.utc).isoformat(),
        model=ModelRef(info.name, info.version, info.sha256, cfg.model, list(scoring.labels),
                       (rule := read_threshold(info.path)) and rule.to_json()),
        input={"path": cfg.input, "kind": data.kind, "files": data.files},
        output={"path": cfg.output, "format": "parquet", "shards": len(fs.glob(f"{root}/predictions/*.parquet"))},
        counts=PredictCounts(rows_in=predicted + data.skipped_company + quarantined, predicted=predicted,
                             skipped_company=data.skipped_company, quarantined=quarantined,
                             quarantined_by_reason=reasons, tokens=int(tokens)),
        labels=label_counts, text_flags=flag_counts, text_length_chars=lengths,
        engine=Engine("spark", e.device, e.precision, e.batch_tokens, e.max_length, 1),
        resumed_shards=0, throughput={"messages_per_s": round(predicted / total, 1), "messages_this_invocation": predicted},
        timings_s={"total": total}, versions=versions(("pyspark", "torch", "transformers", "tokenizers", "pyarrow")),
        git_commit=git_commit(), drift=drift, drift_reason=reason)


def _length_counts(frame, bins: list[int]) -> dict[str, int]:
    """Model-text length histogram in the ETL manifest's bins, computed by Spark."""
    from pyspark.sql import functions as F

    from preprocessing.schema import spark_length_bin

    chars = frame.select(F.length(F.coalesce(F.col("text"), F.lit(""))).alias("chars"))
    rows = chars.groupBy(spark_length_bin(F.col("chars"), bins).alias("bin")).count().collect()
    return {str(r["bin"]): r["count"] for r in sorted(rows, key=lambda r: r["bin"])}


def _read(spark, cfg: PredictConfig) -> SparkInput:
    """(id, raw, text[, split]) rows to score (text: model text), the quarantine, company rows skipped:
    the CLI's row checks and duplicate rule, in Spark (inference/spark_intake.py)."""
    rows = read_checked(spark, cfg)
    return SparkInput(rows.frame, rows.quarantine, rows.skipped_company, rows.kind, rows.files)


def _scorer(scoring: Scoring):
    def score(batches):
        predictor = cached_predictor(scoring.engine)
        labels = list(scoring.labels)
        for pdf in batches:
            raw = pdf["raw"].fillna("").astype(str).tolist()
            texts = pdf["text"].fillna("").astype(str).tolist()  # model text already, computed by Spark
            preds = predictor.predict(texts)
            flags = add_flag(text_flags(raw, texts, replaced_bytes(raw)), preds.truncated, "truncated")
            split = pdf["split"].to_numpy(dtype=object) if "split" in pdf.columns else None
            table = prediction_table(pa.array(pdf["id"].tolist(), pa.string()), preds.probs, preds.label_ids,
                                     preds.n_tokens, flags, labels, scoring.model, scoring.run_id, split)
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
                     report=lambda s: f"spark predictions: {s.counts} labels {s.labels} in {s.timings_s['total']}s")


if __name__ == "__main__":
    sys.exit(main())
