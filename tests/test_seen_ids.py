"""Duplicate detection over a run's string ids: exact whatever the hash, and memory proportional to the ids."""
from __future__ import annotations

import numpy as np
import pyarrow as pa

from inference.seen_ids import SeenIds, hash_strings


def feed(seen: SeenIds, chunks: list[list[str | None]]) -> list[list[bool]]:
    """Each chunk's duplicate mask, adding the new ids as the intake does."""
    out = []
    for chunk in chunks:
        keys = pa.array(chunk, pa.string())
        rows = np.array([k is not None for k in chunk])
        dup = seen.duplicates(keys, rows)
        seen.add(keys, rows & ~dup)
        out.append(dup.tolist())
    return out


CHUNKS = [["INC-0001", "0042", "42", "INC-0001", None], ["título-7", "42", "ticket 42"], ["0042", "x", "x", "título-7"]]
EXPECTED = [[False, False, False, True, False], [False, True, False], [True, False, True, True]]


def test_first_row_of_an_id_wins_within_and_across_chunks():
    seen = SeenIds()
    assert feed(seen, CHUNKS) == EXPECTED
    assert len(seen) == 6  # INC-0001, 0042, 42, título-7, ticket 42, x: nothing twice


def test_exact_when_every_key_shares_one_hash():
    """A hash that collides for every key: answers stay exact because matches are confirmed on the keys."""
    assert feed(SeenIds(hash_fn=lambda keys: np.zeros(len(keys), np.uint64)), CHUNKS) == EXPECTED


def test_hash_is_of_the_bytes_not_of_the_position():
    keys = pa.array(["", "a", "ab", "título-7", "0042", "42", "a"])
    h = hash_strings(keys)
    assert h[1] == h[6] and len(set(h.tolist())) == 6
    assert hash_strings(keys.slice(2, 3)).tolist() == h[2:5].tolist()  # a sliced array hashes the same


def test_many_chunks_memory_is_the_ids_own_bytes():
    seen = SeenIds()
    ids = [f"ticket-{i:07d}" for i in range(200_000)]  # 14 bytes each
    for start in range(0, len(ids), 20_000):
        chunk = pa.array(ids[start:start + 20_000] + ids[start:start + 10])  # 10 repeats per chunk
        dup = seen.duplicates(chunk, np.ones(len(chunk), bool))
        assert dup.sum() == 10 and dup[-10:].all()
        seen.add(chunk, ~dup)
    assert len(seen) == 200_000
    # 8 bytes of hash + 8 of offset + 14 of id (+ at most a validity bit) per key, plus O(log n) runs' padding.
    assert 200_000 * 30 <= seen.nbytes <= 200_000 * 30 + 200_000 // 8 + 4096
    assert len(seen._runs) <= 8
