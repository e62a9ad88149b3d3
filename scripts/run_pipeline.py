"""The whole pipeline in one command: raw messages -> gated, registered model -> labeled new batch -> report.

    python -m scripts.run_pipeline [--config configs/pipeline/demo.yaml] [--force] [key=value ...]

Training pipeline: data -> ETL -> fine-tune, evaluate, gate, register.
Inference pipeline: ETL of a new batch -> latest approved model -> predictions + drift.
Every step calls the stage's own `run()`; none is re-implemented here. A step
whose marker (<workdir>/<run_id>/steps/<step>.json, written after the step's
own output is complete) exists is skipped, so a failed run resumes at the step
that failed (training itself resumes from its last checkpoint). --force reruns.
"""
from __future__ import annotations

import os
import sys
import tempfile
import time
from datetime import datetime, timezone

from preprocessing.configfile import ConfigError, load_config, to_dict
from scripts import pipeline_files as files
from scripts.pipeline_config import PipelineConfig
from scripts.preflight import preflight

STEPS = ("data", "etl_train", "train", "etl_new_batch", "predict", "report")
SAMPLE = "tests/fixtures/twcs_sample.csv"


def run(cfg: PipelineConfig) -> dict:
    """Run (or resume) every step; returns {step: result} plus the run's locations."""
    preflight(cfg)
    state = _state(cfg)
    results: dict[str, dict] = {}
    for step in _steps(cfg):
        marker = f"{cfg.root}/steps/{step}.json"
        if not cfg.force and files.exists(marker):
            results[step] = {**files.read_json(marker), "skipped": True}
            continue
        t0 = time.perf_counter()
        out = STEP_FUNCS[step](cfg, state, results)
        out["seconds"] = round(time.perf_counter() - t0, 2)
        files.write_json(marker, out)
        results[step] = out
    return {"root": cfg.root, "run_date": state["run_date"], "steps": results}


def _steps(cfg: PipelineConfig) -> list[str]:
    skip = set()
    if cfg.data.etl_run:
        skip |= {"etl_train"}
    if cfg.model:
        skip |= {"etl_train", "train"}
    if cfg.data.etl_run and cfg.model:
        skip.add("data")
    return [s for s in STEPS if s not in skip and (s != "report" or cfg.report)]


def _state(cfg: PipelineConfig) -> dict:
    """Facts fixed at the first start (the run date), so a resume next day finds the same folders."""
    path = f"{cfg.root}/pipeline.json"
    if files.exists(path) and not cfg.force:
        return files.read_json(path)
    state = {"run_id": cfg.run_id, "run_date": cfg.run_date or datetime.now(timezone.utc).strftime("%Y-%m-%d"),
             "started_at": datetime.now(timezone.utc).isoformat(), "config": to_dict(cfg)}
    files.write_json(path, state)
    return state


def step_data(cfg: PipelineConfig, state: dict, results: dict) -> dict:
    """Raw CSVs for both pipelines: given ones, or generated (with the real sample mixed in)."""
    from preprocessing.synth import generate

    out = {}
    for name, given, rows, seed, sample in (
        ("raw_train", cfg.data.raw_train, cfg.data.train_rows, cfg.data.seed, cfg.data.include_real_sample),
        ("raw_new_batch", cfg.data.raw_new_batch, cfg.data.new_batch_rows, cfg.data.seed + 1, False),
    ):
        if given:
            out[name] = given
            continue
        target = f"{cfg.root}/data/{name}.csv"
        with tempfile.TemporaryDirectory() as tmp:
            local = os.path.join(tmp, f"{name}.csv")
            made = generate(rows=rows, seed=seed, output=local, spanish_fraction=cfg.data.spanish_fraction)
            if sample:
                _append_sample(local)
            files.copy_file(local, target)
        out[name] = target
        out[f"{name}_generated"] = made
    return out


def _append_sample(csv_path: str) -> None:
    """The real sample's records, under the generator's header (its text column is named clean_text)."""
    with open(SAMPLE, "rb") as fh:
        body = fh.read().split(b"\n", 1)[1]
    with open(csv_path, "ab") as fh:
        fh.write(body if body.endswith(b"\n") else body + b"\n")


def _etl(cfg: PipelineConfig, state: dict, raw: str, run_id: str) -> dict:
    """One ETL run; through a local folder when Spark cannot reach the (remote) workdir itself."""
    from preprocessing.config import EtlConfig
    from preprocessing.etl import run as etl_run

    remote = files.is_remote(cfg.root) and cfg.spark_workdir
    out_root = f"{cfg.spark_workdir}/{cfg.run_id}/etl" if remote else f"{cfg.root}/etl"
    spark_input = raw
    if files.is_remote(raw) and cfg.spark_workdir:
        spark_input = f"{cfg.spark_workdir}/{cfg.run_id}/input/{os.path.basename(raw)}"
        files.copy_file(raw, spark_input)
    overrides = [*cfg.preprocess.overrides, f"input={spark_input}", f"output={out_root}",
                 f"run_date={state['run_date']}", f"run_id={run_id}"]
    manifest = etl_run(load_config(EtlConfig, cfg.preprocess.config, overrides))
    path = manifest["path"]
    if remote:
        path = f"{cfg.root}/etl/{state['run_date']}/{run_id}"
        files.copy_tree(manifest["path"], path)
    return {"path": path, "counts": manifest["counts"], "splits": {k: v["rows"] for k, v in manifest["splits"].items()},
            "labels": manifest["labels"], "rule_agreement_with_gold": manifest.get("rule_agreement_with_gold"),
            "timings_s": manifest["timings_s"]}


def step_etl_train(cfg, state, results) -> dict:
    return _etl(cfg, state, results["data"]["raw_train"], "train")


def step_etl_new_batch(cfg, state, results) -> dict:
    return _etl(cfg, state, results["data"]["raw_new_batch"], "new_batch")


def step_train(cfg: PipelineConfig, state: dict, results: dict) -> dict:
    from modeling.config import TrainConfig

    data = cfg.data.etl_run or results["etl_train"]["path"]
    overrides = [*cfg.train.overrides, f"data.run_dir={data}", f"output_dir={cfg.root}/model",
                 f"registry_root={cfg.registry}"]
    train_cfg = load_config(TrainConfig, cfg.train.config, overrides)
    if cfg.launcher == "sagemaker":
        from scripts.pipeline_sagemaker import pipeline_training_job

        return pipeline_training_job(cfg, train_cfg, data)
    from modeling.train import run as train_run

    r = train_run(train_cfg)
    return {k: r[k] for k in ("output_dir", "metrics", "baseline", "approved", "gate", "registry", "gold", "train", "timings_s")}


def step_predict(cfg: PipelineConfig, state: dict, results: dict) -> dict:
    from inference.config import PredictConfig

    model = cfg.model or "registry:latest-approved"
    overrides = [*cfg.predict.overrides, f"model={model}", f"registry_root={cfg.registry}",
                 f"input={results['etl_new_batch']['path']}", f"output={cfg.root}/predictions", f"run_id={cfg.run_id}"]
    predict_cfg = load_config(PredictConfig, cfg.predict.config, overrides)
    if cfg.launcher == "sagemaker":
        from scripts.pipeline_sagemaker import pipeline_transform_job

        return pipeline_transform_job(cfg, predict_cfg, results)
    from inference.predict import run as predict_run

    return {"output": f"{cfg.root}/predictions", "summary": predict_run(predict_cfg)}


def step_report(cfg: PipelineConfig, state: dict, results: dict) -> dict:
    from scripts.report import build_report

    path = f"{cfg.root}/report.html"
    files.write_text(path, build_report(cfg, results))
    return {"path": path}


STEP_FUNCS = {"data": step_data, "etl_train": step_etl_train, "train": step_train,
              "etl_new_batch": step_etl_new_batch, "predict": step_predict, "report": step_report}


def main(argv: list[str] | None = None) -> int:
    import argparse

    from preprocessing.cli import USER_ERRORS
    from scripts.summary import summary_table

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="configs/pipeline/demo.yaml")
    parser.add_argument("--force", action="store_true", help="re-run every step")
    parser.add_argument("overrides", nargs="*", metavar="key=value")
    args = parser.parse_args(argv)
    try:
        cfg = load_config(PipelineConfig, args.config, [*args.overrides, *(["force=true"] if args.force else [])])
        result = run(cfg)
    except (*USER_ERRORS, LookupError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
