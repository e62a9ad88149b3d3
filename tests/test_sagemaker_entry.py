"""The training container contract: SM_* folders in, model in SM_MODEL_DIR, hyperparameters as --key value strings."""
import json
import os
import subprocess
import sys

import pytest
from conftest import ROOT

from modeling.sagemaker_entry import contract_overrides, parse_hyperparameters


def test_hyperparameters_become_overrides():
    config, overrides = parse_hyperparameters(
        ["--config", "configs/train/tiny.yaml", "--train.max_steps", "4", "--data.streaming", "False",
         "--model_name", '"quoted"', "--train.eval_steps=2"])
    assert config == "configs/train/tiny.yaml"
    assert overrides == ["train.max_steps=4", "data.streaming=False", "model_name=quoted", "train.eval_steps=2"]
    with pytest.raises(SystemExit, match="'config' hyperparameter"):
        parse_hyperparameters(["--train.max_steps", "4"])


def test_contract_paths_override_and_defaults_yield():
    env = {"SM_MODEL_DIR": "/opt/ml/model", "SM_CHANNEL_TRAIN": "/c/train", "SM_CHANNEL_VALIDATION": "/c/val",
           "SM_CHANNEL_TEST": "/c/test", "SM_CHANNEL_MANIFEST": "/c/manifest"}
    defaults, fixed = contract_overrides(env)
    assert "registry_root=null" in defaults and "train.keep_checkpoints=false" in defaults
    assert fixed == ["output_dir=/opt/ml/model", "data.train_dir=/c/train", "data.validation_dir=/c/val",
                     "data.test_dir=/c/test", "data.manifest=/c/manifest/manifest.json"]


@pytest.mark.e2e  # a whole training run in a subprocess
def test_entry_point_in_a_container_like_environment(etl_run, tmp_path):
    # SageMaker copies each channel to its own folder; the manifest channel holds manifest.json.
    manifest_channel = tmp_path / "input" / "manifest"
    manifest_channel.mkdir(parents=True)
    (manifest_channel / "manifest.json").write_bytes((etl_run / "manifest.json").read_bytes())
    env = {**os.environ, "SM_MODEL_DIR": str(tmp_path / "model"), "SM_OUTPUT_DATA_DIR": str(tmp_path / "output"),
           "SM_CHANNEL_TRAIN": str(etl_run / "train"), "SM_CHANNEL_VALIDATION": str(etl_run / "validation"),
           "SM_CHANNEL_TEST": str(etl_run / "test"), "SM_CHANNEL_MANIFEST": str(manifest_channel), "SM_NUM_GPUS": "0"}
    cmd = [sys.executable, "modeling/sagemaker_entry.py", "--config", "configs/train/tiny.yaml",
           "--train.max_steps", "4", "--train.eval_steps", "2", "--train.class_weighted_loss", "True",
           "--data.cache_dir", str(tmp_path / "cache")]
    proc = subprocess.run(cmd, cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-4000:]
    model = tmp_path / "model"
    assert (model / "model.safetensors").is_file() and (model / "tokenizer.json").is_file()
    assert json.loads((model / "config.json").read_text())["id2label"] == {"0": "critical", "1": "non_critical"}
    assert not list(model.glob("checkpoint-*")), "checkpoints must not bloat model.tar.gz"
    for name in ("metrics.json", "training_manifest.json", "README.md", "confusion_matrix.png"):
        assert (tmp_path / "output" / name).is_file(), name
    manifest = json.loads((model / "training_manifest.json").read_text())
    assert manifest["config"]["data"]["train_dir"] == str(etl_run / "train")
    assert manifest["config"]["train"]["class_weighted_loss"] is True
    assert manifest["config"]["registry_root"] is None
