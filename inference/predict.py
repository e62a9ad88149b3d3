r"""Batch prediction: input messages -> one prediction per id, in resumable shards.

    python -m inference.predict --model runs/model --input runs/etl/2024-05-31/r1 --output runs/preds \
        [--text-column text] [--id-column tweet_id] [--batch-tokens 4096] [--device auto|cpu|cuda] [key=value ...]

MODEL is a model folder or `registry:latest-approved` (registry_root=...);
INPUT an ETL run folder, raw twcs CSV, Parquet or JSON Lines, local or s3://.
OUTPUT is a folder; its extension picks the shard format: `preds` or
`preds.parquet` -> Parquet, `preds.csv` -> CSV, `preds.jsonl` -> JSON Lines.
It holds predictions/part-*.EXT, quarantine/part-*.EXT, summary.json and
_SUCCESS (last); inference/sinks.py has the full layout. Rerunning the same
command after a crash or kill -9 skips finished shards and ends with exactly
one row per id.

Three stages overlap: a background thread reads chunk i+1, sorts its rows into
predict / skip / quarantine and tokenizes it while the model scores chunk i,
and a writer thread writes chunk i-1.
"""
from __future__ import annotations

import ctypes
import logging
import queue
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone

import numpy as np
import pyarrow.compute as pc

from common.configfile import ConfigError, to_dict
from common.contracts import Engine, ModelRef, PredictCounts, PredictSummary
from common.errors import UserError
from common.provenance import git_commit, versions
from inference.config import PredictConfig
from inference.drift import assess_drift, etl_length_bins, length_histogram, reference
from inference.encoding import Encoded
from inference.intake import Intake, add_flag, sort_rows, take_in
from inference.predictor import Predictor
from inference.seen_ids import SeenIds
from inference.sinks import OutputFolder, prediction_table
from inference.sources import Chunk, Source, open_source

log = logging.getLogger("inference.predict")


class ReconciliationError(RuntimeError):
    """Rows in != predicted + skipped + quarantined: a bug, never bad input."""


class NothingPredicted(UserError):
    """A non-empty input gave no prediction at all; the message says where every row went."""


@dataclass
class Ready:
    chunk: Chunk
    intake: Intake
    enc: Encoded


@dataclass
class Progress:
    """What this invocation did, beside what the shards on disk say."""

    run_id: str
    resumed_shards: int  # finished by an earlier, killed invocation
    scored: int  # rows predicted by this invocation
    load_s: float
    predict_s: float
    started: float  # time.perf_counter() at the start


def run(cfg: PredictConfig, predictor: Predictor | None = None) -> PredictSummary:
    """Score cfg.input into cfg.output; returns the summary (also written as summary.json)."""
    cfg.check_paths()
    t0 = time.perf_counter()
    source = open_source(cfg)
    predictor = predictor or Predictor.load(
        cfg.model, cfg.device, cfg.precision, cfg.batch_tokens, cfg.max_length_tokens,
        cfg.tokenizer_workers, cfg.num_threads, cfg.registry_root)
    load_s = time.perf_counter() - t0
    out = OutputFolder(cfg.output, cfg.output_format)
    run_id = _start_or_resume(out, cfg, source, predictor)
    ref, drift_reason = reference(predictor.info.training_manifest)
    bins = ref["bins"] if ref else etl_length_bins()
    finished = {s["chunk"] for s in out.shard_stats()}
    seen = SeenIds()  # filled from the input as it is read, finished chunks included
    t1 = time.perf_counter()
    scored = _score_all(_Run(cfg, source, predictor, out, run_id, bins), finished, seen)
    progress = Progress(run_id, len(finished), scored, load_s, time.perf_counter() - t1, t0)
    summary = _summary(cfg, source, predictor, out, progress)
    summary.drift, summary.drift_reason = assess_drift(ref, drift_reason, summary.labels, summary.text_length_chars,
                                                       cfg.drift_threshold, cfg.drift_min_rows)
    out.finish(summary.to_json(), to_dict(cfg))
    check_something_predicted(summary.counts, cfg.output)
    return summary


def check_something_predicted(counts: PredictCounts, output: str) -> None:
    """Raise NothingPredicted, in one line, when rows came in and none was predicted (the CLIs exit 2)."""
    if counts.rows_in == 0 or counts.predicted > 0:
        return
    why = []
    if counts.quarantined:
        why.append(f"{counts.quarantined:,} quarantined {counts.quarantined_by_reason} (see {output}/quarantine/; "
                   "any non-blank id is accepted unless checks.ids=integer)")
    if counts.skipped_company:
        why.append(f"{counts.skipped_company:,} company replies (inbound=false) skipped; pass inbound_only=false "
                   "to score them")
    raise NothingPredicted(f"nothing predicted from {counts.rows_in:,} input rows: {'; '.join(why)}")


def _start_or_resume(out: OutputFolder, cfg: PredictConfig, source: Source, predictor: Predictor) -> str:
    """The run id; a folder holding another run's shards is refused rather than mixed."""
    # Sizes too: a file rewritten in place would otherwise resume into other rows' shards.
    plan = {"input": cfg.input, "input_kind": source.kind, "files": [[f, source.fs.size(f)] for f, _ in source.files],
            "rows_per_shard": cfg.rows_per_shard, "id_column": cfg.id_column, "text_column": cfg.text_column,
            "inbound_only": cfg.inbound_only, "model_sha256": predictor.info.sha256, "format": out.format,
            "checks": to_dict(cfg.checks), "input_encoding": cfg.input_encoding}
    state = out.read_json("_run.json")
    if state is not None:
        changed = sorted(k for k in plan if state["plan"].get(k) != plan[k])
        if changed:
            raise ConfigError(f"output {cfg.output} holds a run with different {changed}; "
                              "pass a new --output, or delete it to start over")
        if cfg.run_id and cfg.run_id != state["run_id"]:
            log.warning("resuming run %s: keeping its run_id, not %s", state["run_id"], cfg.run_id)
        out.begin()
        return state["run_id"]
    run_id = cfg.run_id or datetime.now(timezone.utc).strftime("%Y%m%dT%H%M%SZ")
    out.begin()
    out.write_json("_run.json", {"run_id": run_id, "plan": plan})
    return run_id


@dataclass(frozen=True)
class _Run:
    """What every chunk of one invocation is scored and written with."""
    cfg: PredictConfig
    source: Source
    predictor: Predictor
    out: OutputFolder
    run_id: str
    bins: list[int]


def _score_all(r: _Run, finished: set[int], seen: SeenIds) -> int:
    """Score every unfinished chunk; returns the rows predicted by this invocation."""
    cfg, source, predictor = r.cfg, r.source, r.predictor
    bar = _progress_bar(cfg, source)

    def todo():
        for chunk in source.chunks(cfg.rows_per_shard):
            if chunk.index in finished:  # a resumed run reads past finished chunks without scoring them,
                sort_rows(chunk, seen, cfg.checks, cfg.inbound_only)  # but remembers their ids
                bar.update(chunk.table.num_rows + len(chunk.malformed))
                continue
            intake = take_in(chunk, source, seen, cfg.checks, cfg.inbound_only)
            yield Ready(chunk, intake, predictor.encoder.encode(intake.texts))

    scored = 0
    with ThreadPoolExecutor(1, thread_name_prefix="write") as writer:
        pending = []
        for ready in prefetch(todo(), depth=2):
            t = time.perf_counter()
            preds = predictor.predict_encoded(ready.enc, on_batch=bar.update)
            bar.update(ready.intake.rows_in - len(ready.intake.ids))
            pending.append(writer.submit(_write, r, ready, preds, time.perf_counter() - t))
            scored += len(ready.intake.ids)
            while len(pending) > 1:  # at most one shard in flight: memory stays flat
                pending.pop(0).result()
        for f in pending:
            f.result()
    bar.close()
    return scored


def _write(r: _Run, ready: Ready, preds, seconds: float) -> None:
    it, predictor, info = ready.intake, r.predictor, r.predictor.info
    flags = add_flag(it.flags, preds.truncated, "truncated")
    table = prediction_table(it.ids, preds.probs, preds.label_ids, preds.n_tokens, flags, predictor.labels,
                             (info.name, info.version, info.sha256), r.run_id, it.split)
    lengths = np.fromiter(map(len, it.texts), np.int64, len(it.texts))
    reasons = it.quarantine.column("reason").to_pylist()
    stats = {"chunk": ready.chunk.index, "rows_in": it.rows_in, "predicted": len(it.ids),
             "skipped_company": it.skipped_company, "quarantined": len(reasons),
             "quarantined_by_reason": _count(reasons), "labels": _value_counts(table.column("label")),
             "text_flags": _count([f for fl in flags if fl for f in fl.split(",")]),
             "text_length_chars": length_histogram(lengths, r.bins), "tokens": int(preds.n_tokens.sum()),
             "model_seconds": round(seconds, 4)}
    r.out.write_shard(ready.chunk.index, table, it.quarantine, stats)
    _return_free_memory()


def _return_free_memory() -> None:
    """glibc keeps freed chunk buffers in fragmented heaps; handing them back keeps RSS flat over millions of rows."""
    try:
        ctypes.CDLL("libc.so.6").malloc_trim(0)
    except (OSError, AttributeError):  # not glibc (macOS, musl): nothing to do
        pass


def _count(values) -> dict[str, int]:
    if not len(values):
        return {}
    keys, counts = np.unique(np.asarray(values, dtype=object).astype(str), return_counts=True)
    return {str(k): int(c) for k, c in zip(keys, counts)}


def _summary(cfg: PredictConfig, source: Source, predictor: Predictor, out: OutputFolder, p: Progress) -> PredictSummary:
    """Counts summed over every shard on disk (a resumed run's too); drift is added by the caller."""
    shards = out.shard_stats()
    total = {k: sum(s[k] for s in shards) for k in ("rows_in", "predicted", "skipped_company", "quarantined", "tokens")}
    merged = {k: _merge([s[k] for s in shards]) for k in ("quarantined_by_reason", "labels", "text_flags", "text_length_chars")}
    if total["rows_in"] != total["predicted"] + total["skipped_company"] + total["quarantined"]:
        raise ReconciliationError(f"rows in {total['rows_in']} != predicted + skipped_company + quarantined: {total}")
    expected = _expected_rows(cfg, source)
    if expected is not None and expected != total["rows_in"]:
        raise ReconciliationError(f"ETL manifest says {expected} rows in the chosen splits, read {total['rows_in']}")
    info = predictor.info
    return PredictSummary(
        run_id=p.run_id, created_at=datetime.now(timezone.utc).isoformat(),
        model=ModelRef(info.name, info.version, info.sha256, cfg.model, predictor.labels,
                       predictor.threshold and predictor.threshold.to_json()),
        input={"path": cfg.input, "kind": source.kind, "files": len(source.files)},
        output={"path": cfg.output, "format": out.format, "shards": len(shards)},
        counts=PredictCounts(**total, quarantined_by_reason=merged["quarantined_by_reason"]),
        labels=merged["labels"], text_flags=merged["text_flags"], text_length_chars=merged["text_length_chars"],
        engine=Engine("local", predictor.device, predictor.precision, predictor.batch_tokens, predictor.max_length,
                      cfg.tokenizer_workers),
        resumed_shards=p.resumed_shards,
        throughput={"messages_per_s": round(p.scored / p.predict_s, 1) if p.predict_s > 0 and p.scored else None,
                    "messages_this_invocation": p.scored},
        timings_s={"load": round(p.load_s, 3), "predict": round(p.predict_s, 3),
                   "total": round(time.perf_counter() - p.started, 3)},
        versions=versions(("torch", "transformers", "tokenizers", "pyarrow")), git_commit=git_commit(),
        drift=None)


def _value_counts(column) -> dict[str, int]:
    """Counts of a string column without a Python object per row (GPU runs write 100k+ rows/s)."""
    counts = pc.value_counts(column).to_pylist() if len(column) else []
    return {c["values"]: c["counts"] for c in sorted(counts, key=lambda c: c["values"])}


def _merge(dicts: list[dict]) -> dict[str, int]:
    out: dict[str, int] = {}
    for d in dicts:
        for k, v in d.items():
            out[k] = out.get(k, 0) + v
    return dict(sorted(out.items()))


def _expected_rows(cfg: PredictConfig, source: Source) -> int | None:
    if source.manifest is None:
        return None
    splits = source.manifest.splits
    return sum(splits[s].rows for s in {f[1] for f in source.files} if s in splits) if source.files else 0


def _progress_bar(cfg: PredictConfig, source: Source):
    from tqdm.auto import tqdm

    total = _expected_rows(cfg, source)
    return tqdm(total=total, unit="msg", unit_scale=True, disable=not cfg.progress, desc="predict", smoothing=0.1)


def prefetch(items, depth: int):
    """Iterate `items` in a background thread, at most `depth` ahead; its errors re-raise here."""
    q: queue.Queue = queue.Queue(depth)
    done, stop = object(), threading.Event()

    def produce():
        try:
            for item in items:
                while not stop.is_set():
                    try:
                        q.put(item, timeout=0.2)
                        break
                    except queue.Full:
                        continue
                if stop.is_set():
                    return
        except BaseException as exc:
            q.put(exc)
            return
        q.put(done)

    thread = threading.Thread(target=produce, name="prefetch", daemon=True)
    thread.start()
    try:
        while (item := q.get()) is not done:
            if isinstance(item, BaseException):
                raise item
            yield item
    finally:
        stop.set()


def main(argv: list[str] | None = None) -> int:
    from common.cli import run_stage

    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    return run_stage(PredictConfig, run, argv, ("model", "input", "output", "text_column", "id_column", "batch_tokens", "device"),
                     "configs/predict/default.yaml", __doc__, report=_report)


def _report(s: PredictSummary) -> str:
    c = s.counts
    return (f"predictions: {s.output['path']} ({s.output['shards']} {s.output['format']} shards)\n"
            f"  rows in {c.rows_in:,} = predicted {c.predicted:,} + company skipped {c.skipped_company:,}"
            f" + quarantined {c.quarantined:,} {c.quarantined_by_reason}\n"
            f"  labels {s.labels}  flags {s.text_flags}\n"
            f"  {s.throughput['messages_per_s']} msg/s  timings {s.timings_s}  drift "
            f"{ {k: s.drift[k] for k in ('label_psi', 'text_length_psi')} if s.drift else s.drift_reason}")


if __name__ == "__main__":
    sys.exit(main())
