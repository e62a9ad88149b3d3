"""CUDA-only checks (scripts/gpu_check.sh runs them on the H100; skipped without a GPU).

No Spark on the GPU machine, so the run folder is built here from the same
Python text/label functions the ETL's Spark rendering is tested against.
"""

import numpy as np
import pytest
import torch
from conftest import ROOT, build_etl_run

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (scripts/gpu_check.sh on the H100)")


@pytest.fixture(scope="module")
def python_run(tmp_path_factory):
    """An ETL-shaped run folder (declared schema, manifest, _SUCCESS) from 3,000 generated rows, one shard per split."""
    from preprocessing.synth import generate

    root = tmp_path_factory.mktemp("gpu_run")
    generate(rows=3000, seed=11, output=root / "raw.csv")
    return build_etl_run(root / "raw.csv", root / "2024-01-01" / "run", rows_per_shard=100_000)


@pytest.fixture(scope="module")
def trained(python_run, tmp_path_factory):
    from common.configfile import load_config
    from modeling.config import TrainConfig
    from modeling.train import run

    out = tmp_path_factory.mktemp("gpu_model")
    cfg = load_config(TrainConfig, ROOT / "configs/train/tiny.yaml", [
        f"data.run_dir={python_run}", f"output_dir={out}", "registry_root=none", "train.max_steps=60",
        "train.eval_steps=30", f"gold.dev={ROOT}/data/gold/dev.csv", f"gold.test={ROOT}/data/gold/test.csv", f"gold.rules={ROOT}/configs/labels/default.yaml"])
    return run(cfg), out


def test_cuda_training_uses_bf16_and_saves_a_loadable_model(trained):
    from modeling.trainer import use_bf16

    result, out = trained
    assert use_bf16("auto") is True  # Hopper and Ampere support bf16
    assert result["train"]["global_step"] == 60
    assert (out / "model.safetensors").exists() and not list(out.glob("*.bin"))
    assert result["metrics"]["test"]["macro_f1"] is not None


def test_cuda_bf16_predictions_agree_with_cpu_fp32(trained, python_run):
    import pandas as pd

    from inference.predictor import Predictor

    _, out = trained
    texts = pd.read_parquet(python_run / "test" / "part-00000.parquet")["text"].tolist() * 4
    gpu = Predictor.load(str(out), device="cuda", precision="bf16").predict(texts)
    cpu = Predictor.load(str(out), device="cpu", precision="fp32").predict(texts)
    margin = np.abs(cpu.probs[:, 0] - cpu.probs[:, 1])
    decided = margin > 0.02  # bf16 may flip near-ties; everything else must agree
    assert (gpu.label_ids[decided] == cpu.label_ids[decided]).mean() >= 0.995
    assert np.abs(gpu.probs - cpu.probs).max() < 0.05


def test_cuda_attention_never_runs_on_cudnn(trained, python_run):
    """cuDNN attention builds a plan per new shape (modeling/kernels.py): the predictor keeps off it, even where
    the process has it on (modeling.train turns it off process-wide; test_modeling_train checks that switch)."""
    import pandas as pd
    from torch.profiler import ProfilerActivity, profile

    from inference.predictor import Predictor

    _, out = trained
    texts = pd.read_parquet(python_run / "test" / "part-00000.parquet")["text"].tolist()
    torch.backends.cuda.enable_cudnn_sdp(True)  # the process default; the predictor must still avoid it
    predictor = Predictor.load(str(out), device="cuda", precision="bf16")
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        predictor.predict(texts)
    names = {e.key for e in prof.key_averages()}
    assert any("attention" in n for n in names), sorted(names)[:40]
    assert not any("cudnn_attention" in n for n in names)
    assert torch.backends.cuda.cudnn_sdp_enabled()  # the predictor's switch is scoped to its forward
