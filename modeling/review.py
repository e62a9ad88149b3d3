"""The review queue: the messages of an ETL run that most deserve a person's look, as CSV or Label Studio tasks.

    python -m modeling.review --model DIR --data RUN_DIR --output QUEUE.csv [--size N] [--format csv|label-studio] [key=value ...]
    python -m preprocessing.etl ... reviewed_labels=REVIEWED.csv      # the answers back into the next training ETL

Every message of the run (all splits; rows already reviewed are skipped) is
scored by the model and labeled by `modeling.threshold.decide` with the model's
saved threshold, as every predictor labels, and checked for three signals:
- `disagree`: the model's label differs from the keyword rules';
- `unsure`: the model's log-odds of critical are within `unsure_log_odds` of
  its threshold's (0.5 without one): in log-odds, so "near" means the same
  for a threshold of 0.05 as for one of 0.5;
- `cleanlab`: confident learning on out-of-fold TF-IDF probabilities says the
  rule label is likely wrong (modeling/label_issues.py).
Ranking: more signals first; among equals, disagreement first (a person's answer
then corrects the rules or the model), then the row whose log-odds are nearest
the threshold's, then the tweet id. Rows with no signal are never queued; at most
`size` are written.

CSV columns: tweet_id, text, rule_label, model_label, score (probability of
model_label), why. `--format label-studio` writes Label Studio's JSON import
instead (one task per row: `data` holds text, tweet_id, rule_label and why; the
model's label is a pre-annotation of a Choices control named `label`) and the
matching labeling config beside it (<output stem>.label_config.xml). Label
Studio's JSON export of those tasks is a valid `reviewed_labels` file.
"""
from __future__ import annotations

import json
import sys
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from common import storage
from common.configfile import ConfigError
from modeling import registry
from modeling.config import LabelIssuesConfig

FORMATS = ("csv", "label-studio")
QUEUE_COLUMNS = ("tweet_id", "text", "rule_label", "model_label", "score", "why")
SIGNALS = ("disagree", "unsure", "cleanlab")


@dataclass
class ReviewConfig:
    """Which run to queue, with which model, how many rows, in what format."""

    model: str = "registry:latest-approved"
    """Trained model folder (local or s3://) or registry spec."""
    registry_root: str = "models"
    """Registry that `registry:` specs resolve in."""
    data: str = ""
    """Published ETL run (local or s3://) whose messages are queued."""
    output: str = "review_queue.csv"
    """Queue file (local or s3://)."""
    size: int = 200
    """At most this many rows are queued."""
    format: str = "csv"
    """csv, or label-studio (Label Studio JSON tasks with pre-annotations)."""
    unsure_log_odds: float = 1.0
    """A score whose log-odds are this close to the threshold's counts as unsure (1.0: odds within a factor e)."""
    device: str = "auto"
    """auto, cpu or cuda for scoring."""
    max_features: int = 500
    """TF-IDF vocabulary of the out-of-fold model behind the cleanlab signal."""
    seed: int = 42
    """Seeds the cleanlab folds."""
    label_issues: LabelIssuesConfig = field(default_factory=LabelIssuesConfig)
    """Cleanlab settings of the `cleanlab` signal (enabled=false drops it)."""

    def __post_init__(self):
        if self.format not in FORMATS:
            raise ConfigError(f"format must be one of {', '.join(FORMATS)}, found {self.format!r}")
        if self.size < 1:
            raise ConfigError(f"size must be >= 1, found {self.size}")
        if self.unsure_log_odds < 0:
            raise ConfigError(f"unsure_log_odds must be >= 0, found {self.unsure_log_odds}")

    def check_paths(self) -> None:
        if not self.data:
            raise ConfigError("no run to review: pass --data RUN_DIR (an ETL run folder)")


@dataclass
class Scored:
    """The run's unreviewed rows with what the model and cleanlab say about each."""

    rows: pd.DataFrame  # tweet_id, text, rule_label
    labels: list[str]
    probs: np.ndarray  # [n, labels]
    label_ids: np.ndarray  # the model's decision (threshold applied)
    positive: str  # the label whose score is compared with the threshold
    threshold: float
    cleanlab: np.ndarray  # bool [n]
    model_version: str


def run(cfg: ReviewConfig) -> dict:
    """Score the run, rank it, write the queue; returns {"output", "rows", "by_signal", "candidates"}."""
    cfg.check_paths()
    scored = score_run(cfg)
    queue = rank(scored, cfg.unsure_log_odds, cfg.size)
    write_queue(queue, scored, cfg.output, cfg.format)
    counts = {s: int(queue.why.str.contains(f"{s}:", regex=False).sum()) for s in SIGNALS}
    return {"output": cfg.output, "format": cfg.format, "rows": len(queue), "by_signal": counts,
            "candidates": int(signals(scored, cfg.unsure_log_odds).any(axis=1).sum()), "scored": len(scored.rows)}


def score_run(cfg: ReviewConfig) -> Scored:
    """The run's unreviewed rows scored by the model (modeling.threshold.decide, as every predictor labels)."""
    from common.etl_run import open_etl_run
    from modeling.gold import load_model, predict_probs
    from modeling.label_issues import find_label_issues
    from modeling.threshold import decide, read_threshold

    rows = read_unreviewed(open_etl_run(cfg.data, setting="--data"))
    model_dir = local_model(cfg.model, cfg.registry_root)
    model, tokenizer, labels, max_length = load_model(model_dir)
    model.to(_device(cfg.device))
    rule = read_threshold(model_dir)
    probs = predict_probs(model, tokenizer, rows.text.tolist(), max_length)
    rule_ids = [labels.index(name) for name in rows.rule_label]
    issues = find_label_issues(rows.text.tolist(), rule_ids, labels, cfg.label_issues, cfg.max_features, cfg.seed)
    entry = registry.entry(model_dir) or {}
    return Scored(rows, labels, probs, decide(probs, labels, rule), rule.label if rule else labels[0],
                  rule.threshold if rule else 0.5, issues.mask if issues else np.zeros(len(rows), bool),
                  f"{entry.get('name', model_dir)} {entry.get('version', 'unregistered')}")


def local_model(spec: str, registry_root: str) -> str:
    """The model folder on this disk: a registry spec resolved, a remote folder copied once."""
    path = registry.resolve(spec, registry_root)
    return storage.fetch_folder(path, prefix="review-model-") if storage.is_remote(path) else path


def _device(device: str) -> str:
    import torch

    return ("cuda" if torch.cuda.is_available() else "cpu") if device == "auto" else device


def read_unreviewed(run) -> pd.DataFrame:
    """tweet_id, text, rule_label of every split's rows that no person has labeled yet, by tweet id."""
    import fsspec
    import pyarrow.parquet as pq

    parts = []
    for url, _ in run.all_files():
        with fsspec.open(url, "rb") as fh:
            parts.append(pq.read_table(fh, columns=["tweet_id", "text", "rule_label", "label_source"]).to_pandas())
    rows = pd.concat(parts, ignore_index=True) if parts else pd.DataFrame(
        columns=["tweet_id", "text", "rule_label", "label_source"])
    rows = rows[rows.label_source != "reviewed"].drop(columns="label_source")
    return rows.sort_values("tweet_id", kind="stable").reset_index(drop=True)


def distance(s: Scored) -> np.ndarray:
    """|log-odds of the positive label - the threshold's| per row: how far the model is from changing its mind."""
    p = s.probs[:, s.labels.index(s.positive)] if len(s.rows) else np.zeros(0)
    return np.abs(_log_odds(p) - _log_odds(np.float64(s.threshold)))


def _log_odds(p):
    p = np.clip(np.asarray(p, dtype=np.float64), 1e-7, 1 - 1e-7)
    return np.log(p / (1 - p))


def signals(s: Scored, unsure_log_odds: float) -> np.ndarray:
    """bool [n, 3]: disagree, unsure, cleanlab per row."""
    rule_ids = np.array([s.labels.index(name) for name in s.rows.rule_label], dtype=np.int64)
    return np.column_stack([s.label_ids != rule_ids, distance(s) < unsure_log_odds, s.cleanlab])


def rank(s: Scored, unsure_log_odds: float, size: int) -> pd.DataFrame:
    """At most `size` queue rows (QUEUE_COLUMNS), best first, by the ranking in the module docstring."""
    flags = signals(s, unsure_log_odds)
    n = len(s.rows)
    p = s.probs[:, s.labels.index(s.positive)] if n else np.zeros(0)
    ids = s.rows.tweet_id.to_numpy()
    # lexsort: the last key sorts first.
    order = np.lexsort((ids, distance(s), ~flags[:, 0], -flags.sum(axis=1)))
    order = [i for i in order if flags[i].any()][:size]
    model_labels = [s.labels[k] for k in s.label_ids]
    return pd.DataFrame({
        "tweet_id": ids[order].astype(np.int64),
        "text": s.rows.text.to_numpy()[order],
        "rule_label": s.rows.rule_label.to_numpy()[order],
        "model_label": [model_labels[i] for i in order],
        "score": [round(float(s.probs[i, s.label_ids[i]]), 4) for i in order],
        "why": [_why(s, i, flags[i], p[i]) for i in order],
    }, columns=list(QUEUE_COLUMNS))


def _why(s: Scored, i: int, flags, p_positive: float) -> str:
    rule_label, model_label = s.rows.rule_label.iat[i], s.labels[s.label_ids[i]]
    parts = []
    if flags[0]:
        parts.append(f"disagree: model says {model_label}, rules say {rule_label}")
    if flags[1]:
        parts.append(f"unsure: P({s.positive}) {p_positive:.3f} is near the threshold {s.threshold:.3f}")
    if flags[2]:
        parts.append(f"cleanlab: the rule label {rule_label} is likely wrong")
    return "; ".join(parts)


def write_queue(queue: pd.DataFrame, s: Scored, output: str, fmt: str) -> None:
    if fmt == "csv":
        storage.write_text(output, queue.to_csv(index=False))
        return
    storage.write_text(output, json.dumps(label_studio_tasks(queue, s.model_version), ensure_ascii=False, indent=1))
    storage.write_text(label_config_path(output), label_studio_config(s.labels))


def label_studio_tasks(queue: pd.DataFrame, model_version: str) -> list[dict]:
    """Label Studio JSON import: `data` for the labeler, the model's label as a pre-annotation to accept or fix."""
    return [{"data": {"text": r.text, "tweet_id": str(r.tweet_id), "rule_label": r.rule_label, "why": r.why},
             "predictions": [{"model_version": model_version, "score": r.score,
                              "result": [{"from_name": "label", "to_name": "text", "type": "choices",
                                          "value": {"choices": [r.model_label]}}]}]}
            for r in queue.itertuples()]


def label_studio_config(labels: list[str]) -> str:
    """The labeling config the tasks fit: a Text `text` and a single-choice Choices `label`."""
    choices = "".join(f'\n    <Choice value="{name}"/>' for name in labels)
    return (f'<View>\n  <Text name="text" value="$text"/>\n  <Header value="$why"/>\n'
            f'  <Choices name="label" toName="text" choice="single" showInline="true">{choices}\n  </Choices>\n</View>\n')


def label_config_path(output: str) -> str:
    stem = output[:-len(".json")] if output.endswith(".json") else output
    return f"{stem}.label_config.xml"


def main(argv: list[str] | None = None) -> int:
    from common.cli import run_stage

    return run_stage(ReviewConfig, run, argv, flags=("model", "data", "output", "size", "format"), default_config=None,
                     doc=__doc__, report=lambda r: f"review queue: {r['rows']} of {r['candidates']} candidate messages "
                                                   f"({r['scored']} scored) -> {r['output']} ({r['format']}); "
                                                   f"signals {r['by_signal']}")


if __name__ == "__main__":
    sys.exit(main())
