"""Exact duplicate detection over a whole prediction run, in memory that grows with the ids' own bytes.

    seen = SeenIds()
    dup = seen.duplicates(keys, candidates)   # bool [n]: candidate rows whose key an earlier row had
    seen.add(keys, candidates & ~dup)

Ids are opaque strings ("INC-0001", a UUID, "0042"), so they cannot be kept as
int64. Each key is stored once, in sorted runs of (64-bit hash, key): 8 bytes
of hash, 8 of offset and the key's own bytes. A lookup is a binary search on
the hashes; a hash match is then confirmed by comparing the keys themselves,
so two different ids that share a hash are never taken for one (the answer is
exact, not probabilistic). Runs merge like a binary counter (two runs of
similar size become one): O(log n) runs to search and few large reallocations.
"""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_PRIME = np.uint64(0x100000001B3)


def hash_strings(keys: pa.Array) -> np.ndarray:
    """uint64 hash of each string, vectorised: a polynomial over its bytes, then a bit mixer."""
    keys = keys.cast(pa.large_string()) if not pa.types.is_large_string(keys.type) else keys
    keys = pc.fill_null(keys, "")
    n = len(keys)
    if n == 0:
        return np.zeros(0, np.uint64)
    offsets = np.frombuffer(keys.buffers()[1], np.int64)[keys.offset: keys.offset + n + 1]
    data = keys.buffers()[2]
    body = np.frombuffer(data, np.uint8)[offsets[0]: offsets[-1]] if data is not None else np.zeros(0, np.uint8)
    start, lengths = offsets[:-1] - offsets[0], np.diff(offsets)
    h = np.zeros(n, np.uint64)
    with np.errstate(over="ignore"):  # numpy's uint64 arithmetic wraps modulo 2**64, as a hash wants
        if len(body):
            powers = np.cumprod(np.r_[np.uint64(1), np.full(int(lengths.max()), _PRIME)], dtype=np.uint64)
            terms = body.astype(np.uint64) * powers[np.arange(len(body)) - np.repeat(start, lengths)]
            filled = lengths > 0  # reduceat needs increasing starts; empty keys keep 0
            h[filled] = np.add.reduceat(terms, start[filled], dtype=np.uint64)
        h ^= lengths.astype(np.uint64) * np.uint64(0x9E3779B97F4A7C15)
        # splitmix64's finaliser: spreads the polynomial's low-bit structure over all 64 bits.
        h ^= h >> np.uint64(30)
        h *= np.uint64(0xBF58476D1CE4E5B9)
        h ^= h >> np.uint64(27)
        h *= np.uint64(0x94D049BB133111EB)
        h ^= h >> np.uint64(31)
    return h


class SeenIds:
    """Every key added so far; `duplicates` answers exactly, whatever the hash function."""

    def __init__(self, hash_fn: Callable[[pa.Array], np.ndarray] = hash_strings):
        self._hash = hash_fn
        self._runs: list[tuple[np.ndarray, pa.Array]] = []  # (sorted hashes, keys in the same order)

    def duplicates(self, keys: pa.Array, candidates: np.ndarray) -> np.ndarray:
        """Mask of the candidate rows whose key was added before, or appears on an earlier candidate row."""
        dup = np.zeros(len(keys), bool)
        idx = np.flatnonzero(candidates)
        if not len(idx):
            return dup
        sub = keys.take(pa.array(idx)).cast(pa.large_string())
        # index_in finds each key's first occurrence among the candidates: a later one repeats it.
        first = pc.index_in(sub, value_set=sub).to_numpy(zero_copy_only=False)
        dup[idx] = (first != np.arange(len(idx))) | self._contains(sub)
        return dup

    def _contains(self, keys: pa.Array) -> np.ndarray:
        hashes = self._hash(keys)
        found = np.zeros(len(keys), bool)
        for run_hashes, run_keys in self._runs:
            pos = np.searchsorted(run_hashes, hashes)
            while True:  # one pass, plus one more per key that shares its hash with a different key
                ask = ~found & (pos < len(run_hashes))
                ask[ask] = run_hashes[pos[ask]] == hashes[ask]
                if not ask.any():
                    break
                rows = np.flatnonzero(ask)
                same = pc.equal(run_keys.take(pa.array(pos[rows])), keys.take(pa.array(rows)))
                found[rows] = same.to_numpy(zero_copy_only=False)
                pos = pos + 1
        return found

    def add(self, keys: pa.Array, rows: np.ndarray) -> None:
        """Add the keys of `rows` (a mask); they must be new (not `duplicates`)."""
        idx = np.flatnonzero(rows)
        if not len(idx):
            return
        new_keys = keys.take(pa.array(idx)).cast(pa.large_string())
        hashes = self._hash(new_keys)
        while self._runs and len(self._runs[-1][0]) <= 2 * len(hashes):
            old_hashes, old_keys = self._runs.pop()
            hashes = np.concatenate([old_hashes, hashes])
            new_keys = pa.concat_arrays([old_keys, new_keys])
        order = np.argsort(hashes, kind="stable")
        self._runs.append((hashes[order], new_keys.take(pa.array(order))))

    def __len__(self) -> int:
        return sum(len(h) for h, _ in self._runs)

    @property
    def nbytes(self) -> int:
        """Memory the keys hold: 8 bytes of hash + 8 of offset + the key's UTF-8 bytes, per key."""
        return sum(h.nbytes + k.nbytes for h, k in self._runs)
