"""modeling.label_issues: cleanlab on out-of-fold baseline probabilities finds exactly the flipped labels."""
import random

import numpy as np

from modeling.config import LabelIssuesConfig
from modeling.label_issues import find_label_issues

LABELS = ["critical", "non_critical"]
URGENT = ["card charged twice", "account hacked", "money stolen", "fraud on my card", "cannot access account",
          "payment failed urgent"]
HARMLESS = ["thanks for the help", "great service today", "love the new app", "what time do you open", "nice update",
            "have a good day"]


def two_phrase_texts(rows_per_class: int = 100):
    """Even rows urgent (label 0), odd rows harmless (label 1): two phrases each, so TF-IDF is sure of them."""
    rng = random.Random(0)
    texts, ids = [], []
    for _ in range(rows_per_class):
        texts.append(f"{rng.choice(URGENT)} and {rng.choice(URGENT)}")
        ids.append(0)
        texts.append(f"{rng.choice(HARMLESS)} and {rng.choice(HARMLESS)}")
        ids.append(1)
    return texts, ids


def test_flags_exactly_the_flipped_labels_and_counts_them_by_the_label_they_carry():
    texts, ids = two_phrase_texts()
    flipped = [3, 10, 41, 100, 121, 150]  # odd: harmless text now labeled critical; even: urgent now non_critical
    for i in flipped:
        ids[i] = 1 - ids[i]
    found = find_label_issues(texts, ids, LABELS, LabelIssuesConfig())
    assert np.flatnonzero(found.mask).tolist() == flipped
    assert (found.given_prob[flipped] < 0.2).all()
    s = found.summary
    assert (s["rows"], s["likely_errors"], s["share"], s["folds"]) == (200, 6, 0.03, 5)
    assert s["by_class"] == {"critical": {"rows": 100, "likely_errors": 3, "share": 0.03},
                             "non_critical": {"rows": 100, "likely_errors": 3, "share": 0.03}}


def test_clean_labels_give_none_and_tiny_classes_are_skipped_not_fatal():
    texts, ids = two_phrase_texts()
    assert find_label_issues(texts, ids, LABELS, LabelIssuesConfig()).summary["likely_errors"] == 0
    small = find_label_issues(["a b", "c d", "e f"], [0, 0, 1], LABELS, LabelIssuesConfig())
    assert not small.mask.any() and small.summary["skipped"].startswith("too few rows to cross-validate")
    assert small.summary["by_class"]["non_critical"] == {"rows": 1, "likely_errors": 0, "share": 0.0}
    assert find_label_issues(texts, ids, LABELS, LabelIssuesConfig(enabled=False)) is None
