"""modeling.threshold: the threshold reaching a target recall, the one decision rule, config.json round trip."""
import json

import numpy as np
import pytest

from modeling.threshold import TriageThreshold, choose_threshold, decide, read_threshold, save_threshold

LABELS = ["critical", "non_critical"]


def test_choose_takes_the_highest_threshold_that_reaches_the_target_recall():
    # Ten critical rows scored 0.95 .. 0.05 and four harmless ones.
    p_crit = np.array([0.95, 0.85, 0.75, 0.65, 0.55, 0.45, 0.35, 0.25, 0.15, 0.05, 0.9, 0.5, 0.3, 0.1])
    truth = np.array([True] * 10 + [False] * 4)
    rule = choose_threshold(p_crit, truth, 0.9, "critical", "gold_dev")
    # recall 0.9 needs 9 of the 10: the 9th highest critical score, 0.15.
    assert rule.threshold == pytest.approx(0.15) and rule.recall == 0.9
    assert rule.precision == 0.75  # flagged: the 9 criticals and 0.9, 0.5, 0.3 (not 0.1): 9 of 12
    assert (rule.rows, rule.chosen_on, rule.label, rule.target_recall) == (14, "gold_dev", "critical", 0.9)
    assert choose_threshold(p_crit, truth, 0.5, "critical", "gold_dev").threshold == pytest.approx(0.55)
    assert choose_threshold(p_crit, truth, 1.0, "critical", "gold_dev").threshold == pytest.approx(0.05)
    assert choose_threshold(p_crit, np.zeros(14, bool), 0.9, "critical", "gold_dev") is None


def test_decide_is_argmax_without_a_rule_and_the_threshold_with_one():
    probs = np.array([[0.9, 0.1], [0.4, 0.6], [0.2, 0.8], [0.55, 0.45]], np.float32)
    assert decide(probs, LABELS, None).tolist() == [0, 1, 1, 0]
    low = TriageThreshold("critical", 0.3, 0.9, "gold_dev", 10, 0.9, 0.5)
    assert decide(probs, LABELS, low).tolist() == [0, 0, 1, 0]  # 0.4 >= 0.3 flips row 1 to critical
    high = TriageThreshold("critical", 0.6, 0.9, "gold_dev", 10, 0.9, 0.5)
    assert decide(probs, LABELS, high).tolist() == [0, 1, 1, 1]  # 0.55 < 0.6 flips row 3 away from critical
    # Three classes: below the threshold the likeliest of the others wins.
    three = np.array([[0.5, 0.3, 0.2], [0.2, 0.3, 0.5]])
    assert decide(three, ["critical", "a", "b"], high).tolist() == [1, 2]
    assert decide(np.zeros((0, 2)), LABELS, low).tolist() == []


def test_saved_threshold_round_trips_and_the_hf_config_still_loads(tiny_model_dir, tmp_path):
    import shutil

    from transformers import AutoConfig, AutoModelForSequenceClassification

    model_dir = tmp_path / "m"
    shutil.copytree(tiny_model_dir, model_dir)
    assert read_threshold(str(model_dir)) is None
    rule = TriageThreshold("critical", 0.37, 0.9, "gold_dev", 350, 0.91, 0.62)
    save_threshold(str(model_dir), rule)
    assert json.loads((model_dir / "config.json").read_text())["triage_threshold"] == {
        "label": "critical", "threshold": 0.37, "target_recall": 0.9, "chosen_on": "gold_dev", "rows": 350,
        "recall": 0.91, "precision": 0.62}
    assert read_threshold(str(model_dir)) == rule
    assert AutoConfig.from_pretrained(model_dir).triage_threshold["threshold"] == 0.37
    model = AutoModelForSequenceClassification.from_pretrained(model_dir)
    assert model.config.id2label == {0: "critical", 1: "non_critical"}
    save_threshold(str(model_dir), None)
    assert read_threshold(str(model_dir)) is None
