"""Sort each input row into exactly one outcome: predict (maybe flagged), skip (company reply), or quarantine.

    seen = SeenIds()
    batch = take_in(chunk, source, seen, inbound_only=True)
    assert batch.rows_in == len(batch.ids) + batch.skipped_company + batch.quarantine.num_rows

Quarantine reasons: missing_id, bad_id (not an integer), duplicate_id (the
first occurrence wins, across the whole run), bad_inbound, and the parser's
malformed_csv / malformed_json. Text problems never cost a row its
prediction; they become `text_flags`: empty, whitespace_only, emoji_only,
no_words, invalid_utf8 (and `truncated`, added after tokenizing).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from inference.sources import Chunk, Source
from preprocessing.text import model_text

QUARANTINE_SCHEMA = pa.schema([("chunk", pa.int64()), ("source", pa.string()), ("id", pa.string()),
                               ("text", pa.string()), ("raw_record", pa.string()), ("reason", pa.string())])
_ID_PATTERN = r"^\s*-?\d{1,18}(\.0*)?\s*$"  # "119236.0" comes from twcs exports that passed through pandas


class SeenIds:
    """Every id predicted so far: sorted int64 runs, 8 bytes an id (17 MB at 2M ids).

    Runs merge like a binary counter (two runs of similar size become one), so
    there are O(log n) runs to search and few large reallocations: re-growing
    one array per chunk (np.union1d) fragmented the heap until RSS grew ~10x
    faster than the ids themselves.
    """

    def __init__(self, ids: np.ndarray | None = None):
        self._runs: list[np.ndarray] = []
        if ids is not None and len(ids):
            self.add(ids)

    def contains(self, ids: np.ndarray) -> np.ndarray:
        found = np.zeros(len(ids), bool)
        for run in self._runs:
            pos = np.minimum(np.searchsorted(run, ids), len(run) - 1)
            found |= run[pos] == ids
        return found

    def add(self, ids: np.ndarray) -> None:
        run = np.unique(np.asarray(ids, np.int64))
        while self._runs and len(self._runs[-1]) <= 2 * len(run):
            run = np.union1d(self._runs.pop(), run)
        self._runs.append(run)

    def __len__(self) -> int:
        return sum(len(r) for r in self._runs)


@dataclass
class Intake:
    ids: np.ndarray  # int64, rows to predict
    texts: list[str]  # their model text
    flags: np.ndarray  # object [n]: comma-joined text flags, "" for none
    split: pa.Array | None
    quarantine: pa.Table
    skipped_company: int
    rows_in: int


def take_in(chunk: Chunk, source: Source, seen: SeenIds, inbound_only: bool = True) -> Intake:
    table = chunk.table
    n = table.num_rows
    raw_text, bad_utf8 = _decode(table.column("text")) if n else (pa.array([], pa.string()), np.zeros(0, bool))
    ids, reason = _parse_ids(table.column("id")) if n else (np.zeros(0, np.int64), np.full(0, None, object))
    company = np.zeros(n, bool)
    if "inbound" in table.column_names and n:
        inbound = pc.utf8_lower(pc.utf8_trim_whitespace(_decode(table.column("inbound"))[0])).to_numpy(zero_copy_only=False)
        unknown = (inbound != "true") & (inbound != "false")
        reason = np.where((reason == None) & unknown, "bad_inbound", reason)  # noqa: E711 (numpy elementwise)
        company = (reason == None) & (inbound == "false") & inbound_only  # noqa: E711
    keep = (reason == None) & ~company  # noqa: E711
    dup = _duplicates(ids, keep, seen)
    reason = np.where(dup, "duplicate_id", reason)
    keep &= ~dup
    seen.add(ids[keep])

    raw_kept = raw_text.filter(pa.array(keep)).to_pylist()
    texts = raw_kept if source.prepared else [model_text(t) for t in raw_kept]
    flags = text_flags(raw_kept, texts, bad_utf8[keep])
    split = table.column("split").filter(pa.array(keep)).combine_chunks() if "split" in table.column_names else None
    quarantine = _quarantine(chunk, reason, raw_text)
    return Intake(ids[keep], texts, flags, split, quarantine, int(company.sum()), n + len(chunk.malformed))


def _decode(col) -> tuple[pa.Array, np.ndarray]:
    """Strings, nulls as ""; invalid UTF-8 bytes replaced (and reported) instead of failing the chunk."""
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    bad = np.zeros(len(col), bool)
    if pa.types.is_binary(col.type) or pa.types.is_large_binary(col.type):
        try:
            col = pc.cast(col, pa.string())
        except pa.ArrowInvalid:
            raw = col.to_pylist()
            bad = np.array([v is not None and not _valid_utf8(v) for v in raw], bool)
            col = pa.array([None if v is None else v.decode("utf-8", errors="replace") for v in raw], pa.string())
    elif not pa.types.is_string(col.type):
        col = pc.cast(col, pa.string())
    return pc.fill_null(col, ""), bad


def _valid_utf8(b: bytes) -> bool:
    try:
        b.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def _parse_ids(col) -> tuple[np.ndarray, np.ndarray]:
    """int64 ids and a reason per row (None where the id is usable)."""
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    if pa.types.is_integer(col.type):
        missing = col.is_null().to_numpy(zero_copy_only=False)
        ids = pc.fill_null(col, 0).cast(pa.int64()).to_numpy()
        return ids, np.where(missing, "missing_id", None).astype(object)
    text, _ = _decode(col)
    empty = pc.equal(pc.utf8_length(pc.utf8_trim_whitespace(text)), 0).to_numpy(zero_copy_only=False)
    ok = pc.match_substring_regex(text, _ID_PATTERN).to_numpy(zero_copy_only=False)
    digits = pc.replace_substring_regex(pc.utf8_trim_whitespace(text), r"\.0*$", "")
    ids = pc.cast(pc.if_else(pa.array(ok), digits, "0"), pa.int64()).to_numpy()
    reason = np.where(empty, "missing_id", np.where(ok, None, "bad_id")).astype(object)
    return ids, reason


def _duplicates(ids: np.ndarray, keep: np.ndarray, seen: SeenIds) -> np.ndarray:
    dup = np.zeros(len(ids), bool)
    idx = np.flatnonzero(keep)
    if not len(idx):
        return dup
    _, first = np.unique(ids[idx], return_index=True)
    repeat = np.ones(len(idx), bool)
    repeat[first] = False  # first occurrence in this chunk wins...
    dup[idx] = repeat | seen.contains(ids[idx])  # ...unless an earlier chunk had it
    return dup


def text_flags(raw: list[str], texts: list[str], bad_utf8: np.ndarray) -> np.ndarray:
    """Comma-joined flags per row from the raw and the model text ("" when none)."""
    out = np.full(len(texts), "", object)
    if not texts:
        return out
    prepared = pa.array(texts, pa.string())
    raw_arr = pa.array(raw, pa.string())
    empty_raw = pc.equal(pc.utf8_length(raw_arr), 0).to_numpy(zero_copy_only=False)
    empty = pc.equal(pc.utf8_length(prepared), 0).to_numpy(zero_copy_only=False)
    wordless = ~pc.match_substring_regex(prepared, r"[\pL\pN]").to_numpy(zero_copy_only=False) & ~empty
    emoji = pc.match_substring_regex(prepared, r"[\p{So}\p{Sk}]").to_numpy(zero_copy_only=False)
    marks = [("empty", empty_raw), ("whitespace_only", empty & ~empty_raw), ("emoji_only", wordless & emoji),
             ("no_words", wordless & ~emoji), ("invalid_utf8", bad_utf8)]
    for i in np.flatnonzero(np.logical_or.reduce([m for _, m in marks])):
        out[i] = ",".join(name for name, m in marks if m[i])  # flagged rows are rare: per-row Python is fine
    return out


def add_flag(flags: np.ndarray, mask: np.ndarray, name: str) -> np.ndarray:
    for i in np.flatnonzero(mask):
        flags[i] = f"{flags[i]},{name}" if flags[i] else name
    return flags


def _quarantine(chunk: Chunk, reason: np.ndarray, raw_text: pa.Array) -> pa.Table:
    rows = np.flatnonzero(reason != None)  # noqa: E711
    table = chunk.table
    ids = _decode(table.column("id"))[0] if len(rows) else None
    records = [{"chunk": chunk.index, "source": table.column("source")[int(i)].as_py(), "id": ids[int(i)].as_py(),
                "text": raw_text[int(i)].as_py(), "raw_record": None, "reason": reason[i]} for i in rows]
    records += [{"chunk": chunk.index, "id": None, "text": None, **m} for m in chunk.malformed]
    return pa.Table.from_pylist(records, QUARANTINE_SCHEMA)
