"""The CPU levers that scripts/benchmark_predict.py times as rows beside the default predictor.

    python scripts/benchmark_predict.py --levers pad8,eager_attn,threads1,tok1,jit,compile

Each lever is the fp32 predictor with one thing changed, so its row answers
"does this beat what the product does now?" with the label agreement beside
it. Rejected levers stay here, measurable, instead of in the product code.
"""
from __future__ import annotations

import time
from collections.abc import Callable
from types import SimpleNamespace

import numpy as np

LEVERS = ("pad8", "eager_attn", "threads1", "tok1", "jit", "compile")


def make_lever(name: str, model_dir: str, make_predictor: Callable, make_end_to_end: Callable) -> Callable:
    """texts -> probabilities (or, for tok1, an end-to-end run) for the lever `name`."""
    import torch

    if name not in LEVERS:
        raise SystemExit(f"--levers: unknown lever {name!r}; choose from {', '.join(LEVERS)}")
    if name == "tok1":
        return make_end_to_end(make_predictor("auto", workers=1))
    if name == "pad8":
        p = make_predictor("fp32", pad_multiple=8)
        return lambda texts: p.predict(texts).probs
    p = make_predictor("fp32")
    if name == "threads1":
        def one_thread(texts):
            before = torch.get_num_threads()
            torch.set_num_threads(1)
            try:
                return p.predict(texts).probs
            finally:
                torch.set_num_threads(before)
        return one_thread
    backend = p.model  # inference.backends.TorchBackend: swap the module it calls
    if name == "eager_attn":
        from transformers import AutoModelForSequenceClassification

        backend.model = AutoModelForSequenceClassification.from_pretrained(model_dir, attn_implementation="eager").eval()
    elif name == "jit":
        backend.model = _frozen_trace(backend.model, p)
    elif name == "compile":
        backend.model = _compiled(backend.model, p)
    p.predict(["warm up"] * 256)
    return lambda texts: p.predict(texts).probs


def _frozen_trace(model, predictor):
    import torch

    class Logits(torch.nn.Module):  # tracing needs tensors out, not a ModelOutput
        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, input_ids, attention_mask):
            return self.inner(input_ids=input_ids, attention_mask=attention_mask).logits

    ids, mask = _sample_batch(predictor)
    with torch.inference_mode():
        traced = torch.jit.trace(Logits(model).eval(), (ids, mask), strict=False)
        frozen = torch.jit.optimize_for_inference(torch.jit.freeze(traced))
    return lambda input_ids, attention_mask: SimpleNamespace(logits=frozen(input_ids, attention_mask))


def _compiled(model, predictor):
    import torch
    import torch._inductor.config as inductor

    inductor.freezing = True  # constant-fold the weights so oneDNN can prepack them
    compiled = torch.compile(model, dynamic=True)
    start = time.perf_counter()
    with torch.inference_mode():
        for ids, mask in (_sample_batch(predictor, rows) for rows in (8, 64, 200)):
            compiled(input_ids=ids, attention_mask=mask)
    print(f"lever compile: {time.perf_counter() - start:.0f} s to compile (not timed)", flush=True)
    return compiled


def _sample_batch(predictor, rows: int = 64):
    import torch

    from inference.encoding import pad_batch

    enc = predictor.encoder.encode(["my card was charged twice and nobody answers"] * rows)
    return tuple(torch.from_numpy(a) for a in pad_batch(enc, np.arange(rows), predictor.pad_multiple))
