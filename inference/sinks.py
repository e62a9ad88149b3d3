"""The prediction output folder: shards that can be resumed, quarantine, summary, `_SUCCESS` last.

    out = OutputFolder("runs/preds.csv")          # format from the extension: CSV shards
    if not out.shard_done(7): out.write_shard(7, predictions, quarantine, stats)

Layout (EXT = parquet | csv | jsonl):
    predictions/part-00000.EXT ... predictions of input chunk 0, 1, ... (read the folder as one dataset)
    quarantine/part-00000.EXT rows that could not be scored, with a reason (only when there are some)
    _shards/part-00000.json   per-chunk counts; written last, so it marks the chunk finished
    _run.json                 run id + what the run reads (a resume must read the same)
    config.json, summary.json, _SUCCESS (last)

A chunk is done iff its `_shards/*.json` exists. A kill between the data file
and that marker leaves a data file that the rerun overwrites under the same
name, so no id is ever written twice.
"""
from __future__ import annotations

import json
import os
import uuid

import fsspec
import numpy as np
import pyarrow as pa
import pyarrow.csv as pv
import pyarrow.parquet as pq

EXTENSIONS = {"parquet": "parquet", "pq": "parquet", "csv": "csv", "jsonl": "jsonl", "json": "jsonl", "ndjson": "jsonl"}
SUCCESS = "_SUCCESS"


def output_format(path: str, requested: str = "auto") -> str:
    if requested != "auto":
        return requested
    name = path.rstrip("/").rsplit("/", 1)[-1].lower()
    ext = name.rsplit(".", 1)[-1] if "." in name else ""
    return EXTENSIONS.get(ext, "parquet")


class OutputFolder:
    def __init__(self, url: str, fmt: str = "auto"):
        self.url = url.rstrip("/")
        self.format = output_format(url, fmt)
        self.fs, self.root = fsspec.core.url_to_fs(self.url)
        self.root = self.root.rstrip("/")
        self._local = "file" in (self.fs.protocol if isinstance(self.fs.protocol, tuple) else (self.fs.protocol,))

    def _path(self, rel: str) -> str:
        return f"{self.root}/{rel}"

    def shard_name(self, index: int) -> str:
        return f"part-{index:05d}.{self.format}"

    def shard_done(self, index: int) -> bool:
        return self.fs.exists(self._path(f"_shards/part-{index:05d}.json"))

    def write_shard(self, index: int, predictions: pa.Table, quarantine: pa.Table, stats: dict) -> None:
        self._write_table(f"predictions/{self.shard_name(index)}", predictions)
        if quarantine.num_rows:
            self._write_table(f"quarantine/{self.shard_name(index)}", quarantine)
        self.write_json(f"_shards/part-{index:05d}.json", stats)

    def _write_table(self, rel: str, table: pa.Table) -> None:
        final = self._path(rel)
        # Local files appear under their final name only when complete. S3
        # objects are atomic already: a killed upload never becomes visible.
        target = self._path(f"_tmp/{uuid.uuid4().hex}-{rel.replace('/', '_')}") if self._local else final
        self.fs.makedirs(target.rsplit("/", 1)[0], exist_ok=True)
        with self.fs.open(target, "wb") as fh:
            write_table(table, fh, self.format)
        if target != final:
            self.fs.makedirs(final.rsplit("/", 1)[0], exist_ok=True)
            os.replace(target, final)

    def write_json(self, rel: str, data: dict) -> None:
        path = self._path(rel)
        self.fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
        body = json.dumps(data, indent=2, sort_keys=True, default=str)
        if self._local:
            tmp = f"{path}.tmp-{uuid.uuid4().hex[:8]}"
            with open(tmp, "w", encoding="utf-8") as fh:
                fh.write(body)
            os.replace(tmp, path)
        else:
            with self.fs.open(path, "w") as fh:
                fh.write(body)

    def read_json(self, rel: str) -> dict | None:
        path = self._path(rel)
        if not self.fs.exists(path):
            return None
        with self.fs.open(path, "r") as fh:
            return json.load(fh)

    def shard_stats(self) -> list[dict]:
        if not self.fs.exists(self._path("_shards")):
            return []
        names = sorted(p for p in self.fs.ls(self._path("_shards"), detail=False) if p.endswith(".json"))
        out = []
        for p in names:
            with self.fs.open(p, "r") as fh:
                out.append(json.load(fh))
        return out

    def begin(self) -> None:
        """A (re)started run is not complete until it writes _SUCCESS again."""
        self.fs.makedirs(self.root, exist_ok=True)
        if self.fs.exists(self._path(SUCCESS)):
            self.fs.rm(self._path(SUCCESS))
        if self._local and self.fs.exists(self._path("_tmp")):
            self.fs.rm(self._path("_tmp"), recursive=True)  # leftovers of a killed run

    def finish(self, summary: dict, config: dict) -> None:
        if self._local and self.fs.exists(self._path("_tmp")):
            self.fs.rm(self._path("_tmp"), recursive=True)
        self.write_json("config.json", config)
        self.write_json("summary.json", summary)
        with self.fs.open(self._path(SUCCESS), "w") as fh:
            fh.write("")


def write_table(table: pa.Table, fh, fmt: str) -> None:
    if fmt == "parquet":
        pq.write_table(table, fh)
    elif fmt == "csv":
        pv.write_csv(table, fh)
    else:
        for row in table.to_pylist():
            fh.write((json.dumps(row, ensure_ascii=False) + "\n").encode("utf-8"))


def read_table(fs, path: str, fmt: str, columns: list[str] | None = None) -> pa.Table:
    """One shard back (tests, users); ids come back as the strings written, in every format."""
    with fs.open(path, "rb") as fh:
        if fmt == "parquet":
            return pq.read_table(fh, columns=columns)
        if fmt == "csv":
            # Typed as strings, or "0042" would come back as the number 42.
            opts = pv.ConvertOptions(column_types={"id": pa.string(), "run_id": pa.string(), "model_version": pa.string()},
                                     include_columns=columns or [], strings_can_be_null=False)
            return pv.read_csv(fh, convert_options=opts)
        rows = [json.loads(line) for line in fh.read().decode("utf-8").splitlines() if line.strip()]
        table = pa.Table.from_pylist(rows) if rows else pa.table({"id": pa.array([], pa.string())})
        return table.select(columns) if columns else table


def prediction_schema(labels: list[str], with_split: bool) -> pa.Schema:
    """The declared columns of every prediction shard (CLI and Spark write the same)."""
    fields = [("id", pa.string()), ("label", pa.string()), ("score", pa.float32())]
    fields += [(f"prob_{name}", pa.float32()) for name in labels]
    fields += [("text_flags", pa.string()), ("n_tokens", pa.int32())]
    fields += [("split", pa.string())] if with_split else []
    fields += [(k, pa.string()) for k in ("model_name", "model_version", "model_sha256", "run_id")]
    return pa.schema(fields)


def prediction_table(ids, probs: np.ndarray, label_ids: np.ndarray, n_tokens: np.ndarray, flags, labels: list[str],
                     model: tuple[str, str, str], run_id: str, split=None) -> pa.Table:
    """One row per id (a string, exactly as the input gave it): label = the predictor's decision
    (`Predictions.label_ids`: the model's threshold applied), score = that label's probability,
    one prob_<label> column per class."""
    n = len(ids)
    label_ids = np.asarray(label_ids, dtype=np.int64)
    cols = {"id": ids.cast(pa.string()) if isinstance(ids, (pa.Array, pa.ChunkedArray)) else pa.array(ids, pa.string()),
            "label": pa.array(np.asarray(labels, object)[label_ids] if n else [], pa.string()),
            "score": pa.array(probs[np.arange(n), label_ids] if n else [], pa.float32())}
    cols.update({f"prob_{name}": pa.array(probs[:, k], pa.float32()) for k, name in enumerate(labels)})
    cols.update({"text_flags": pa.array(flags, pa.string()), "n_tokens": pa.array(n_tokens, pa.int32())})
    if split is not None:
        cols["split"] = split if isinstance(split, (pa.Array, pa.ChunkedArray)) else pa.array(split, pa.string())
    for key, value in zip(("model_name", "model_version", "model_sha256", "run_id"), (*model, run_id)):
        cols[key] = pa.array([value] * n, pa.string())
    return pa.table(cols, schema=prediction_schema(labels, split is not None))
