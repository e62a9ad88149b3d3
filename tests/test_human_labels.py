"""modeling.human_labels: the threshold is chosen on reviewed validation rows when there are enough, else gold dev;
reviewed test rows are scored against the model and the rules."""
import datasets
import numpy as np
from conftest import ROOT

from modeling.config import GoldConfig, TrainConfig
from modeling.gold import predict_probs
from modeling.human_labels import choose_triage_threshold, reviewed_agreement, reviewed_rows
from modeling.threshold import choose_threshold

LABELS = ["critical", "non_critical"]


def split(n: int, reviewed_every: int) -> datasets.Dataset:
    """n rows; every `reviewed_every`-th is reviewed (its label flipped from the rule label), the rest are rules'."""
    texts = [f"{'refund never arrived' if i % 3 else 'thanks a lot'} order {i}" for i in range(n)]
    rule = [(i // reviewed_every) % 2 for i in range(n)]  # reviewed rows alternate between the classes
    reviewed = [i % reviewed_every == 0 for i in range(n)]
    return datasets.Dataset.from_dict({
        "text": texts, "label": [1 - r if rev else r for r, rev in zip(rule, reviewed)],
        "rule_label": [LABELS[r] for r in rule], "label_source": ["reviewed" if rev else "rules" for rev in reviewed]})


def test_threshold_on_reviewed_validation_rows_when_enough_else_gold_dev(tiny_model_dir):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    model = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir)
    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    gold = GoldConfig(dev=str(ROOT / "data/gold/dev.csv"), test=None, rules=str(ROOT / "configs/labels/default.yaml"))
    splits = {"validation": split(60, reviewed_every=2), "test": split(30, reviewed_every=3)}
    texts, ids, rules = reviewed_rows(splits["validation"])
    assert len(texts) == 30 and ids == [(i // 2 + 1) % 2 for i in range(0, 60, 2)]
    assert rules == [LABELS[(i // 2) % 2] for i in range(0, 60, 2)]

    cfg = TrainConfig(gold=gold)
    cfg.threshold.min_reviewed_rows = 30
    rule = choose_triage_threshold(cfg, model, tok, LABELS, splits)
    probs = predict_probs(model, tok, texts, cfg.model.max_length_tokens)
    assert rule == choose_threshold(probs[:, 0], np.array(ids) == 0, 0.9, "critical", "reviewed_validation")
    assert rule.chosen_on == "reviewed_validation" and rule.rows == 30 and rule.recall >= 0.9

    cfg.threshold.min_reviewed_rows = 31  # one short of enough: gold dev
    on_gold = choose_triage_threshold(cfg, model, tok, LABELS, splits)
    assert on_gold.chosen_on == "gold_dev" and on_gold.rows == 350
    cfg.threshold.enabled = False
    assert choose_triage_threshold(cfg, model, tok, LABELS, splits) is None

    scored = reviewed_agreement(model, tok, LABELS, splits["test"], rule, 64)
    assert scored["split"] == "test" and scored["rows"] == 10
    # The rules were flipped on every reviewed row: they agree with none of them.
    assert scored["rules"]["accuracy"] == 0.0 and scored["model"]["rows"] == 10
    assert reviewed_agreement(model, tok, LABELS, split(10, reviewed_every=11).select(range(1, 10)), rule, 64) is None
