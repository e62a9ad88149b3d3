"""Sort each input row into exactly one outcome: predict (maybe flagged), skip (company reply), or quarantine.

    seen = SeenIds()
    batch = take_in(chunk, source, seen, cfg.checks, inbound_only=True)
    assert batch.rows_in == len(batch.ids) + batch.skipped_company + batch.quarantine.num_rows

The checks and their reason names are the ones every entry point declares in
preprocessing/rowchecks.py (rendered here in pyarrow), plus the parser's
malformed_csv / malformed_json and duplicate_id (the first row of an id wins,
across the whole run, company replies included, as in the ETL). Ids stay the
strings the input holds. Text problems that `checks` does not quarantine become
`text_flags`: empty, whitespace_only, emoji_only, no_words, invalid_utf8 (and
`truncated`, added after tokenizing).
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from inference.seen_ids import SeenIds
from inference.sources import Chunk, Source
from preprocessing.rowchecks import DUPLICATE, RowChecks, arrow_checked
from preprocessing.text import model_text

QUARANTINE_SCHEMA = pa.schema([("chunk", pa.int64()), ("source", pa.string()), ("id", pa.string()),
                               ("text", pa.string()), ("raw_record", pa.string()), ("reason", pa.string())])


@dataclass
class Intake:
    ids: pa.Array  # string, exactly as given: rows to predict
    texts: list[str]  # their model text
    flags: np.ndarray  # object [n]: comma-joined text flags, "" for none
    split: pa.Array | None
    quarantine: pa.Table
    skipped_company: int
    rows_in: int


@dataclass
class Sorted:
    """One chunk's rows sorted, before any text work."""

    ids: pa.Array  # string [n], as given
    raw_text: pa.Array  # string [n], decoded (invalid bytes replaced by U+FFFD)
    reason: np.ndarray  # object [n]: None, or why the row is quarantined
    company: np.ndarray  # bool [n]: a company reply, skipped
    keep: np.ndarray  # bool [n]: to predict


def sort_rows(chunk: Chunk, seen: SeenIds, checks: RowChecks, inbound_only: bool = True) -> Sorted:
    """Run the declared checks and the duplicate check, and remember the ids kept.

    A resumed run calls this alone on its finished chunks: `seen` then holds
    exactly the ids an uninterrupted run would have seen, company replies too.
    """
    table = chunk.table
    canonical = {"id": _decode(table.column("id"))[0], "text": _decode(table.column("text"))[0]}
    for name in ("inbound", "created_at"):
        if name in table.column_names:
            canonical[name] = _decode(table.column(name))[0]
    verdict = arrow_checked(pa.table(canonical), checks)
    reason = verdict.reason
    valid = reason == None  # noqa: E711 (numpy elementwise)
    dup = seen.duplicates(verdict.key, valid)
    seen.add(verdict.key, valid & ~dup)
    reason[dup] = DUPLICATE
    valid &= ~dup
    company = valid & ~verdict.inbound if verdict.inbound is not None and inbound_only else np.zeros(len(valid), bool)
    return Sorted(canonical["id"], canonical["text"], reason, company, valid & ~company)


def take_in(chunk: Chunk, source: Source, seen: SeenIds, checks: RowChecks, inbound_only: bool = True) -> Intake:
    rows = sort_rows(chunk, seen, checks, inbound_only)
    keep = pa.array(rows.keep)
    raw_kept = rows.raw_text.filter(keep).to_pylist()
    texts = raw_kept if source.prepared else [model_text(t) for t in raw_kept]
    flags = text_flags(raw_kept, texts, replaced_bytes(raw_kept))
    table = chunk.table
    split = table.column("split").filter(keep).combine_chunks() if "split" in table.column_names else None
    quarantine = _quarantine(chunk, rows)
    return Intake(rows.ids.filter(keep), texts, flags, split, quarantine, int(rows.company.sum()),
                  table.num_rows + len(chunk.malformed))


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


def replaced_bytes(raw: list[str]) -> np.ndarray:
    """Rows whose text holds U+FFFD, the decoders' mark for bytes they could not read: the
    definition the invalid_utf8 check uses, so the flag and the check always agree."""
    return np.fromiter(("\ufffd" in t for t in raw), bool, len(raw))


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


def _quarantine(chunk: Chunk, rows: Sorted) -> pa.Table:
    where = np.flatnonzero(rows.reason != None)  # noqa: E711
    take = pa.array(where, pa.int64())
    table = pa.table({
        "chunk": pa.array(np.full(len(where), chunk.index, np.int64)),
        "source": chunk.table.column("source").take(take).combine_chunks().cast(pa.string()),
        "id": rows.ids.take(take), "text": rows.raw_text.take(take),
        "raw_record": pa.nulls(len(where), pa.string()),
        "reason": pa.array(rows.reason[where].tolist(), pa.string())}, schema=QUARANTINE_SCHEMA)
    malformed = [{"chunk": chunk.index, "id": None, "text": None, **m} for m in chunk.malformed]
    return pa.concat_tables([table, pa.Table.from_pylist(malformed, QUARANTINE_SCHEMA)]) if malformed else table
