"""The reference model: TF-IDF (500 features) + class-balanced logistic regression.

    scores = run_baseline(train_texts, train_ids, test_texts, test_ids, labels, max_features=500)

Trained on exactly the train split the transformer sees (same `text` column),
scored on the same test split. Only its metrics are kept: the gate compares
against it, nothing is pickled or shipped.
"""
from __future__ import annotations

import time

from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline

from modeling.metrics import report


def baseline_pipeline(max_features: int = 500, seed: int = 42):
    """The unfitted TF-IDF + LogReg pipeline; modeling.label_issues cross-validates the same one."""
    return make_pipeline(
        TfidfVectorizer(max_features=max_features),
        LogisticRegression(class_weight="balanced", max_iter=1000, random_state=seed),
    )


def run_baseline(train_texts: list[str], train_ids: list[int], test_texts: list[str], test_ids: list[int],
                 labels: list[str], max_features: int = 500, seed: int = 42) -> dict:
    """Fit on train, score on test; returns the metrics report plus its settings and fit time."""
    t0 = time.perf_counter()
    if len(set(train_ids)) < 2:
        return {"skipped": f"train split holds {len(set(train_ids))} label(s); a classifier needs 2", "test": None}
    pipe = baseline_pipeline(max_features, seed)
    pipe.fit(train_texts, train_ids)
    test = report(pipe.predict(test_texts), test_ids, labels) if test_texts else None
    return {
        "model": f"TfidfVectorizer(max_features={max_features}) + LogisticRegression(class_weight='balanced')",
        "train_rows": len(train_texts),
        "test": test,
        "fit_s": round(time.perf_counter() - t0, 3),
    }
