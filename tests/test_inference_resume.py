"""kill -9 mid-run, rerun the same command: finished shards are skipped and every id appears exactly once."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

ROOT = Path(__file__).resolve().parent.parent


@pytest.mark.e2e  # two CLI runs in subprocesses, one killed
def test_sigkill_then_resume(tiny_model_dir, tmp_path):
    from preprocessing.synth import generate

    raw = tmp_path / "raw.csv"
    generate(rows=6_000, seed=11, output=raw)
    out = tmp_path / "preds"
    # Small shards and batches keep the run long enough to be killed part-way.
    cmd = [sys.executable, "-m", "inference.predict", "--model", str(tiny_model_dir), "--input", str(raw),
           "--output", str(out), "--batch-tokens", "512", "rows_per_shard=500", "num_threads=1",
           "progress=false", "tokenizer_workers=1"]
    proc = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    first = out / "_shards" / "part-00000.json"
    deadline = time.monotonic() + 120
    while not first.exists() and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait()
    assert proc.returncode == -signal.SIGKILL, proc.stderr.read().decode()[-2000:]
    done_before = len(list((out / "_shards").glob("part-*.json")))
    assert 1 <= done_before < 12 and not (out / "_SUCCESS").exists()

    rerun = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert rerun.returncode == 0, rerun.stderr[-2000:]
    preds = pd.read_parquet(out / "predictions")
    df = pd.read_csv(raw, dtype=str, keep_default_na=False)
    customers = df.loc[df["inbound"] == "True", "tweet_id"]  # ids come back as the strings given
    assert preds["id"].is_unique
    assert set(preds["id"]) == set(customers) and len(preds) == customers.nunique()
    summary = json.loads((out / "summary.json").read_text())
    assert summary["resumed_shards"] == done_before and summary["output"]["shards"] == 12
    assert summary["counts"]["rows_in"] == len(df) and (out / "_SUCCESS").exists()
    assert not (out / "_tmp").exists()
