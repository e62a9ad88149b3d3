"""Checks that run before any heavy pipeline work: each failure is one line naming the fix."""
from __future__ import annotations

import json

import fsspec

from common import storage
from common.configfile import ConfigError, load_config
from common.errors import UserError
from common.etl_run import open_etl_run
from pipeline.config import PipelineConfig


class PreflightError(UserError):
    """A pipeline input is unusable; the message says what to change."""


def preflight(cfg: PipelineConfig) -> None:
    if cfg.launcher == "sagemaker" and not cfg.workdir.startswith("s3://"):
        raise PreflightError(f"launcher=sagemaker reads and writes S3: set workdir=s3://<bucket>/<prefix> (found {cfg.workdir})")
    storage.check_writable(cfg.workdir)
    _stage_configs_load(cfg)
    for key in ("raw_train", "raw_new_batch"):
        path = getattr(cfg.data, key)
        if path and not storage.exists(path):
            raise PreflightError(f"data.{key} not found: {path}; point it at an existing twcs CSV or drop it to generate data")
    data_labels = open_etl_run(cfg.data.etl_run, setting="data.etl_run").labels if cfg.data.etl_run else None
    if cfg.model:
        model_labels = _model_labels(cfg.model, cfg.registry)
        if data_labels is not None and sorted(data_labels) != sorted(model_labels):
            raise PreflightError(
                f"label set of data.etl_run {data_labels} differs from model {cfg.model} {model_labels}; "
                "train a model on this label set (drop model=...) or use data with the model's labels")


def _stage_configs_load(cfg: PipelineConfig) -> None:
    from inference.config import PredictConfig
    from modeling.config import TrainConfig
    from preprocessing.config import EtlConfig

    for name, cls, ref in (("preprocess", EtlConfig, cfg.preprocess), ("train", TrainConfig, cfg.train),
                           ("predict", PredictConfig, cfg.predict)):
        try:
            load_config(cls, ref.config, ref.overrides)
        except ConfigError as exc:
            raise ConfigError(f"{name} config {ref.config}: {exc}") from None


def _model_labels(spec: str, registry_root: str) -> list[str]:
    from modeling.registry import resolve

    path = resolve(spec, registry_root)  # a RegistryError already names what exists
    config = f"{path.rstrip('/')}/config.json"
    weights = f"{path.rstrip('/')}/model.safetensors"
    if not (storage.exists(config) and storage.exists(weights)):
        raise PreflightError(f"model not found: {path} has no config.json + model.safetensors; "
                             "pass model=<a trained model folder> or drop model=... to train one")
    with fsspec.open(config, "r") as fh:
        id2label = json.load(fh).get("id2label", {})
    return [id2label[k] for k in sorted(id2label, key=int)]
