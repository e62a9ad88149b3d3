"""scripts/benchmark_etl.py: every variant keeps the same customer rows, the
native reference variants write exactly the prototype's table, and `floor`
and `one_pass` write exactly the ETL's text, clean_text and label (measure()
exits otherwise), so the ratios it prints compare the same work."""
from __future__ import annotations

import csv

import pytest

from scripts.benchmark_etl import PROTOTYPE_COLUMNS, VARIANTS, measure, run_native, run_prototype, table

HEADER = ["tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id", "in_response_to_tweet_id"]
# Where Python's str methods and Java's regex classes could part: accents and ñ
# (deleted), no-break and ideographic spaces and the \x1c separator (Python
# whitespace, kept), a dotted capital I (lowercases to two code points),
# emojis, a quoted newline, and an empty text.
EDGE_TEXTS = [
    "@AmazonHelp ¿Dónde está mi reembolso? No funciona 😡",
    "my badge\u00a0doesn't work,\u3000HELP!!",
    "sep\x1cerated İstanbul order #123",
    'line one\nline "two" — refund_please',
    "",
]


def _write(path, texts):
    with open(path, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(HEADER)
        for i, text in enumerate(texts):
            out.writerow([i + 1, f"u{i}", "True", "Wed Oct 11 06:55:44 +0000 2017", text, "", ""])
        out.writerow([99, "AmazonHelp", "False", "Wed Oct 11 06:56:44 +0000 2017", "@u0 sorry!", "", 1])


def test_native_variant_writes_the_prototype_table_on_edge_texts(spark, tmp_path):
    raw = tmp_path / "edge.csv"
    _write(raw, EDGE_TEXTS)
    proto = spark.read.parquet(run_prototype(spark, str(raw), str(tmp_path / "p"))).orderBy("tweet_id").collect()
    native = spark.read.parquet(run_native(spark, str(raw), str(tmp_path / "n"))).orderBy("tweet_id").collect()
    assert [r.asDict() for r in native] == [r.asDict() for r in proto]
    first = proto[0].asDict()
    assert list(first) == list(PROTOTYPE_COLUMNS)
    # The prototype's defects, kept on purpose: accents deleted, and the handle fires "help".
    assert first["clean_text"] == "amazonhelp dnde est mi reembolso no funciona "
    assert first["kw_help"] is True and first["label"] == "critical"
    assert [r.word_count for r in proto] == [7, 5, 5, 5, 0]
    assert proto[1].kw_bad is True  # "badge"


def test_all_variants_keep_the_same_rows(spark, tmp_path):
    from preprocessing.synth import generate

    raw = tmp_path / "raw.csv"
    generate(rows=1200, seed=3, output=raw)
    with open(raw, newline="", encoding="utf-8") as fh:
        inbound = sum(r["inbound"] == "True" for r in csv.DictReader(fh))

    r = measure(spark, str(raw), tmp_path / "work", repeats=1)

    assert r["customer_rows"] == inbound
    prints = r["fingerprints"]
    assert set(prints) == {"prototype", "native", "native_2p"}
    assert prints["native"] == prints["prototype"] == prints["native_2p"]
    assert prints["prototype"][0] == inbound
    for name in VARIANTS:
        # wall_s is rounded to 10 ms for the table; rows/s comes from the unrounded median.
        assert r[name]["rows_per_s"] == pytest.approx(inbound / r[name]["wall_s"], rel=0.02)
        assert len(r[name]["runs_s"]) == 1
    assert r["prototype"]["x_prototype"] == 1.0
    assert set(r["etl"]["timings_s"]) >= {"parse_validate_s", "prepare_write_s", "total_s"}
    printed = table({"rows": 1200, **r}).splitlines()
    assert [line.split()[0] for line in printed[2:2 + len(VARIANTS)]] == list(VARIANTS)
    assert f"3x target: {r['prototype']['wall_s'] / 3:.2f} s" in printed
