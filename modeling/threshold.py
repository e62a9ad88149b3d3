"""The triage decision: `critical` iff P(critical) >= a threshold chosen on human labels for a target recall.

    rule = choose_threshold(p_critical, is_critical, target_recall=0.9, label="critical", chosen_on="gold_dev")
    save_threshold(model_dir, rule)             # config.json gains `triage_threshold`; HF still loads it
    ids = decide(probs, ["critical", "non_critical"], read_threshold(model_dir))

A support team's question is whether the urgent message reaches a person, so
the threshold is set by recall of `critical` on labels people gave (the gold
dev split, or reviewed labels when there are enough), not by argmax. `decide`
is the one place a label is made from probabilities: training's gold scores,
the prediction CLI, the SageMaker handler, the Spark predictor and the review
queue all call it, so a label means the same everywhere. Without a saved
threshold it is the argmax.
"""
from __future__ import annotations

import json
import math
import os
from dataclasses import asdict, dataclass

import numpy as np

CONFIG_KEY = "triage_threshold"


@dataclass
class TriageThreshold:
    label: str
    threshold: float  # `label` iff its probability >= this
    target_recall: float
    chosen_on: str  # gold_dev | reviewed_validation
    rows: int  # human-labeled rows it was chosen on
    recall: float  # of `label` there, at this threshold
    precision: float

    def to_json(self) -> dict:
        return asdict(self)

    @classmethod
    def from_json(cls, data: dict | None) -> TriageThreshold | None:
        return cls(**data) if data else None


def choose_threshold(p_label, is_label, target_recall: float, label: str, chosen_on: str) -> TriageThreshold | None:
    """The highest threshold whose recall of `label` is >= target_recall; None when no row is `label`.

    With P rows truly `label`, recall >= target needs the ceil(target * P)
    highest-scored of them above the threshold, so the threshold is that row's
    score: any higher loses it, any lower only adds false alarms.
    """
    p = np.asarray(p_label, dtype=np.float64)
    truth = np.asarray(is_label, dtype=bool)
    positives = np.sort(p[truth])[::-1]
    if not len(positives):
        return None
    need = max(1, math.ceil(target_recall * len(positives) - 1e-9))
    threshold = float(positives[need - 1])
    flagged = p >= threshold
    tp = int((flagged & truth).sum())
    return TriageThreshold(label=label, threshold=threshold, target_recall=target_recall, chosen_on=chosen_on,
                           rows=int(len(p)), recall=round(tp / len(positives), 4), precision=round(tp / int(flagged.sum()), 4))


def decide(probs: np.ndarray, labels: list[str], rule: TriageThreshold | None) -> np.ndarray:
    """Label ids [n]: rule.label where its probability reaches rule.threshold, else the likeliest other class."""
    probs = np.asarray(probs)
    if rule is None or not len(probs):
        return probs.argmax(axis=1) if probs.ndim == 2 else np.zeros(0, dtype=np.int64)
    k = labels.index(rule.label)
    others = probs.astype(np.float64, copy=True)
    others[:, k] = -np.inf
    ids = others.argmax(axis=1)
    ids[probs[:, k] >= rule.threshold] = k
    return ids


def read_threshold(model_dir: str) -> TriageThreshold | None:
    """The threshold saved in `model_dir`/config.json, or None (argmax) when the model has none."""
    path = os.path.join(model_dir, "config.json")
    if not os.path.exists(path):
        return None
    with open(path, encoding="utf-8") as fh:
        return TriageThreshold.from_json(json.load(fh).get(CONFIG_KEY))


def save_threshold(model_dir: str, rule: TriageThreshold | None) -> None:
    """Add (or drop, for None) `triage_threshold` in config.json; transformers keeps unknown keys as attributes."""
    path = os.path.join(model_dir, "config.json")
    with open(path, encoding="utf-8") as fh:
        config = json.load(fh)
    config.pop(CONFIG_KEY, None)
    if rule is not None:
        config[CONFIG_KEY] = rule.to_json()
    with open(path, "w", encoding="utf-8") as fh:
        json.dump(config, fh, indent=2, sort_keys=True)
        fh.write("\n")
