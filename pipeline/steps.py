"""The pipeline's steps: each calls one stage's own `run()` and returns what its marker records.

    out = STEP_FUNCS["etl_train"](cfg, state, results)

`results` holds the earlier steps' returns, so a step finds its inputs
(the ETL run a training step reads, the model a predict step uses) there.
"""
from __future__ import annotations

import os
import tempfile

from common import storage
from common.configfile import load_config
from pipeline.config import PipelineConfig

SAMPLE = "data/samples/twcs_sample.csv"


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
        # The intended class of each generated message: the simulated reviewers' answers.
        answers = cfg.simulated_review.enabled and name == "raw_train"
        with tempfile.TemporaryDirectory() as tmp:
            local, intents = os.path.join(tmp, f"{name}.csv"), os.path.join(tmp, f"{name}_intents.csv")
            made = generate(rows=rows, seed=seed, output=local, spanish_fraction=cfg.data.spanish_fraction,
                            intents=intents if answers else None)
            if sample:
                _append_sample(local)
            storage.copy_file(local, target)
            if answers:
                out[f"{name}_intents"] = f"{cfg.root}/data/{name}_intents.csv"
                storage.copy_file(intents, out[f"{name}_intents"])
        out[name] = target
        out[f"{name}_generated"] = made
    return out


def _append_sample(csv_path: str) -> None:
    """The real sample's records, under the generator's header (its text column is named clean_text)."""
    with open(SAMPLE, "rb") as fh:
        body = fh.read().split(b"\n", 1)[1]
    with open(csv_path, "ab") as fh:
        fh.write(body if body.endswith(b"\n") else body + b"\n")


def _etl(cfg: PipelineConfig, state: dict, raw: str, run_id: str, reviewed: str | None = None) -> dict:
    """One ETL run; through a local folder when Spark cannot reach the (remote) workdir itself."""
    from preprocessing.config import EtlConfig
    from preprocessing.etl import run as etl_run

    remote = storage.is_remote(cfg.root) and cfg.spark_workdir
    out_root = f"{cfg.spark_workdir}/{cfg.run_id}/etl" if remote else f"{cfg.root}/etl"
    spark_input = raw
    if storage.is_remote(raw) and cfg.spark_workdir:
        spark_input = f"{cfg.spark_workdir}/{cfg.run_id}/input/{os.path.basename(raw)}"
        storage.copy_file(raw, spark_input)
    overrides = [*cfg.preprocess.overrides, f"input={spark_input}", f"output={out_root}",
                 f"run_date={state['run_date']}", f"run_id={run_id}"]
    if reviewed:  # people's answers go into the training data
        overrides.append(f"reviewed_labels={reviewed}")
    manifest = etl_run(load_config(EtlConfig, cfg.preprocess.config, overrides))
    path = manifest.path
    if remote:
        path = f"{cfg.root}/etl/{state['run_date']}/{run_id}"
        storage.copy_tree(manifest.path, path)
    return {"path": path, "counts": manifest.to_json()["counts"], "splits": {k: v.rows for k, v in manifest.splits.items()},
            "labels": manifest.labels, "rule_agreement_with_gold": manifest.rule_agreement_with_gold,
            "reviewed_labels": manifest.to_json()["reviewed_labels"], "timings_s": manifest.timings_s}


def step_etl_train(cfg, state, results) -> dict:
    return _etl(cfg, state, results["data"]["raw_train"], "train", cfg.data.reviewed_labels)


def training_etl(results: dict) -> dict:
    """The ETL run the model trains on: the simulated reviewers' rerun when the demo has one, else etl_train's."""
    return results.get("simulated_review") or results.get("etl_train") or {}


def step_simulated_review(cfg: PipelineConfig, state: dict, results: dict) -> dict:
    """Demo only (PipelineConfig.simulated_review): the review loop once, the generator answering the queue.

    A first-pass model finds the training run's doubtful labels (modeling.review's
    queue); each queued message gets the class the generator wrote it for; the
    training ETL runs again with those answers as reviewed labels (run id
    `train_reviewed`), and the model is trained on that.
    """
    import pandas as pd

    from modeling.config import TrainConfig
    from modeling.review import ReviewConfig
    from modeling.review import run as review_run
    from modeling.train import run as train_run

    spec, etl = cfg.simulated_review, results["etl_train"]
    first_pass = f"{cfg.root}/simulated_review/first_pass"
    overrides = [*cfg.train.overrides, *spec.first_pass_overrides, f"data.run_dir={etl['path']}",
                 f"output_dir={first_pass}", "registry_root=null"]  # never registered: only a pointer at doubtful labels
    first = train_run(load_config(TrainConfig, cfg.train.config, overrides))
    queue_path = f"{cfg.root}/simulated_review/queue.csv"
    queue = review_run(load_config(ReviewConfig, None, [
        *spec.queue_overrides, f"model={first_pass}", f"data={etl['path']}", f"output={queue_path}",
        f"size={spec.size}", "format=csv"]))
    queued = pd.read_csv(queue_path, dtype=str, keep_default_na=False, usecols=["tweet_id", "rule_label"])
    intents = pd.read_csv(results["data"]["raw_train_intents"], dtype=str, keep_default_na=False,
                          usecols=["tweet_id", "intent_label"])
    answered = queued.merge(intents, on="tweet_id", how="inner", validate="1:1")  # the real sample has no intents
    reviewed = f"{cfg.root}/simulated_review/reviewed.csv"
    storage.write_text(reviewed, answered.assign(label=answered.intent_label, reviewer="generator intent")[
        ["tweet_id", "label", "reviewer"]].to_csv(index=False))
    out = _etl(cfg, state, results["data"]["raw_train"], "train_reviewed", reviewed)
    out["simulated_review"] = {"first_pass": first_pass, "first_pass_gold": first.get("gold"), "queue": queue_path,
                               "queued": int(len(queued)), "by_signal": queue["by_signal"], "answered": int(len(answered)),
                               "changed": int((answered.intent_label != answered.rule_label).sum()),
                               "reviewed_labels": reviewed}
    return out


def step_etl_new_batch(cfg, state, results) -> dict:
    return _etl(cfg, state, results["data"]["raw_new_batch"], "new_batch")


def step_train(cfg: PipelineConfig, state: dict, results: dict) -> dict:
    from modeling.config import TrainConfig

    data = cfg.data.etl_run or training_etl(results)["path"]
    overrides = [*cfg.train.overrides, f"data.run_dir={data}", f"output_dir={cfg.root}/model",
                 f"registry_root={cfg.registry}"]
    train_cfg = load_config(TrainConfig, cfg.train.config, overrides)
    if cfg.launcher == "sagemaker":
        from pipeline.sagemaker_jobs import pipeline_training_job

        return pipeline_training_job(cfg, train_cfg, data)
    from modeling.train import run as train_run

    r = train_run(train_cfg)
    return {k: r[k] for k in ("output_dir", "metrics", "baseline", "approved", "gate", "registry", "gold", "triage_threshold",
                              "label_issues", "train", "timings_s")}


def inference_model(cfg: PipelineConfig, results: dict) -> tuple[str, bool]:
    """(model spec the inference steps use, whether the gate approved it).

    The registry's latest approved model, or cfg.model; with
    cfg.unapproved_fallback and nothing approved yet, this run's own model.
    """
    from modeling.registry import RegistryError, resolve

    if cfg.model:
        return cfg.model, True  # the user's choice; preflight checked it exists
    spec = "registry:latest-approved"
    try:
        resolve(spec, cfg.registry)
        return spec, True
    except RegistryError:
        own = (results.get("train") or {}).get("output_dir")
        if not (cfg.unapproved_fallback and own):
            raise
        return own, False


def step_predict(cfg: PipelineConfig, state: dict, results: dict) -> dict:
    if cfg.launcher == "sagemaker":  # the transform labels with the training job's model.tar.gz
        from pipeline.sagemaker_jobs import pipeline_transform_job

        return pipeline_transform_job(cfg, _predict_config(cfg, results, cfg.model or "registry:latest-approved"), results)
    from inference.predict import run as predict_run

    model, approved = inference_model(cfg, results)
    return {"output": f"{cfg.root}/predictions", "summary": predict_run(_predict_config(cfg, results, model)).to_json(),
            "model": model, "model_approved": approved}


def _predict_config(cfg: PipelineConfig, results: dict, model: str):
    from inference.config import PredictConfig

    overrides = [*cfg.predict.overrides, f"model={model}", f"registry_root={cfg.registry}",
                 f"input={results['etl_new_batch']['path']}", f"output={cfg.root}/predictions", f"run_id={cfg.run_id}"]
    return load_config(PredictConfig, cfg.predict.config, overrides)


def step_review(cfg: PipelineConfig, state: dict, results: dict) -> dict:
    """The new batch's review queue, scored by the model the predict step used."""
    from modeling.review import ReviewConfig
    from modeling.review import run as review_run

    ext = "json" if cfg.review.format == "label-studio" else "csv"
    model = results["predict"].get("model") or inference_model(cfg, results)[0]  # the model that labeled the batch
    overrides = [*cfg.review.overrides, f"model={model}", f"registry_root={cfg.registry}",
                 f"data={results['etl_new_batch']['path']}", f"output={cfg.root}/review/queue.{ext}",
                 f"size={cfg.review.size}", f"format={cfg.review.format}"]
    return review_run(load_config(ReviewConfig, None, overrides))


def step_report(cfg: PipelineConfig, state: dict, results: dict) -> dict:
    from pipeline.report import build_report

    path = f"{cfg.root}/report.html"
    storage.write_text(path, build_report(cfg, results))
    return {"path": path}


STEP_FUNCS = {"data": step_data, "etl_train": step_etl_train, "simulated_review": step_simulated_review, "train": step_train,
              "etl_new_batch": step_etl_new_batch, "predict": step_predict, "review": step_review, "report": step_report}
