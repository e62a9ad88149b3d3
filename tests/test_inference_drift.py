"""PSI on constructed histograms, with the numbers worked out by hand."""
from __future__ import annotations

import math

import numpy as np
import pytest

from common.contracts import EtlManifest, SplitStats, TrainingManifest, TrainProgress
from inference.drift import EPSILON, assess_drift, drift_report, length_histogram, psi, reference

BINS = [0, 20, 40, 60, 80, 100, 140, 200, 280, 500, 1000]


def training_manifest(data: EtlManifest) -> TrainingManifest:
    """The training manifest of a tiny model trained on `data` (only the fields drift and the predictor read matter)."""
    return TrainingManifest(model_name="tiny", base_model="tiny", labels=["critical", "non_critical"], max_length=64,
                            data_source=data.path, data_manifest=data, config={}, versions={}, git_commit=None,
                            train=TrainProgress(4, 0, None, None, 1, "fp32"), timings_s={})


def test_psi_exact_values():
    # (0.8-0.5)ln(0.8/0.5) + (0.2-0.5)ln(0.2/0.5) = 0.141001 + 0.274887
    assert psi({"a": 50, "b": 50}, {"a": 80, "b": 20}) == pytest.approx(0.415888, abs=1e-6)
    assert psi({"a": 5, "b": 5}, {"a": 500, "b": 500}) == 0.0
    # a bin only one side has gets EPSILON on the other: (0.5-1)ln(0.5) + (0.5-1e-4)ln(0.5/1e-4)
    assert psi({"a": 100}, {"a": 50, "b": 50}) == pytest.approx(0.346574 + 0.4999 * math.log(5000), abs=1e-6)
    assert EPSILON == 1e-4 and psi({}, {"a": 1}) is None


def test_length_histogram_uses_etl_bins():
    lengths = np.array([0, 19, 20, 39, 999, 1000, 5000])
    assert length_histogram(lengths, BINS) == {"0": 2, "20": 2, "500": 1, "1000": 2}


def test_report_warns_above_threshold(etl_run):
    data = EtlManifest.read(str(etl_run / "manifest.json"))
    data.text_length_bins_chars = BINS
    data.splits["train"] = SplitStats(rows=100, conversations=90, labels={"critical": 50, "non_critical": 50},
                                      text_length_chars={"0": 30, "20": 70})
    ref, reason = reference(training_manifest(data))
    assert reason is None
    report = drift_report(ref, {"critical": 80, "non_critical": 20}, {"0": 30, "20": 70}, threshold=0.2)
    assert report["label_psi"] == pytest.approx(0.415888, abs=1e-6) and report["text_length_psi"] == 0.0
    assert len(report["warnings"]) == 1 and report["warnings"][0].startswith("label_psi = 0.4159 > threshold 0.2")
    assert drift_report(ref, {"critical": 50, "non_critical": 50}, {"0": 3, "20": 7}, 0.2)["warnings"] == []
    assert reference(None)[0] is None and "no training_manifest.json" in reference(None)[1]


def test_summary_reports_drift_against_training_manifest(tiny_model_dir, etl_run, tmp_path):
    import json
    import shutil

    from inference.predict import main

    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    data = EtlManifest.read(str(etl_run / "manifest.json"))
    # Pretend training saw only critical messages: every run will look shifted.
    data.splits["train"].labels = {"critical": 100}
    training_manifest(data).write(str(model / "training_manifest.json"))
    out = tmp_path / "p"
    assert main(["--model", str(model), "--input", str(etl_run), "--output", str(out), "num_threads=1", "progress=false"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    drift = summary["drift"]
    assert drift["text_length_psi"] < 0.2 and drift["label_psi"] > 0.2
    assert drift["current"]["labels"] == summary["labels"] and any("label_psi" in w for w in drift["warnings"])
    assert summary["engine"]["max_length_tokens"] == 64 and set(summary["model"]) >= {"name", "version", "sha256"}
    assert summary["counts"]["predicted"] >= 500  # drift_min_rows: computed above the minimum


def test_drift_needs_a_minimum_of_rows():
    ref = {"labels": {"critical": 50, "non_critical": 50}, "text_length_chars": {"0": 30, "20": 70}, "bins": BINS}
    report, why = assess_drift(ref, None, {"critical": 5, "non_critical": 1}, {"0": 6}, 0.2, min_rows=500)
    assert report is None and why == ("not computed: 6 predicted rows, fewer than drift_min_rows=500; "
                                      "PSI from so few rows is mostly sampling noise")
    report, why = assess_drift(ref, None, {"critical": 400, "non_critical": 100}, {"0": 150, "20": 350}, 0.2, 500)
    assert why is None and report["label_psi"] == pytest.approx(psi(ref["labels"], {"critical": 400, "non_critical": 100}))
    assert assess_drift(None, "no training manifest", {"critical": 900}, {}, 0.2, 500) == (None, "no training manifest")


def test_a_handful_of_rows_reports_no_drift_and_the_pipeline_does_not_warn(tiny_model_dir, etl_run, tmp_path):
    import json
    import shutil

    from inference.predict import main
    from pipeline.summary import summary_table

    model = tmp_path / "model"
    shutil.copytree(tiny_model_dir, model)
    data = EtlManifest.read(str(etl_run / "manifest.json"))
    data.splits["train"].labels = {"critical": 100}  # any prediction would look shifted
    training_manifest(data).write(str(model / "training_manifest.json"))
    inp = tmp_path / "six.jsonl"
    inp.write_text("".join(json.dumps({"tweet_id": f"T-{i}", "text": t}) + "\n"
                           for i, t in enumerate(["hi", "my card was charged twice", "thanks!", "app down", "ok", "?"])))
    out = tmp_path / "p"
    assert main(["--model", str(model), "--input", str(inp), "--output", str(out), "num_threads=1", "progress=false"]) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["drift"] is None and "6 predicted rows, fewer than drift_min_rows=500" in summary["drift_reason"]
    table = summary_table({"root": str(tmp_path), "steps": {"predict": {"summary": summary}}})
    assert "fewer than drift_min_rows=500" in table and "warn above" not in table
    assert main(["--model", str(model), "--input", str(inp), "--output", str(tmp_path / "p2"), "num_threads=1",
                 "progress=false", "drift_min_rows=6"]) == 0
    drift = json.loads((tmp_path / "p2" / "summary.json").read_text())["drift"]
    assert drift["label_psi"] > 0.2 and drift["warnings"]  # the same rows, once the minimum allows them
