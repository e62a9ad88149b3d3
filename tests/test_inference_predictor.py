"""The shared Predictor: tokenization parity with HF, token-budget batching, numerics, config checks."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from common.configfile import ConfigError, load_config
from common.errors import UserError
from inference.config import PredictConfig
from inference.encoding import TextEncoder, pad_batch, token_batches
from inference.predictor import Predictor

ROOT = Path(__file__).resolve().parent.parent
TEXTS = ["my card was charged twice!!", "", "😡😡", "hola, ¿no funciona mi cuenta? " * 60, "thanks @user <url>", "ok"]


def test_encoder_matches_hf_tokenizer(tiny_tokenizer):
    enc = TextEncoder(tiny_tokenizer, max_length=32, workers=2, rows_per_task=2).encode(TEXTS)
    hf = tiny_tokenizer(TEXTS, truncation=True, max_length=32)["input_ids"]
    for i, ids in enumerate(hf):
        assert enc.ids[enc.offsets[i]:enc.offsets[i] + enc.lengths[i]].tolist() == ids
    assert enc.truncated.tolist() == [False, False, False, True, False, False]


def test_token_batches_cover_every_row_once_within_budget():
    lengths = np.array([5, 40, 3, 17, 17, 200, 8, 9, 33, 2])
    batches = token_batches(lengths, budget=64)
    rows = np.concatenate(batches)
    assert sorted(rows.tolist()) == list(range(len(lengths)))
    for b in batches:
        padded = -(-lengths[b].max() // 8) * 8
        assert len(b) == 1 or len(b) * padded <= 64
        assert (np.diff(lengths[b]) >= 0).all()  # sorted by length inside a batch


def test_pad_batch_layout(tiny_tokenizer):
    enc = TextEncoder(tiny_tokenizer, max_length=16).encode(["a b c", "a"])
    ids, mask = pad_batch(enc, np.array([1, 0]))
    assert ids.shape == (2, 8) and mask.sum(axis=1).tolist() == [enc.lengths[1], enc.lengths[0]]
    assert (ids[mask == 0] == tiny_tokenizer.pad_token_id).all()


def test_predictions_match_plain_hf_forward(tiny_model_dir):
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    p = Predictor.load(str(tiny_model_dir), device="cpu", precision="fp32", batch_tokens=64, max_length_tokens=48,
                       num_threads=1)
    out = p.predict(TEXTS)
    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir).eval()
    with torch.no_grad():
        for i, t in enumerate(TEXTS):
            e = tok(t, truncation=True, max_length=48, return_tensors="pt")
            ref = torch.softmax(model(input_ids=e["input_ids"], attention_mask=e["attention_mask"]).logits, -1)[0]
            assert np.abs(out.probs[i] - ref.numpy()).max() < 1e-5
    assert p.labels == ["critical", "non_critical"] and out.n_tokens[3] == 48


def test_cpu_pads_each_batch_to_its_longest_row_only(tiny_model_dir):
    p = Predictor.load(str(tiny_model_dir), device="cpu", precision="fp32", batch_tokens=64, max_length_tokens=48,
                       num_threads=1)
    assert p.pad_multiple == 1  # CPU matmuls see rows x length flattened: rounding up only adds pad tokens
    widths, forward = [], p.model.probs
    p.model.probs = lambda ids, mask: (widths.append(ids.shape[1]), forward(ids, mask))[1]
    out = p.predict(TEXTS)
    enc = p.encoder.encode(TEXTS)
    assert widths == [int(enc.lengths[rows].max()) for rows in token_batches(enc.lengths, 64, multiple_of=1)]
    padded8 = Predictor.load(str(tiny_model_dir), device="cpu", precision="fp32", batch_tokens=64,
                             max_length_tokens=48, num_threads=1, pad_multiple=8).predict(TEXTS)
    assert np.abs(padded8.probs - out.probs).max() < 1e-5  # pad tokens are masked: same numbers


@pytest.mark.parametrize("precision", ["bf16", "int8"])
def test_fast_cpu_modes_stay_close_to_fp32(tiny_model_dir, precision):
    fp32 = Predictor.load(str(tiny_model_dir), precision="fp32", num_threads=1).predict(TEXTS).probs
    fast = Predictor.load(str(tiny_model_dir), precision=precision, num_threads=1).predict(TEXTS).probs
    assert np.abs(fast - fp32).max() < 0.02


def test_cuda_is_guarded_when_absent(tiny_model_dir):
    import torch

    if torch.cuda.is_available():
        pytest.skip("a GPU is present")
    with pytest.raises(UserError, match="no CUDA GPU"):
        Predictor.load(str(tiny_model_dir), device="cuda")


def test_config_validation_names_the_key():
    with pytest.raises(ConfigError, match="precision must be one of"):
        PredictConfig(precision="fp8")
    with pytest.raises(ConfigError, match="batch_tokens must be >= 1"):
        load_config(PredictConfig, None, ["batch_tokens=0"])
    with pytest.raises(ConfigError, match="unknown config key 'batch_size'"):
        load_config(PredictConfig, None, ["batch_size=64"])
    with pytest.raises(ConfigError, match="pass --model"):
        PredictConfig(input="x", output="y").check_paths()


@pytest.mark.parametrize("path", sorted((ROOT / "configs" / "predict").glob("*.yaml")), ids=lambda p: p.name)
def test_shipped_predict_configs_load(path):
    cfg = load_config(PredictConfig, path)
    assert cfg.batch_tokens >= 1


@pytest.mark.gpu
def test_cuda_bf16_matches_cpu_fp32(tiny_model_dir, tmp_path):
    import torch

    if not torch.cuda.is_available():
        pytest.skip("needs a CUDA GPU")
    cpu = Predictor.load(str(tiny_model_dir), device="cpu", precision="fp32").predict(TEXTS * 50)
    gpu = Predictor.load(str(tiny_model_dir), device="cuda", batch_tokens=262144, tokenizer_workers=4).predict(TEXTS * 50)
    assert gpu.probs.dtype == np.float32 and np.abs(gpu.probs - cpu.probs).max() < 0.02
    assert (gpu.n_tokens == cpu.n_tokens).all()
