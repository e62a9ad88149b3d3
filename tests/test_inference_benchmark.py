"""The benchmark script runs end to end (tiny model, a few hundred messages) and writes its --json."""
from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
import pytest

sys.path.insert(0, str(ROOT))


def test_benchmark_smoke(tiny_model_dir, tmp_path):
    from scripts.benchmark_predict import main

@pytest.mark.e2e  # every inference variant end to end
    out = tmp_path / "bench.json"
    assert main(["--model", str(tiny_model_dir), "--messages", "300", "--baseline-messages", "100",
                 "--precisions", "fp32,bf16", "--rounds", "2", "--json", str(out)]) == 0
    res = json.loads(out.read_text())
    runs = res["runs"]
    assert set(runs) == {"pipeline", "sorted_loop", "predictor_fp32", "predictor_bf16", "end_to_end_bf16"} or \
        set(runs) == {"pipeline", "sorted_loop", "predictor_fp32", "predictor_bf16", "end_to_end_fp32"}
    assert runs["predictor_fp32"]["label_agreement_vs_fp32"] == 1.0
    assert runs["predictor_fp32"]["label_agreement_vs_pipeline"] == 1.0  # same labels as transformers.pipeline
    assert all(r["messages_per_s"] >= r["median_messages_per_s"] > 0 for r in runs.values())
    assert runs["pipeline"]["x_pipeline"] == 1.0 and res["peak_rss_mib"] > 0
