"""Fault matrix: SIGKILL each stage mid-way, rerun the same command, check what a reader sees.

Training (tests/test_modeling_resume.py) and inference (tests/test_inference_resume.py)
have their kill-and-resume tests beside their stages; the ETL and the pipeline
as a whole are here.
"""
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT, run_etl

from preprocessing.synth import generate

ENV = {**os.environ, "PYTHONUNBUFFERED": "1", "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}


def start(args: list[str], log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, *args], cwd=ROOT, env=ENV, stdout=log.open("w"), stderr=subprocess.STDOUT,
                            start_new_session=True)


def kill_when(proc: subprocess.Popen, ready, log: Path, timeout_s: float = 300) -> None:
    """SIGKILL the whole process group (the JVM too) as soon as `ready()` holds."""
    deadline = time.monotonic() + timeout_s
    while not ready():
        assert proc.poll() is None, f"finished before the kill point:\n{log.read_text()[-3000:]}"
        assert time.monotonic() < deadline, "kill point never reached"
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()


def test_killed_etl_leaves_no_visible_run_and_reruns_cleanly(spark, tmp_path):
    raw = tmp_path / "raw.csv"
    generate(rows=60_000, seed=5, output=raw)
    out, day = tmp_path / "out", tmp_path / "out" / "2024-05-05"
    args = ["-m", "preprocessing.etl", "--input", str(raw), "--output", str(out), "--run-date", "2024-05-05",
            "--run-id", "k", f"rules={ROOT}/configs/labels/default.yaml"]
    proc = start(args, tmp_path / "etl.log")
    # Killed while the staging folder is being filled: before the publish.
    kill_when(proc, lambda: any(day.glob("_staging-k-*/parsed/*.parquet")), tmp_path / "etl.log")
    assert not (day / "k").exists()  # a reader finds no run at all, let alone a partial one
    manifest = run_etl(spark, out, [f"input={raw}", "run_date=2024-05-05", "run_id=k"])
    assert manifest["counts"]["input_rows"] == 60_000
    assert sorted(p.name for p in day.iterdir()) == ["k"]  # the stale staging folder is gone
    assert (day / "k" / "_SUCCESS").exists()


@pytest.mark.e2e
@pytest.mark.spark  # the pipeline's ETL steps, in a subprocess
def test_killed_pipeline_resumes_at_the_failed_step(tmp_path, tiny_model_dir):
    from modeling.registry import register

    # As in production, an earlier approved model serves while a new one trains (a tiny one is never approved).
    register(str(tiny_model_dir), str(tmp_path / "models"), "support-triage-earlier", approved=True)
    args = ["-m", "pipeline", f"workdir={tmp_path}", "train.config=configs/train/tiny.yaml",
            "data.train_rows=600", "data.new_batch_rows=200", "simulated_review.enabled=false",
            # enough steps that the kill lands mid-training, after a checkpoint
            "train.overrides=[train.max_steps=120, train.eval_steps=10, train.logging_steps=10, train.early_stopping_patience=0]"]
    proc = start(args, tmp_path / "pipeline.log")
    root = tmp_path / "demo"
    kill_when(proc, lambda: any((root / "model").glob("checkpoint-*/trainer_state.json")), tmp_path / "pipeline.log",
              timeout_s=600)
    assert (root / "steps" / "etl_train.json").exists() and not (root / "steps" / "train.json").exists()
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-3000:]
    assert "step data" in done.stdout and "skipped (already complete)" in done.stdout
    from common.contracts import StepMarker

    train = StepMarker.read(str(root / "steps" / "train.json")).outputs
    assert train["train"]["resumed_from"] and "checkpoint-" in train["train"]["resumed_from"]
    assert train["train"]["start_step"] > 0 and train["train"]["global_step"] == 120
    assert (root / "steps" / "report.json").exists()
