"""Length-grouped training batches without transformers' streaks of one label.

    sampler = LengthGroupSampler(lengths, labels, batch_size=32, seed=42)                    # train.length_groups=shuffled
    sampler = LengthGroupSampler(lengths, labels, batch_size=32, seed=42, mix_labels=True)   # label_mixed

transformers' LengthGroupedSampler sorts windows of 50 batches by length, which
saves most pad tokens, and yields each window's batches in a row. Here length
tracks the label (thank-you notes are short, outage complaints long), so its
batches each hold mostly one label and dozens of steps in a row see the same
one: the gradient swings from class to class and the validation F1 after a
short run lags plain random batches (README benchmarks). Both modes here sort
windows the same way and then shuffle the batches, so single-label batches
alternate instead of running in streaks (`shuffled`, the default). They move in
runs of `run_batches` (4) neighbours, so tensor shapes repeat for a few steps,
which CPU kernels and the allocator reward. With
`mix_labels` each message is ranked by its length within its own label, so a
batch takes the shortest critical messages together with the shortest
non-critical ones: every batch keeps the window's label mix, at more padding.
"""
from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
import torch


class LengthGroupSampler(torch.utils.data.Sampler):
    """Row indices: shuffled, cut into windows of `window_batches` batches, each window ordered by
    length (by length rank within label with mix_labels), and the resulting full batches shuffled."""

    def __init__(self, lengths: Sequence[int], labels: Sequence[int], batch_size: int, seed: int = 0,
                 window_batches: int = 50, mix_labels: bool = False, run_batches: int = 4):
        if len(lengths) != len(labels):
            raise ValueError(f"{len(lengths)} lengths but {len(labels)} labels")  # a bug, not user input
        self.lengths = np.asarray(lengths, dtype=np.int64)
        self.labels = np.asarray(labels)
        self.batch_size = batch_size
        self.window = batch_size * window_batches
        self.seed = seed
        # False: each window sorted by length alone, as transformers does, but the batches still
        # shuffled, so single-label batches alternate instead of running in long streaks.
        self.mix_labels = mix_labels
        # Batches move in runs of this many neighbours of one sorted window: shapes repeat for a few
        # steps (CPU kernels and allocator reuse them) while a label streak stays short.
        self.run_batches = run_batches
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
        runs, short = [], []
        for start in range(0, len(order), self.window):
            batches = self._window_batches(order[start:start + self.window])
            # The DataLoader cuts this stream into batch_size chunks: a short batch (a window's
            # remainder) anywhere but last would shift every later batch across two sorted ones.
            short += [b for b in batches if len(b) < self.batch_size]
            full = [b for b in batches if len(b) == self.batch_size]
            runs += [full[i:i + self.run_batches] for i in range(0, len(full), self.run_batches)]
        shuffled = [b for i in rng.permutation(len(runs)) for b in runs[i]] + short
        return iter(np.concatenate(shuffled).tolist() if shuffled else [])

    def _window_batches(self, rows: np.ndarray) -> list[np.ndarray]:
        key = self._rank_within_label(rows) if self.mix_labels else self.lengths[rows]
        ordered = rows[np.argsort(key, kind="stable")]
        return [ordered[i:i + self.batch_size] for i in range(0, len(ordered), self.batch_size)]

    def _rank_within_label(self, rows: np.ndarray) -> np.ndarray:
        """0..1 per row: its length's position within its own label, so sorting by it interleaves the labels."""
        labels, lengths = self.labels[rows], self.lengths[rows]
        rank = np.empty(len(rows))
        for label in np.unique(labels):
            mine = np.flatnonzero(labels == label)
            # Stable sort of an already shuffled window: equal lengths stay in random order.
            position = np.empty(len(mine))
            position[np.argsort(lengths[mine], kind="stable")] = np.arange(len(mine))
            rank[mine] = (position + 0.5) / len(mine)
        return rank
