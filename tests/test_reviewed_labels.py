"""Reviewed labels in the ETL: they override exactly their rows (label_source), are counted in the manifest,
and a bad file stops the run before anything is published."""
from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from conftest import ROOT, run_etl
from test_etl import WHEN, read_split, write_csv

from preprocessing.labeling import load_rules
from preprocessing.reviewed import ReviewedLabelError, read_reviewed
from preprocessing.text import clean_text

LABELS = ["critical", "non_critical"]
TEXTS = ["someone hacked my account and stole my money", "thanks for the quick help!", "my card was charged twice",
         "what time do you open on sunday?", "the app crashed and deleted my order", "love the new update"]


def write_reviewed(path: Path, rows: list[tuple], header=("tweet_id", "label", "reviewer", "reviewed_at")) -> Path:
    pd.DataFrame(rows, columns=list(header)).to_csv(path, index=False)
    return path


@pytest.fixture(scope="module")
def raw_and_rules(tmp_path_factory):
    """Forty customer messages (ids 1..40) and one company reply (id 41), with the rules' label of each."""
    rows = [[str(i), f"c{i}", "True", WHEN, TEXTS[i % len(TEXTS)] + f" #{i}", "", ""] for i in range(1, 41)]
    rows.append(["41", "Co", "False", WHEN, "@c1 sorry to hear that", "", "1"])
    raw = write_csv(tmp_path_factory.mktemp("reviewed") / "raw.csv", rows)
    rules = load_rules(ROOT / "configs/labels/default.yaml")
    rule_label = {int(r[0]): rules.label(clean_text(r[4])) for r in rows[:40]}
    return raw, rule_label


def flip(label: str) -> str:
    return "non_critical" if label == "critical" else "critical"


@pytest.mark.parametrize("driver_max_rows", [20_000_000, 0])  # driver (pyarrow) counts, then Spark's
def test_reviewed_labels_override_exactly_their_rows_and_are_counted(spark, raw_and_rules, tmp_path, driver_max_rows):
    raw, rule_label = raw_and_rules
    reviewed = write_reviewed(tmp_path / "reviewed.csv", [
        (3, flip(rule_label[3]), "ana", "2024-06-01"),   # changes the rule label
        (8, rule_label[8], "ana", "2024-06-01"),         # confirms it
        (8, rule_label[8], "bo", "2024-06-02"),          # the same id and label again: counted once
        (17, flip(rule_label[17]), "bo", "2024-06-02"),  # changes it
        (41, "critical", "bo", "2024-06-02"),            # a company reply: not a customer message
        (999, "critical", "bo", "2024-06-02"),           # not in the input
    ])
    m = run_etl(spark, tmp_path / "out", [f"input={raw}", "run_id=r", f"reviewed_labels={reviewed}",
                                          f"conversations.driver_max_rows={driver_max_rows}"])
    run = Path(m["path"])
    kept = pd.concat([read_split(run, s) for s in ("train", "validation", "test")]).set_index("tweet_id").sort_index()
    assert len(kept) == 40 and list(kept.index) == list(range(1, 41))
    assert kept.rule_label.to_dict() == rule_label
    assert kept.index[kept.label_source == "reviewed"].tolist() == [3, 8, 17]
    assert (kept.label_source.drop([3, 8, 17]) == "rules").all()
    expected = {**rule_label, 3: flip(rule_label[3]), 17: flip(rule_label[17])}
    assert kept.label.to_dict() == expected
    assert m["reviewed_labels"] == {"path": str(reviewed), "ids": 5, "applied": 3, "changed": 2, "absent_from_input": 2}
    sources = {s: st["label_sources"] for s, st in m["splits"].items()}
    assert sum(n for by in sources.values() for n in by.values()) == 40
    assert sum(by.get("reviewed", 0) for by in sources.values()) == 3
    assert m["label_source"].endswith(f"; reviewed labels {reviewed} where given")
    assert [f["name"] for f in m["schema"]][-1] == "label_source"


def test_a_bad_reviewed_label_stops_the_run_and_nothing_is_published(spark, raw_and_rules, tmp_path):
    raw, _ = raw_and_rules
    reviewed = write_reviewed(tmp_path / "bad.csv", [(3, "critical", "ana", ""), (5, "urgent", "ana", "")])
    out = tmp_path / "out"
    with pytest.raises(ReviewedLabelError, match=rf"reviewed labels {reviewed} \(line 3\): label 'urgent' for "
                                                 r"tweet_id 5 is not one of the rule set's labels"):
        run_etl(spark, out, [f"input={raw}", "run_id=r", f"reviewed_labels={reviewed}"])
    assert not list(out.rglob("r")) and not list(out.rglob("_staging-*")) and not list(out.rglob("*.parquet"))


def test_without_reviewed_labels_every_row_says_where_its_label_came_from(spark, raw_and_rules, tmp_path):
    raw, rule_label = raw_and_rules
    m = run_etl(spark, tmp_path, [f"input={raw}", "run_id=plain"])
    kept = pd.concat([read_split(Path(m["path"]), s) for s in ("train", "validation", "test")])
    assert (kept.label_source == "rules").all() and (kept.label == kept.rule_label).all()
    assert m["reviewed_labels"] is None
    assert {s: st["label_sources"] for s, st in m["splits"].items()} == {
        s: ({"rules": st["rows"]} if st["rows"] else {}) for s, st in m["splits"].items()}


def test_read_reviewed_csv_parquet_and_its_one_line_errors(tmp_path):
    table = read_reviewed(str(write_reviewed(tmp_path / "a.csv", [(5, "critical"), (7, " non_critical "), (5, "critical")],
                                             header=("tweet_id", "label"))), LABELS)
    assert table.to_pydict() == {"tweet_id": [5, 7], "reviewed_label": ["critical", "non_critical"]}
    pq.write_table(pa.table({"tweet_id": ["0042"], "label": ["critical"], "reviewer": ["x"]}), tmp_path / "b.parquet")
    assert read_reviewed(str(tmp_path / "b.parquet"), LABELS).to_pydict() == {"tweet_id": [42], "reviewed_label": ["critical"]}
    cases = [
        ([(5, "critical"), (5, "non_critical")], r"\(line 3\): tweet_id 5 is labeled both 'critical' and 'non_critical'"),
        ([(5, "critical"), ("abc", "critical")], r"\(line 3\): tweet_id 'abc' is not a positive integer id"),
        ([(5, "")], r"\(line 2\): label '' for tweet_id 5 is not one of"),
    ]
    for rows, message in cases:
        path = write_reviewed(tmp_path / "bad.csv", rows, header=("tweet_id", "label"))
        with pytest.raises(ReviewedLabelError, match=message):
            read_reviewed(str(path), LABELS)
    (tmp_path / "cols.csv").write_text("id,label\n5,critical\n")
    with pytest.raises(ReviewedLabelError, match=r"expected columns tweet_id, label .* found \['id', 'label'\]"):
        read_reviewed(str(tmp_path / "cols.csv"), LABELS)
    (tmp_path / "ls.json").write_text(json.dumps({"not": "a list"}))
    with pytest.raises(ReviewedLabelError, match="expected a Label Studio JSON export"):
        read_reviewed(str(tmp_path / "ls.json"), LABELS)
