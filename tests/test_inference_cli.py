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
    frames = [read_table(fs, str(f), fmt).to_pandas() for f in files]
    return pd.concat([f for f in frames if len(f)] or frames[:1], ignore_index=True)  # a shard may be empty


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
    # Ids are opaque by default: "abc" is an id, and "11.0" stays "11.0".
    assert sorted(preds.index) == ["1", "11.0", "3", "4", "5", "6", "9", "abc"]
    flags = preds["text_flags"].to_dict()
    assert flags["1"] == "" and flags["3"] == "empty" and flags["4"] == "whitespace_only"
    assert flags["5"] == "emoji_only" and flags["6"] == "truncated" and preds.loc["6", "n_tokens"] == 64
    quarantine = read_preds(out, sub="quarantine")
    assert sorted(zip(quarantine["reason"], quarantine["id"].fillna("<none>"))) == [
        ("bad_inbound", "12"), ("duplicate_id", "1"), ("malformed_csv", "<none>"), ("missing_id", "")]
    summary = json.loads((out / "summary.json").read_text())
    c = summary["counts"]
    assert (c["rows_in"], c["predicted"], c["skipped_company"], c["quarantined"]) == (13, 8, 1, 4)
    assert summary["text_flags"] == {"emoji_only": 1, "empty": 1, "truncated": 1, "whitespace_only": 1}


def test_integer_ids_and_quarantined_text_problems_are_options(tiny_model_dir, tmp_path):
    raw = tmp_path / "raw.csv"
    _write_raw(raw)
    out = tmp_path / "out"
    assert predict(tiny_model_dir, raw, out, "checks.ids=integer", "checks.empty_text=quarantine") == 0
    assert sorted(read_preds(out)["id"]) == ["1", "11.0", "5", "6", "9"]  # kept as given, checked as integers
    quarantine = read_preds(out, sub="quarantine")
    assert sorted(zip(quarantine["reason"], quarantine["id"].fillna("<none>"))) == [
        ("bad_id", "abc"), ("bad_inbound", "12"), ("duplicate_id", "1"), ("empty_text", "3"), ("empty_text", "4"),
        ("malformed_csv", "<none>"), ("missing_id", "")]


IDS = ["INC-0001", "3f2b8c1e-9d4a-4f6e-8b7a-1c2d3e4f5a6b", "0042", "título-7", "ticket 42", "42"]


@pytest.mark.parametrize("out_name", ["preds", "preds.csv", "preds.jsonl"])
def test_string_ids_round_trip_exactly(tiny_model_dir, tmp_path, out_name):
    """Ids as given, in every output format, the quarantine, and across a resume."""
    inp = tmp_path / "in.jsonl"
    rows = [{"ticket": i, "text": f"message {k}"} for k, i in enumerate(IDS)] + [{"ticket": "0042", "text": "again"}]
    inp.write_text("".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8")
    out = tmp_path / out_name
    fmt = {"preds": "parquet", "preds.csv": "csv", "preds.jsonl": "jsonl"}[out_name]
    args = ["id_column=ticket", "rows_per_shard=2"]
    assert predict(tiny_model_dir, inp, out, *args) == 0
    assert read_preds(out, fmt)["id"].tolist() == IDS
    quarantine = read_preds(out, fmt, "quarantine")
    assert quarantine[["id", "reason"]].values.tolist() == [["0042", "duplicate_id"]]
    # Kill-and-resume stand-in: the last chunk (which repeats "0042") is unfinished; the rerun
    # must still know the ids of the finished chunks it does not score again.
    (out / "_shards" / "part-00003.json").unlink()
    (out / "_SUCCESS").unlink()
    assert predict(tiny_model_dir, inp, out, *args) == 0
    summary = json.loads((out / "summary.json").read_text())
    assert summary["resumed_shards"] == 3 and summary["counts"]["quarantined_by_reason"] == {"duplicate_id": 1}
    assert read_preds(out, fmt)["id"].tolist() == IDS


@pytest.mark.parametrize("in_fmt", ["csv", "parquet"])
def test_ids_keep_their_leading_zeros_from_csv_and_parquet(tiny_model_dir, tmp_path, in_fmt):
    df = pd.DataFrame({"id": ["0042", "INC-0001", "título-7"], "text": ["a", "b", "c"]})
    inp = tmp_path / f"in.{in_fmt}"
    df.to_csv(inp, index=False) if in_fmt == "csv" else df.to_parquet(inp)
    assert predict(tiny_model_dir, inp, tmp_path / "o", "id_column=id") == 0
    assert read_preds(tmp_path / "o")["id"].tolist() == ["0042", "INC-0001", "título-7"]


def test_nothing_predicted_exits_2_with_the_reason(tiny_model_dir, tmp_path, capsys):
    header = "tweet_id,author_id,inbound,created_at,text,response_tweet_id,in_response_to_tweet_id\n"
    quarantined = tmp_path / "no_ids.csv"
    quarantined.write_text(header + ",a,True,t,hello,,\n  ,b,True,t,help,,\n")
    assert predict(tiny_model_dir, quarantined, tmp_path / "o1") == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and err.startswith("error: nothing predicted from 2 input rows: 2 quarantined")
    assert "{'missing_id': 2}" in err and json.loads((tmp_path / "o1" / "summary.json").read_text())["counts"]["predicted"] == 0
    company = tmp_path / "company.csv"
    company.write_text(header + "1,Co,False,t,@c1 sorry,,\n2,Co,False,t,@c2 DM us,,\n")
    assert predict(tiny_model_dir, company, tmp_path / "o2") == 2
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "nothing predicted from 2 input rows: 2 company replies" in err
    assert "inbound_only=false" in err
    assert predict(tiny_model_dir, company, tmp_path / "o3", "inbound_only=false") == 0


def test_latin1_csv_needs_input_encoding(tiny_model_dir, tmp_path, capsys):
    raw = tmp_path / "latin1.csv"
    rows = [("1", "¿dónde está mi pedido?"), ("2", "mi tarjeta no funciona, ¡ayuda!"), ("1", "¿dónde está mi pedido?")]
    raw.write_bytes(("id,text\n" + "".join(f'{i},"{t}"\n' for i, t in rows)).encode("latin-1"))
    assert predict(tiny_model_dir, raw, tmp_path / "o1", "id_column=id") == 2
    err = capsys.readouterr().err
    assert "not valid UTF-8" in err and "input_encoding=latin-1" in err and not (tmp_path / "o1").exists()
    assert predict(tiny_model_dir, raw, tmp_path / "o2", "id_column=id", "input_encoding=latin-1") == 0
    assert read_preds(tmp_path / "o2")["text_flags"].tolist() == ["", ""]
    quarantine = read_preds(tmp_path / "o2", sub="quarantine")
    assert quarantine[["id", "text", "reason"]].values.tolist() == [["1", "¿dónde está mi pedido?", "duplicate_id"]]


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
    assert sorted(preds["id"]) == sorted(customers["tweet_id"])
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
