"""The ETL end to end: exact counts, quarantine reasons, grouped split, schema, errors."""
import csv
import io
import json
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import GOLD_DEV, ROOT, SAMPLE_CSV, run_etl

from preprocessing.labeling import load_rules
from preprocessing.reading import InputError
from preprocessing.schema import PREPARED_ARROW, PREPARED_COLUMNS
from preprocessing.synth import generate
from preprocessing.text import clean_text

HEADER = ["tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id", "in_response_to_tweet_id"]
WHEN = "Wed Oct 11 06:55:44 +0000 2017"


def read_split(run: Path, split: str) -> pd.DataFrame:
    files = sorted((run / split).glob("*.parquet"))
    if not files:
        return pd.DataFrame(columns=PREPARED_COLUMNS)
    return pa.concat_tables([pq.read_table(f) for f in files]).to_pandas()


def write_csv(path: Path, rows: list[list[str]], header=HEADER) -> Path:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        w.writerows(rows)
    return path


def test_real_sample_counts_and_schema(spark, tmp_path):
    m = run_etl(spark, tmp_path, [f"input={SAMPLE_CSV}", "run_id=sample", "run_date=2024-01-01"],
                config="configs/preprocess/twcs_sample.yaml")
    run = Path(m["path"])
    assert m["counts"] == {"input_rows": 93, "customer_rows": 49, "company_rows": 44,
                           "quarantined_rows": 0, "quarantined_by_reason": {}}
    assert sum(s["rows"] for s in m["splits"].values()) == 49
    assert (run / "_SUCCESS").exists() and (run / "manifest.json").exists()
    assert run == tmp_path / "2024-01-01" / "sample"
    # (Hadoop's local FS adds hidden .crc files beside what it writes.)
    assert sorted(p.name for p in run.iterdir() if not p.name.startswith(".")) == ["_SUCCESS", "manifest.json", "quarantine", "test", "train", "validation"]
    schema = pq.read_schema(next((run / "train").glob("*.parquet")))
    assert [f.name for f in schema] == list(PREPARED_COLUMNS)
    assert [f.type for f in schema] == [f.type for f in PREPARED_ARROW]  # incl. timestamp[us, tz=UTC]
    train = read_split(run, "train")
    assert train["text"].str.contains("@user").any() and not train["text"].str.contains("@AppleSupport").any()
    assert set(train["label"]) <= {"critical", "non_critical"}
    assert json.loads((run / "manifest.json").read_text())["labels"] == ["critical", "non_critical"]


def test_every_malformed_row_is_quarantined_and_counts_reconcile(spark, tmp_path):
    raw = tmp_path / "bad.csv"
    made = generate(rows=2000, seed=3, output=raw, malformed_fraction=0.05)
    m = run_etl(spark, tmp_path / "out", [f"input={raw}", "run_id=bad", "rows_per_shard=300"])
    c = m["counts"]
    assert c["input_rows"] == made["records"] == 2000
    assert c["input_rows"] == c["customer_rows"] + c["company_rows"] + c["quarantined_rows"]
    bad = made["malformed"]
    # bad_quoting rows (a stray quote inside an unquoted word) parse as ordinary records.
    assert c["quarantined_by_reason"] == {
        "malformed_csv": bad["wrong_column_count"], "bad_inbound": bad["bad_inbound"],
        "bad_created_at": bad["bad_created_at"], "empty_text": bad["empty_text"],
        "invalid_utf8": bad["invalid_utf8"], "text_too_long": bad["huge_text"],
        "duplicate_id": bad["duplicate_id"]}
    run = Path(m["path"])
    quarantine = pa.concat_tables([pq.read_table(f) for f in (run / "quarantine").glob("*.parquet")]).to_pandas()
    assert len(quarantine) == c["quarantined_rows"]
    assert quarantine["reason"].value_counts().to_dict() == c["quarantined_by_reason"]
    assert quarantine.loc[quarantine.reason == "malformed_csv", "raw_record"].notna().all()
    kept = pd.concat([read_split(run, s) for s in ("train", "validation", "test")])
    assert len(kept) == c["customer_rows"] and kept["tweet_id"].is_unique
    for split, stats in m["splits"].items():  # shards: <= rows_per_shard, never empty
        sizes = [pq.read_metadata(f).num_rows for f in (run / split).glob("*.parquet")]
        assert sum(sizes) == stats["rows"] and all(0 < n <= 300 for n in sizes)


def test_split_is_grouped_by_conversation_and_deterministic(spark, tmp_path):
    # 1 <- 2 (company) <- 3 (customer follow-up) <- 4 (company) <- 5; 7 replies to a tweet not in the file.
    rows = [["1", "c1", "True", WHEN, "my order is late", "2", ""],
            ["2", "Co", "False", WHEN, "@c1 sorry! DM us", "3", "1"],
            ["3", "c1", "True", WHEN, "done, still no refund", "4", "2"],
            ["4", "Co", "False", WHEN, "@c1 checking", "5", "3"],
            ["5", "c1", "True", WHEN, "any news?", "", "4"],
            ["7", "c2", "True", WHEN, "same problem here", "", "99"]]
    rows += [[str(100 + i), f"u{i}", "True", WHEN, f"message number {i}", "", ""] for i in range(60)]
    raw = write_csv(tmp_path / "chain.csv", rows)
    m1 = run_etl(spark, tmp_path / "a", [f"input={raw}", "run_id=x"])
    m2 = run_etl(spark, tmp_path / "b", [f"input={raw}", "run_id=x"])
    parts = {s: read_split(Path(m1["path"]), s) for s in ("train", "validation", "test")}
    allrows = pd.concat([p.assign(split=s) for s, p in parts.items()])
    conv = dict(zip(allrows.tweet_id, allrows.conversation_id))
    assert conv[1] == conv[3] == conv[5] == 1 and conv[7] == 99
    assert allrows.groupby("conversation_id")["split"].nunique().max() == 1
    assert [m1["splits"][s]["rows"] for s in parts] == [m2["splits"][s]["rows"] for s in parts]
    again = pd.concat([read_split(Path(m2["path"]), s).assign(split=s) for s in parts])
    assert dict(zip(again.tweet_id, again.split)) == dict(zip(allrows.tweet_id, allrows.split))


def test_rerun_same_id_replaces_the_run(spark, tmp_path, synth_csv):
    first = run_etl(spark, tmp_path, [f"input={synth_csv}", "run_id=r", "run_date=2024-02-02", "rows_per_shard=50"])
    second = run_etl(spark, tmp_path, [f"input={synth_csv}", "run_id=r", "run_date=2024-02-02", "rows_per_shard=100000"])
    run = Path(second["path"])
    assert first["path"] == second["path"]
    assert len(list((run / "train").glob("*.parquet"))) == 1
    assert sorted(p.name for p in run.parent.iterdir()) == ["r"]  # no staging folder left behind


def test_gold_column_labels_and_rule_agreement(spark, tmp_path):
    m = run_etl(spark, tmp_path, ["run_id=gold"], config="configs/preprocess/gold.yaml")
    gold = pd.read_csv(GOLD_DEV, dtype=str, keep_default_na=False)
    rules = load_rules(ROOT / "configs/labels/default.yaml")
    agree = sum(rules.label(clean_text(t)) == g for t, g in zip(gold.text, gold.gold_label))
    assert m["counts"]["customer_rows"] == len(gold) == 350
    assert m["rule_agreement_with_gold"]["rows"] == 350
    assert m["rule_agreement_with_gold"]["accuracy"] == round(agree / len(gold), 4)
    labels = pd.concat([read_split(Path(m["path"]), s) for s in ("train", "validation", "test")])
    assert dict(zip(labels.tweet_id.astype(str), labels.label)) == dict(zip(gold.tweet_id, gold.gold_label))
    # Rows per fired rule category and per demoting context, counted during the write: as the Python twin counts.
    fired, demoted = Counter(), Counter()
    for text in gold.text:
        d = rules.explain(clean_text(text))
        fired.update(d.categories)
        demoted.update(d.contexts if d.demoted and d.label == rules.default_label else ())
    assert m["rule_categories"] == {"fired": {c.name: fired[c.name] for c in rules.categories},
                                    "demoted_by_context": {c.name: demoted[c.name] for c in rules.contexts}}
    assert len(fired) == len(rules.categories) and sum(demoted.values()) > 40  # every category fires on dev
    # The agreement counted by a Spark job (the route for runs too big for the driver) is the same.
    joins = run_etl(spark, tmp_path / "joins", ["run_id=gold", "conversations.driver_max_rows=0"], config="configs/preprocess/gold.yaml")
    assert joins["rule_agreement_with_gold"] == m["rule_agreement_with_gold"] and joins["splits"] == m["splits"]
    assert joins["rule_categories"] == m["rule_categories"]


@pytest.mark.spark  # the CLI in a subprocess starts its own JVM
def test_missing_column_fails_with_the_fix_and_leaves_nothing(tmp_path):
    raw = write_csv(tmp_path / "nocol.csv", [["1", "a", "True", WHEN, "hi", ""]], header=HEADER[:4] + ["body"] + HEADER[5:6])
    out = tmp_path / "out"
    proc = subprocess.run([sys.executable, "-m", "preprocessing.etl", "--input", str(raw), "--output", str(out),
                           "--run-id", "x", f"rules={ROOT}/configs/labels/default.yaml"],
                          cwd=ROOT, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 2
    assert "lacks required column(s): text (header 'text')" in proc.stderr
    assert "columns.<name>=<header>" in proc.stderr
    assert not list(out.rglob("x")) and not list(out.rglob("_staging-*"))


@pytest.mark.parametrize("content,message", [
    (None, "input not found"),
    ("", "input is empty"),
    (",".join(HEADER) + "\n", "header but no data rows"),
])
def test_unusable_input_is_an_input_error(spark, tmp_path, content, message):
    raw = tmp_path / "in.csv"
    if content is not None:
        raw.write_text(content)
    with pytest.raises(InputError, match=message):
        run_etl(spark, tmp_path / "out", [f"input={raw}", "run_id=e"])
    assert not list((tmp_path / "out").rglob("e"))


@pytest.mark.spark  # spark-submit starts its own JVM
def test_spark_submit_runs_the_same_file(tmp_path):
    import os

    import pyspark

    spark_submit = Path(sys.executable).parent / "spark-submit"
    # As in an activated venv: spark-submit finds Spark and Python from there.
    env = {**os.environ, "SPARK_HOME": str(Path(pyspark.__file__).parent), "PYSPARK_PYTHON": sys.executable,
           "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    proc = subprocess.run(
        [str(spark_submit), "--master", "local[1]", "preprocessing/etl.py", "--config", "configs/preprocess/twcs_sample.yaml",
         "--output", str(tmp_path), "--run-date", "2024-03-03", "--run-id", "submit"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-2000:]
    manifest = json.loads((tmp_path / "2024-03-03" / "submit" / "manifest.json").read_text())
    assert manifest["counts"]["customer_rows"] == 49
    assert (tmp_path / "2024-03-03" / "submit" / "_SUCCESS").exists()


def test_text_length_limit_counts_characters_not_bytes(spark, tmp_path):
    # "ñandú" is 5 characters in 7 bytes; blank text of any kind is empty.
    rows = [["1", "a", "True", WHEN, "ñandú", "", ""], ["2", "a", "True", WHEN, "ñandús", "", ""],
            ["3", "a", "True", WHEN, "abcdef", "", ""], ["4", "a", "True", WHEN, "   ", "", ""],
            ["5", "a", "True", WHEN, "abcde", "", ""]]
    raw = write_csv(tmp_path / "len.csv", rows)
    m = run_etl(spark, tmp_path / "out", [f"input={raw}", "run_id=x", "max_text_chars=5"])
    assert m["counts"]["quarantined_by_reason"] == {"empty_text": 1, "text_too_long": 2}
    run = Path(m["path"])
    kept = pd.concat([read_split(run, s) for s in ("train", "validation", "test") if any((run / s).iterdir())])
    assert sorted(kept.text) == ["abcde", "ñandú"]


LATIN1_TEXT = "¿dónde está mi pedido?"


def test_latin1_input_needs_input_encoding_then_comes_through_exactly(spark, tmp_path):
    """A Latin-1 export: without input.encoding the run stops naming it (nothing published); with it,
    the accented Spanish arrives exactly. split_csv cuts the file (split_input_min_bytes=0), so the
    chunked read is the one checked."""
    rows = [[str(i), f"c{i}", "True", WHEN, f"{LATIN1_TEXT} pedido {i}", "", ""] for i in range(1, 7)]
    rows[0][4] = LATIN1_TEXT
    buffer = io.StringIO()
    csv.writer(buffer, lineterminator="\n").writerows([HEADER, *rows])
    raw = tmp_path / "latin1.csv"
    raw.write_bytes(buffer.getvalue().encode("latin-1"))
    out = tmp_path / "out"
    with pytest.raises(InputError, match=r"6 of 6 rows of .* do not decode as utf-8.*input\.encoding=latin-1"):
        run_etl(spark, out, [f"input={raw}", "run_id=l", "split_input_min_bytes=0"])
    assert not list(out.rglob("l")) and not list(out.rglob("_staging-*"))
    m = run_etl(spark, out, [f"input={raw}", "input.encoding=latin-1", "run_id=l", "split_input_min_bytes=0"])
    assert m["counts"]["customer_rows"] == 6 and m["counts"]["quarantined_rows"] == 0
    assert m["config"]["input"] == {"path": str(raw), "encoding": "latin-1"} and m["input"] == str(raw)
    kept = pd.concat([read_split(Path(m["path"]), s) for s in ("train", "validation", "test")])
    assert dict(zip(kept.tweet_id, kept.text))[1] == LATIN1_TEXT


def test_split_csv_and_header_with_other_encodings(spark, tmp_path):
    from preprocessing.reading import ascii_transparent, read_header, split_csv

    raw = tmp_path / "latin1.csv"
    body = "".join(f'{i},c,True,{WHEN},"{LATIN1_TEXT}, línea\n{i}",,\n' for i in range(200))
    raw.write_bytes((",".join(["tweet_id", "autor_é", *HEADER[2:]]) + "\n" + body).encode("latin-1"))
    assert read_header(spark, str(raw), "latin-1")[1] == "autor_é"
    chunks = split_csv(str(raw), str(tmp_path / "chunks"), 3, 0, "latin-1")
    assert len(chunks) == 3
    parts = [Path(c).read_bytes().decode("latin-1").split("\n", 1) for c in chunks]
    assert {p[0] for p in parts} == {raw.read_bytes().decode("latin-1").split("\n", 1)[0]}  # the header each time
    assert "".join(p[1] for p in parts) == body  # cut only between records
    assert ascii_transparent("cp1252") and ascii_transparent("shift_jis") and not ascii_transparent("utf-16")
    utf16 = tmp_path / "utf16.csv"
    utf16.write_text(",".join(HEADER) + "\n" + body, encoding="utf-16")
    assert split_csv(str(utf16), str(tmp_path / "c16"), 3, 0, "utf-16") is None  # read whole, by Spark
    assert read_header(spark, str(utf16), "utf-16") == HEADER
