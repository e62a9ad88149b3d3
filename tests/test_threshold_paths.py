"""One decision rule everywhere: the CLI, the SageMaker handler and the Spark predictor apply the model's saved
threshold, so the same ids get the same labels, and those differ from the argmax where the threshold says so."""
from __future__ import annotations

import shutil

import numpy as np
import pandas as pd
import pytest

from inference.config import PredictConfig
from inference.predict import main as predict_cli
from modeling.threshold import TriageThreshold, save_threshold
from preprocessing.text import model_text

LABELS = ["critical", "non_critical"]


def customer_rows(csv) -> pd.DataFrame:
    raw = pd.read_csv(csv, dtype=str, keep_default_na=False)
    return raw[raw.inbound == "True"]


@pytest.fixture(scope="module")
def thresholded_model(tiny_model_dir, synth_csv, tmp_path_factory):
    """The tiny model with its head rescaled so P(critical) spreads over (0, 1), and a saved threshold of 0.3ish.

    A random-init model scores every text within 1e-5 of the same probability;
    no threshold could separate rows robustly. The head is rescaled on these
    very texts so the logit gap has median 0 and an interquartile range of 4.
    The threshold sits in the middle of the widest gap between two rows' scores
    in (0.2, 0.45): rows between it and 0.5 are critical by the threshold and
    non_critical by the argmax, and no row lies near it.
    """
    import torch
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    folder = tmp_path_factory.mktemp("thresholded") / "model"
    shutil.copytree(tiny_model_dir, folder)
    model = AutoModelForSequenceClassification.from_pretrained(folder).eval()
    tok = AutoTokenizer.from_pretrained(folder)
    texts = [model_text(t) for t in customer_rows(synth_csv).text]
    with torch.no_grad():
        model.pre_classifier.weight.mul_(50.0)
        logits = torch.cat([model(**tok(texts[i:i + 128], padding=True, truncation=True, max_length=64,
                                        return_tensors="pt")).logits for i in range(0, len(texts), 128)])
        gap = (logits[:, 0] - logits[:, 1]) - (model.classifier.bias[0] - model.classifier.bias[1])
        scale = 4.0 / float(gap.quantile(0.75) - gap.quantile(0.25))
        model.classifier.weight.mul_(scale)
        model.classifier.bias.copy_(torch.tensor([-scale * float(gap.median()), 0.0]))
        logits = torch.cat([model(**tok(texts[i:i + 128], padding=True, truncation=True, max_length=64,
                                        return_tensors="pt")).logits for i in range(0, len(texts), 128)])
    model.save_pretrained(folder)
    p = np.sort(logits.softmax(-1)[:, 0].numpy())
    inside = (p[:-1] > 0.2) & (p[1:] < 0.45)
    i = int(np.argmax(np.where(inside, np.diff(p), 0)))
    rule = TriageThreshold("critical", float((p[i] + p[i + 1]) / 2), 0.9, "gold_dev", 350, 0.9, 0.5)
    save_threshold(str(folder), rule)
    return folder, rule


def test_cli_and_handler_give_the_same_labels_and_the_threshold_flips_argmax_labels(thresholded_model, synth_csv,
                                                                                    tmp_path, monkeypatch):
    import json

    from inference import sagemaker_handler as handler

    folder, rule = thresholded_model
    assert predict_cli(["--model", str(folder), "--input", str(synth_csv), "--output", str(tmp_path / "cli"),
                        "progress=false", "precision=fp32", "num_threads=1"]) == 0
    cli = pd.read_parquet(tmp_path / "cli" / "predictions").set_index("id").sort_index()
    argmax = np.where(cli.prob_critical > cli.prob_non_critical, "critical", "non_critical")
    by_rule = np.where(cli.prob_critical >= rule.threshold, "critical", "non_critical")
    assert (cli.label == by_rule).all()
    flipped = cli.label != argmax
    # The threshold (< 0.5) only ever turns argmax non_critical rows with P(critical) in [threshold, 0.5]
    # into critical; 0.5 itself goes either way, as float32 probabilities need not sum to exactly 1.
    assert (cli.label[flipped] == "critical").all() and flipped.sum() > 20
    assert cli.prob_critical[flipped].between(rule.threshold, 0.5 + 1e-6).all()
    assert not (~flipped & (cli.prob_critical >= rule.threshold) & (cli.prob_critical < 0.5 - 1e-6)).any()
    assert np.allclose(cli.score, np.where(cli.label == "critical", cli.prob_critical, cli.prob_non_critical))
    summary = json.loads((tmp_path / "cli" / "summary.json").read_text())
    assert summary["model"]["triage_threshold"]["threshold"] == rule.threshold

    monkeypatch.setenv("TRIAGE_PRECISION", "fp32")
    rows = customer_rows(synth_csv)
    body = "".join(json.dumps({"id": i, "text": t}) + "\n" for i, t in zip(rows.tweet_id, rows.text))
    model = handler.model_fn(str(folder))
    out = handler.predict_fn(handler.input_fn(body.encode(), "application/jsonlines"), model)
    served = pd.DataFrame(out["rows"]).set_index("id").sort_index()
    assert list(served.index) == list(cli.index)
    assert (served.label == cli.label).all() and np.allclose(served.score, cli.score, atol=1e-5)
    assert out["model"]["triage_threshold"]["threshold"] == rule.threshold


def test_spark_gives_the_cli_labels(spark, thresholded_model, synth_csv, tmp_path):
    from inference.spark_predict import run

    folder, rule = thresholded_model
    assert predict_cli(["--model", str(folder), "--input", str(synth_csv), "--output", str(tmp_path / "cli"),
                        "progress=false", "precision=fp32", "num_threads=1"]) == 0
    summary = run(PredictConfig(model=str(folder), input=str(synth_csv), output=str(tmp_path / "spark"),
                                precision="fp32"), spark)
    cli = pd.read_parquet(tmp_path / "cli" / "predictions").set_index("id").sort_index()
    sp = pd.read_parquet(tmp_path / "spark" / "predictions").set_index("id").sort_index()
    assert list(sp.index) == list(cli.index) and (sp.label == cli.label).all()
    assert ((sp.label == "critical") & (sp.prob_critical < 0.5)).sum() > 20  # critical by the threshold alone
    assert summary.model.triage_threshold == rule.to_json()
