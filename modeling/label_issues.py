"""Weak labels that are likely wrong: confident learning (cleanlab) on out-of-fold TF-IDF probabilities.

    found = find_label_issues(texts, label_ids, ["critical", "non_critical"], LabelIssuesConfig(), max_features=500)
    found.mask        # bool per row: cleanlab thinks its label is wrong
    found.summary     # {"method", "folds", "rows", "likely_errors", "share", "by_class": {label: {...}}}

cleanlab's `find_label_issues` needs predicted probabilities from a model that
did not see the row, so each row is scored by the TF-IDF + LogReg baseline
(`modeling.baseline.baseline_pipeline`) fitted on the other folds
(`cross_val_predict`). That costs a few baseline fits, cheap next to
fine-tuning, so training runs it on every train split (metrics.json, the model
card) and `modeling.review` on every run it builds a queue for. Counts per class
are by the label the row carries: "of the rows labeled critical, this many are
likely not critical".
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from modeling.config import LabelIssuesConfig

METHOD = "cleanlab.filter.find_label_issues on out-of-fold TF-IDF + LogReg probabilities"


@dataclass
class LabelIssues:
    mask: np.ndarray  # bool [n]: likely label error
    given_prob: np.ndarray  # float [n]: out-of-fold probability of the row's own label (low = suspicious)
    summary: dict  # JSON-ready counts (metrics.json `label_issues`)


def find_label_issues(texts: list[str], label_ids, labels: list[str], cfg: LabelIssuesConfig,
                      max_features: int = 500, seed: int = 42) -> LabelIssues | None:
    """Flag rows whose label the other folds' baseline confidently contradicts; None when cfg.enabled is off.

    A split too small to cross-validate (a class with fewer than 2 rows) gets
    an all-false mask and a summary that says why, never an error: training
    must not stop over a diagnostic.
    """
    if not cfg.enabled:
        return None
    ids = np.asarray(label_ids, dtype=int)
    n = len(ids)
    per_class = np.bincount(ids, minlength=len(labels)) if n else np.zeros(len(labels), int)
    folds = int(min(cfg.folds, per_class.min())) if n else 0
    if folds < 2:
        why = f"too few rows to cross-validate: per class {dict(zip(labels, per_class.tolist()))} (needs >= 2 each)"
        return LabelIssues(np.zeros(n, bool), np.ones(n), _summary(labels, ids, np.zeros(n, bool), folds, skipped=why))
    probs = out_of_fold_probs(texts, ids, folds, max_features, seed)
    from cleanlab.filter import find_label_issues as cleanlab_find

    # n_jobs=1: cleanlab's default forks one process per core, which on a
    # shared 2-core machine costs more than the few milliseconds it saves.
    mask = np.asarray(cleanlab_find(ids, probs, filter_by=cfg.filter_by, n_jobs=1), dtype=bool)
    return LabelIssues(mask, probs[np.arange(n), ids], _summary(labels, ids, mask, folds))


def out_of_fold_probs(texts: list[str], ids: np.ndarray, folds: int, max_features: int, seed: int) -> np.ndarray:
    """[n, classes] probabilities, each row from the baseline fitted on the other `folds - 1` folds."""
    from sklearn.model_selection import StratifiedKFold, cross_val_predict

    from modeling.baseline import baseline_pipeline

    splitter = StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed)
    # Columns follow the sorted class ids, which are 0..n_labels-1: every class has >= `folds` rows.
    return cross_val_predict(baseline_pipeline(max_features, seed), list(texts), ids, cv=splitter,
                             method="predict_proba")


def _summary(labels: list[str], ids: np.ndarray, mask: np.ndarray, folds: int, skipped: str | None = None) -> dict:
    by_class = {}
    for k, name in enumerate(labels):
        rows = int((ids == k).sum())
        found = int(mask[ids == k].sum())
        by_class[name] = {"rows": rows, "likely_errors": found, "share": round(found / rows, 4) if rows else None}
    total = int(mask.sum())
    out = {"method": METHOD, "folds": folds, "rows": int(len(ids)), "likely_errors": total,
           "share": round(total / len(ids), 4) if len(ids) else None, "by_class": by_class}
    if skipped:
        out["skipped"] = skipped
    return out
