"""scripts/benchmark_train.py runs every recipe and writes its JSON (tiny model, a couple of steps: a smoke test, not a measurement)."""
import json
import subprocess
import sys

import pytest
from conftest import ROOT

from modeling.cpu_threads import usable_cores
from modeling.kernels import cpu_has_native_bf16


@pytest.mark.e2e  # every training recipe, in a subprocess
def test_benchmark_smoke(tmp_path):
    out = tmp_path / "bench.json"
    cmd = [sys.executable, "scripts/benchmark_train.py", "--device", "cpu", "--model", "tiny", "--rows", "400",
           "--max-steps", "2", "--warmup-steps", "1", "--json", str(out), "train.cpu_bf16=true"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=900)  # a loaded shared machine: minutes
    assert proc.returncode == 0, proc.stderr[-3000:]
    result = json.loads(out.read_text())
    rows = {r["recipe"]: r for r in result["recipes"]}
    assert set(rows) == {"project", "hf-default", "dynamic-fp32"}
    assert all("error" not in r and r["samples_per_s"] > 0 and r["timed_steps"] == 2 for r in rows.values())
    assert rows["hf-default"]["padding"] == "max_length" and rows["hf-default"]["pad_fraction"] > 0.5
    # cpu_bf16 asks for bf16 autocast; it is granted only where the CPU has native bf16.
    assert rows["project"]["precision"] == ("bf16" if cpu_has_native_bf16() else "fp32")
    assert rows["project"]["group_by_length"] == "shuffled" and rows["project"]["class_weighted"] is True  # the config default
    assert rows["dynamic-fp32"]["class_weighted"] is False and rows["dynamic-fp32"]["precision"] == "fp32"
    # References on torch's default threads; the project on the probe's pick.
    default = subprocess.run([sys.executable, "-c", "import torch; print(torch.get_num_threads())"],
                             capture_output=True, text=True, check=True).stdout
    assert rows["dynamic-fp32"]["threads"] == int(default)
    assert 1 <= rows["project"]["threads"] <= usable_cores() and result["cpu"]
    assert "x dyn32" in proc.stdout
