"""The ETL's fast paths give the same run as the general ones: pre-split parsing, driver-side roots."""
from pathlib import Path

import pandas as pd
from conftest import run_etl
from test_etl import WHEN, read_split, write_csv

from preprocessing.reading import split_csv
from preprocessing.synth import generate


def _published(m: dict) -> tuple[pd.DataFrame, pd.DataFrame]:
    run = Path(m["path"])
    kept = pd.concat([read_split(run, s).assign(split=s) for s in ("train", "validation", "test") if any((run / s).iterdir())])
    quarantine = pd.concat([pd.read_parquet(f) for f in sorted((run / "quarantine").glob("*.parquet"))]
                           or [pd.DataFrame(columns=["tweet_id", "reason"])])
    by = ["tweet_id", "reason", "text", "raw_record"] if "raw_record" in quarantine else ["tweet_id"]
    return (kept.sort_values("tweet_id").reset_index(drop=True),
            quarantine.sort_values(by, na_position="first").reset_index(drop=True))


def test_presplit_input_parses_exactly_like_one_file(spark, tmp_path):
    raw = tmp_path / "bad.csv"
    generate(rows=2000, seed=3, output=raw, malformed_fraction=0.05)  # stray quotes, multi-line fields
    assert len(split_csv(str(raw), str(tmp_path / "chunks"), 3, 0) or []) == 3
    whole = run_etl(spark, tmp_path / "a", [f"input={raw}", "run_id=x", "split_input_min_bytes=1000000000"])
    split = run_etl(spark, tmp_path / "b", [f"input={raw}", "run_id=x", "split_input_min_bytes=0"])
    assert split["counts"] == whole["counts"] and split["splits"] == whole["splits"]
    for a, b in zip(_published(whole), _published(split)):
        pd.testing.assert_frame_equal(a, b)


def test_driver_and_spark_conversation_roots_agree(spark, tmp_path):
    # A reply chain, two replies to a tweet not in the file, a repeated id, a 60-deep chain 100 <- ... <- 159.
    rows = [["1", "c1", "True", WHEN, "my order is late", "2", ""],
            ["2", "Co", "False", WHEN, "@c1 sorry! DM us", "3", "1"],
            ["3", "c1", "True", WHEN, "done, still no refund", "4", "2"],
            ["4", "Co", "False", WHEN, "@c1 checking", "5", "3"],
            ["5", "c1", "True", WHEN, "any news?", "", "4"],
            ["7", "c2", "True", WHEN, "same problem here", "", "99"],
            ["8", "c3", "True", WHEN, "me too", "", "99"],
            ["3.0", "c9", "true", WHEN, "a repeated id", "", "1"]]  # same id, written differently
    rows += [[str(100 + i), f"u{i}", "True", WHEN, f"message number {i}", "", str(99 + i) if i else ""]
             for i in range(60)]
    raw = write_csv(tmp_path / "chain.csv", rows)
    driver = run_etl(spark, tmp_path / "a", [f"input={raw}", "run_id=x"])
    # The second run also pre-splits the file: its quarantine must still name the input file, not a chunk.
    joins = run_etl(spark, tmp_path / "b", [f"input={raw}", "run_id=x", "conversations.driver_max_rows=0",
                                            "split_input_min_bytes=0"])
    assert driver["counts"] == joins["counts"] and driver["counts"]["quarantined_by_reason"] == {"duplicate_id": 1}
    kept, quarantine = _published(driver)
    pd.testing.assert_frame_equal(kept, _published(joins)[0])
    pd.testing.assert_frame_equal(quarantine, _published(joins)[1])
    conv = dict(zip(kept.tweet_id, kept.conversation_id))
    assert conv[1] == conv[3] == conv[5] == 1 and conv[7] == conv[8] == 99 and conv[159] == 100  # a 60-deep chain
    assert quarantine.author_id.tolist() == ["c9"]
    # A duplicate is only found after staging; its quarantine row still holds the raw fields as read.
    dup = quarantine.iloc[0]
    assert (dup.tweet_id, dup.inbound, dup.in_response_to_tweet_id, dup.created_at) == ("3.0", "true", "1", WHEN)
    assert dup.source_file == raw.resolve().as_uri() and dup.raw_record is None
    # Conversations per split: counted from Arrow on the driver path, by a Spark shuffle on the other.
    assert driver["splits"] == joins["splits"]
    assert sum(s["conversations"] for s in driver["splits"].values()) == kept.conversation_id.nunique() == 3


def test_split_stats_on_the_driver_equal_the_spark_job(spark, tmp_path):
    # Local runs count the written shards with pyarrow on the driver; others with a Spark job.
    raw = tmp_path / "raw.csv"
    generate(rows=3000, seed=5, output=raw)
    driver = run_etl(spark, tmp_path / "a", [f"input={raw}", "run_id=x"])
    joins = run_etl(spark, tmp_path / "b", [f"input={raw}", "run_id=x", "conversations.driver_max_rows=0"])
    assert driver["splits"] == joins["splits"]
    train = driver["splits"]["train"]
    assert len(train["text_length_chars"]) >= 5 and set(train["labels"]) == {"critical", "non_critical"}
    kept, _ = _published(driver)
    for split, st in driver["splits"].items():
        part = kept[kept.split == split]
        assert st["rows"] == len(part) and st["conversations"] == part.conversation_id.nunique()
        assert st["labels"] == part.label.value_counts().to_dict()


def _records(path) -> list[list[str]]:
    import csv
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_split_csv_cuts_only_between_records(tmp_path):
    # Every text holds quoted newlines (and a "" escape), so most cut targets land inside a field.
    header = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id"
    body = "".join(f'{i},u{i},True,{WHEN},"line one\nline ""two""\n\nend {i}",,\n' for i in range(200))
    for name, eol in (("lf", "\n"), ("crlf", "\r\n")):
        raw = tmp_path / f"{name}.csv"
        raw.write_bytes((header + "\n" + body).replace("\n", eol).encode())
        chunks = split_csv(str(raw), str(tmp_path / name), 7, 0)
        assert len(chunks) == 7
        parts = [_records(c) for c in chunks]
        assert all(p[0] == header.split(",") for p in parts)  # each chunk starts with the header
        assert [r for p in parts for r in p[1:]] == _records(raw)[1:]  # and no record is cut or lost
    bare_cr = tmp_path / "cr.csv"
    bare_cr.write_bytes((header + "\n" + body).replace("\n", "\r").encode())
    assert split_csv(str(bare_cr), str(tmp_path / "cr"), 2, 0) is None  # left to Spark
    only_header = tmp_path / "h.csv"
    only_header.write_text(header + "\n")
    assert split_csv(str(only_header), str(tmp_path / "h"), 2, 0) is None
