"""scripts/launch_sagemaker.py --dry-run: the real SDK builds the requests against recording AWS clients, offline."""
import importlib.util
import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT

from common.configfile import ConfigError, load_config
from common.etl_run import EtlRunError
from modeling.sagemaker_job import SageMakerConfig, launch_training, launch_transform

os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
RUN = "s3://bucket/etl/2024-05-31/r1"


def _image_combos() -> set[tuple[str, str, str]]:
    """(transformers, pytorch, py) training images the installed SDK knows."""
    # The SDK's own table, found without importing the SDK (seconds of imports).
    (sdk,) = importlib.util.find_spec("sagemaker").submodule_search_locations
    path = os.path.join(sdk, "image_uri_config", "huggingface.json")
    versions = json.load(open(path))["training"]["versions"]
    return {(tf, pt.removeprefix("pytorch"), py) for tf, v in versions.items()
            for pt, spec in v.items() if pt.startswith("pytorch") and isinstance(spec, dict)
            for py in spec.get("py_versions", [])}


@pytest.mark.parametrize("path", sorted((ROOT / "configs/sagemaker").glob("*.yaml")), ids=lambda p: p.name)
def test_every_sagemaker_config_loads_with_an_existing_container(path):
    cfg = load_config(SageMakerConfig, path)
    assert (cfg.transformers_version, cfg.pytorch_version, cfg.py_version) in _image_combos()


@pytest.mark.e2e  # the SDK stages the source and builds the job: seconds each
def test_train_dry_run_builds_the_create_training_job_request():
    cfg = load_config(SageMakerConfig, ROOT / "configs/sagemaker/gpu_multi.yaml")
    out = launch_training(cfg, "configs/train/distilbert-multilingual.yaml", RUN, ["train.epochs=2"], dry_run=True,
                          extra_files=("data/gold/dev.csv", "data/gold/test.csv"))
    req = out["create_training_job"]
    assert "huggingface-pytorch-training:2.8.0-transformers4.56.2-gpu-py312" in req["AlgorithmSpecification"]["TrainingImage"]
    assert req["ResourceConfig"]["InstanceType"] == "ml.g5.12xlarge"
    channels = {c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3Uri"] for c in req["InputDataConfig"]}
    assert channels == {"train": f"{RUN}/train/", "validation": f"{RUN}/validation/", "test": f"{RUN}/test/",
                        "manifest": f"{RUN}/manifest.json"}
    hp = req["HyperParameters"]
    assert json.loads(hp["config"]) == "configs/train/distilbert-multilingual.yaml"
    assert json.loads(hp["train.epochs"]) == "2"
    assert json.loads(hp["sagemaker_program"]) == "sagemaker_entry.py"
    assert hp["sagemaker_torch_distributed_enabled"] == "true"  # 4 GPUs -> torchrun DDP
    assert req["EnableManagedSpotTraining"] is True
    assert {"sagemaker_entry.py", "requirements.txt", "modeling/train.py", "preprocessing/text.py",
            "configs/train/distilbert-multilingual.yaml", "data/gold/dev.csv", "data/gold/test.csv"} <= set(out["source_files"])


@pytest.mark.e2e
def test_single_gpu_job_is_not_distributed():
    cfg = load_config(SageMakerConfig, ROOT / "configs/sagemaker/gpu_single.yaml")
    out = launch_training(cfg, "configs/train/distilbert-multilingual.yaml", RUN, [], dry_run=True)
    assert "distribution" not in out["estimator"]
    assert "sagemaker_torch_distributed_enabled" not in out["create_training_job"]["HyperParameters"]


@pytest.mark.e2e
def test_transform_dry_run_builds_a_jsonlines_batch_transform():
    cfg = load_config(SageMakerConfig, ROOT / "configs/sagemaker/gpu_single.yaml")
    model = "s3://bucket/models/support-triage/v0003/model.tar.gz"
    out = launch_transform(cfg, model, "s3://bucket/in/", "s3://bucket/out/", dry_run=True)
    req = out["create_transform_job"]
    assert req["BatchStrategy"] == "MultiRecord"
    assert req["TransformInput"]["ContentType"] == "application/jsonlines"
    assert req["TransformInput"]["SplitType"] == "Line"
    assert req["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"] == "s3://bucket/in/"
    assert req["TransformOutput"] == {"S3OutputPath": "s3://bucket/out/", "Accept": "application/jsonlines",
                                      "AssembleWith": "Line"}
    container = out["create_model"]["Containers"][0] if "Containers" in out["create_model"] else out["create_model"]["PrimaryContainer"]
    assert container["ModelDataUrl"] == model
    assert "huggingface-pytorch-inference" in container["Image"]


def test_real_launch_refuses_an_incomplete_run(tmp_path):
    (tmp_path / "train").mkdir()
    cfg = SageMakerConfig(role="arn:aws:iam::1:role/x")
    with pytest.raises(EtlRunError, match="no _SUCCESS marker"):
        launch_training(cfg, "configs/train/tiny.yaml", str(tmp_path), [], dry_run=False)
    with pytest.raises(ConfigError, match="role is empty"):
        launch_transform(SageMakerConfig(), "s3://b/m.tar.gz", "s3://b/in/", "s3://b/out/", dry_run=False)


@pytest.mark.e2e
def test_cli_dry_run_prints_the_request():
    cmd = [sys.executable, "scripts/launch_sagemaker.py", "train", "--config", "configs/train/tiny.yaml",
           "--data", RUN, "--sagemaker-config", "configs/sagemaker/gpu_single.yaml", "--dry-run", "train.max_steps=4"]
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-3000:]
    out = json.loads(proc.stdout[proc.stdout.index("{"):])
    assert out["create_training_job"]["HyperParameters"]["train.max_steps"] == '"4"'
    bad = subprocess.run(cmd[:-1] + ["train.max_stepz=4"], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert bad.returncode == 2 and "unknown config key 'train.max_stepz'" in bad.stderr
