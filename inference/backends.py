"""The numeric engines behind `Predictor`: torch (fp32 / bf16 / dynamic int8) and ONNX Runtime.

    backend = load_backend(model_dir, device="cpu", precision="bf16")
    part = backend.probs(input_ids, attention_mask)     # queued, maybe still on the GPU
    arrays = backend.to_numpy([part, ...])              # one host sync

Every engine returns float32 softmax probabilities; bf16 is only used inside
the model (as its weights), never for the probabilities.
"""
from __future__ import annotations

import contextlib
import importlib
import os
import tempfile
import warnings

import numpy as np

from common.errors import UserError
from modeling.kernels import attention_without_cudnn


class MissingExtraError(UserError, ValueError):
    """An optional extra this setting needs is not installed; the message names the pip command."""


def load_backend(model_dir: str, device: str, precision: str):
    if precision in ("onnx", "onnx-int8"):
        return OnnxBackend(model_dir, quantize=precision == "onnx-int8")
    return TorchBackend(model_dir, device, precision)


class TorchBackend:
    def __init__(self, model_dir: str, device: str, precision: str):
        import torch
        from transformers import AutoModelForSequenceClassification

        model = AutoModelForSequenceClassification.from_pretrained(model_dir).eval()
        if precision == "int8":
            model = quantize_encoder_int8(model)
        if precision == "bf16":
            # Full bf16 weights rather than autocast, on CPU too: autocast re-casts
            # every weight on every call (README benchmarks: faster, same agreement).
            model = model.to(torch.bfloat16)
        self.model = model.to(device)
        self.device = torch.device(device)
        self.cuda = device == "cuda"
        self._torch = torch

    def probs(self, input_ids: np.ndarray, attention_mask: np.ndarray):
        torch = self._torch
        ids, mask = torch.from_numpy(input_ids), torch.from_numpy(attention_mask)
        if self.cuda:
            # Pinned host memory lets the copy overlap the previous batch's kernels.
            ids = ids.pin_memory().to(self.device, non_blocking=True)
            mask = mask.pin_memory().to(self.device, non_blocking=True)
        # Token-budget batches change shape every call: keep attention off cuDNN,
        # which would build a plan per shape (modeling/kernels.py).
        with torch.inference_mode(), (attention_without_cudnn() if self.cuda else contextlib.nullcontext()):
            logits = self.model(input_ids=ids, attention_mask=mask).logits
            return torch.softmax(logits.float(), dim=-1)

    def to_numpy(self, parts: list) -> list[np.ndarray]:
        if not parts:
            return []
        flat = self._torch.cat(parts).cpu().numpy()
        return np.split(flat, np.cumsum([len(p) for p in parts])[:-1])


def quantize_encoder_int8(model):
    """Dynamic int8 (weights int8, activations quantized per batch) for the encoder's Linear layers.

    The encoder's Linear layers hold nearly all the FLOPs. One weight scale per
    output channel, and a float head (pooler, classifier: one token per row),
    cut the logit error of whole-model per-tensor int8 by more than a third
    (README benchmarks, agreement with fp32 per variant).
    """
    import torch
    from torch.ao.quantization import per_channel_dynamic_qconfig, quantize_dynamic

    prefix = model.base_model_prefix + "."
    encoder = {name: per_channel_dynamic_qconfig for name, module in model.named_modules()
               if isinstance(module, torch.nn.Linear) and name.startswith(prefix) and ".pooler." not in name}
    # torch.ao is deprecated in favour of torchao, which is not a dependency here.
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", (DeprecationWarning, UserWarning))
        return quantize_dynamic(model, encoder, dtype=torch.qint8)


class OnnxBackend:
    """ONNX Runtime on CPU; the model is exported once per process into a temp folder."""

    def __init__(self, model_dir: str, quantize: bool):
        import torch

        missing = []
        for name in ("onnx", "onnxruntime"):  # onnx: torch's exporter and the int8 quantizer write through it
            try:
                importlib.import_module(name)
            except ImportError:
                missing.append(name)
        if missing:
            raise MissingExtraError(f"precision={'onnx-int8' if quantize else 'onnx'} needs the onnx extra "
                                    f"({' and '.join(missing)} not installed); pip install -e .[onnx]")
        import onnxruntime as ort

        path = export_onnx(model_dir, quantize)
        options = ort.SessionOptions()
        options.intra_op_num_threads = torch.get_num_threads()  # what Predictor.load set (probe or num_threads)
        options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
        self.session = ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])

    def probs(self, input_ids: np.ndarray, attention_mask: np.ndarray) -> np.ndarray:
        logits = self.session.run(None, {"input_ids": input_ids, "attention_mask": attention_mask})[0]
        logits = logits.astype(np.float32) - logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    def to_numpy(self, parts: list) -> list[np.ndarray]:
        return parts


def export_onnx(model_dir: str, quantize: bool) -> str:
    import torch
    from transformers import AutoModelForSequenceClassification

    out = tempfile.mkdtemp(prefix="onnx-")
    path = os.path.join(out, "model.onnx")
    model = AutoModelForSequenceClassification.from_pretrained(model_dir).eval()
    dummy = torch.ones(2, 16, dtype=torch.long)
    axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}, "logits": {0: "batch"}}
    # The TorchScript exporter needs no extra packages (the dynamo one wants onnxscript).
    torch.onnx.export(model, (dummy, dummy), path, input_names=["input_ids", "attention_mask"],
                      output_names=["logits"], dynamic_axes=axes, opset_version=17, dynamo=False)
    if not quantize:
        return path
    from onnxruntime.quantization import QuantType, quantize_dynamic

    qpath = os.path.join(out, "model-int8.onnx")
    quantize_dynamic(path, qpath, weight_type=QuantType.QInt8)
    return qpath
