"""The whole pipeline: every step, resume by markers, the report in Chromium, fail-fast preflight."""
from pathlib import Path

import pytest
from conftest import ROOT
from test_report import CHROMIUM, check_in_chromium

from common.configfile import load_config
from common.contracts import StepMarker
from modeling.registry import register
from pipeline.config import PipelineConfig
from pipeline.runner import main, run

TINY = ["train.config=configs/train/tiny.yaml", "data.train_rows=600", "data.new_batch_rows=300",
        "simulated_review.enabled=false"]


def pipeline_cfg(workdir, *overrides) -> PipelineConfig:
    return load_config(PipelineConfig, ROOT / "configs/pipeline/demo.yaml", [f"workdir={workdir}", *TINY, *overrides])


@pytest.fixture(scope="module")
def demo_run(spark, tmp_path_factory, tiny_model_dir):
    """A complete tiny pipeline run; an earlier approved model sits in the registry, as in production."""
    work = tmp_path_factory.mktemp("pipeline")
    register(str(tiny_model_dir), str(work / "models"), "support-triage-earlier", approved=True)
    first = run(pipeline_cfg(work))
    second = run(pipeline_cfg(work))
    return work, first, second


@pytest.mark.e2e
def test_every_step_runs_then_resumes_as_skipped(demo_run):
    work, first, second = demo_run
    steps = first["steps"]
    assert list(steps) == ["data", "etl_train", "train", "etl_new_batch", "predict", "review", "report"]
    assert not any(s.get("skipped") for s in steps.values())
    assert all(s.get("skipped") for s in second["steps"].values())
    etl_new, pred = steps["etl_new_batch"], steps["predict"]["summary"]
    # The new batch's ETL run holds the customer messages; each gets one prediction.
    assert pred["counts"]["rows_in"] == pred["counts"]["predicted"] == etl_new["counts"]["customer_rows"]
    assert sum(pred["labels"].values()) == pred["counts"]["predicted"]
    assert steps["etl_train"]["counts"]["input_rows"] == 600 + 93  # generated + the real sample
    assert steps["train"]["registry"]["name"] == "support-triage-tiny"
    # The tiny model is not approved, so inference took the registry's latest approved one.
    assert pred["model"]["name"] == ("support-triage-tiny" if steps["train"]["approved"] else "support-triage-earlier")
    assert (work / "demo" / "predictions" / "_SUCCESS").exists()
    assert StepMarker.read(str(work / "demo" / "steps" / "predict.json")).outputs["summary"]["run_id"] == "demo"


@pytest.mark.e2e
def test_review_queue_and_the_most_urgent_messages_come_from_the_new_batch(demo_run):
    import html
    import re

    import pandas as pd

    from common.etl_run import open_etl_run
    from modeling.review import QUEUE_COLUMNS

    work, first, _ = demo_run
    steps = first["steps"]
    review = steps["review"]
    queue = pd.read_csv(review["output"], keep_default_na=False)
    assert review["output"] == str(work / "demo" / "review" / "queue.csv")
    assert list(queue.columns) == list(QUEUE_COLUMNS) and len(queue) == review["rows"] == min(200, review["candidates"])
    batch = pd.concat(pd.read_parquet(f) for f, _ in open_etl_run(steps["etl_new_batch"]["path"]).all_files())
    texts = dict(zip(batch.tweet_id, batch.text))
    assert review["scored"] == len(batch) and all(texts[i] == t for i, t in zip(queue.tweet_id, queue.text))
    page = Path(steps["report"]["path"]).read_text()
    urgent = page.split("<h2>Most urgent new messages</h2>", 1)[1].split("<h2>", 1)[0]
    rows = re.findall(r"<tr><td>([0-9,]+)</td><td>(.*?)</td><td>(\w+)</td><td>([0-9.]+)</td></tr>", urgent)
    assert len(rows) == 20
    preds = pd.read_parquet(Path(steps["predict"]["output"]) / "predictions")
    top = preds.nlargest(20, "prob_critical")
    assert [r[0].replace(",", "") for r in rows] == top.id.tolist()
    assert [html.unescape(r[1]) for r in rows] == [texts[int(i)] for i in top.id]


@pytest.mark.e2e
@pytest.mark.skipif(CHROMIUM is None, reason="needs Debian's chromium (make test / .ci/run install it)")
def test_report_renders_every_plot(demo_run, tmp_path):
    work, first, _ = demo_run
    page = Path(first["steps"]["report"]["path"])
    text = page.read_text()
    headings = ("Agreement with human labels", "Most urgent new messages", "Review queue", "Data", "Labels per split",
                "Training curves", "Confusion matrix", "Agreement with the keyword rules (weak-label test split)",
                "Likely label errors (cleanlab)", "Misclassified", "Predictions on the new batch", "Drift")
    at = [text.find(f"<h2>{heading}") for heading in headings]
    assert -1 not in at and at == sorted(at), dict(zip(headings, at))  # present, and human labels lead
    assert "<td>test</td><td>overall</td><td>349</td><td>model</td>" in text  # gold test, threshold applied
    got = check_in_chromium(page, tmp_path / "report.png")
    assert got["errors"] == []
    names = [alt for alt, *_ in got["images"]]
    assert names == ["label distribution", "training curves", "confusion matrix", "predicted labels"]
    assert all(ok and w > 100 and h > 100 for _, ok, w, h in got["images"])


@pytest.mark.e2e
def test_simulated_review_answers_the_first_pass_queue_and_training_uses_the_answers(spark, tmp_path):
    import pandas as pd

    from common.contracts import TrainingManifest
    from common.etl_run import open_etl_run

    steps = run(pipeline_cfg(tmp_path, "simulated_review.enabled=true", "simulated_review.size=60",
                             "simulated_review.first_pass_overrides=[train.max_steps=2]", "review.enabled=false",
                             "report=false"))["steps"]
    assert list(steps)[:4] == ["data", "etl_train", "simulated_review", "train"]
    sim = steps["simulated_review"]["simulated_review"]
    queue = pd.read_csv(sim["queue"], dtype=str, keep_default_na=False)
    intents = pd.read_csv(steps["data"]["raw_train_intents"], dtype=str, keep_default_na=False).set_index("tweet_id")
    reviewed = pd.read_csv(sim["reviewed_labels"], dtype=str, keep_default_na=False)
    # Every queued generated message gets the class it was written for; the real sample's rows have none.
    asked = queue[queue.tweet_id.isin(intents.index)]
    assert 0 < len(reviewed) == sim["answered"] == len(asked) and sim["queued"] == len(queue) <= 60
    assert reviewed.tweet_id.tolist() == asked.tweet_id.tolist()
    assert reviewed.label.tolist() == intents.loc[reviewed.tweet_id, "intent_label"].tolist()
    assert sim["changed"] == int((asked.rule_label.to_numpy() != reviewed.label.to_numpy()).sum())
    # The model trained on the rerun, whose rows carry exactly those answers.
    data = steps["simulated_review"]["path"]
    assert data.endswith("/train_reviewed") and steps["simulated_review"]["reviewed_labels"]["applied"] == len(reviewed)
    rows = pd.concat(pd.read_parquet(f) for f, _ in open_etl_run(data).all_files())
    rows.index = rows.tweet_id.astype(str)
    assert rows.loc[reviewed.tweet_id, "label"].tolist() == reviewed.label.tolist()
    assert sorted(rows.index[rows.label_source == "reviewed"]) == sorted(reviewed.tweet_id)
    manifest = TrainingManifest.read(f"{steps['train']['output_dir']}/training_manifest.json")
    assert manifest.data_source == data
    # The first-pass model only pointed at labels: it is not in the registry.
    assert [p.parent.name for p in (tmp_path / "models").glob("*/v*/model.safetensors")] == ["v0001"]


def test_simulated_review_needs_the_generators_answers(tmp_path):
    from common.configfile import ConfigError

    with pytest.raises(ConfigError, match="simulated_review.enabled needs generated training data"):
        pipeline_cfg(tmp_path, "simulated_review.enabled=true", "data.raw_train=raw.csv")


def test_inference_model_falls_back_to_this_runs_model_only_when_allowed_and_none_is_approved(tmp_path, tiny_model_dir):
    from modeling.registry import RegistryError
    from pipeline.report import _unapproved_warning
    from pipeline.steps import inference_model

    results = {"train": {"output_dir": str(tmp_path / "own")}}
    assert inference_model(pipeline_cfg(tmp_path), results) == (str(tmp_path / "own"), False)  # demo.yaml allows it
    assert "a model the gate did not approve" in _unapproved_warning({"model": str(tmp_path / "own"), "model_approved": False})
    with pytest.raises(RegistryError, match="no approved model in registry"):
        inference_model(pipeline_cfg(tmp_path, "unapproved_fallback=false"), results)
    register(str(tiny_model_dir), str(tmp_path / "models"), "earlier", approved=True)
    assert inference_model(pipeline_cfg(tmp_path), results) == ("registry:latest-approved", True)
    assert inference_model(pipeline_cfg(tmp_path, f"model={tiny_model_dir}"), results) == (str(tiny_model_dir), True)


def _one_line_error(capsys, argv) -> str:
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    return err


def test_preflight_missing_model(capsys, tmp_path):
    err = _one_line_error(capsys, [f"workdir={tmp_path}", f"model={tmp_path}/nope"])
    assert "model not found" in err and "drop model=" in err
    assert not (tmp_path / "demo" / "steps").exists()  # nothing heavy started


def test_preflight_data_without_success(capsys, tmp_path, tiny_model_dir):
    (tmp_path / "etl").mkdir()
    (tmp_path / "etl" / "manifest.json").write_text('{"labels": ["critical", "non_critical"]}')
    err = _one_line_error(capsys, [f"workdir={tmp_path}", f"data.etl_run={tmp_path}/etl", f"model={tiny_model_dir}"])
    assert "has no _SUCCESS" in err and "data.etl_run" in err


def test_preflight_label_set_mismatch(capsys, tmp_path, tiny_model_dir, etl_run):
    from common.contracts import EtlManifest

    run_dir = tmp_path / "etl"
    run_dir.mkdir()
    manifest = EtlManifest.read(str(etl_run / "manifest.json"))
    manifest.labels = ["billing", "fraud", "other"]
    manifest.write(str(run_dir / "manifest.json"))
    (run_dir / "_SUCCESS").write_text("")
    err = _one_line_error(capsys, [f"workdir={tmp_path}", f"data.etl_run={run_dir}", f"model={tiny_model_dir}"])
    assert "differs from model" in err and "['billing', 'fraud', 'other']" in err


def test_preflight_unwritable_output(capsys):
    err = _one_line_error(capsys, ["workdir=/proc/not-writable"])
    assert "is not writable" in err and "workdir=" in err

