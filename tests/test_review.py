"""modeling.review: which rows the queue takes and in what order, both formats, and the answers read back."""
from __future__ import annotations

import json
import shutil

import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest

from modeling.review import QUEUE_COLUMNS, ReviewConfig, Scored, label_config_path, rank, run
from modeling.threshold import TriageThreshold, decide
from preprocessing.reviewed import read_reviewed

LABELS = ["critical", "non_critical"]


def constructed() -> Scored:
    """Eight rows, threshold 0.4 (log-odds -0.41): each row's signals at unsure_log_odds=0.5 are written beside it."""
    table = [  # tweet_id, rule label, P(critical), cleanlab flag
        (1, "critical", 0.90, False),      # agrees, sure, clean: never queued
        (2, "non_critical", 0.45, True),   # disagree + unsure (0.21 log-odds from the threshold) + cleanlab
        (3, "non_critical", 0.95, False),  # disagree
        (4, "critical", 0.35, False),      # disagree + unsure (0.21)
        (5, "non_critical", 0.32, False),  # unsure (0.35)
        (6, "critical", 0.99, True),       # cleanlab
        (7, "non_critical", 0.10, False),  # nothing (1.79 from the threshold)
        (8, "non_critical", 0.38, False),  # unsure (0.08)
    ]
    p = np.array([r[2] for r in table])
    probs = np.column_stack([p, 1 - p])
    rule = TriageThreshold("critical", 0.4, 0.9, "gold_dev", 10, 0.9, 0.5)
    rows = pd.DataFrame({"tweet_id": [r[0] for r in table], "text": [f"message {r[0]}" for r in table],
                         "rule_label": [r[1] for r in table]})
    return Scored(rows, LABELS, probs, decide(probs, LABELS, rule), "critical", 0.4, np.array([r[3] for r in table]),
                  "m v0001")


def test_rank_takes_rows_with_signals_most_signals_first_then_disagreement_then_nearest_the_threshold():
    queue = rank(constructed(), unsure_log_odds=0.5, size=10)
    assert list(queue.columns) == list(QUEUE_COLUMNS)
    assert queue.tweet_id.tolist() == [2, 4, 3, 8, 5, 6]
    assert queue.model_label.tolist() == ["critical", "non_critical", "critical", "non_critical", "non_critical", "critical"]
    assert queue.score.tolist() == [0.45, 0.65, 0.95, 0.62, 0.68, 0.99]  # probability of model_label
    assert queue.why.iloc[0] == ("disagree: model says critical, rules say non_critical; unsure: P(critical) 0.450 is "
                                 "near the threshold 0.400; cleanlab: the rule label non_critical is likely wrong")
    assert queue.why.iloc[5] == "cleanlab: the rule label critical is likely wrong"
    assert rank(constructed(), unsure_log_odds=0.5, size=3).tweet_id.tolist() == [2, 4, 3]
    # A wider band takes row 7 (1.79 log-odds away) too, last.
    assert rank(constructed(), unsure_log_odds=2.0, size=10).tweet_id.tolist() == [2, 4, 3, 8, 5, 7, 6]
    # No unsure band: 2 keeps two signals; 4 and 3 both only disagree, and 4 is nearer the threshold.
    assert rank(constructed(), unsure_log_odds=0.0, size=10).tweet_id.tolist() == [2, 4, 3, 6]


@pytest.fixture(scope="module")
def run_with_reviewed_rows(etl_run, tmp_path_factory):
    """The fixture run with its first five train rows marked as already reviewed."""
    folder = tmp_path_factory.mktemp("review") / "run"
    shutil.copytree(etl_run, folder)
    shard = sorted((folder / "train").glob("*.parquet"))[0]
    table = pq.read_table(shard).to_pandas()
    table.loc[:4, "label_source"] = "reviewed"
    pq.write_table(pq.read_table(shard).from_pandas(table, schema=pq.read_schema(shard), preserve_index=False), shard)
    return folder, set(table.tweet_id[:5])


def test_csv_queue_of_a_run_skips_reviewed_rows(run_with_reviewed_rows, tiny_model_dir, tmp_path):
    folder, reviewed = run_with_reviewed_rows
    out = run(ReviewConfig(model=str(tiny_model_dir), data=str(folder), output=str(tmp_path / "q.csv"), size=25))
    queue = pd.read_csv(tmp_path / "q.csv", dtype={"tweet_id": "int64"}, keep_default_na=False)
    assert list(queue.columns) == list(QUEUE_COLUMNS) and len(queue) == out["rows"] == 25
    total = sum(len(pq.read_table(f)) for f in folder.rglob("*.parquet"))
    assert out["scored"] == total - 5 and not set(queue.tweet_id) & reviewed
    # A random-init model scores everything near 0.5 and no threshold is saved: every row is unsure.
    assert out["candidates"] == out["scored"]
    assert queue.why.str.contains("unsure: P(critical) 0.496 is near the threshold 0.500", regex=False).all()
    assert queue.tweet_id.is_unique and set(queue.model_label) <= set(LABELS)


def test_label_studio_queue_and_its_export_read_back_as_reviewed_labels(etl_run, tiny_model_dir, tmp_path):
    output = str(tmp_path / "q.json")
    out = run(ReviewConfig(model=str(tiny_model_dir), data=str(etl_run), output=output, size=5, format="label-studio"))
    tasks = json.loads((tmp_path / "q.json").read_text())
    assert len(tasks) == out["rows"] == 5
    first = tasks[0]
    assert set(first["data"]) == {"text", "tweet_id", "rule_label", "why"}
    (pred,) = first["predictions"]
    (result,) = pred["result"]
    assert (result["from_name"], result["to_name"], result["type"]) == ("label", "text", "choices")
    assert result["value"]["choices"][0] in LABELS and 0 <= pred["score"] <= 1
    config = (tmp_path / "q.label_config.xml").read_text()
    assert label_config_path(output).endswith("q.label_config.xml")
    assert '<Choices name="label" toName="text" choice="single"' in config and '<Choice value="non_critical"/>' in config
    # A person accepts four pre-annotations and flips the fifth; Label Studio exports the tasks with annotations.
    for i, task in enumerate(tasks):
        choice = task["predictions"][0]["result"][0]["value"]["choices"][0]
        if i == 4:
            choice = "critical" if choice == "non_critical" else "non_critical"
        task["annotations"] = [{"result": [{"from_name": "label", "to_name": "text", "type": "choices",
                                            "value": {"choices": [choice]}}], "was_cancelled": False}]
    tasks[1]["annotations"].insert(0, {"result": [], "was_cancelled": True})
    (tmp_path / "export.json").write_text(json.dumps(tasks))
    back = read_reviewed(str(tmp_path / "export.json"), LABELS).to_pydict()
    assert back["tweet_id"] == [int(t["data"]["tweet_id"]) for t in tasks]
    assert back["reviewed_label"] == [t["annotations"][-1]["result"][0]["value"]["choices"][0] for t in tasks]
