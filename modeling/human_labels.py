"""Where training meets labels people gave: the decision threshold, and agreement with reviewed labels.

    rule = choose_triage_threshold(cfg, model, tokenizer, labels, splits)   # TriageThreshold or None
    reviewed = reviewed_agreement(model, tokenizer, labels, splits["test"], rule, max_length_tokens=128)

Two sources of human labels reach training: the gold set (data/gold/, scored
by modeling.gold) and reviewed labels, which the ETL applied to the rows a
person relabeled (`label_source == "reviewed"`). The threshold is chosen on
the reviewed rows of the validation split when there are at least
`threshold.min_reviewed_rows` of them (the model never trained on them, and
they are this deployment's own messages), else on gold dev. The test split's
reviewed rows are only measured.
"""
from __future__ import annotations

from common.configfile import ConfigError
from modeling.config import TrainConfig
from modeling.gold import dev_probs, predict_probs
from modeling.metrics import report
from modeling.threshold import TriageThreshold, choose_threshold, decide

REVIEWED = "reviewed"


def reviewed_rows(ds) -> tuple[list[str], list[int], list[str]]:
    """(texts, label ids, rule labels) of the rows of a split whose label a person gave."""
    import datasets

    if isinstance(ds, datasets.Dataset):
        if "label_source" not in ds.column_names:
            return [], [], []
        keep = [i for i, source in enumerate(ds["label_source"]) if source == REVIEWED]
        picked = ds.select(keep)
        return list(picked["text"]), list(picked["label"]), list(picked["rule_label"])
    texts, ids, rules = [], [], []
    for row in ds:  # a stream: one pass
        if row.get("label_source") == REVIEWED:
            texts.append(row["text"])
            ids.append(row["label"])
            rules.append(row["rule_label"])
    return texts, ids, rules


def choose_triage_threshold(cfg: TrainConfig, model, tokenizer, labels: list[str], splits) -> TriageThreshold | None:
    """The threshold for cfg.threshold.label on reviewed validation rows (when enough) or gold dev; None when off
    or when neither holds a row of that label (labels are then the argmax)."""
    t = cfg.threshold
    if not t.enabled:
        return None
    if t.label not in labels:
        raise ConfigError(f"threshold.label '{t.label}' is not one of the model's labels {labels}; set threshold.label")
    k = labels.index(t.label)
    texts, ids, _ = reviewed_rows(splits["validation"])
    if len(texts) >= t.min_reviewed_rows:
        probs = predict_probs(model, tokenizer, texts, cfg.model.max_length_tokens)
        rule = choose_threshold(probs[:, k], [i == k for i in ids], t.target_recall, t.label, "reviewed_validation")
        if rule is not None:
            return rule
    dev = dev_probs(model, tokenizer, cfg.gold, labels, cfg.model.max_length_tokens)
    if dev is None:
        return None
    names, probs = dev
    return choose_threshold(probs[:, k], [n == t.label for n in names], t.target_recall, t.label, "gold_dev")


def reviewed_agreement(model, tokenizer, labels: list[str], test_split, rule: TriageThreshold | None,
                       max_length_tokens: int) -> dict | None:
    """{"split": "test", "rows", "model": report, "rules": report} on the test split's reviewed rows; None without any."""
    texts, ids, rule_labels = reviewed_rows(test_split)
    if not texts:
        return None
    probs = predict_probs(model, tokenizer, texts, max_length_tokens)
    return {"split": "test", "rows": len(texts), "model": report(decide(probs, labels, rule), ids, labels),
            "rules": report([labels.index(r) for r in rule_labels], ids, labels)}
