"""Stream any supported input as deterministic, fixed-size chunks (never the whole file in memory).

    source = open_source(cfg)                     # checks the path and the columns up front
    for chunk in source.chunks(rows_per_shard):   # chunk.index 0, 1, 2, ... same cut on every run
        chunk.table                               # id, text, [inbound], [split], source

Inputs: an ETL run folder (its split folders' *.parquet; text is already model
text), raw twcs CSV (pyarrow's streaming parser, quoted newlines allowed),
Parquet, or JSON Lines: a file, folder or glob, local or any fsspec URL.
Chunk i always holds input rows [i*N, (i+1)*N) in sorted file order, which is
what lets a killed run map its finished output shards back to input chunks.
Records the parser cannot split into columns ride along in `chunk.malformed`.
"""
from __future__ import annotations

import codecs
import csv
import io
import json
from collections.abc import Iterator
from dataclasses import dataclass, field

import fsspec
import pyarrow as pa
import pyarrow.csv as pv
import pyarrow.parquet as pq

from common.configfile import ConfigError
from common.contracts import EtlManifest
from common.etl_run import open_etl_run
from inference.config import PredictConfig

# .json is read as JSON Lines (one object per line), the form batch jobs exchange.
EXTENSIONS = {".csv": "csv", ".parquet": "parquet", ".pq": "parquet", ".jsonl": "jsonl", ".ndjson": "jsonl", ".json": "jsonl"}
_PIECE_ROWS = 65_536  # read granularity; chunks are re-cut from pieces to exactly rows_per_shard


@dataclass
class Chunk:
    index: int
    table: pa.Table
    malformed: list[dict] = field(default_factory=list)  # {"source", "raw_record", "reason"}


@dataclass
class Source:
    kind: str  # etl | csv | parquet | jsonl
    files: list[tuple[str, str | None]]  # (url, split or None)
    id_column: str
    text_column: str
    has_inbound: bool
    fs: fsspec.AbstractFileSystem
    manifest: EtlManifest | None = None
    has_created_at: bool = False  # read `created_at` too (checks.created_at=check)
    encoding: str = "utf-8"  # of CSV and JSON Lines files

    @property
    def prepared(self) -> bool:
        """ETL text is already model text; everything else goes through model_text."""
        return self.kind == "etl"

    def chunks(self, rows_per_shard: int) -> Iterator[Chunk]:
        pending: list[dict] = []
        buffer: list[pa.Table] = []
        buffered = index = 0
        for piece in self._pieces(pending):
            buffer.append(piece)
            buffered += piece.num_rows
            while buffered >= rows_per_shard:
                table = pa.concat_tables(buffer, promote_options="permissive").combine_chunks()
                yield Chunk(index, table.slice(0, rows_per_shard), _take(pending))
                index += 1
                rest = table.slice(rows_per_shard)
                buffer, buffered = ([rest] if rest.num_rows else []), rest.num_rows
        if buffered or pending or index == 0:
            table = pa.concat_tables(buffer, promote_options="permissive") if buffer else _empty(self)
            yield Chunk(index, table, _take(pending))

    def _pieces(self, pending: list[dict]) -> Iterator[pa.Table]:
        for url, split in self.files:
            reader = {"etl": self._parquet, "parquet": self._parquet, "csv": self._csv, "jsonl": self._jsonl}[self.kind]
            for piece in reader(url, pending):
                piece = piece.append_column("source", pa.array([url] * piece.num_rows, pa.string()))
                if split is not None:
                    piece = piece.append_column("split", pa.array([split] * piece.num_rows, pa.string()))
                yield piece

    def _columns(self) -> dict[str, str]:
        cols = {"id": self.id_column, "text": self.text_column}
        cols.update({"inbound": "inbound"} if self.has_inbound else {})
        return {**cols, "created_at": "created_at"} if self.has_created_at else cols

    def _parquet(self, url: str, pending: list[dict]) -> Iterator[pa.Table]:
        cols = self._columns()
        with self.fs.open(url, "rb") as fh:
            for batch in pq.ParquetFile(fh).iter_batches(batch_size=_PIECE_ROWS, columns=list(cols.values())):
                yield pa.table({k: batch.column(v) for k, v in cols.items()})

    def _csv(self, url: str, pending: list[dict]) -> Iterator[pa.Table]:
        cols = self._columns()

        def on_bad_row(row) -> str:
            pending.append({"source": url, "raw_record": row.text, "reason": "malformed_csv"})
            return "skip"

        with self.fs.open(url, "rb") as fh:
            header = _csv_header(fh, self.encoding)
            fh.seek(0)
            # Binary, not string: one invalid UTF-8 byte must not fail the whole
            # file; intake decodes with replacement and flags the row.
            # use_threads=False keeps the parse (and on_bad_row calls) in file order.
            reader = pv.open_csv(
                fh if codecs.lookup(self.encoding).name == "utf-8" else _ToUtf8(fh, self.encoding),
                read_options=pv.ReadOptions(use_threads=False, block_size=1 << 20),  # 1 MB: ~100 MB less RSS than 4 MB
                parse_options=pv.ParseOptions(newlines_in_values=True, invalid_row_handler=on_bad_row),
                convert_options=pv.ConvertOptions(column_types={h: pa.binary() for h in header},
                                                  include_columns=list(cols.values()),
                                                  strings_can_be_null=False, quoted_strings_can_be_null=False),
            )
            for batch in reader:
                yield pa.table({k: batch.column(v) for k, v in cols.items()})

    def _jsonl(self, url: str, pending: list[dict]) -> Iterator[pa.Table]:
        cols = self._columns()
        rows: list[dict] = []
        with self.fs.open(url, "rb") as fh:
            for line in io.TextIOWrapper(fh, encoding=self.encoding, errors="replace"):
                if not line.strip():
                    continue  # a blank line is not a record
                try:
                    # Numbers stay the text they were written as: id 1.50 is "1.50", not 1.5.
                    obj = json.loads(line, parse_int=str, parse_float=str)
                except json.JSONDecodeError:
                    obj = None
                if not isinstance(obj, dict):
                    pending.append({"source": url, "raw_record": line.rstrip("\n"), "reason": "malformed_json"})
                    continue
                rows.append({k: _as_str(obj.get(v)) for k, v in cols.items()})
                if len(rows) == _PIECE_ROWS:
                    yield pa.Table.from_pylist(rows, _string_schema(cols))
                    rows = []
        if rows:
            yield pa.Table.from_pylist(rows, _string_schema(cols))


def _as_str(value) -> str | None:
    if value is None or isinstance(value, str):
        return value
    return json.dumps(value) if isinstance(value, (dict, list)) else str(value)


def _string_schema(cols: dict) -> pa.Schema:
    return pa.schema([(k, pa.string()) for k in cols])


def _take(pending: list[dict]) -> list[dict]:
    out = list(pending)
    pending.clear()
    return out


class _ToUtf8(io.RawIOBase):
    """A binary stream of `fh` re-encoded from `encoding` to UTF-8, bytes it cannot decode
    replaced by U+FFFD (then flagged or quarantined as invalid_utf8, never failing the file)."""

    def __init__(self, fh, encoding: str):
        self._fh, self._decoder, self._out = fh, codecs.getincrementaldecoder(encoding)(errors="replace"), b""

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        while len(self._out) < len(buffer):
            raw = self._fh.read(1 << 20)
            self._out += self._decoder.decode(raw, final=not raw).encode("utf-8")
            if not raw:
                break
        n = min(len(buffer), len(self._out))
        buffer[:n], self._out = self._out[:n], self._out[n:]
        return n


def _empty(source: Source) -> pa.Table:
    names = list(source._columns()) + ["source"] + (["split"] if source.kind == "etl" else [])
    return pa.table({n: pa.array([], pa.string()) for n in names})


def _csv_header(fh, encoding: str = "utf-8") -> list[str]:
    text = io.TextIOWrapper(fh, encoding=encoding, errors="replace", newline="")
    first = text.readline().lstrip("\ufeff")
    text.detach()  # a collected wrapper would close `fh`, which the caller reads on
    return next(csv.reader([first]), [])


def _check_decoding(fs, path: str, cfg: PredictConfig) -> None:
    """Fail fast, naming input_encoding, when most of the first lines are not UTF-8 (the ETL's rule)."""
    if codecs.lookup(cfg.input_encoding).name != "utf-8":
        return
    with fs.open(path, "rb") as fh:
        lines = fh.read(1 << 20).split(b"\n")[1:-1]  # no header, no cut-off last line
    bad = sum(not _is_utf8(line) for line in lines)
    if lines and 2 * bad > len(lines):
        raise ConfigError(f"{bad:,} of the first {len(lines):,} lines of {path} are not valid UTF-8: the file is in "
                          "another encoding; set input_encoding (e.g. input_encoding=latin-1 or cp1252)")


def _is_utf8(line: bytes) -> bool:
    try:
        line.decode("utf-8")
        return True
    except UnicodeDecodeError:
        return False


def open_source(cfg: PredictConfig) -> Source:
    """Resolve the input's files and format, and check its columns before any model work."""
    fs, path = fsspec.core.url_to_fs(cfg.input)
    kind = cfg.input_format
    manifest = None
    if fs.isdir(path) and fs.exists(f"{path.rstrip('/')}/manifest.json") and kind in ("auto", "etl"):
        kind = "etl"
    if kind == "etl":
        manifest, files = _etl_files(cfg)
    else:
        files = [(u, None) for u in _list_files(fs, path, cfg.input)]
        if kind == "auto":
            kind = _format_of(files[0][0], cfg.input)
    # Local paths stay plain; remote ones keep their scheme so fsspec reopens them.
    urls = [(fs.unstrip_protocol(f) if "://" in cfg.input else f, s) for f, s in files]
    if kind in ("csv", "jsonl") and files:
        _check_decoding(fs, files[0][0], cfg)
    names = _column_names(fs, files[0][0], kind, cfg.input_encoding) if files else []
    created_at = cfg.checks.created_at == "check"
    source = Source(kind, urls, cfg.id_column, cfg.text_column, "inbound" in names and kind != "etl", fs, manifest,
                    created_at, cfg.input_encoding)
    for key, col in (("text_column", cfg.text_column), ("id_column", cfg.id_column)):
        if names and col not in names:
            raise ConfigError(f"{key} '{col}' is not a column of {files[0][0]}; columns there: {names}. "
                              f"Pass --{key.replace('_', '-')} with one of them.")
    if created_at and names and "created_at" not in names:
        raise ConfigError(f"checks.created_at=check needs a created_at column, and {files[0][0]} has none "
                          f"(columns: {names}); set checks.created_at=ignore")
    return source


def _etl_files(cfg: PredictConfig) -> tuple[EtlManifest, list[tuple[str, str]]]:
    run = open_etl_run(cfg.input, setting="--input", splits=cfg.splits or None)
    return run.manifest, run.all_files()


def _list_files(fs, path: str, given: str) -> list[str]:
    if any(c in path for c in "*?["):
        files = sorted(fs.glob(path))
    elif fs.isdir(path):
        files = sorted(p for p in fs.find(path) if _format_of(p, None) and not p.rsplit("/", 1)[-1].startswith(("_", ".")))
    elif fs.exists(path):
        files = [path]
    else:
        raise FileNotFoundError(f"input not found: {given}; pass --input with an ETL run folder, CSV, Parquet or JSONL")
    if not files:
        raise FileNotFoundError(f"no .csv, .parquet or .jsonl files under {given}")
    return files


def _format_of(path: str, given: str | None) -> str | None:
    name = path.lower().rsplit("/", 1)[-1]
    for ext, kind in EXTENSIONS.items():
        if name.endswith(ext):
            return kind
    if given is not None:
        raise ConfigError(f"cannot tell the format of {given} from its name; pass input_format=csv|parquet|jsonl")
    return None


def _column_names(fs, path: str, kind: str, encoding: str = "utf-8") -> list[str]:
    with fs.open(path, "rb") as fh:
        if kind in ("etl", "parquet"):
            return pq.ParquetFile(fh).schema_arrow.names
        if kind == "csv":
            return _csv_header(fh, encoding)
        for line in io.TextIOWrapper(fh, encoding=encoding, errors="replace"):
            try:
                obj = json.loads(line)
            except json.JSONDecodeError:
                continue
            if isinstance(obj, dict):
                return list(obj)
    return []
