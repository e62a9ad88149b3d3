"""scripts/benchmark_train.py runs every recipe and writes its JSON (tiny model, a couple of steps: a smoke test, not a measurement)."""
import json
import subprocess
import sys

import pytest

from conftest import ROOT


@pytest.mark.e2e  # every training recipe, in a subprocess
def test_benchmark_smoke(tmp_path):
    out = tmp_path / "bench.json"
    cmd = [sys.executable, "scripts/benchmark_train.py", "--device", "cpu", "--model", "tiny", "--rows", "400",
           "--max-steps", "2", "--warmup-steps", "1", "--json", str(out), "train.cpu_bf16=true"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    rows = {r["recipe"]: r for r in result["recipes"]}
    assert set(rows) == {"project", "hf-default", "dynamic-fp32"}
    assert all("error" not in r and r["samples_per_s"] > 0 and r["timed_steps"] == 2 for r in rows.values())
    assert rows["hf-default"]["padding"] == "max_length" and rows["hf-default"]["pad_fraction"] > 0.5
    assert rows["project"]["precision"] == "bf16" and rows["project"]["group_by_length"] is True
    assert "x dyn32" in proc.stdout
