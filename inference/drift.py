"""Population Stability Index of a prediction run against the model's training data.

    ref, why_none = reference(training_manifest)   # a TrainingManifest, or None
    report = drift_report(ref, {"critical": 310, ...}, {"0": 12, "20": 80, ...}, threshold=0.2)
    report, why_none = assess_drift(ref, why_none, labels, lengths, threshold=0.2, min_rows=500)  # what runs use

PSI = sum over bins of (a - e) * ln(a / e), with e and a the training and
current shares of each bin. Empty bins get a share of EPSILON instead of 0 so
the log stays finite: a class or length bin that appears only on one side
still counts, heavily, instead of being skipped. Rule of thumb: < 0.1
stable, 0.1-0.2 watch, > 0.2 shifted (the default threshold).
"""
from __future__ import annotations

import logging
import math

from common.contracts import TrainingManifest
from preprocessing.schema import LENGTH_BINS, length_histogram  # noqa: F401  (length_histogram: re-exported)

EPSILON = 1e-4
log = logging.getLogger(__name__)


def psi(expected: dict[str, int], actual: dict[str, int]) -> float | None:
    """PSI between two count histograms over the union of their bins; None when either is empty."""
    total_e, total_a = sum(expected.values()), sum(actual.values())
    if not total_e or not total_a:
        return None
    value = 0.0
    for key in sorted(set(expected) | set(actual)):
        e = max(expected.get(key, 0) / total_e, EPSILON)
        a = max(actual.get(key, 0) / total_a, EPSILON)
        value += (a - e) * math.log(a / e)
    return value


def etl_length_bins() -> list[int]:
    """The ETL's bins, for runs whose model has no training manifest to take them from."""
    return list(LENGTH_BINS)


def reference(training_manifest: TrainingManifest | None) -> tuple[dict | None, str | None]:
    """(train split stats + bins, None) or (None, why there is no reference)."""
    if training_manifest is None:
        return None, "model has no training_manifest.json, so there is no training distribution to compare with"
    data = training_manifest.data_manifest
    train = data.splits.get("train")
    if train is None:
        return None, "training_manifest.json's data_manifest has no train split to compare with"
    return {"labels": train.labels, "text_length_chars": train.text_length_chars,
            "bins": list(data.text_length_bins_chars)}, None


def assess_drift(ref: dict | None, why_none: str | None, labels: dict[str, int], lengths: dict[str, int],
                 threshold: float, min_rows: int) -> tuple[dict | None, str | None]:
    """(drift report, None), or (None, why drift was not computed): no reference, or fewer than
    `min_rows` predicted rows, from which PSI would measure sampling noise (config: drift_min_rows)."""
    if ref is None:
        return None, why_none
    rows = sum(labels.values())
    if rows < min_rows:
        return None, (f"not computed: {rows:,} predicted rows, fewer than drift_min_rows={min_rows:,}; "
                      "PSI from so few rows is mostly sampling noise")
    return drift_report(ref, labels, lengths, threshold), None


def drift_report(ref: dict, labels: dict[str, int], lengths: dict[str, int], threshold: float) -> dict:
    """PSI of labels and text lengths vs `ref` (from `reference`), with warnings above `threshold`."""
    values = {"label_psi": psi(ref["labels"], labels), "text_length_psi": psi(ref["text_length_chars"], lengths)}
    warnings = []
    for key, value in values.items():
        if value is not None and value > threshold:
            msg = f"{key} = {value:.4f} > threshold {threshold}: inputs differ from the training data"
            log.warning("drift: %s", msg)
            warnings.append(msg)
    return {
        **{k: (round(v, 6) if v is not None else None) for k, v in values.items()},
        "threshold": threshold,
        "warnings": warnings,
        "reference": "training_manifest.data_manifest.splits.train",
        "training": {"labels": ref["labels"], "text_length_chars": ref["text_length_chars"]},
        "current": {"labels": labels, "text_length_chars": lengths},
        "text_length_bins_chars": ref["bins"],
    }
