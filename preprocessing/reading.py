"""Read raw twcs CSV with an explicit schema and sort every record into valid or quarantined.

Each record the CSV parser yields gets exactly one outcome: a parsed row with
`reason` null, or a `reason` from `schema.REASONS`. Nothing is dropped here, so
input = customer + company + quarantined holds by construction, and the ETL
checks it again from the counts.
"""
from __future__ import annotations

import csv
import io
import mmap
import os
from pathlib import Path

import numpy as np
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from preprocessing.config import EtlConfig
from preprocessing.schema import RAW_COLUMNS, REQUIRED_RAW_COLUMNS

CORRUPT = "_corrupt_record"
# twcs `created_at`: "Wed Oct 11 06:55:44 +0000 2017". Spark 3+ cannot *parse*
# day-of-week names, so the first 4 characters ("Wed ") are cut off first.
CREATED_AT_FORMAT = "MMM dd HH:mm:ss Z yyyy"


class InputError(ValueError):
    """The input cannot be processed at all; the message names the fix."""


def read_header(spark: SparkSession, path: str) -> list[str]:
    """Column names from the first line of the first file, or an InputError.

    Read with fsspec when it knows the scheme (local, s3://): starting a Spark
    job just to read one line costs seconds. hdfs:// and friends go via Spark.
    """
    try:
        first = _first_line_fsspec(path)
    except (ImportError, ValueError):  # protocol fsspec does not know
        try:
            rows = spark.read.text(path).limit(1).collect()
        except Exception as exc:  # AnalysisException: PATH_NOT_FOUND and friends
            if "PATH_NOT_FOUND" in str(exc) or "does not exist" in str(exc):
                first = None
            else:
                raise
        else:
            first = rows[0][0] if rows else ""
    if first is None:
        raise InputError(f"input not found: {path}; pass --input with an existing CSV file, folder or glob")
    if not first.strip():
        raise InputError(f"input is empty: {path}; it needs a header line and at least one data row")
    return next(csv.reader(io.StringIO(first.lstrip("\ufeff"))))


def _first_line_fsspec(path: str) -> str | None:
    import fsspec

    fs, p = fsspec.core.url_to_fs(path)
    if any(ch in p for ch in "*?["):
        files = sorted(fs.glob(p))
    elif fs.isdir(p):
        # Spark skips hidden and underscore files (_SUCCESS, .crc) in folders.
        files = sorted(f for f in fs.find(p) if not f.rsplit("/", 1)[-1].startswith(("_", ".")))
    else:
        files = [p] if fs.exists(p) else []
    if not files:
        return None
    for f in files:
        with fs.open(f, "rb") as fh:
            line = fh.readline().decode("utf-8", errors="replace")
        if line.strip():
            return line
    return ""


def read_raw(spark: SparkSession, cfg: EtlConfig, chunks: list[str] | None = None) -> DataFrame:
    """All parser records with canonical column names, all as strings.

    Columns: the seven raw columns, `gold` (if configured), `raw_record`
    (the text of records the parser flagged), `source_file`, `_row` (read order).
    `chunks`: the files `split_csv` cut `cfg.input` into; Spark parses them in
    parallel, and `source_file` / `_row` still name the input and its order.
    """
    header = read_header(spark, cfg.input)
    wanted = {c: cfg.header_name(c) for c in RAW_COLUMNS}
    missing = [f"{c} (header '{h}')" for c, h in wanted.items() if c in REQUIRED_RAW_COLUMNS and h not in header]
    if cfg.gold_label_column and cfg.gold_label_column not in header:
        missing.append(f"gold label column '{cfg.gold_label_column}'")
    if missing:
        raise InputError(
            f"input {cfg.input} lacks required column(s): {', '.join(missing)}; found {header}. "
            "Map names with columns.<name>=<header> (e.g. columns.text=clean_text)."
        )
    schema = T.StructType([T.StructField(h, T.StringType()) for h in header] + [T.StructField(CORRUPT, T.StringType())])
    df = (
        spark.read.schema(schema)
        .option("header", True)
        .option("multiLine", True)  # quoted newlines stay inside their record
        .option("escape", '"')  # twcs doubles quotes inside quoted fields
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", CORRUPT)
        .option("encoding", "UTF-8")
        .csv(chunks or cfg.input)
    )
    cols = [(F.col(f"`{h}`") if h in header else F.lit(None).cast("string")).alias(c) for c, h in wanted.items()]
    if cfg.gold_label_column:
        cols.append(F.col(f"`{cfg.gold_label_column}`").alias("gold"))
    source, row = F.input_file_name(), F.monotonically_increasing_id()
    if chunks:
        # Ids count rows within a Spark partition (bits 0-32); chunk k's rows come
        # after chunk k-1's whatever partition they landed in.
        chunk = F.regexp_extract(source, r"chunk-(\d+)\.csv$", 1).cast("long")
        source, row = F.lit(_file_uri(cfg.input)), F.shiftleft(chunk, 33) + row.bitwiseAND(F.lit((1 << 33) - 1))
    return df.select(*cols, F.col(CORRUPT).alias("raw_record"), source.alias("source_file"), row.alias("_row"))


def split_csv(path: str, out_dir: str, parts: int, min_bytes: int) -> list[str] | None:
    """Cut one local CSV file into `parts` files at record boundaries, each with the header.

    A multi-line CSV file is one Spark partition, so one core parses it; the
    chunks parse in parallel. A newline ends a record unless it is inside a
    quoted field; fields open with a quote right after a comma or newline, and
    a quote anywhere else in an unquoted field is a literal (as in Spark's
    parser). Returns None, and the file is read whole, when it is not a plain
    local file, is smaller than `min_bytes`, or has quoting this scan does not
    model (a closing quote followed by other text, bare carriage returns).
    """
    local = path[len("file://"):] if path.startswith("file://") else path
    if parts < 2 or "://" in local or any(ch in local for ch in "*?[") or not os.path.isfile(local):
        return None
    if os.path.getsize(local) < max(min_bytes, 1):
        return None
    with open(local, "rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mm:
        bounds = _chunk_bounds(mm, parts)
        if bounds is None:
            return None
        Path(out_dir).mkdir(parents=True, exist_ok=True)
        files = []
        with memoryview(mm) as view:  # slices without copies
            for k, (start, stop) in enumerate(zip(bounds[:-1], bounds[1:])):
                files.append(f"{out_dir}/chunk-{k:05d}.csv")
                with open(files[-1], "wb") as out:
                    out.write(view[: bounds[0]])  # the header line
                    out.write(view[start:stop])
    return files if len(files) > 1 else None


def _chunk_bounds(mm: mmap.mmap, parts: int) -> list[int] | None:
    """[body start, cut, ..., end of file]: each cut is the first record end after 1/parts of the body."""
    data = np.frombuffer(mm, dtype=np.uint8)
    try:
        if mm.find(b"\r") != -1:  # memchr speed: most files have no \r at all
            cr = np.flatnonzero(data == 13)
            if cr[-1] == len(data) - 1 or not (data[cr + 1] == 10).all():
                return None  # bare \r line breaks: leave them to Spark's own detection
        spans = _quoted_spans(data, np.flatnonzero(data == 34))
    finally:
        del data  # the mmap cannot close while numpy holds its buffer
    if spans is None:
        return None
    header_end = _record_end_after(mm, *spans, 0)
    if header_end is None:
        return None
    body = len(mm) - header_end - 1
    cuts = [_record_end_after(mm, *spans, header_end + 1 + body * k // parts) for k in range(1, parts)]
    return sorted({header_end + 1, *[c + 1 for c in cuts if c is not None and c + 1 < len(mm)], len(mm)})


def _record_end_after(mm: mmap.mmap, opens: np.ndarray, closes: np.ndarray, pos: int) -> int | None:
    """Position of the first newline at or after `pos` outside every quoted span, or None."""
    while (nl := mm.find(b"\n", pos)) != -1:
        i = int(np.searchsorted(opens, nl, side="right")) - 1
        if i < 0 or nl >= closes[i]:
            return nl
        pos = int(closes[i])  # skip past the quoted field that holds this newline
    return None


def _quoted_spans(data: np.ndarray, q: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """(open, close) positions of the quoted fields; an unclosed one runs to the end."""
    n = len(data)
    prev = np.where(q > 0, data[np.maximum(q - 1, 0)], 10)
    nxt = np.where(q < n - 1, data[np.minimum(q + 1, n - 1)], 10)
    if len(q) % 2 == 0:
        # Fast path: every quote either opens a field, closes one, or is half of
        # a doubled "" inside one; then quoted spans are just the quote pairs.
        o, c = q[0::2], q[1::2]
        opens_ok = np.isin(prev[0::2], (44, 10)) | (np.r_[-2, c[:-1]] == o - 1)
        closes_ok = np.isin(nxt[1::2], (44, 10, 13)) | (np.r_[o[1:], -2] == c + 1)
        if opens_ok.all() and closes_ok.all():
            return o, c
    opens, closes = [], []
    inside, i, qs, pv, nx = False, 0, q.tolist(), prev.tolist(), nxt.tolist()
    while i < len(qs):
        if not inside:
            if pv[i] in (44, 10):  # else: a literal quote inside an unquoted field
                inside = True
                opens.append(qs[i])
            i += 1
        elif nx[i] == 34:  # "" inside a quoted field
            i += 2
        elif nx[i] in (44, 10, 13):
            inside = False
            closes.append(qs[i])
            i += 1
        else:
            return None  # "abc"def: Spark's handling is subtle; do not guess
    if inside:
        closes.append(n)
    return np.array(opens, dtype=np.int64), np.array(closes, dtype=np.int64)


def _file_uri(path: str) -> str:
    """The name Spark's input_file_name() gives a local file."""
    return path if "://" in path else Path(path).resolve().as_uri()


def _to_long(name: str):
    # "119236.0" appears in twcs exports that passed through pandas; accept it.
    # SQL try_cast (not Column.try_cast) keeps Spark 3.5 (Glue 5, EMR 7) working.
    v = f"trim(`{name}`)"
    return F.expr(f"coalesce(try_cast({v} as bigint), try_cast(try_cast({v} as double) as bigint))")


def parse_inbound(col):
    """`inbound` as a boolean: "true" or "false" in any case, padded or not; anything else null."""
    value = F.lower(F.trim(col))
    return F.when(value == "true", True).when(value == "false", False)


def validate(raw: DataFrame, cfg: EtlConfig, labels: list[str]) -> DataFrame:
    """Parsed columns plus `reason` (null for valid rows), first failing check wins."""
    created = F.try_to_timestamp(F.substring(F.trim(F.col("created_at")), 5, 64), F.lit(CREATED_AT_FORMAT))
    df = raw.select(
        "*",
        _to_long("tweet_id").alias("tweet_id_n"),
        parse_inbound(F.col("inbound")).alias("inbound_b"),
        created.alias("created_at_ts"),
        _to_long("in_response_to_tweet_id").alias("parent_id"),
    )
    # length() counts characters by walking the bytes; octet_length() is stored. A
    # text has at most as many characters as bytes, so most rows skip the walk.
    has_text = F.trim(F.coalesce(F.col("text"), F.lit(""))) != F.lit("")
    too_long = (F.octet_length("text") > cfg.max_text_chars) & (F.length("text") > cfg.max_text_chars)
    reason = (
        F.when(F.col("raw_record").isNotNull(), "malformed_csv")
        .when(F.col("tweet_id_n").isNull(), "bad_tweet_id")
        .when(F.col("inbound_b").isNull(), "bad_inbound")
        .when(F.col("created_at_ts").isNull(), "bad_created_at")
        .when(F.col("text").contains("\ufffd"), "invalid_utf8")  # the decoder's mark for bad bytes
        .when(~has_text, "empty_text")
        .when(too_long, "text_too_long")
    )
    if cfg.gold_label_column:
        reason = reason.when(~F.trim(F.col("gold")).isin(labels), "bad_gold_label")
    return df.withColumn("reason", reason)


def mark_duplicates(checked: DataFrame) -> DataFrame:
    """Second and later rows of a tweet id (in read order) get reason duplicate_tweet_id.

    Only (id, row) pairs are shuffled, and only repeated ids are joined back,
    so the full rows move once at most, and not at all when no id repeats.
    """
    valid = checked.where(F.col("reason").isNull()).select("tweet_id_n", "_row")
    repeated = valid.groupBy("tweet_id_n").agg(F.min("_row").alias("first_row"), F.count(F.lit(1)).alias("n"))
    dups = (
        valid.join(repeated.where("n > 1"), "tweet_id_n")
        .where(F.col("_row") != F.col("first_row"))
        .select("_row", F.lit(True).alias("_dup"))
    )
    out = checked.join(dups, "_row", "left")
    reason = F.when(F.col("_dup"), F.lit("duplicate_tweet_id")).otherwise(F.col("reason"))
    return out.withColumn("reason", reason).drop("_dup")


def duplicate_rows(ids: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Mask of the second and later rows of each id in read order: `mark_duplicates` on the driver."""
    mask = np.zeros(len(ids), dtype=bool)
    order = np.lexsort((rows, ids))
    in_order = ids[order]
    mask[order[1:][in_order[1:] == in_order[:-1]]] = True
    return mask
