"""The benchmark script runs end to end (tiny model, a few hundred messages) and writes its --json."""
from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from modeling.kernels import cpu_has_native_bf16  # noqa: E402


@pytest.mark.e2e  # every inference variant end to end
def test_benchmark_smoke(tiny_model_dir, tmp_path):
    from scripts.benchmark_predict import main

    out = tmp_path / "bench.json"
    assert main(["--model", str(tiny_model_dir), "--messages", "300", "--baseline-messages", "100",
                 "--precisions", "fp32,bf16", "--levers", "pad8,eager_attn,threads1,tok1,jit", "--rounds", "2",
                 "--json", str(out)]) == 0
    res = json.loads(out.read_text())
    runs = res["runs"]
    auto = "bf16" if cpu_has_native_bf16() else "fp32"  # the predictor's precision=auto on this CPU
    levers = {"lever_pad8", "lever_eager_attn", "lever_threads1", "lever_tok1", "lever_jit"}
    assert set(runs) == {"pipeline", "sorted_loop", "predictor_fp32", "predictor_bf16", f"end_to_end_{auto}"} | levers
    assert runs["predictor_fp32"]["label_agreement_vs_fp32"] == 1.0
    assert runs["predictor_fp32"]["label_agreement_vs_pipeline"] == 1.0  # same labels as transformers.pipeline
    # End to end is read back from the shards it wrote, every row in place.
    assert runs[f"end_to_end_{auto}"]["label_agreement_vs_pipeline"] == runs[f"predictor_{auto}"]["label_agreement_vs_pipeline"]
    # fp32 levers change speed, not numbers (pad tokens are masked; kernels differ in rounding only).
    for name in levers - {"lever_tok1"}:
        assert runs[name]["max_abs_prob_diff_vs_fp32"] < 1e-4, name
    # One tokenizer thread: the same end-to-end numbers, only slower or faster.
    assert abs(runs["lever_tok1"]["max_abs_prob_diff_vs_fp32"] - runs[f"end_to_end_{auto}"]["max_abs_prob_diff_vs_fp32"]) < 1e-6
    assert all(r["messages_per_s"] >= r["median_messages_per_s"] > 0 and r["messages_per_cpu_s"] > 0 for r in runs.values())
    assert runs["pipeline"]["x_pipeline"] == 1.0 and runs["pipeline"]["x_pipeline_cpu"] == 1.0 and res["peak_rss_mib"] > 0
    assert 1 <= res["torch_threads"] <= (os.cpu_count() or 1) and res["cpu"]
