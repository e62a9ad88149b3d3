"""The whole pipeline against a real S3 HTTP endpoint on 127.0.0.1 (moto in server mode).

Credentials and the endpoint come from the environment, as the standard AWS
credential chain would give them; none may end up in a file the run writes.
"""

import fsspec
import pytest
from conftest import ROOT, moto_server

from common.configfile import load_config
from modeling.registry import register
from pipeline.config import PipelineConfig
from pipeline.runner import run

SECRET = "s3cr3t-never-written-anywhere"
BUCKET = "support-triage-test"


@pytest.fixture(scope="module")
def s3_endpoint():
    import boto3

    with moto_server(secret_key=SECRET) as endpoint:
        boto3.client("s3").create_bucket(Bucket=BUCKET)
        fsspec.filesystem("s3").invalidate_cache()
        yield endpoint


@pytest.mark.e2e
def test_pipeline_runs_against_s3(spark, s3_endpoint, tmp_path, tiny_model_dir, capsys):
    workdir = f"s3://{BUCKET}/runs"
    register(str(tiny_model_dir), f"{workdir}/models", "support-triage-earlier", approved=True)
    cfg = load_config(PipelineConfig, ROOT / "configs/pipeline/demo.yaml", [
        f"workdir={workdir}", f"spark_workdir={tmp_path}/spark", "train.config=configs/train/tiny.yaml",
        "data.train_rows=400", "data.new_batch_rows=200", "simulated_review.enabled=false"])
    result = run(cfg)
    fs = fsspec.filesystem("s3")
    fs.invalidate_cache()
    keys = set(fs.find(f"{BUCKET}/runs"))
    root = f"{BUCKET}/runs/demo"
    for must in ("data/raw_train.csv", "etl/{d}/train/_SUCCESS", "etl/{d}/new_batch/manifest.json", "model/model.safetensors",
                 "model/metrics.json", "predictions/_SUCCESS", "predictions/summary.json", "review/queue.csv", "report.html",
                 "steps/report.json"):
        assert f"{root}/{must.format(d=result['run_date'])}" in keys, must
    assert f"{BUCKET}/runs/models/support-triage-tiny/v0001/model.safetensors" in keys
    assert f"{BUCKET}/runs/models/latest-approved.json" in keys
    assert result["steps"]["predict"]["summary"]["counts"]["predicted"] == result["steps"]["etl_new_batch"]["counts"]["customer_rows"]
    # No secret in anything written (manifests, resolved configs, metrics, report) nor in the logs.
    for key in keys:
        if key.endswith((".json", ".yaml", ".html", ".md", ".txt")):
            assert SECRET not in fs.cat(key).decode("utf-8", "replace"), key
    out = capsys.readouterr()
    assert SECRET not in out.out and SECRET not in out.err


@pytest.mark.e2e
def test_sagemaker_pipeline_dry_run(spark, s3_endpoint, tmp_path):
    """launcher=sagemaker: the real SDK builds both job requests against recording AWS clients."""
    import json

    workdir = f"s3://{BUCKET}/sm"
    cfg = load_config(PipelineConfig, ROOT / "configs/pipeline/sagemaker.yaml",
                      [f"workdir={workdir}", f"spark_workdir={tmp_path}/spark", "data.train_rows=300", "data.new_batch_rows=200"])
    steps = run(cfg)["steps"]
    train, pred = steps["train"], steps["predict"]
    req = train["create_training_job"]
    etl = steps["etl_train"]["path"]
    channels = {c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3Uri"] for c in req["InputDataConfig"]}
    assert channels == {"train": f"{etl}/train/", "validation": f"{etl}/validation/", "test": f"{etl}/test/",
                        "manifest": f"{etl}/manifest.json"}
    assert json.loads(req["HyperParameters"]["config"]) == "configs/train/distilbert-multilingual.yaml"
    assert req["ResourceConfig"]["InstanceType"] == "ml.g5.2xlarge"
    transform = pred["create_transform_job"]
    assert transform["TransformInput"]["ContentType"] == "application/jsonlines"
    assert transform["TransformInput"]["SplitType"] == "Line" and transform["BatchStrategy"] == "MultiRecord"
    assert transform["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"] == f"{workdir}/sagemaker/transform_input/"
    lines = fsspec.open(f"{workdir}/sagemaker/transform_input/batch.jsonl", "r").open().read().splitlines()
    assert len(lines) == pred["rows"] == steps["etl_new_batch"]["counts"]["customer_rows"]
    assert set(json.loads(lines[0])) == {"id", "inputs"}


def test_sagemaker_launcher_needs_s3(capsys):
    from pipeline.runner import main

    assert main(["--config", "configs/pipeline/sagemaker.yaml", "workdir=runs"]) == 2
    assert "set workdir=s3://" in capsys.readouterr().err


def test_loader_reads_an_s3_run_in_memory_and_streaming(s3_endpoint, spark, tmp_path):
    """modeling.data over s3:// (after the pipeline test put an ETL run there), both modes agree."""
    from modeling.config import DataConfig
    from modeling.data import load_splits

    fs = fsspec.filesystem("s3")
    fs.invalidate_cache()
    (run,) = [p.rsplit("/", 1)[0] for p in fs.glob(f"{BUCKET}/runs/demo/etl/*/train/manifest.json")]
    url = f"s3://{run}"
    full, manifest = load_splits(DataConfig(run_dir=url))
    stream, _ = load_splits(DataConfig(run_dir=url, streaming=True))
    assert len(full["train"]) == manifest.splits["train"].rows
    streamed = list(stream["train"])
    assert [r["tweet_id"] for r in streamed] == full["train"]["tweet_id"]
    assert {r["label"] for r in streamed} <= {0, 1}  # ClassLabel ids, as in memory
