"""Labels people gave back (the review loop): read and check them before the ETL touches any data.

    python -m preprocessing.etl --input raw.csv --output runs/etl --reviewed-labels reviewed.csv   (or reviewed_labels=PATH)
    table = read_reviewed("reviewed.csv", ["critical", "non_critical"])   # tweet_id int64, reviewed_label string

A file holds `tweet_id,label` and optionally `reviewer,reviewed_at`, as CSV or
Parquet (by extension), local or any fsspec URL; a `.json` file is read as a
Label Studio JSON export of the queue `python -m modeling.review --format
label-studio` wrote (the last non-cancelled annotation of each task). The ETL
gives a message whose tweet_id appears there the reviewed label instead of
the rule's (or the gold column's), with `label_source = reviewed`.

Everything is checked here, on the driver, before the run starts: an id that
is not an integer, a label outside the rule set's labels, or one id with two
different labels stops the run with the row, the id and the file named, so
nothing is published. One id listed twice with the same label counts once.
"""
from __future__ import annotations

import json

import fsspec
import pyarrow as pa

from common.errors import UserError

REQUIRED = ("tweet_id", "label")
OPTIONAL = ("reviewer", "reviewed_at")


class ReviewedLabelError(UserError):
    """The reviewed-labels file cannot be applied; the message names the file, the row or id, and the fix."""


def read_reviewed(path: str, labels: list[str]) -> pa.Table:
    """(tweet_id int64, reviewed_label string), one row per id, in file order of first appearance."""
    rows = _read_rows(path)
    seen: dict[int, str] = {}
    for line, (raw_id, label) in rows:
        tweet_id = _tweet_id(raw_id, path, line)
        label = label.strip()
        if label not in labels:
            raise ReviewedLabelError(f"reviewed labels {path} ({line}): label {label!r} for tweet_id {tweet_id} is not "
                                     f"one of the rule set's labels {labels}; fix the row, or label with a rules file "
                                     "that has it. Nothing was published")
        if seen.setdefault(tweet_id, label) != label:
            raise ReviewedLabelError(f"reviewed labels {path} ({line}): tweet_id {tweet_id} is labeled both "
                                     f"{seen[tweet_id]!r} and {label!r}; keep one row per id. Nothing was published")
    return pa.table({"tweet_id": pa.array(list(seen), pa.int64()), "reviewed_label": pa.array(list(seen.values()), pa.string())})


def _tweet_id(raw, path: str, line: str) -> int:
    text = str(raw).strip()
    if not text.isdigit():
        raise ReviewedLabelError(f"reviewed labels {path} ({line}): tweet_id {raw!r} is not a positive integer id; "
                                 "fix the row. Nothing was published")
    return int(text)


def _read_rows(path: str) -> list[tuple[str, tuple[str, str]]]:
    """[(where, (tweet_id, label))]: `where` names the row as a person finds it (CSV line, Parquet row, task)."""
    name = path.rstrip("/").lower()
    if name.endswith(".json"):
        return _label_studio_rows(path)
    if name.endswith((".parquet", ".pq")):
        import pyarrow.parquet as pq

        with fsspec.open(path, "rb") as fh:
            table = pq.read_table(fh)
        first = 0  # Parquet rows are numbered from 0
        where = "row"
    else:
        import pyarrow.csv as pv

        with fsspec.open(path, "rb") as fh:
            # All strings: an id like 0042 or a label like "1" must arrive as written.
            table = pv.read_csv(fh, convert_options=pv.ConvertOptions(column_types={c: pa.string() for c in REQUIRED + OPTIONAL}))
        first = 2  # line 1 is the header
        where = "line"
    missing = [c for c in REQUIRED if c not in table.column_names]
    if missing:
        raise ReviewedLabelError(f"reviewed labels {path}: expected columns {', '.join(REQUIRED)} (optional "
                                 f"{', '.join(OPTIONAL)}), found {table.column_names}; rename the columns")
    ids, labels = table["tweet_id"].to_pylist(), table["label"].to_pylist()
    return [(f"{where} {first + i}", (ids[i] or "", labels[i] or "")) for i in range(table.num_rows)]


def _label_studio_rows(path: str) -> list[tuple[str, tuple[str, str]]]:
    with fsspec.open(path, "r", encoding="utf-8") as fh:
        tasks = json.load(fh)
    if not isinstance(tasks, list):
        raise ReviewedLabelError(f"reviewed labels {path}: expected a Label Studio JSON export (a list of tasks), "
                                 f"found {type(tasks).__name__}")
    out = []
    for i, task in enumerate(tasks):
        done = [a for a in task.get("annotations") or [] if not a.get("was_cancelled")]
        choices = [r["value"]["choices"] for r in (done[-1]["result"] if done else []) if "choices" in r.get("value", {})]
        if choices:  # a task nobody labeled yet is not a reviewed label
            out.append((f"task {task.get('id', i)}", (str((task.get("data") or {}).get("tweet_id", "")), choices[0][0])))
    return out


def label_source_counts(spark, by_split: str, on_driver: bool) -> dict[str, dict]:
    """{split: {"sources": {label_source: rows}, "changed": reviewed rows whose label differs from the rule's}}.

    Counted from the written shards (the folder partitioned by split), by
    pyarrow when they are on the driver's disk, else by one Spark job; only
    runs that were given reviewed labels pay for it.
    """
    from preprocessing.driver_tables import local_dir
    from preprocessing.schema import SPLITS

    out = {s: {"sources": {}, "changed": 0} for s in SPLITS}
    local = local_dir(spark, by_split) if on_driver else None
    if local is not None:
        from pathlib import Path

        import pyarrow.compute as pc
        import pyarrow.dataset as ds

        for split in SPLITS:
            folder = Path(local) / f"split={split}"
            if not folder.is_dir():
                continue
            t = ds.dataset(folder, format="parquet").to_table(columns=["label", "rule_label", "label_source"])
            out[split]["sources"] = {r["values"]: r["counts"] for r in pc.value_counts(t["label_source"]).to_pylist()}
            changed = pc.and_(pc.equal(t["label_source"], "reviewed"), pc.not_equal(t["label"], t["rule_label"]))
            out[split]["changed"] = int(pc.sum(changed).as_py() or 0)
        return out
    from pyspark.sql import functions as F

    frame = spark.read.parquet(by_split)
    changed = (F.col("label_source") == "reviewed") & (F.col("label") != F.col("rule_label"))
    for r in frame.groupBy("split", "label_source", changed.alias("changed")).count().collect():
        entry = out[r["split"]]
        entry["sources"][r["label_source"]] = entry["sources"].get(r["label_source"], 0) + r["count"]
        entry["changed"] += r["count"] if r["changed"] else 0
    return out


def record_label_sources(manifest, cfg, reviewed: pa.Table | None, counts: dict | None) -> None:
    """Per-split `label_sources` and, with reviewed labels, what they did (common.contracts.ReviewedLabelCounts)."""
    from common.contracts import ReviewedLabelCounts

    default = "gold" if cfg.gold_label_column else "rules"
    for split, stats in manifest.splits.items():
        stats.label_sources = counts[split]["sources"] if counts else ({default: stats.rows} if stats.rows else {})
    if reviewed is None:
        return
    applied = sum(c["sources"].get("reviewed", 0) for c in counts.values())
    manifest.reviewed_labels = ReviewedLabelCounts(path=cfg.reviewed_labels, ids=reviewed.num_rows, applied=applied,
                                                   changed=sum(c["changed"] for c in counts.values()),
                                                   absent_from_input=reviewed.num_rows - applied)
    manifest.label_source += f"; reviewed labels {cfg.reviewed_labels} where given"
