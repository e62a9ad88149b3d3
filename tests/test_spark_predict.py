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


def test_spark_string_ids_quarantine_and_small_drift_on_every_input_kind(spark, tiny_model_dir, etl_run, tmp_path):
    """JSON Lines and Parquet go through the CLI's checks too; ids come back exactly; 6 rows give no drift."""
    import shutil

    import pyarrow as pa
    import pyarrow.parquet as pq
    from test_inference_drift import training_manifest

    from common.contracts import EtlManifest

    ids = ["INC-0001", "3f2b8c1e-9d4a-4f6e-8b7a-1c2d3e4f5a6b", "0042", "título-7", "ticket 42", "1.50"]
    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    training_manifest(EtlManifest.read(str(etl_run / "manifest.json"))).write(str(model / "training_manifest.json"))
    jsonl = tmp_path / "in.jsonl"
    lines = [json.dumps({"id": i, "text": f"message {k}"}, ensure_ascii=False) for k, i in enumerate(ids[:-1])]
    lines += ['{"id": 1.50, "text": "a number id"}', '{"id": "0042", "text": "again"}', '{"text": "no id"}', "{not json"]
    jsonl.write_text("\n".join(lines) + "\n", encoding="utf-8")
    parquet = tmp_path / "in.parquet"
    pq.write_table(pa.table({"id": ids + ["0042", None], "text": [f"m{k}" for k in range(len(ids))] + ["again", "x"]}),
                   parquet)
    for name, inp, malformed in (("jsonl", jsonl, [("", "malformed_json")]), ("parquet", parquet, [])):
        cfg = PredictConfig(model=str(model), input=str(inp), output=str(tmp_path / name), id_column="id",
                            precision="fp32")
        summary = run(cfg, spark)
        preds = pd.read_parquet(tmp_path / name / "predictions")
        assert sorted(preds["id"]) == sorted(ids), name
        quarantine = pd.read_parquet(tmp_path / name / "quarantine")
        assert sorted(zip(quarantine["id"], quarantine["reason"])) == sorted(
            [("0042", "duplicate_id"), ("", "missing_id"), *malformed]), name
        assert summary.drift is None and "6 predicted rows, fewer than drift_min_rows=500" in summary.drift_reason
        cli = tmp_path / f"cli-{name}"
        assert main(["--model", str(model), "--input", str(inp), "--output", str(cli), "id_column=id",
                     "progress=false"]) == 0
        cli_q = pd.read_parquet(cli / "quarantine")
        assert sorted(zip(cli_q["id"].fillna(""), cli_q["reason"])) == sorted(zip(quarantine["id"], quarantine["reason"]))
        assert json.loads((cli / "summary.json").read_text())["drift_reason"] == summary.drift_reason


def test_spark_latin1_csv_with_input_encoding(spark, tiny_model_dir, tmp_path):
    raw = tmp_path / "latin1.csv"
    raw.write_bytes('id,text\n1,"¿dónde está mi pedido?"\n2,"ayuda, por favor"\n1,"¿dónde está mi pedido?"\n'
                    .encode("latin-1"))
    cfg = PredictConfig(model=str(tiny_model_dir), input=str(raw), output=str(tmp_path / "o"), id_column="id",
                        input_encoding="latin-1", precision="fp32")
    summary = run(cfg, spark)
    assert summary.counts.predicted == 2 and summary.text_flags == {}
    quarantine = pd.read_parquet(tmp_path / "o" / "quarantine")
    assert quarantine[["id", "text", "reason"]].values.tolist() == [["1", "¿dónde está mi pedido?", "duplicate_id"]]
