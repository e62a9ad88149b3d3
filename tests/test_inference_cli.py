"""End-to-end batch prediction through the CLI entry point (in-process `main`), on every input kind."""
from __future__ import annotations

import csv
import json
from pathlib import Path

import fsspec
import pandas as pd
import pytest

from inference.predict import main
from inference.sinks import read_table

BASE = ["rows_per_shard=400", "num_threads=1", "progress=false", "run_id=t1"]


def predict(model, inp, out, *extra) -> int:
    return main(["--model", str(model), "--input", str(inp), "--output", str(out), *BASE, *extra])


def read_preds(out: Path, fmt: str = "parquet", sub: str = "predictions") -> pd.DataFrame:
    fs = fsspec.filesystem("file")
    files = sorted((out / sub).glob(f"part-*.{fmt}"))
    return pd.concat([read_table(fs, str(f), fmt).to_pandas() for f in files], ignore_index=True)


def test_etl_run_every_split_one_row_per_id(tiny_model_dir, etl_run, tmp_path):
    out = tmp_path / "preds"
    assert predict(tiny_model_dir, etl_run, out) == 0
    manifest = json.loads((etl_run / "manifest.json").read_text())
    preds = read_preds(out)
    expected = sum(s["rows"] for s in manifest["splits"].values())
    assert len(preds) == expected and preds["id"].is_unique
    assert set(preds["split"]) == {s for s, v in manifest["splits"].items() if v["rows"]}
    assert list(preds.columns[:5]) == ["id", "label", "score", "prob_critical", "prob_non_critical"]
    assert ((preds["prob_critical"] + preds["prob_non_critical"] - 1).abs() < 1e-5).all()
    assert (preds["score"] == preds[["prob_critical", "prob_non_critical"]].max(axis=1)).all()
    assert set(preds["run_id"]) == {"t1"} and set(preds["model_version"]) == {"unregistered"}
    summary = json.loads((out / "summary.json").read_text())
    c = summary["counts"]
    assert c["rows_in"] == c["predicted"] == expected and c["quarantined"] == 0
    assert sum(summary["labels"].values()) == expected
    assert summary["drift"] is None and "training_manifest" in summary["drift_reason"]
    assert summary["throughput"]["messages_per_s"] > 0 and {"load", "predict", "total"} <= set(summary["timings_s"])
    assert (out / "_SUCCESS").exists() and (out / "config.json").exists()


def test_only_the_chosen_split(tiny_model_dir, etl_run, tmp_path):
    assert predict(tiny_model_dir, etl_run, tmp_path / "p", "splits=[test]") == 0
    manifest = json.loads((etl_run / "manifest.json").read_text())
    preds = read_preds(tmp_path / "p")
    assert len(preds) == manifest["splits"]["test"]["rows"] and set(preds["split"]) == {"test"}


def _write_raw(path: Path) -> None:
    """Hand-made twcs CSV: every kind of row the CLI must sort."""
    header = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
    t = "Tue Oct 31 22:10:47 +0000 2017"
    rows = [
        f'1,c1,True,{t},"my card was charged twice, help",,\n',
        f'2,AmazonHelp,False,{t},@c1 sorry to hear that,,1\n',
        f'3,c2,True,{t},"",,\n',
        f'4,c3,True,{t},"   ",,\n',
        f'5,c4,True,{t},😡😡😡,,\n',
        f'6,c5,True,{t},"{"no funciona la app " * 400}",,\n',
        f',c6,True,{t},no id here,,\n',
        f'abc,c7,True,{t},bad id,,\n',
        f'1,c8,True,{t},same id again,,\n',
        f'9,c9,True,{t},"line one\nline two, still one record",,\n',
        f'10,c10,True,{t},too,many,columns,here,,\n',
        f'11.0,c11,True,{t},id exported by pandas,,\n',
        f'12,c12,maybe,{t},unclear direction,,\n',
    ]
    path.write_text(header + "".join(rows), encoding="utf-8")


def test_raw_csv_flags_quarantine_and_reconciles(tiny_model_dir, tmp_path):
    raw = tmp_path / "raw.csv"
    _write_raw(raw)
    out = tmp_path / "out"
    assert predict(tiny_model_dir, raw, out, "max_length_tokens=64") == 0
    preds = read_preds(out).set_index("id")
    assert sorted(preds.index) == [1, 3, 4, 5, 6, 9, 11]
    flags = preds["text_flags"].to_dict()
    assert flags[1] == "" and flags[3] == "empty" and flags[4] == "whitespace_only"
    assert flags[5] == "emoji_only" and flags[6] == "truncated" and preds.loc[6, "n_tokens"] == 64
    quarantine = read_preds(out, sub="quarantine")
    reasons = dict(zip(quarantine["reason"], quarantine["id"]))
    assert set(reasons) == {"missing_id", "bad_id", "duplicate_id", "malformed_csv", "bad_inbound"}
    assert reasons["bad_id"] == "abc" and reasons["duplicate_id"] == "1"
    summary = json.loads((out / "summary.json").read_text())
    c = summary["counts"]
    assert (c["rows_in"], c["predicted"], c["skipped_company"], c["quarantined"]) == (13, 7, 1, 5)
    assert summary["text_flags"] == {"emoji_only": 1, "empty": 1, "truncated": 1, "whitespace_only": 1}


@pytest.mark.parametrize("in_fmt,out_name", [("parquet", "preds.csv"), ("jsonl", "preds.jsonl"), ("csv", "preds.parquet")])
def test_input_and_output_formats(tiny_model_dir, synth_csv, tmp_path, in_fmt, out_name):
    df = pd.read_csv(synth_csv, dtype=str, keep_default_na=False).head(300)
    customers = df[df["inbound"] == "True"]
    if in_fmt == "parquet":
        inp = tmp_path / "in.parquet"
        customers[["tweet_id", "text"]].rename(columns={"text": "body"}).to_parquet(inp)
        extra = ["--text-column", "body"]
    elif in_fmt == "jsonl":
        inp = tmp_path / "in.jsonl"
        customers[["tweet_id", "text"]].to_json(inp, orient="records", lines=True)
        extra = []
    else:
        inp = tmp_path / "in.csv"
        df.to_csv(inp, index=False, quoting=csv.QUOTE_NONNUMERIC)
        extra = []
    out = tmp_path / out_name
    assert predict(tiny_model_dir, inp, out, *extra) == 0
    fmt = {"preds.csv": "csv", "preds.jsonl": "jsonl", "preds.parquet": "parquet"}[out_name]
    assert sorted(p.name for p in (out / "predictions").glob("part-*")) == [f"part-00000.{fmt}"]
    preds = read_preds(out, fmt)
    assert sorted(preds["id"].astype(int)) == sorted(customers["tweet_id"].astype(int))
    summary = json.loads((out / "summary.json").read_text())
    assert summary["output"]["format"] == fmt
    assert summary["counts"]["skipped_company"] == (len(df) - len(customers) if in_fmt == "csv" else 0)


def test_registry_latest_approved(tiny_model_dir, synth_csv, tmp_path):
    from modeling.registry import register

    root = tmp_path / "registry"
    register(str(tiny_model_dir), str(root), "triage", approved=False)
    entry = register(str(tiny_model_dir), str(root), "triage", approved=True)
    out = tmp_path / "p"
    assert predict("registry:latest-approved", synth_csv, out, f"registry_root={root}") == 0
    preds = read_preds(out)
    assert set(preds["model_version"]) == {entry["version"]} == {"v0002"}
    assert set(preds["model_sha256"]) == {entry["content_sha256"]} and set(preds["model_name"]) == {"triage"}


def test_clear_errors(tiny_model_dir, synth_csv, tmp_path, capsys):
    assert predict(tmp_path / "nope", synth_csv, tmp_path / "o1") == 2
    assert "model folder not found" in capsys.readouterr().err
    assert predict("registry:latest-approved", synth_csv, tmp_path / "o2", f"registry_root={tmp_path}/reg") == 2
    assert "no approved model" in capsys.readouterr().err
    assert predict(tiny_model_dir, synth_csv, tmp_path / "o3", "--text-column", "body") == 2
    err = capsys.readouterr().err
    assert "text_column 'body'" in err and "'text'" in err and "tweet_id" in err
    assert predict(tiny_model_dir, tmp_path / "missing.csv", tmp_path / "o4") == 2
    assert "input not found" in capsys.readouterr().err
    assert predict(tiny_model_dir, synth_csv, tmp_path / "o5", "--device", "gpu") == 2
    assert "device must be one of" in capsys.readouterr().err


def test_output_of_another_run_is_refused(tiny_model_dir, synth_csv, etl_run, tmp_path, capsys):
    out = tmp_path / "p"
    assert predict(tiny_model_dir, synth_csv, out) == 0
    assert predict(tiny_model_dir, etl_run, out) == 2
    assert "holds a run with different" in capsys.readouterr().err
    assert predict(tiny_model_dir, synth_csv, out) == 0  # the same command again: nothing to redo
    summary = json.loads((out / "summary.json").read_text())
    assert summary["resumed_shards"] == summary["output"]["shards"] and summary["throughput"]["messages_this_invocation"] == 0


def test_remote_filesystems_via_fsspec(tiny_model_dir, synth_csv):
    """memory:// stands in for s3://: same fsspec code path, no local rename tricks."""
    fs = fsspec.filesystem("memory")
    fs.pipe("/in/raw.csv", synth_csv.read_bytes())
    assert predict(tiny_model_dir, "memory://in/raw.csv", "memory://out/preds.jsonl") == 0
    assert fs.exists("/out/preds.jsonl/_SUCCESS")
    summary = json.loads(fs.cat("/out/preds.jsonl/summary.json"))
    c = summary["counts"]
    assert c["rows_in"] == 1500 == c["predicted"] + c["skipped_company"] + c["quarantined"]
    shards = fs.glob("/out/preds.jsonl/predictions/part-*.jsonl")
    assert sum(len(fs.cat(p).splitlines()) for p in shards) == c["predicted"]


def test_header_only_input_still_finishes(tiny_model_dir, tmp_path):
    raw = tmp_path / "empty.csv"
    raw.write_text("tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n")
    assert predict(tiny_model_dir, raw, tmp_path / "o") == 0
    summary = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert summary["counts"]["rows_in"] == 0 and (tmp_path / "o" / "_SUCCESS").exists()
