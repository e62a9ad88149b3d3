"""An optional extra that is not installed ends in one line naming the pip command, not a traceback.

The extras are installed here (the test extra pulls them in), so their absence is simulated:
`sys.modules[name] = None` makes `import name` fail as it does where the package is missing.
"""
from __future__ import annotations

import subprocess
import sys

from conftest import ROOT

LAUNCH = """
import sys
sys.modules["sagemaker"] = None
from pipeline.launch import main
sys.exit(main(["train", "--config", "configs/train/tiny.yaml", "--data", "s3://bucket/etl/2024-05-31/r1",
               "--sagemaker-config", "configs/sagemaker/gpu_single.yaml", "--dry-run"]))
"""


def test_launcher_without_the_sagemaker_extra():
    proc = subprocess.run([sys.executable, "-c", LAUNCH], cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2, proc.stderr[-2000:]
    assert proc.stderr.strip().splitlines() == [
        "error: the launcher needs the SageMaker SDK (sagemaker is not installed); pip install -e .[sagemaker]"]


def test_onnx_precision_without_the_onnx_extra(tiny_model_dir, tmp_path, monkeypatch, capsys):
    from inference.predict import main

    inp = tmp_path / "in.jsonl"
    inp.write_text('{"tweet_id": "1", "text": "hello"}\n')
    # CI installs neither; a machine may have onnx (torch's exporter) without the runtime.
    monkeypatch.setitem(sys.modules, "onnx", None)
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    assert main(["--model", str(tiny_model_dir), "--input", str(inp), "--output", str(tmp_path / "o"),
                 "precision=onnx", "progress=false"]) == 2
    assert capsys.readouterr().err.strip().splitlines() == [
        "error: precision=onnx needs the onnx extra (onnx and onnxruntime not installed); pip install -e .[onnx]"]
