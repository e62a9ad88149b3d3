"""The pipeline's train and predict steps as SageMaker jobs (launcher: sagemaker).

Training becomes a HuggingFace-estimator job on the ETL run's S3 prefixes;
prediction becomes a Batch Transform over JSON Lines written from the new
batch's ETL run. With sagemaker.dry_run the requests are built by the real SDK
against AWS clients that record calls instead of sending them
(modeling/sagemaker_dry_run.py), and kept in the step markers: nothing is sent.
"""
from __future__ import annotations

from common.configfile import ConfigError, load_config
from inference.transform_input import write_transform_input
from modeling.sagemaker_job import SageMakerConfig, launch_training, launch_transform


def _sm(cfg) -> SageMakerConfig:
    return load_config(SageMakerConfig, cfg.sagemaker.config)


def pipeline_training_job(cfg, train_cfg, data: str) -> dict:
    sm = _sm(cfg)
    overrides = [o for o in cfg.train.overrides]  # paths are the container's business (SM_* channels)
    extra = train_cfg.gold.local_files()
    out = launch_training(sm, cfg.train.config, data, overrides, dry_run=cfg.sagemaker.dry_run, extra_files=extra)
    output_path = sm.output_path or "s3://dry-run-bucket"
    return {"launcher": "sagemaker", "dry_run": cfg.sagemaker.dry_run, "job_name": out["job_name"],
            "model_data": f"{output_path.rstrip('/')}/{out['job_name']}/output/model.tar.gz",
            "channels": out["channels"], "create_training_job": out.get("create_training_job")}


def pipeline_transform_job(cfg, predict_cfg, results: dict) -> dict:
    sm = _sm(cfg)
    model_data = (results.get("train") or {}).get("model_data")
    if not model_data:
        raise ConfigError("launcher=sagemaker needs the train step's model.tar.gz; run training as a SageMaker job too "
                          "(drop model=..., or use launcher=local)")
    input_file = f"{cfg.root}/transform_input/batch.jsonl"
    rows = write_transform_input(results["etl_new_batch"]["path"], input_file, setting="the etl_new_batch step's run")
    out = launch_transform(sm, model_data, input_file.rsplit("/", 1)[0] + "/", f"{cfg.root}/transform_output/",
                           dry_run=cfg.sagemaker.dry_run)
    return {"launcher": "sagemaker", "dry_run": cfg.sagemaker.dry_run, "rows": rows, "input": input_file,
            "job_name": out["job_name"], "create_transform_job": out.get("create_transform_job")}
