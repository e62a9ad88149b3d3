"""Shared fixtures: one local Spark session, a tiny tokenizer/model, and small ETL runs.

Nothing here downloads: the tokenizer is trained on fixture text in a second,
the model is a random-init DistilBERT from modeling.tiny.
"""
from __future__ import annotations

import os
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
    """The real ETL `run()` with a config file plus overrides; returns the manifest."""
    from preprocessing.config import EtlConfig
    from common.configfile import load_config
    from preprocessing.etl import run

    cfg = load_config(EtlConfig, ROOT / config, [f"output={output}", f"rules={ROOT}/configs/labels/default.yaml", *overrides])
    return run(cfg, spark)


@pytest.fixture(scope="session")
def etl_run(spark, synth_csv, tmp_path_factory) -> Path:
    """A published ETL run folder over `synth_csv` (small shards, so splits hold several)."""
    out = tmp_path_factory.mktemp("etl")
    manifest = run_etl(spark, out, [f"input={synth_csv}", "run_date=2024-01-02", "run_id=synth", "rows_per_shard=300"])
    return Path(manifest["path"])


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
