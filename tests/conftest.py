"""Shared fixtures: one local Spark session, a tiny tokenizer/model, and a small ETL run built without Spark.

Nothing here downloads: the tokenizer is trained on fixture text in a second,
the model is a random-init DistilBERT from modeling.tiny.

Markers: a test that uses the `spark` fixture is marked `spark` here
automatically (it starts a JVM); whole-pipeline and multi-process runs are
marked `e2e` in their files. `pytest -m "not spark and not e2e"` is the
inner loop; CI runs everything.
"""
from __future__ import annotations

import contextlib
import hashlib
import os
from datetime import datetime, timezone
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SAMPLE_CSV = ROOT / "data" / "samples" / "twcs_sample.csv"
GOLD_DEV = ROOT / "data" / "gold" / "dev.csv"
GOLD_TEST = ROOT / "data" / "gold" / "test.csv"

# Belt and braces: any accidental Hub call fails at once instead of hanging.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("HF_DATASETS_OFFLINE", "1")


@pytest.fixture(scope="session")
def spark():
    from preprocessing.config import SparkConfig
    from preprocessing.session import get_spark

    session = get_spark(SparkConfig(master="local[2]", shuffle_partitions=4, driver_memory="2g"), "tests")
    session.sparkContext.setLogLevel("ERROR")
    yield session


@pytest.fixture(scope="session")
def synth_csv(tmp_path_factory) -> Path:
    """1,500 generated twcs rows (English + Spanish), no malformed rows."""
    from preprocessing.synth import generate

    path = tmp_path_factory.mktemp("synth") / "raw.csv"
    generate(rows=1500, seed=7, output=path)
    return path


def run_etl(spark, output: Path, overrides: list[str], config: str = "configs/preprocess/default.yaml") -> dict:
    """The real ETL `run()` with a config file plus overrides; returns the manifest as written (plain JSON)."""
    from common.configfile import load_config
    from preprocessing.config import EtlConfig
    from preprocessing.etl import run

    cfg = load_config(EtlConfig, ROOT / config, [f"output={output}", f"rules={ROOT}/configs/labels/default.yaml", *overrides])
    return run(cfg, spark).to_json()


def pytest_collection_modifyitems(items):
    for item in items:
        if "spark" in getattr(item, "fixturenames", ()):
            item.add_marker(pytest.mark.spark)


@pytest.fixture(scope="session")
def etl_run(synth_csv, tmp_path_factory) -> Path:
    """A published ETL run over `synth_csv`, built with pyarrow (no JVM); small shards, so splits hold several.

    The same layout, schema and manifest as the Spark ETL writes (tests/test_etl.py checks that one):
    customer rows, text forms and labels from the ETL's Python renderers, a seeded split by conversation.
    """
    return build_etl_run(synth_csv, tmp_path_factory.mktemp("etl") / "2024-01-02" / "synth", rows_per_shard=300)


def build_etl_run(csv_path: Path, run: Path, rows_per_shard: int = 300, seed: int = 42) -> Path:
    import pandas as pd
    import pyarrow as pa
    import pyarrow.parquet as pq

    from common.contracts import EtlCounts, EtlManifest, SplitStats
    from preprocessing.labeling import load_rules
    from preprocessing.schema import (
        LENGTH_BINS,
        PREPARED_ARROW,
        QUARANTINE_COLUMNS,
        SPLITS,
        describe_prepared,
        length_histogram,
    )
    from preprocessing.text import clean_from_model_text, model_text

    rules = load_rules(ROOT / "configs/labels/default.yaml")
    raw = pd.read_csv(csv_path, dtype=str, keep_default_na=False)
    parent = dict(zip(raw.tweet_id.astype(int), raw.in_response_to_tweet_id))

    def root(tweet_id: int) -> int:
        while parent.get(tweet_id):
            tweet_id = int(parent[tweet_id])
        return tweet_id

    rows = raw[raw.inbound == "True"].copy()
    rows["tweet_id"] = rows.tweet_id.astype("int64")
    rows["conversation_id"] = rows.tweet_id.map(root).astype("int64")
    rows["created_at"] = pd.to_datetime(rows.created_at, format="%a %b %d %H:%M:%S %z %Y", utc=True)
    rows["text"] = rows.text.map(model_text)
    rows["clean_text"] = rows.text.map(clean_from_model_text)
    rows["rule_label"] = rows["label"] = rows.clean_text.map(rules.label)
    rows["label_source"] = "rules"
    empty = rows.text == ""
    rows = rows[~empty]
    share = rows.conversation_id.map(lambda c: int(hashlib.sha256(f"{seed}:{c}".encode()).hexdigest()[:8], 16) / 16**8)
    rows["split"] = pd.cut(share, [0, 0.8, 0.9, 1.0], labels=list(SPLITS), include_lowest=True).astype(str)
    stats = {}
    for split in SPLITS:
        part = rows[rows.split == split].sort_values("tweet_id")
        (run / split).mkdir(parents=True)
        table = pa.Table.from_pandas(part[PREPARED_ARROW.names], schema=PREPARED_ARROW, preserve_index=False)
        for i, start in enumerate(range(0, table.num_rows, rows_per_shard)):
            pq.write_table(table.slice(start, rows_per_shard), run / split / f"part-{i:05d}.parquet")
        lengths = part.text.str.len().to_numpy()
        stats[split] = SplitStats(rows=len(part), conversations=int(part.conversation_id.nunique()),
                                  labels={k: int(v) for k, v in part.label.value_counts().items()},
                                  text_length_chars=length_histogram(lengths),
                                  label_sources={"rules": len(part)} if len(part) else {})
    company = int((raw.inbound != "True").sum())
    counts = EtlCounts(input_rows=len(raw), customer_rows=len(rows), company_rows=company,
                       quarantined_rows=int(empty.sum()), quarantined_by_reason={"empty_text": int(empty.sum())} if empty.any() else {})
    manifest = EtlManifest(
        run_date=run.parent.name, run_id=run.name, path=str(run), created_at=datetime.now(timezone.utc).isoformat(),
        input=str(csv_path), counts=counts, labels=rules.labels, label_source="rules configs/labels/default.yaml",
        splits=stats, text_length_bins_chars=list(LENGTH_BINS), schema=describe_prepared(),
        quarantine_columns=list(QUARANTINE_COLUMNS), config={"built_by": "tests/conftest.py build_etl_run"},
        versions={}, git_commit=None)
    manifest.write(str(run / "manifest.json"))
    (run / "_SUCCESS").write_text("")
    return run


@pytest.fixture(scope="session")
def tiny_tokenizer(synth_csv):
    import pandas as pd

    from modeling.tiny import build_tokenizer
    from preprocessing.text import model_text

    texts = pd.read_csv(synth_csv, dtype=str, keep_default_na=False)["text"].map(model_text)
    return build_tokenizer(texts, vocab_size=1500)


@pytest.fixture(scope="session")
def tiny_model_dir(tiny_tokenizer, tmp_path_factory) -> Path:
    """A saved random-init tiny DistilBERT classifier (critical / non_critical)."""
    from modeling.tiny import build_model

    path = tmp_path_factory.mktemp("tiny_model")
    build_model(tiny_tokenizer, ["critical", "non_critical"]).save_pretrained(path)
    tiny_tokenizer.save_pretrained(path)
    return path


@contextlib.contextmanager
def moto_server(secret_key: str = "testing"):
    """Every AWS service on 127.0.0.1 (moto in server mode), reached through AWS_ENDPOINT_URL and the
    standard credential variables, which are restored afterwards; yields the endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    keys = ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_DEFAULT_REGION", "AWS_ENDPOINT_URL")
    saved = {k: os.environ.get(k) for k in keys}
    os.environ.update(AWS_ACCESS_KEY_ID="testing-key-id", AWS_SECRET_ACCESS_KEY=secret_key,
                      AWS_DEFAULT_REGION="us-east-1", AWS_ENDPOINT_URL=f"http://{host}:{port}")
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
