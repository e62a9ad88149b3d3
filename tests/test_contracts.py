"""Stage contracts: each writes and reads back equal; a future, unversioned or incomplete file is refused by name."""
import json
import shutil
from pathlib import Path

import pyarrow.parquet as pq
import pytest

from common.contracts import (
    ContractError,
    Engine,
    EtlCounts,
    EtlManifest,
    GateDecision,
    ModelRef,
    PredictCounts,
    PredictSummary,
    SplitStats,
    StepMarker,
    TrainingManifest,
    TrainMetrics,
    TrainProgress,
)
from common.etl_run import EtlRunError, open_etl_run


def etl_manifest() -> EtlManifest:
    split = SplitStats(rows=3, conversations=2, labels={"critical": 1, "non_critical": 2}, text_length_chars={"20": 3})
    return EtlManifest(
        run_date="2024-01-02", run_id="r1", path="s3://b/etl/2024-01-02/r1", created_at="2024-01-02T00:00:00+00:00",
        input="raw.csv", counts=EtlCounts(10, 3, 6, 1, {"bad_tweet_id": 1}), labels=["critical", "non_critical"],
        label_source="rules", splits={"train": split, "validation": split, "test": split},
        text_length_bins_chars=[0, 20, 40], schema=[{"name": "text", "type": "string", "nullable": False, "meaning": "x"}],
        quarantine_columns=["tweet_id", "reason"], config={"split": {"seed": 42}}, versions={"pyspark": "4.1"},
        git_commit="abc", timings_s={"total_s": 1.5}, rule_agreement_with_gold={"accuracy": 0.9})


def contracts() -> list:
    gate = GateDecision(approved=False, min_test_macro_f1=0.6, model_test_macro_f1=0.5, baseline_test_macro_f1=0.7,
                        reasons=["test macro-F1 0.5000 < threshold 0.6", "test macro-F1 0.5000 < baseline 0.7000"])
    report = {"accuracy": 0.8, "macro_f1": 0.5, "per_class": {"critical": {"f1": 0.2}}, "confusion_matrix": [[1, 0], [1, 3]]}
    return [
        etl_manifest(),
        TrainMetrics(labels=["critical", "non_critical"], validation=report, test=report, baseline={"test": report},
                     gold=None, gate=gate, approved=False, gate_threshold=0.6),
        TrainingManifest(model_name="m", base_model="tiny", labels=["critical", "non_critical"], max_length=64,
                         data_source="runs/etl", data_manifest=etl_manifest(), config={"seed": 1}, versions={},
                         git_commit=None, train=TrainProgress(8, 0, None, None, 1, "fp32"), timings_s={"total_s": 3.0}),
        PredictSummary(run_id="r", created_at="now", model=ModelRef("m", "v0001", "ff", "models/m", ["a", "b"]),
                       input={"path": "in.csv", "kind": "csv", "files": 1}, output={"path": "o", "format": "csv", "shards": 1},
                       counts=PredictCounts(5, 3, 1, 1, {"empty_text": 1}, 40), labels={"a": 2, "b": 1},
                       text_flags={"emoji_only": 1}, text_length_chars={"0": 3},
                       engine=Engine("local", "cpu", "fp32", 4096, 64, 1), resumed_shards=0,
                       throughput={"messages_per_s": 10.0, "messages_this_invocation": 3}, timings_s={"total": 0.3},
                       versions={}, git_commit=None, drift=None, drift_reason="no training manifest"),
        StepMarker(step="predict", finished_at="now", seconds=1.25, outputs={"output": "preds", "summary": {"run_id": "r"}}),
    ]


@pytest.mark.parametrize("contract", contracts(), ids=lambda c: type(c).__name__)
def test_each_contract_reads_back_equal(contract, tmp_path):
    path = str(tmp_path / "c.json")
    contract.write(path)
    again = type(contract).read(path)
    assert again == contract
    data = json.loads(Path(path).read_text())
    assert data["schema_version"] == 1 and data["kind"] == contract.KIND
    assert type(contract).from_json(data).to_json() == data  # nothing added or lost on the way through
    if isinstance(contract, TrainingManifest):  # a nested contract is written whole, as its own file would be
        assert data["data_manifest"] == contract.data_manifest.to_json()


@pytest.mark.parametrize("contract", contracts(), ids=lambda c: type(c).__name__)
def test_a_future_schema_version_is_refused_naming_the_file_and_both_versions(contract, tmp_path):
    path = tmp_path / "future.json"
    path.write_text(json.dumps({**contract.to_json(), "schema_version": 7}))
    with pytest.raises(ContractError) as err:
        type(contract).read(str(path))
    assert str(err.value).startswith(f"{path}: schema_version 7 is newer than 1, the version this")


def test_unversioned_file_missing_key_and_wrong_kind_name_the_file_and_key(tmp_path):
    path = tmp_path / "manifest.json"
    data = etl_manifest().to_json()
    path.write_text(json.dumps({k: v for k, v in data.items() if k != "schema_version"}))
    with pytest.raises(ContractError, match=rf"{path}: no schema_version.*reads schema_version 1"):
        EtlManifest.read(str(path))
    del data["counts"]["customer_rows"]
    path.write_text(json.dumps(data))
    with pytest.raises(ContractError, match=rf"{path}: missing key 'counts.customer_rows'"):
        EtlManifest.read(str(path))
    path.write_text(json.dumps({**etl_manifest().to_json(), "surprise": 1}))
    with pytest.raises(ContractError, match="unexpected key 'surprise'"):
        EtlManifest.read(str(path))
    path.write_text(json.dumps(contracts()[1].to_json()))
    with pytest.raises(ContractError, match="kind 'train_metrics' is not a EtlManifest"):
        EtlManifest.read(str(path))
    nested = contracts()[2].to_json()
    nested["data_manifest"]["schema_version"] = 2
    path.write_text(json.dumps(nested))
    with pytest.raises(ContractError, match=rf"{path}: data_manifest: schema_version 2 is newer than 1"):
        TrainingManifest.read(str(path))


def test_open_etl_run_checks_success_lists_shards_and_selects_splits(etl_run, tmp_path):
    run = open_etl_run(str(etl_run))
    assert list(run.files) == ["train", "validation", "test"]
    assert run.files["train"] == sorted(str(p) for p in (etl_run / "train").glob("*.parquet"))
    assert len(run.files["train"]) == 3 and run.labels == ["critical", "non_critical"]
    for split, files in run.files.items():
        assert sum(pq.read_metadata(f).num_rows for f in files) == run.manifest.splits[split].rows > 0
    assert [s for _, s in open_etl_run(str(etl_run), splits=["test"]).all_files()] == ["test"]
    with pytest.raises(EtlRunError, match=r"splits \['holdout'\] are not in ETL run"):
        open_etl_run(str(etl_run), splits=["holdout"])
    copy = Path(shutil.copytree(etl_run, tmp_path / "run"))
    (copy / "_SUCCESS").unlink()
    with pytest.raises(EtlRunError, match=rf"{copy} has no _SUCCESS marker.*point data.etl_run at a published run"):
        open_etl_run(str(copy), setting="data.etl_run")
    with pytest.raises(EtlRunError, match="is not a folder"):
        open_etl_run(str(tmp_path / "nowhere"))
