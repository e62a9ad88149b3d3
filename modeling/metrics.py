"""Classification metrics as an `evaluate.Metric` defined here, so nothing is fetched from the Hub.

    metric = ClassificationReport()
    metric.compute(predictions=[0, 1], references=[0, 0], label_names=["critical", "non_critical"])

`evaluate.load("accuracy")` downloads a metric script; this module gives the
same `evaluate` interface (add_batch/compute, features checked) with the
numbers computed by scikit-learn in-process. The Trainer sees a flat dict of
scalars (`trainer_metrics`); metrics.json gets the full nested report.
"""
from __future__ import annotations

import datasets
import evaluate
import numpy as np
from sklearn.metrics import accuracy_score, confusion_matrix, f1_score, precision_recall_fscore_support

_DESCRIPTION = "Accuracy, macro-F1, per-class precision/recall/F1/support and the confusion matrix."


class ClassificationReport(evaluate.Metric):
    """Accuracy, macro-F1, per-class report and confusion matrix over integer class ids."""

    def __init__(self, **kwargs):
        # In memory: the Trainer already gathers predictions across processes,
        # and no cache file means no lock files in a shared home directory.
        kwargs.setdefault("keep_in_memory", True)
        super().__init__(**kwargs)

    def _info(self):
        return evaluate.MetricInfo(
            description=_DESCRIPTION,
            citation="",
            inputs_description="predictions and references: class ids; label_names: one name per id",
            features=datasets.Features({"predictions": datasets.Value("int64"), "references": datasets.Value("int64")}),
        )

    def _compute(self, predictions, references, label_names=None):
        preds, refs = np.asarray(predictions, dtype=int), np.asarray(references, dtype=int)
        names = list(label_names) if label_names is not None else [str(i) for i in range(int(max(preds.max(initial=0), refs.max(initial=0))) + 1)]
        ids = list(range(len(names)))
        if len(refs) == 0:
            return {"accuracy": None, "macro_f1": None, "per_class": {}, "confusion_matrix": [], "labels": names, "rows": 0}
        precision, recall, f1, support = precision_recall_fscore_support(refs, preds, labels=ids, zero_division=0)
        return {
            "accuracy": float(accuracy_score(refs, preds)),
            "macro_f1": float(f1_score(refs, preds, labels=ids, average="macro", zero_division=0)),
            "per_class": {
                name: {"precision": float(precision[i]), "recall": float(recall[i]), "f1": float(f1[i]), "support": int(support[i])}
                for i, name in enumerate(names)
            },
            # Rows are the true label, columns the prediction, both in `labels` order.
            "confusion_matrix": confusion_matrix(refs, preds, labels=ids).tolist(),
            "labels": names,
            "rows": int(len(refs)),
        }


def report(predictions, references, label_names: list[str]) -> dict:
    """Full nested report through the evaluate.Metric."""
    return ClassificationReport().compute(predictions=list(map(int, predictions)),
                                          references=list(map(int, references)), label_names=label_names)


def flat(rep: dict) -> dict[str, float]:
    """The scalars of a report: what the Trainer logs, compares and early-stops on."""
    out = {"accuracy": rep["accuracy"], "macro_f1": rep["macro_f1"]}
    for name, scores in rep["per_class"].items():
        for key in ("precision", "recall", "f1"):
            out[f"{key}_{name}"] = scores[key]
    return out


def trainer_metrics(label_names: list[str]):
    """A Trainer `compute_metrics` callback: logits -> flat metrics (argmax predictions)."""

    def compute(eval_pred) -> dict[str, float]:
        logits, refs = eval_pred.predictions, eval_pred.label_ids
        logits = logits[0] if isinstance(logits, tuple) else logits
        return flat(report(np.argmax(logits, axis=-1), refs, label_names))

    return compute
