"""Texts -> flat token-id arrays, and length-sorted batches under a token budget.

    enc = TextEncoder(hf_tokenizer, max_length=128, workers=4).encode(texts)
    for rows in token_batches(enc.lengths, budget=4096): ...

Why not `tokenizer(texts)`: its BatchEncoding builds Python lists and dicts
per row, which capped throughput near 30k messages/s on a 16-core machine. The
Rust backend (`encode_batch`) drops the GIL and fans out over cores, and the
ids go straight into one flat int32 array plus per-row lengths, so a batch is
cut and padded with numpy only (no per-row Python after the encode).
"""
from __future__ import annotations

import itertools
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from common.errors import UserError


@dataclass
class Encoded:
    """Token ids of n texts, concatenated; row i is ids[offsets[i]:offsets[i] + lengths[i]]."""

    ids: np.ndarray  # int32, all rows back to back
    offsets: np.ndarray  # int64 [n]
    lengths: np.ndarray  # int32 [n], special tokens included
    truncated: np.ndarray  # bool [n]: the text had more than max_length tokens
    pad_id: int = 0

    def __len__(self) -> int:
        return len(self.lengths)


class TextEncoder:
    """A copy of a fast tokenizer's backend, set to truncate and never pad."""

    def __init__(self, hf_tokenizer, max_length: int, workers: int = 1, rows_per_task: int = 8192):
        from tokenizers import Tokenizer

        if not getattr(hf_tokenizer, "is_fast", False):
            raise UserError(f"the model's tokenizer ({type(hf_tokenizer).__name__}) is not a fast tokenizer; "
                             "save it with tokenizer.json (AutoTokenizer(..., use_fast=True))")
        # A private copy: saved tokenizers may carry padding to a fixed length
        # (MiniLM's pads to 128), which would waste most of every batch.
        self._tok = Tokenizer.from_str(hf_tokenizer.backend_tokenizer.to_str())
        self._tok.no_padding()
        self._tok.enable_truncation(max_length)
        self.max_length = max_length
        self.pad_id = hf_tokenizer.pad_token_id if hf_tokenizer.pad_token_id is not None else 0
        self.rows_per_task = rows_per_task
        self._pool = ThreadPoolExecutor(workers, thread_name_prefix="tokenize") if workers > 1 else None

    def encode(self, texts: list[str]) -> Encoded:
        # Slices, even without a pool: the backend's Encoding objects (tokens,
        # offsets, masks) weigh ~10x the ids, so only one slice's worth lives at a time.
        step = self.rows_per_task
        slices = [texts[i:i + step] for i in range(0, len(texts), step)]
        parts = list(self._pool.map(self._encode_slice, slices) if self._pool else map(self._encode_slice, slices))
        return _concat(parts, self.pad_id)

    def _encode_slice(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        encs = self._tok.encode_batch(texts, add_special_tokens=True)
        rows = [e.ids for e in encs]
        lengths = np.fromiter(map(len, rows), np.int32, len(rows))
        ids = np.fromiter(itertools.chain.from_iterable(rows), np.int32, int(lengths.sum()))
        truncated = np.fromiter((bool(e.overflowing) for e in encs), bool, len(encs))
        return ids, lengths, truncated

    def close(self) -> None:
        if self._pool is not None:
            self._pool.shutdown(wait=False)


def _concat(parts, pad_id: int) -> Encoded:
    ids = np.concatenate([p[0] for p in parts]) if parts else np.zeros(0, np.int32)
    lengths = np.concatenate([p[1] for p in parts]) if parts else np.zeros(0, np.int32)
    truncated = np.concatenate([p[2] for p in parts]) if parts else np.zeros(0, bool)
    offsets = np.zeros(len(lengths), np.int64)
    np.cumsum(lengths[:-1], out=offsets[1:])
    return Encoded(ids, offsets, lengths, truncated, pad_id)


def token_batches(lengths: np.ndarray, budget: int, multiple_of: int = 8) -> list[np.ndarray]:
    """Row indices in ascending length, cut so rows x padded length <= budget (one row minimum).

    Sorting first means each batch pads only to its own longest row; the
    budget keeps the activation size (not the row count) constant, so short
    tweets go in large batches and the odd long chat in small ones.
    """
    order = np.argsort(lengths, kind="stable")
    padded = _round_up(lengths[order].astype(np.int64), multiple_of)
    batches, start, n = [], 0, len(order)
    while start < n:
        # Lengths grow along `order`, so the last row sets the padded length:
        # the largest end with (end - start) * padded[end - 1] <= budget.
        cost = np.arange(1, n - start + 1) * padded[start:]
        fits = int(np.searchsorted(cost > budget, True))  # first index that overflows
        end = start + max(fits, 1)
        batches.append(order[start:end])
        start = end
    return batches


def _round_up(x: np.ndarray, k: int) -> np.ndarray:
    return (x + k - 1) // k * k


def pad_batch(enc: Encoded, rows: np.ndarray, multiple_of: int = 8) -> tuple[np.ndarray, np.ndarray]:
    """input_ids and attention_mask (int64 [len(rows), L]) for the given rows, padded right."""
    lengths = enc.lengths[rows].astype(np.int64)
    width = int(_round_up(lengths.max(initial=1), multiple_of))
    # Tensor cores prefer lengths in multiples of 8; CPU callers pass 1 (Predictor.pad_multiple).
    cols = np.arange(width)
    mask = cols[None, :] < lengths[:, None]
    gather = np.minimum(enc.offsets[rows][:, None] + cols[None, :], max(len(enc.ids) - 1, 0))
    input_ids = np.where(mask, enc.ids[gather] if len(enc.ids) else 0, enc.pad_id).astype(np.int64)
    return input_ids, mask.astype(np.int64)
