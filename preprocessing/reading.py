"""Read raw twcs CSV with an explicit schema and sort every record into valid or quarantined.

    raw = read_raw(spark, cfg, chunks)             # every record, all strings, in read order
    checked = validate(raw, cfg, rules.labels)     # + parsed columns and `reason`

Each record the CSV parser yields gets exactly one outcome: a parsed row with
`reason` null, or a reason from `preprocessing.rowchecks.REASONS` (the list
every entry point uses). Nothing is dropped here, so input = customer +
company + quarantined holds by construction, and the ETL checks it again from
the counts.
"""
from __future__ import annotations

import codecs
import csv
import io
import mmap
import os
from pathlib import Path

import numpy as np
from pyspark.sql import DataFrame, SparkSession
from pyspark.sql import functions as F
from pyspark.sql import types as T

from common.errors import UserError
from preprocessing.config import EtlConfig
from preprocessing.rowchecks import DUPLICATE, SparkColumns, spark_checked, spark_inbound, spark_integer
from preprocessing.schema import RAW_COLUMNS, REQUIRED_RAW_COLUMNS

CORRUPT = "_corrupt_record"
# Python's canonical codec names -> the names Spark 4's readers accept without its legacy switch.
SPARK_CHARSETS = {"utf-8": "utf-8", "iso8859-1": "iso-8859-1", "ascii": "us-ascii", "utf-16": "utf-16",
                  "utf-16-le": "utf-16le", "utf-16-be": "utf-16be", "utf-32": "utf-32"}
parse_inbound = spark_inbound  # `inbound` as a boolean (the benchmark's floor variant reads it too)


class InputError(UserError, ValueError):
    """The input cannot be processed at all; the message names the fix."""


def read_header(spark: SparkSession, path: str, encoding: str = "utf-8") -> list[str]:
    """Column names from the first line of the first file, or an InputError.

    Read with fsspec when it knows the scheme (local, s3://): starting a Spark
    job just to read one line costs seconds. hdfs:// and friends go via Spark
    (which reads that line as UTF-8).
    """
    try:
        first = _first_line_fsspec(path, encoding)
    # A protocol fsspec does not know, or cannot open here: hdfs:// needs libhdfs and a JVM in
    # this process (OSError without them, as on most drivers), while Spark already has both.
    except (ImportError, ValueError, OSError):
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


def _first_line_fsspec(path: str, encoding: str) -> str | None:
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
            text = io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline="")
            line = text.readline()
            text.detach()  # leave closing `fh` to the with block
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
    header = read_header(spark, cfg.input.path, cfg.input.encoding)
    wanted = {c: cfg.header_name(c) for c in RAW_COLUMNS}
    missing = [f"{c} (header '{h}')" for c, h in wanted.items() if c in REQUIRED_RAW_COLUMNS and h not in header]
    if cfg.gold_label_column and cfg.gold_label_column not in header:
        missing.append(f"gold label column '{cfg.gold_label_column}'")
    if missing:
        raise InputError(
            f"input {cfg.input.path} lacks required column(s): {', '.join(missing)}; found {header}. "
            "Map names with columns.<name>=<header> (e.g. columns.text=clean_text)."
        )
    df = read_csv_records(spark, chunks or cfg.input.path, header, spark_charset(cfg.input.encoding))
    cols = [(F.col(f"`{h}`") if h in header else F.lit(None).cast("string")).alias(c) for c, h in wanted.items()]
    if cfg.gold_label_column:
        cols.append(F.col(f"`{cfg.gold_label_column}`").alias("gold"))
    source, row = F.input_file_name(), F.monotonically_increasing_id()
    if chunks:
        # Ids count rows within a Spark partition (bits 0-32); chunk k's rows come
        # after chunk k-1's whatever partition they landed in.
        chunk = F.regexp_extract(source, r"chunk-(\d+)\.csv$", 1).cast("long")
        source, row = F.lit(_file_uri(cfg.input.path)), F.shiftleft(chunk, 33) + row.bitwiseAND(F.lit((1 << 33) - 1))
    return df.select(*cols, F.col(CORRUPT).alias("raw_record"), source.alias("source_file"), row.alias("_row"))


def spark_charset(encoding: str) -> str:
    """A Python encoding name as Spark's readers take it (Python's "latin-1" is Java's "iso-8859-1")."""
    name = codecs.lookup(encoding).name
    return SPARK_CHARSETS.get(name, name)


def allow_charset(spark: SparkSession, charset: str, setting: str = "input.encoding") -> None:
    """Spark 4 reads only SPARK_CHARSETS unless its legacy switch is on; any other charset Java
    knows (cp1252, shift_jis, ...) turns the switch on for this session. Spark 3.5 reads them all."""
    if not spark.sparkContext._jvm.java.nio.charset.Charset.isSupported(charset):
        raise InputError(f"Spark does not know the encoding {charset!r}; set {setting} to one Java knows "
                         "(utf-8, latin-1, cp1252, utf-16, ...)")
    if charset not in SPARK_CHARSETS.values():
        spark.conf.set("spark.sql.legacy.javaCharsets", "true")


def read_csv_records(spark: SparkSession, paths, header: list[str], charset: str) -> DataFrame:
    """Every record of CSV file(s) with a header, as strings, plus `_corrupt_record` (the text of a
    record the parser could not split into the header's columns). The ETL and the Spark predictor
    read CSV only through here. `charset`: see `spark_charset`."""
    allow_charset(spark, charset)
    schema = T.StructType([T.StructField(h, T.StringType()) for h in header] + [T.StructField(CORRUPT, T.StringType())])
    return (
        spark.read.schema(schema)
        .option("header", True)
        .option("multiLine", True)  # quoted newlines stay inside their record
        .option("escape", '"')  # twcs doubles quotes inside quoted fields
        .option("mode", "PERMISSIVE")
        .option("columnNameOfCorruptRecord", CORRUPT)
        .option("encoding", charset)
        .csv(paths)
    )


def check_decoding(counts: dict, cfg: EtlConfig) -> None:
    """Stop, naming input.encoding, when most rows did not decode: the file is in another encoding,
    and quarantining it row by row as invalid_utf8 would be safe but useless."""
    bad, rows = counts["quarantined_by_reason"].get("invalid_utf8", 0), counts["input_rows"]
    if 2 * bad > rows:
        raise InputError(
            f"{bad:,} of {rows:,} rows of {cfg.input.path} do not decode as {cfg.input.encoding}: the file is in "
            "another encoding; set input.encoding (e.g. input.encoding=latin-1 or cp1252). Nothing was published.")


def split_csv(path: str, out_dir: str, parts: int, min_bytes: int, encoding: str = "utf-8") -> list[str] | None:
    """Cut one local CSV file into `parts` files at record boundaries, each with the header.

    A multi-line CSV file is one Spark partition, so one core parses it; the
    chunks parse in parallel. A newline ends a record unless it is inside a
    quoted field; fields open with a quote right after a comma or newline, and
    a quote anywhere else in an unquoted field is a literal (as in Spark's
    parser). Returns None, and the file is read whole, when it is not a plain
    local file, is smaller than `min_bytes`, or has quoting this scan does not
    model (a closing quote followed by other text, bare carriage returns), or
    an `encoding` in which those bytes may be part of other characters (UTF-16).
    """
    local = path[len("file://"):] if path.startswith("file://") else path
    if not ascii_transparent(encoding):
        return None
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


def ascii_transparent(encoding: str) -> bool:
    """True when every ASCII byte stands for itself in `encoding`, alone: then the newline, quote
    and comma bytes that `split_csv` cuts at are never part of another character (UTF-8, Latin-1,
    cp1252, Shift_JIS: yes; UTF-16, ISO-2022-JP: no)."""
    name = codecs.lookup(encoding).name
    return name == "utf-8" or all(bytes([b]).decode(name, errors="replace") == chr(b) for b in range(128))


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


def validate(raw: DataFrame, cfg: EtlConfig, labels: list[str]) -> DataFrame:
    """Parsed columns (tweet_id_n, inbound_b, created_at_ts, parent_id) plus `reason` (null for valid
    rows): the declared row checks (preprocessing/rowchecks.py) with the ETL's options."""
    cols = SparkColumns(id="tweet_id", text="text", inbound="inbound", created_at="created_at",
                        gold="gold" if cfg.gold_label_column else None, corrupt="raw_record", id_value="tweet_id_n")
    checked = spark_checked(raw, cfg.row_checks, cols, labels if cfg.gold_label_column else None)
    return checked.withColumn("parent_id", spark_integer(F.col("in_response_to_tweet_id")))


def mark_duplicates(checked: DataFrame, key: str = "tweet_id_n", order: str = "_row") -> DataFrame:
    """Second and later valid rows of a `key` (by `order`, the read order) get reason duplicate_id.

    Only (key, order) pairs are shuffled, and only repeated keys are joined back,
    so the full rows move once at most, and not at all when no key repeats.
    """
    valid = checked.where(F.col("reason").isNull()).select(key, order)
    repeated = valid.groupBy(key).agg(F.min(order).alias("_first"), F.count(F.lit(1)).alias("n"))
    dups = (
        valid.join(repeated.where("n > 1"), key)
        .where(F.col(order) != F.col("_first"))
        .select(order, F.lit(True).alias("_dup"))
    )
    out = checked.join(dups, order, "left")
    reason = F.when(F.col("_dup"), F.lit(DUPLICATE)).otherwise(F.col("reason"))
    return out.withColumn("reason", reason).drop("_dup")


def duplicate_rows(ids: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Mask of the second and later rows of each id in read order: `mark_duplicates` on the driver."""
    mask = np.zeros(len(ids), dtype=bool)
    order = np.lexsort((rows, ids))
    in_order = ids[order]
    mask[order[1:][in_order[1:] == in_order[:-1]]] = True
    return mask
