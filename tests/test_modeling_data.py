"""The training data contract: ETL run -> datasets with declared Features, its error paths, tokenization, metrics, configs."""
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest
from conftest import ROOT

from common.configfile import ConfigError, load_config
from common.etl_run import EtlRunError
from modeling.config import DataConfig, TrainConfig
from modeling.data import DataError, collator, load_splits, resolve_layout, tokenize_splits
from preprocessing.schema import PREPARED_COLUMNS


@pytest.fixture
def run_copy(etl_run, tmp_path) -> Path:
    """A private copy of the ETL run that a test may damage."""
    return Path(shutil.copytree(etl_run, tmp_path / "run"))


def _manifest(run: Path) -> dict:
    return json.loads((run / "manifest.json").read_text())


def test_loads_every_split_with_declared_features(etl_run, tmp_path):
    splits, manifest = load_splits(DataConfig(run_dir=str(etl_run), cache_dir=str(tmp_path / "cache")))
    for name in ("train", "validation", "test"):
        assert splits[name].num_rows == manifest.splits[name].rows
        assert splits[name].column_names == list(PREPARED_COLUMNS)
    label = splits["train"].features["label"]
    assert label.names == manifest.labels == ["critical", "non_critical"]
    assert str(splits["train"].features["created_at"].dtype).startswith("timestamp[us")
    # Spark's _SUCCESS and .crc files sit beside the shards; only Parquet is read.
    layout = resolve_layout(DataConfig(run_dir=str(etl_run)))
    assert all(f.endswith(".parquet") for fs in layout.files.values() for f in fs)
    assert len(layout.files["train"]) > 1  # rows_per_shard=300: several shards


def test_refuses_a_run_without_success_marker(run_copy):
    (run_copy / "_SUCCESS").unlink()
    with pytest.raises(EtlRunError, match="no _SUCCESS marker"):
        load_splits(DataConfig(run_dir=str(run_copy)))


def test_missing_column_says_expected_and_found(run_copy):
    shard = sorted((run_copy / "train").glob("*.parquet"))[0]
    pq.write_table(pq.read_table(shard).drop(["clean_text"]), shard)
    with pytest.raises(DataError, match=r"missing column\(s\) \['clean_text'\]; expected columns .* found"):
        load_splits(DataConfig(run_dir=str(run_copy)))


def test_labels_in_data_must_match_the_manifest(run_copy):
    manifest = _manifest(run_copy)
    manifest["labels"] = ["critical", "other"]
    manifest["splits"] = {k: {**v, "labels": {}} for k, v in manifest["splits"].items()}
    (run_copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DataError, match=r"expected labels \['critical', 'other'\], found \['critical', 'non_critical'\]"):
        load_splits(DataConfig(run_dir=str(run_copy)))


def test_manifest_label_counts_outside_its_label_set(run_copy):
    manifest = _manifest(run_copy)
    manifest["splits"]["train"]["labels"]["urgent"] = 3
    (run_copy / "manifest.json").write_text(json.dumps(manifest))
    with pytest.raises(DataError, match=r"expected only \['critical', 'non_critical'\], found extra \['urgent'\]"):
        load_splits(DataConfig(run_dir=str(run_copy)))


def test_split_folder_layout_reads_the_same_rows(etl_run, tmp_path):
    cfg = DataConfig(train_dir=str(etl_run / "train"), validation_dir=str(etl_run / "validation"),
                     test_dir=str(etl_run / "test"), manifest=str(etl_run / "manifest.json"),
                     cache_dir=str(tmp_path / "cache"))
    splits, manifest = load_splits(cfg)
    assert {k: v.num_rows for k, v in splits.items()} == {k: v.rows for k, v in manifest.splits.items()}
    with pytest.raises(ConfigError, match="must be set together"):
        DataConfig(train_dir="a")
    with pytest.raises(DataError, match="manifest not found"):
        load_splits(DataConfig(train_dir=str(etl_run / "train"), validation_dir=str(etl_run / "validation"),
                               test_dir=str(etl_run / "test")))


def test_empty_split_is_an_empty_dataset(run_copy, tmp_path):
    for f in (run_copy / "test").glob("*.parquet"):
        f.unlink()
    splits, _ = load_splits(DataConfig(run_dir=str(run_copy), cache_dir=str(tmp_path / "cache")))
    assert splits["test"].num_rows == 0
    assert splits["test"].features["label"].names == ["critical", "non_critical"]


def test_streaming_gives_iterable_datasets_that_tokenize(etl_run, tiny_tokenizer):
    import datasets

    splits, _ = load_splits(DataConfig(run_dir=str(etl_run), streaming=True))
    assert isinstance(splits["train"], datasets.IterableDataset)
    row = next(iter(tokenize_splits(splits, tiny_tokenizer, 32)["train"]))
    assert set(row) == {"label", "input_ids", "attention_mask"} and row["label"] in (0, 1)
    with pytest.raises(ConfigError, match="needs train.max_steps > 0"):
        load_config(TrainConfig, ROOT / "configs/train/offline-minilm.yaml", ["data.streaming=true"])


def test_tokenization_truncates_caches_and_pads_per_batch(etl_run, tiny_tokenizer, tmp_path):
    splits, _ = load_splits(DataConfig(run_dir=str(etl_run), cache_dir=str(tmp_path / "cache")))
    first = tokenize_splits(splits, tiny_tokenizer, max_length_tokens=16)
    again = tokenize_splits(splits, tiny_tokenizer, max_length_tokens=16)
    other = tokenize_splits(splits, tiny_tokenizer, max_length_tokens=24)
    train = first["train"]
    assert again["train"].cache_files == train.cache_files  # second run reads the cache
    assert other["train"]._fingerprint != train._fingerprint  # max_length is part of the key
    assert max(train["length"]) <= 16
    rows = [train[i] for i in range(8)]
    batch = collator(tiny_tokenizer)(rows)
    assert batch["input_ids"].shape[1] == max(r["length"] for r in rows)  # padded to the batch, not 128
    assert "length" not in batch and batch["labels"].tolist() == [r["label"] for r in rows]


def test_metric_is_an_offline_evaluate_metric():
    import evaluate

    from modeling.metrics import ClassificationReport, flat

    metric = ClassificationReport()
    assert isinstance(metric, evaluate.Metric)
    metric.add_batch(predictions=[0, 0, 1], references=[0, 1, 1])
    rep = metric.compute(predictions=[1], references=[1], label_names=["critical", "non_critical"])
    assert rep["accuracy"] == pytest.approx(0.75)
    assert rep["confusion_matrix"] == [[1, 0], [1, 2]]
    assert rep["per_class"]["critical"] == {"precision": 0.5, "recall": 1.0, "f1": pytest.approx(2 / 3), "support": 1}
    assert set(flat(rep)) == {"accuracy", "macro_f1", "precision_critical", "recall_critical", "f1_critical",
                              "precision_non_critical", "recall_non_critical", "f1_non_critical"}


@pytest.mark.parametrize("path", sorted((ROOT / "configs/train").glob("*.yaml")), ids=lambda p: p.name)
def test_every_train_config_loads(path):
    cfg = load_config(TrainConfig, path)
    assert cfg.model.source and cfg.train.batch_size > 0


@pytest.mark.parametrize("override,message", [
    ("train.precison=bf16", "unknown config key 'train.precison'"),
    ("train.precision=fp16", "train.precision must be one of"),
    ("model.max_length_tokens=4096", "model.max_length_tokens must be in"),
    ("gate.min_test_macro_f1=2", "'gate.min_test_macro_f1' must be between 0 and 1"),
])
def test_bad_train_values_name_the_key(override, message):
    with pytest.raises(ConfigError, match=message):
        load_config(TrainConfig, ROOT / "configs/train/tiny.yaml", [override])
