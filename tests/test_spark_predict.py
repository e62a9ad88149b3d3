"""Spark scale-out agrees with the single-machine CLI: same ids, same labels, probabilities within 1e-5."""
from __future__ import annotations

import json

import pandas as pd

from common.contracts import PredictSummary
from inference.config import PredictConfig
from inference.predict import main
from inference.spark_predict import run


def test_spark_matches_cli(spark, tiny_model_dir, etl_run, tmp_path):
    common = ["precision=fp32", "num_threads=1", "run_id=parity"]
    assert main(["--model", str(tiny_model_dir), "--input", str(etl_run), "--output", str(tmp_path / "cli"),
                 "progress=false", *common]) == 0
    cfg = PredictConfig(model=str(tiny_model_dir), input=str(etl_run), output=str(tmp_path / "spark"),
                        precision="fp32", num_threads=1, run_id="parity")
    summary = run(cfg, spark)
    cli = pd.read_parquet(tmp_path / "cli" / "predictions")
    sp = pd.read_parquet(tmp_path / "spark" / "predictions")
    assert list(sp.columns) == list(cli.columns)
    cli, sp = cli.set_index("id").sort_index(), sp.set_index("id").sort_index()
    assert sp.index.is_unique and list(sp.index) == list(cli.index)
    assert (sp["label"] == cli["label"]).all() and (sp["split"] == cli["split"]).all()
    for col in ("prob_critical", "prob_non_critical", "score"):
        assert (sp[col] - cli[col]).abs().max() < 1e-5
    assert (sp["text_flags"] == cli["text_flags"]).all() and (sp["n_tokens"] == cli["n_tokens"]).all()
    assert summary.counts.predicted == summary.counts.rows_in == len(cli) and sum(summary.labels.values()) == len(cli)
    assert summary.counts.tokens == int(cli["n_tokens"].sum()) and summary.engine.kind == "spark"
    assert (tmp_path / "spark" / "_SUCCESS").exists() and (tmp_path / "spark" / "summary.json").exists()
    cli_summary = json.loads((tmp_path / "cli" / "summary.json").read_text())
    assert summary.text_length_chars == cli_summary["text_length_chars"] and summary.labels == cli_summary["labels"]
    assert summary.text_flags == cli_summary["text_flags"]
    assert summary.drift is None and summary.drift_reason == cli_summary["drift_reason"]
    assert PredictSummary.read(str(tmp_path / "spark" / "summary.json")) == summary


def test_spark_raw_csv_goes_through_the_etl_reader(spark, tiny_model_dir, synth_csv, tmp_path):
    """Raw CSV: Spark uses preprocessing.reading + spark_model_text, the CLI model_text: same rows, same scores."""
    assert main(["--model", str(tiny_model_dir), "--input", str(synth_csv), "--output", str(tmp_path / "cli"),
                 "progress=false", "precision=fp32", "num_threads=1"]) == 0
    cfg = PredictConfig(model=str(tiny_model_dir), input=str(synth_csv), output=str(tmp_path / "spark"), precision="fp32")
    summary = run(cfg, spark)
    cli = pd.read_parquet(tmp_path / "cli" / "predictions").set_index("id").sort_index()
    sp = pd.read_parquet(tmp_path / "spark" / "predictions").set_index("id").sort_index()
    assert list(sp.index) == list(cli.index) and (sp["label"] == cli["label"]).all()
    assert (sp["prob_critical"] - cli["prob_critical"]).abs().max() < 1e-5 and (sp["n_tokens"] == cli["n_tokens"]).all()
    assert summary.counts.skipped_company > 0 and summary.counts.quarantined == 0
