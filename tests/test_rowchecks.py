"""One declared set of row checks: both renderings agree row by row, and the ETL, the prediction CLI and
the Spark predictor quarantine the same rows for the same reasons under the same options."""
from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import run_etl

from inference.config import PredictConfig
from inference.predict import main as predict_main
from inference.spark_predict import run as spark_predict
from preprocessing import schema
from preprocessing.rowchecks import (
    CHECKS,
    REASONS,
    RowChecks,
    SparkColumns,
    arrow_checked,
    etl_row_checks,
    spark_checked,
)

OK = {"id": "7", "inbound": "True", "created_at": "Wed Oct 11 06:55:44 +0000 2017", "text": "hello"}
EDGES = {
    "id": ["1", "", "  ", "\t", None, "abc", "0042", " 42 ", "42.0", "42.00", "42.5", "1e5", "+5", "-7", "4 2",
           "1234567890123456789", "123456789012345678", "١٢", "INC-1", "título-7"],
    "inbound": ["True", "false", " TRUE ", "maybe", "", None, "\ttrue", "yes", "FALSE "],
    "created_at": ["Wed Oct 11 06:55:44 +0000 2017", "  Tue Oct 31 22:10:47 -0530 2017 ", "yesterday", "",
                   "Wed Oct 1 06:55:44 +0000 2017", "Wed Oct 32 06:55:44 +0000 2017", "Wed Feb 30 06:55:44 +0000 2017",
                   "Wed Feb 29 06:55:44 +0000 2016", "Wed Oct 11 25:55:44 +0000 2017", "Wed Oct 11 06:55:60 +0000 2017",
                   "Wed oct 11 06:55:44 +0000 2017", "Xyz Oct 11 06:55:44 +0000 2017", "Wed Abc 11 06:55:44 +0000 2017",
                   "Wed Oct 11 06:55:44 +1800 2017", "Wed Oct 11 06:55:44 +1900 2017", "Wed Oct 11 06:55:44 +0099 2017",
                   "Wed Oct 11 06:55:44 +00:00 2017", "Wed\tOct 11 06:55:44 +0000 2017", "    Oct 11 06:55:44 +0000 2017",
                   "\u00a0Wed Oct 11 06:55:44 +0000 2017", "Wed Oct 11 06:55:44 +0000 2017 x", None],
    "text": ["hello", "", " ", "\u00a0", "\u3000\t\n", None, "x\ufffdy", "abcdef", "ñandú", "ñandús", "\u200b", "\x1c",
             "\x85", " a ", "😡😡"],
}
OPTIONS = [RowChecks(), RowChecks(ids="integer", created_at="check", max_text_chars=5),
           etl_row_checks(max_text_chars=5), RowChecks(empty_text="quarantine", invalid_utf8="quarantine")]


def edge_rows() -> list[dict]:
    """One row per edge value, the other columns valid, so each check is seen on its own."""
    return [{**OK, column: value} for column, values in EDGES.items() for value in values]


@pytest.mark.parametrize("checks", OPTIONS, ids=lambda c: f"{c.ids}-{c.empty_text}-{c.created_at}-{c.max_text_chars}")
def test_spark_and_arrow_renderings_agree_row_by_row(spark, checks):
    rows = edge_rows()
    table = pa.Table.from_pylist(rows, pa.schema([(k, pa.string()) for k in OK]))
    arrow = arrow_checked(table, checks)
    df = spark.createDataFrame([{**r, "n": i} for i, r in enumerate(rows)],
                               "id string, inbound string, created_at string, text string, n int")
    cols = SparkColumns(id="id", text="text", inbound="inbound", created_at="created_at")
    out = spark_checked(df, checks, cols).orderBy("n").collect()
    spark_reasons = [r["reason"] for r in out]
    assert spark_reasons == list(arrow.reason), [(r, s, a) for r, s, a in zip(rows, spark_reasons, arrow.reason) if s != a]
    if checks.ids == "integer":  # duplicates compare the same key
        valid = [i for i, r in enumerate(spark_reasons) if r is None]
        assert [str(out[i]["id_n"]) for i in valid] == [arrow.key[i].as_py() for i in valid]
    # Something in each edge list must fail each check that is on (the edge lists are not all-valid).
    assert {c.reason for c in CHECKS if c.enabled(checks) and c.column in OK} <= set(spark_reasons)


def test_arrow_rendering_exact_reasons():
    """A few hand-checked verdicts (both renderings agree on them by the test above)."""
    table = pa.table({"id": ["1", "", "abc", "0042", "42.0", "1"], "text": ["a", "b", "c", "", "x\ufffdy", "a"],
                      "inbound": ["True", "false", "true", "maybe", "TRUE", "true"]})
    assert list(arrow_checked(table, RowChecks()).reason) == [None, "missing_id", None, "bad_inbound", None, None]
    etl = arrow_checked(table, etl_row_checks(10_000))
    assert list(etl.reason) == [None, "missing_id", "bad_id", "bad_inbound", "invalid_utf8", None]
    assert etl.key.to_pylist()[4] == "42" and list(etl.inbound) == [True, False, True, False, True, True]


def test_one_list_of_reason_names():
    assert not hasattr(schema, "REASONS")  # preprocessing.rowchecks.REASONS is the only list
    assert len(set(REASONS)) == len(REASONS)
    assert REASONS == ("malformed_csv", "malformed_json", "missing_id", "bad_id", "bad_inbound", "bad_created_at",
                       "invalid_utf8", "empty_text", "text_too_long", "bad_gold_label", "duplicate_id")


WHEN = "Wed Oct 11 06:55:44 +0000 2017"
# (tweet_id, author, inbound, created_at, text, in_response_to): every kind of row, and the reason each gets
# under the ETL's options (max_text_chars=40). None: kept (predicted, or a company reply).
EVERY_KIND = [
    (["1", "c1", "True", WHEN, "my card was charged twice", ""], None),
    (["2", "Co", "False", WHEN, "@c1 sorry to hear that", "1"], None),
    (["", "c2", "True", WHEN, "no id here", ""], "missing_id"),
    (["abc", "c3", "True", WHEN, "id is not a number", ""], "bad_id"),
    (["4", "c4", "maybe", WHEN, "unclear direction", ""], "bad_inbound"),
    (["5", "c5", "True", "yesterday", "bad time", ""], "bad_created_at"),
    (["6", "c6", "True", WHEN, "caf\x00 latin-1 bytes", ""], "invalid_utf8"),
    (["7", "c7", "True", WHEN, "", ""], "empty_text"),
    (["8", "c8", "True", WHEN, " \u00a0 ", ""], "empty_text"),
    (["9", "c9", "True", WHEN, "no funciona " * 5, ""], "text_too_long"),
    (["1", "c10", "True", WHEN, "same id as the first row", ""], "duplicate_id"),
    (["12", "Co", "False", WHEN, "@c11 company reply first", ""], None),
    (["12", "c11", "True", WHEN, "customer row reusing a company id", ""], "duplicate_id"),
    (["13.0", "c12", "True", WHEN, "id exported by pandas", ""], None),
    (["13", "c13", "True", WHEN, "the same id without .0", ""], "duplicate_id"),
    (["14", "c14", "True", WHEN, "a fine message, ¿dónde está?", ""], None),
]


def write_every_kind(path: Path) -> None:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(["tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id", "in_response_to_tweet_id"])
    for (tid, author, inbound, created, text, parent), _ in EVERY_KIND:
        w.writerow([tid, author, inbound, created, text, "", parent])
    body = out.getvalue().encode("utf-8").replace(b"caf\x00", b"caf\xe9")  # one Latin-1 byte: invalid UTF-8
    body += b"15,c15,True,too,many,columns,here,,\n"  # malformed_csv
    path.write_bytes(body)


EXPECTED = sorted((row[0], reason) for row, reason in EVERY_KIND if reason)


def test_etl_cli_and_spark_predictor_quarantine_the_same_rows(spark, tiny_model_dir, tmp_path):
    raw = tmp_path / "every_kind.csv"
    write_every_kind(raw)
    etl = run_etl(spark, tmp_path / "etl", [f"input={raw}", "run_id=x", "max_text_chars=40"])
    etl_q = pd.concat([pq.read_table(f).to_pandas() for f in Path(etl["path"], "quarantine").glob("*.parquet")])
    as_etl = [f"checks.{k}={v}" for k, v in vars(etl_row_checks(40)).items()]
    assert predict_main(["--model", str(tiny_model_dir), "--input", str(raw), "--output", str(tmp_path / "cli"),
                         "progress=false", "num_threads=1", *as_etl]) == 0
    cli_q = pd.concat([pq.read_table(f).to_pandas() for f in (tmp_path / "cli" / "quarantine").glob("*.parquet")])
    cfg = PredictConfig(model=str(tiny_model_dir), input=str(raw), output=str(tmp_path / "spark"), precision="fp32",
                        checks=etl_row_checks(40))
    summary = spark_predict(cfg, spark)
    spark_q = pd.read_parquet(tmp_path / "spark" / "quarantine")
    for name, q, id_col in (("etl", etl_q, "tweet_id"), ("cli", cli_q, "id"), ("spark", spark_q, "id")):
        named = q[q.reason != "malformed_csv"]
        # Spark's CSV reader reads an empty field as null; the prediction outputs write it as "".
        assert sorted(zip(named[id_col].fillna("") if name == "etl" else named[id_col], named.reason)) == EXPECTED, name
        assert (q.reason == "malformed_csv").sum() == 1, name
    cli = json.loads((tmp_path / "cli" / "summary.json").read_text())["counts"]
    assert etl["counts"]["input_rows"] == cli["rows_in"] == summary.counts.rows_in == len(EVERY_KIND) + 1
    assert etl["counts"]["quarantined_by_reason"] == cli["quarantined_by_reason"] == summary.counts.quarantined_by_reason
    kept = sorted(pd.read_parquet(tmp_path / "cli" / "predictions")["id"])
    assert kept == sorted(pd.read_parquet(tmp_path / "spark" / "predictions")["id"]) == ["1", "13.0", "14"]
    assert etl["counts"]["customer_rows"] == 3 and etl["counts"]["company_rows"] == 2 == cli["skipped_company"]


def test_cli_and_spark_agree_under_prediction_defaults(spark, tiny_model_dir, tmp_path):
    """Opaque ids and flagged text: "abc" and "13" are ids, empty texts are predicted and flagged alike."""
    raw = tmp_path / "every_kind.csv"
    write_every_kind(raw)
    assert predict_main(["--model", str(tiny_model_dir), "--input", str(raw), "--output", str(tmp_path / "cli"),
                         "progress=false", "num_threads=1", "precision=fp32"]) == 0
    spark_predict(PredictConfig(model=str(tiny_model_dir), input=str(raw), output=str(tmp_path / "spark"),
                                precision="fp32"), spark)
    cli_q = pd.concat([pq.read_table(f).to_pandas() for f in (tmp_path / "cli" / "quarantine").glob("*.parquet")])
    spark_q = pd.read_parquet(tmp_path / "spark" / "quarantine")
    expected = [("", "missing_id"), ("1", "duplicate_id"), ("12", "duplicate_id"), ("4", "bad_inbound")]
    for q in (cli_q, spark_q):
        named = q[q.reason != "malformed_csv"]
        assert sorted(zip(named["id"], named.reason)) == expected and (q.reason == "malformed_csv").sum() == 1
    cli = pd.read_parquet(tmp_path / "cli" / "predictions").set_index("id").sort_index()
    sp = pd.read_parquet(tmp_path / "spark" / "predictions").set_index("id").sort_index()
    assert list(cli.index) == list(sp.index) == ["1", "13", "13.0", "14", "5", "6", "7", "8", "9", "abc"]
    assert (cli["text_flags"] == sp["text_flags"]).all() and (cli["label"] == sp["label"]).all()
    assert cli.loc["6", "text_flags"] == "invalid_utf8" and cli.loc["7", "text_flags"] == "empty"
    assert cli.loc["8", "text_flags"] == "whitespace_only"
