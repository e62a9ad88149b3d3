"""CUDA-only checks (scripts/gpu_check.sh runs them on the H100; skipped without a GPU).

No Spark on the GPU machine, so the run folder is built here from the same
Python text/label functions the ETL's Spark rendering is tested against.
"""
import json

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import torch

from conftest import ROOT

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU (scripts/gpu_check.sh on the H100)")


@pytest.fixture(scope="module")
def python_run(tmp_path_factory):
    """An ETL-shaped run folder (declared schema, manifest, _SUCCESS) from 3,000 generated rows."""
    import pandas as pd

    from preprocessing.labeling import load_rules
    from preprocessing.schema import PREPARED_ARROW
    from preprocessing.synth import generate
    from preprocessing.text import clean_text, model_text

    root = tmp_path_factory.mktemp("gpu_run")
    generate(rows=3000, seed=11, output=root / "raw.csv")
    raw = pd.read_csv(root / "raw.csv", dtype=str, keep_default_na=False)
    raw = raw[raw.inbound == "True"].reset_index(drop=True)
    rules = load_rules(ROOT / "configs/labels/default.yaml")
    df = pd.DataFrame({"tweet_id": raw.tweet_id.astype("int64"), "conversation_id": raw.tweet_id.astype("int64"),
                       "author_id": raw.author_id, "created_at": pd.Timestamp("2017-10-11", tz="UTC"),
                       "text": raw.text.map(model_text), "clean_text": raw.text.map(clean_text)})
    df["rule_label"] = df.clean_text.map(rules.label)
    df["label"] = df.rule_label
    cut = {"train": df.iloc[: int(len(df) * 0.8)], "validation": df.iloc[int(len(df) * 0.8): int(len(df) * 0.9)],
           "test": df.iloc[int(len(df) * 0.9):]}
    splits = {}
    for name, part in cut.items():
        (root / name).mkdir()
        pq.write_table(pa.Table.from_pandas(part, schema=PREPARED_ARROW, preserve_index=False), root / name / "part-0.parquet")
        splits[name] = {"rows": len(part), "labels": part.label.value_counts().to_dict(), "text_length_chars": {}}
    (root / "manifest.json").write_text(json.dumps({"labels": rules.labels, "splits": splits,
                                                    "text_length_bins_chars": [0, 20, 40, 60, 80, 100, 140, 200, 280, 500, 1000]}))
    (root / "_SUCCESS").write_text("")
    return root


@pytest.fixture(scope="module")
def trained(python_run, tmp_path_factory):
    from modeling.config import TrainConfig
    from modeling.train import run
    from common.configfile import load_config

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
    texts = pd.read_parquet(python_run / "test" / "part-0.parquet")["text"].tolist() * 4
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
    texts = pd.read_parquet(python_run / "test" / "part-0.parquet")["text"].tolist()
    torch.backends.cuda.enable_cudnn_sdp(True)  # the process default; the predictor must still avoid it
    predictor = Predictor.load(str(out), device="cuda", precision="bf16")
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA]) as prof:
        predictor.predict(texts)
    names = {e.key for e in prof.key_averages()}
    assert any("attention" in n for n in names), sorted(names)[:40]
    assert not any("cudnn_attention" in n for n in names)
    assert torch.backends.cuda.cudnn_sdp_enabled()  # the predictor's switch is scoped to its forward
