"""Load a classifier once, then score texts: the one predictor the CLI, SageMaker handler and Spark share.

    p = Predictor.load("runs/model", device="auto", precision="auto", batch_tokens=4096)
    out = p.predict(["my card was charged twice", "thanks!"])   # out.probs, p.labels[out.label_ids], out.scores

Speed comes from `inference.encoding` (Rust tokenization into flat arrays,
length-sorted batches under a token budget) plus, here: `inference_mode`,
bf16 weights on GPU with pinned host buffers and non-blocking copies, one
device->host copy per call instead of one per batch, and on CPU every core
and the fastest numerics that agree with fp32 (see scripts/benchmark_predict.py).
"""
from __future__ import annotations

import json
import os
from collections.abc import Callable
from dataclasses import dataclass

import fsspec
import numpy as np

from common.contracts import TrainingManifest
from common.errors import UserError
from common.storage import fetch_folder
from inference.encoding import Encoded, TextEncoder, pad_batch, token_batches
from modeling import registry
from modeling.cpu_threads import apply_torch_threads
from modeling.kernels import cpu_has_native_bf16
from modeling.threshold import decide, read_threshold

DEFAULT_MAX_LENGTH = 512


@dataclass
class Predictions:
    probs: np.ndarray  # float32 [n, n_labels], rows in input order
    n_tokens: np.ndarray  # int32 [n], after truncation
    truncated: np.ndarray  # bool [n]
    label_ids: np.ndarray  # int [n]: modeling.threshold.decide with the model's saved threshold (argmax without one)

    @property
    def scores(self) -> np.ndarray:
        """Probability of each row's output label (the `score` column everywhere)."""
        return self.probs[np.arange(len(self.probs)), self.label_ids]


@dataclass
class ModelInfo:
    name: str
    version: str
    sha256: str
    path: str
    training_manifest: TrainingManifest | None


def local_model_dir(path: str) -> str:
    """`path` itself when local; remote folders (s3://) are copied to a temp dir once."""
    if "://" not in path or path.startswith("file://"):
        local = path.removeprefix("file://")
        if not os.path.isfile(os.path.join(local, "config.json")):
            raise FileNotFoundError(f"model folder not found or has no config.json: {path}; "
                                    "pass --model with a trained model folder or registry:latest-approved")
        return local
    fs, root = fsspec.core.url_to_fs(path)
    if not fs.exists(f"{root.rstrip('/')}/config.json"):
        raise FileNotFoundError(f"no config.json under {path}; pass --model with a trained model folder")
    return fetch_folder(path, prefix="model-")


def read_model_info(model_dir: str) -> ModelInfo:
    entry = registry.entry(model_dir) or {}
    path = os.path.join(model_dir, "training_manifest.json")
    manifest = TrainingManifest.read(path) if os.path.exists(path) else None  # a base model has none
    name = entry.get("name") or (manifest and manifest.model_name) or os.path.basename(model_dir.rstrip("/"))
    sha = entry.get("content_sha256") or registry.content_hash(model_dir)
    return ModelInfo(name, entry.get("version", "unregistered"), sha, model_dir, manifest)


def _read_json(path: str) -> dict | None:
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as fh:
        return json.load(fh)


def pick_device(device: str) -> str:
    import torch

    if device == "cuda" and not torch.cuda.is_available():
        raise UserError("device=cuda but no CUDA GPU is visible; pass --device cpu (or auto)")
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    return device


def pick_precision(precision: str, device: str) -> str:
    if precision == "auto":
        # bf16 agreed with fp32 on >= 99.5% of labels in the benchmark and was
        # the fastest mode that did (int8 modes were faster but disagreed more).
        return "bf16" if device == "cuda" or cpu_has_native_bf16() else "fp32"
    if device == "cuda" and precision in ("int8", "onnx", "onnx-int8"):
        raise UserError(f"precision={precision} is a CPU mode; on cuda use bf16 or fp32")
    return precision


class Predictor:
    """A loaded model + tokenizer. Thread-compatible for one caller at a time."""

    def __init__(self, model, tokenizer, info: ModelInfo, device: str, precision: str, batch_tokens: int,
                 max_length: int, tokenizer_workers: int = 1, pad_multiple: int | None = None):
        self.model = model  # torch module, or an onnxruntime session for the onnx modes
        self.info = info
        self.device = device
        self.precision = precision
        self.batch_tokens = batch_tokens
        self.max_length = max_length
        # Tensor cores want lengths in multiples of 8. CPU matmuls see rows x length
        # flattened and do not care, so there rounding would only add pad tokens
        # (the README's benchmark section has the cost: benchmark_predict.py --levers pad8).
        self.pad_multiple = pad_multiple or (8 if device == "cuda" else 1)
        id2label = model_labels(info.path)
        self.labels = [id2label[i] for i in range(len(id2label))]
        # The decision rule training chose on human labels (config.json): the CLI, the
        # SageMaker handler and the Spark predictor all label through this one Predictor.
        self.threshold = read_threshold(info.path)
        self.encoder = TextEncoder(tokenizer, max_length, workers=tokenizer_workers)

    @classmethod
    def load(cls, model: str, device: str = "auto", precision: str = "auto", batch_tokens: int = 4096,
             max_length_tokens: int | None = None, tokenizer_workers: int = 1, num_threads: int | None = None,
             registry_root: str = "models", pad_multiple: int | None = None) -> Predictor:
        from transformers import AutoTokenizer
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()  # "Loading weights" bars would interleave with ours

        model_dir = local_model_dir(registry.resolve(model, registry_root))
        info = read_model_info(model_dir)
        device = pick_device(device)
        precision = pick_precision(precision, device)
        if device == "cpu":
            apply_torch_threads(num_threads or 0)  # None: probe the cores that are free now
        tokenizer = AutoTokenizer.from_pretrained(model_dir)
        trained_length = info.training_manifest.max_length if info.training_manifest else None
        max_length = max_length_tokens or trained_length or _model_limit(model_dir, tokenizer)
        from inference.backends import load_backend

        backend = load_backend(model_dir, device, precision)
        return cls(backend, tokenizer, info, device, precision, batch_tokens, int(max_length), tokenizer_workers,
                   pad_multiple)

    def predict(self, texts: list[str]) -> Predictions:
        return self.predict_encoded(self.encoder.encode(list(texts)))

    def predict_encoded(self, enc: Encoded, on_batch: Callable[[int], None] | None = None) -> Predictions:
        probs = np.zeros((len(enc), len(self.labels)), np.float32)
        if len(enc):
            batches = token_batches(enc.lengths, self.batch_tokens, self.pad_multiple)
            parts = []
            for rows in batches:
                parts.append(self.model.probs(*pad_batch(enc, rows, self.pad_multiple)))
                if on_batch is not None:
                    on_batch(len(rows))
            # One host sync for the whole call: GPU batches queue up back to back.
            for rows, part in zip(batches, self.model.to_numpy(parts)):
                probs[rows] = part
        return Predictions(probs, enc.lengths.copy(), enc.truncated.copy(), decide(probs, self.labels, self.threshold))

    def close(self) -> None:
        self.encoder.close()


def model_labels(model_dir: str) -> dict[int, str]:
    config = _read_json(os.path.join(model_dir, "config.json")) or {}
    id2label = {int(k): v for k, v in (config.get("id2label") or {}).items()}
    if not id2label:
        raise UserError(f"{model_dir}/config.json has no id2label; train with label names in the config")
    return id2label


def _model_limit(model_dir: str, tokenizer) -> int:
    config = _read_json(os.path.join(model_dir, "config.json")) or {}
    positions = config.get("max_position_embeddings") or DEFAULT_MAX_LENGTH
    return int(min(DEFAULT_MAX_LENGTH, positions, tokenizer.model_max_length or DEFAULT_MAX_LENGTH))
