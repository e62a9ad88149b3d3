"""ETL throughput against the original prototype's approach, on the same input in one Spark session.

    python scripts/benchmark_etl.py [--rows 1000000] [--repeats 3] [--json bench.json] [--workdir /tmp/etl-bench]

Variants, each run on the same generated CSV (preprocessing.synth, seed 1):

    etl         preprocessing.etl.run: quarantine, conversations, grouped split,
                text/clean_text, rule labels, manifest, atomic publish
    prototype   the first notebook's approach: one Python UDF for cleaning
                (lowercase, strip non-alphanumerics), one for the word count
                and one per keyword (raw substring match), label = critical if
                any keyword, inbound rows kept, written as Parquet

Both read with preprocessing.reading.read_raw: the prototype's own reader was
newline-blind, which split quoted multi-line texts into bogus rows (a
correctness bug, reported separately); here it gets the correct reader so the
two keep the same customer rows, and the benchmark checks that they do.

rows/s = output rows / median wall seconds of --repeats timed runs, the two
variants alternating. One untimed run of each on the same input comes first:
a small warm-up is not enough, because HotSpot keeps compiling the ETL's
regex and Parquet paths for the first ~2M rows it sees (10+ s of compiler
CPU on 2 cores), which would be timing the JIT, not the job. Peak memory is
the highest summed RSS of this process and all its descendants (the JVM and
its Python workers), sampled every 50 ms with psutil while a variant runs.
"""
from __future__ import annotations

import argparse
import json
import re
import shutil
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import psutil  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# The prototype's keyword list, matched as raw substrings of its cleaned text.
PROTOTYPE_KEYWORDS = ("problem", "issue", "not working", "refund", "error", "fail", "help", "wtf", "worst",
                      "urgent", "bad")


class PeakRss:
    """Highest summed RSS of this process and its descendants while the block runs."""

    def __init__(self, interval_s: float = 0.05):
        self.interval_s, self.peak_bytes = interval_s, 0
        self._stop = threading.Event()

    def _sample(self) -> int:
        me = psutil.Process()
        total = 0
        for p in [me, *me.children(recursive=True)]:
            try:
                total += p.memory_info().rss
            except psutil.Error:  # a Python worker that just exited
                pass
        return total

    def _loop(self):
        while not self._stop.is_set():
            self.peak_bytes = max(self.peak_bytes, self._sample())
            self._stop.wait(self.interval_s)

    def __enter__(self):
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.peak_bytes = max(self.peak_bytes, self._sample())


def run_prototype(spark, csv_path: str, out: str) -> str:
    """The prototype's transformations; returns the Parquet folder it wrote."""
    from pyspark.sql import functions as F
    from pyspark.sql import types as T

    from preprocessing.config import EtlConfig
    from preprocessing.reading import read_raw

    def clean(text):
        return re.sub(r"[^a-zA-Z0-9\s]", "", text.lower()) if text else ""

    def word_count(text):
        return len(text.split())

    df = read_raw(spark, EtlConfig(input=csv_path)).where(F.col("inbound") == "True")
    df = df.withColumn("clean_text", F.udf(clean, T.StringType())("text"))
    df = df.withColumn("word_count", F.udf(word_count, T.IntegerType())("clean_text"))
    flags = []
    for kw in PROTOTYPE_KEYWORDS:
        name = "kw_" + kw.replace(" ", "_")
        df = df.withColumn(name, F.udf(lambda t, kw=kw: kw in t, T.BooleanType())("clean_text"))
        flags.append(F.col(name))
    any_kw = flags[0]
    for f in flags[1:]:
        any_kw = any_kw | f
    df = df.withColumn("label", F.when(any_kw, "critical").otherwise("non_critical"))
    df.select("tweet_id", "author_id", "created_at", "text", "clean_text", "word_count",
              *[f"kw_{kw.replace(' ', '_')}" for kw in PROTOTYPE_KEYWORDS], "label").write.mode("overwrite").parquet(out)
    return out


def run_etl(spark, csv_path: str, out: str) -> dict:
    from preprocessing.config import EtlConfig
    from preprocessing.etl import run

    cfg = EtlConfig(input=csv_path, output=out, run_date="2024-01-01", run_id="bench",
                    rules=str(ROOT / "configs/labels/default.yaml"))
    return run(cfg, spark)


def timed(fn) -> tuple[float, int, object]:
    with PeakRss() as mem:
        t0 = time.perf_counter()
        result = fn()
        wall = time.perf_counter() - t0
    return wall, mem.peak_bytes, result


def customer_ids(spark, etl_path: str, proto_path: str) -> tuple[set, set]:
    from pyspark.sql import functions as F

    etl = spark.read.parquet(*(f"{etl_path}/{s}" for s in ("train", "validation", "test"))).select("tweet_id")
    proto = spark.read.parquet(proto_path).select(F.col("tweet_id").cast("bigint"))
    return {r[0] for r in etl.collect()}, {r[0] for r in proto.collect()}


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000, help="generated CSV records")
    p.add_argument("--repeats", type=int, default=3, help="timed runs of each variant (median reported)")
    p.add_argument("--json", help="also write the results here")
    p.add_argument("--workdir", help="scratch folder (default: a temp folder, removed afterwards)")
    a = p.parse_args(argv)

    from preprocessing.config import SparkConfig
    from preprocessing.session import get_spark
    from preprocessing.synth import generate

    work = Path(a.workdir or tempfile.mkdtemp(prefix="etl-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    raw = str(work / "raw.csv")
    try:
        t0 = time.perf_counter()
        generate(rows=a.rows, seed=1, output=raw)
        print(f"generated {a.rows:,} rows in {time.perf_counter() - t0:.1f} s", flush=True)
        spark = get_spark(SparkConfig())
        spark.sparkContext.setLogLevel("ERROR")
        variants = {"prototype": lambda out: run_prototype(spark, raw, out),
                    "etl": lambda out: run_etl(spark, raw, out)}
        for name, fn in variants.items():  # untimed: JIT warm-up on the real input
            fn(str(work / f"warm_{name}"))
        runs: dict[str, list] = {name: [] for name in variants}
        for i in range(a.repeats):
            for name, fn in variants.items():
                out = str(work / f"{name}_{i}")
                runs[name].append(timed(lambda: fn(out)))
                print(f"  run {i + 1}: {name:<10} {runs[name][-1][0]:6.2f} s", flush=True)
        manifest = runs["etl"][-1][2]
        etl_ids, proto_ids = customer_ids(spark, manifest["path"], runs["prototype"][-1][2])
        if etl_ids != proto_ids:
            raise SystemExit(f"customer rows differ: etl {len(etl_ids):,}, prototype {len(proto_ids):,}, "
                             f"only etl {len(etl_ids - proto_ids):,}, only prototype {len(proto_ids - etl_ids):,}")
        results = {"rows": a.rows, "customer_rows": len(etl_ids), "repeats": a.repeats,
                   "cores": spark.sparkContext.defaultParallelism, "spark": spark.version}
        for name, rs in runs.items():
            walls = [r[0] for r in rs]
            results[name] = {"wall_s": round(statistics.median(walls), 2), "runs_s": [round(w, 2) for w in walls],
                             "rows_per_s": round(len(etl_ids) / statistics.median(walls)),
                             "peak_rss_mb": round(max(r[1] for r in rs) / 2**20)}
        results["etl"]["timings_s"] = manifest["timings_s"]
        results["speedup"] = round(results["prototype"]["wall_s"] / results["etl"]["wall_s"], 2)
        print(_table(results))
        if a.json:
            Path(a.json).write_text(json.dumps(results, indent=2))
    finally:
        if not a.workdir:
            shutil.rmtree(work, ignore_errors=True)
    return 0


def _table(r: dict) -> str:
    lines = [f"{r['rows']:,} input rows, {r['customer_rows']:,} customer rows kept by both, "
             f"{r['cores']} cores, Spark {r['spark']}",
             f"{'variant':<10} {'median s':>8} {'rows/s':>10} {'peak RSS MB':>12}  runs s"]
    for name in ("prototype", "etl"):
        v = r[name]
        lines.append(f"{name:<10} {v['wall_s']:>8.2f} {v['rows_per_s']:>10,} {v['peak_rss_mb']:>12,}  {v['runs_s']}")
    lines.append(f"etl / prototype rows/s: {r['speedup']:.2f}x   etl steps: {r['etl']['timings_s']}")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
