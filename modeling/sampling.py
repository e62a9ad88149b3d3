"""Length-grouped training batches that keep the split's label mix in every batch.

    sampler = LabelMixedLengthSampler(lengths, labels, batch_size=32, seed=42)
    # WeightedLossTrainer(..., label_mixed_groups=True) with train.group_by_length on

transformers' LengthGroupedSampler sorts windows of 50 batches by length, which
saves most pad tokens. Here length tracks the label (thank-you notes are short,
outage complaints long), so its batches each hold mostly one label and, over
the first hundred steps, the gradient swings from one class to the other: the
validation F1 after a short run lags plain random batches (README benchmarks).
This sampler ranks each message by its length within its own label and sorts
the window by that rank, so a batch takes the shortest critical messages
together with the shortest non-critical ones: each batch holds the window's
label mix, and its lengths stay close.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch


class LabelMixedLengthSampler(torch.utils.data.Sampler):
    """Row indices: shuffled, cut into windows of `window_batches` batches, each window ordered
    by length rank within label, and the resulting batches shuffled."""

    def __init__(self, lengths: Sequence[int], labels: Sequence[int], batch_size: int, seed: int = 0,
                 window_batches: int = 50):
        if len(lengths) != len(labels):
            raise ValueError(f"{len(lengths)} lengths but {len(labels)} labels")  # a bug, not user input
        self.lengths = np.asarray(lengths, dtype=np.int64)
        self.labels = np.asarray(labels)
        self.batch_size = batch_size
        self.window = batch_size * window_batches
        self.seed = seed
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        """A new order per epoch (the Trainer calls this through accelerate's data loader)."""
        self.epoch = epoch

    def __len__(self) -> int:
        return len(self.lengths)

    def __iter__(self) -> Iterator[int]:
        rng = np.random.default_rng((self.seed, self.epoch))
        self.epoch += 1  # when nobody calls set_epoch, the next pass still differs
        order = rng.permutation(len(self.lengths))
        batches = []
        for start in range(0, len(order), self.window):
            batches.extend(self._window_batches(order[start:start + self.window]))
        shuffled = [batches[i] for i in rng.permutation(len(batches))]
        return iter(np.concatenate(shuffled).tolist() if shuffled else [])

    def _window_batches(self, rows: np.ndarray) -> list[np.ndarray]:
        rank = np.empty(len(rows))
        labels, lengths = self.labels[rows], self.lengths[rows]
        for label in np.unique(labels):
            mine = np.flatnonzero(labels == label)
            # Stable sort of an already shuffled window: equal lengths stay in random order.
            position = np.empty(len(mine))
            position[np.argsort(lengths[mine], kind="stable")] = np.arange(len(mine))
            rank[mine] = (position + 0.5) / len(mine)  # 0..1 within the label: the labels interleave
        ordered = rows[np.argsort(rank, kind="stable")]
        return [ordered[i:i + self.batch_size] for i in range(0, len(ordered), self.batch_size)]
