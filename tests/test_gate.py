"""modeling.artifacts.gate: weak-label criteria (rules' test split, baseline) and human-label ones (gold test)."""
from modeling.artifacts import gate


def rep(macro_f1: float, recall: float | None = None) -> dict:
    per_class = {"critical": {"recall": recall, "precision": 0.5, "f1": 0.5}} if recall is not None else {}
    return {"macro_f1": macro_f1, "accuracy": macro_f1, "per_class": per_class}


def gold_test(model_f1: float, recall: float, rules_f1: float) -> dict:
    """modeling.gold.score_split's shape, reduced to what the gate reads."""
    return {"model": {"overall": rep(model_f1, recall)}, "rules": {"overall": rep(rules_f1, 0.9)}}


def test_a_model_that_beats_the_rules_on_gold_with_enough_recall_passes():
    d = gate(rep(0.95), rep(0.9), 0.7, gold_test(0.88, 0.92, 0.85), min_gold_recall=0.9, require_gold=True)
    assert d.approved and d.reasons == []
    assert (d.model_gold_macro_f1, d.rules_gold_macro_f1, d.model_gold_recall, d.min_gold_recall, d.recall_label) == (
        0.88, 0.85, 0.92, 0.9, "critical")


def test_each_failed_criterion_is_one_reason_in_order():
    d = gate(rep(0.6), rep(0.9), 0.7, gold_test(0.80, 0.75, 0.85), min_gold_recall=0.9, require_gold=True)
    assert not d.approved
    assert d.reasons == ["test macro-F1 0.6000 < threshold 0.7", "test macro-F1 0.6000 < baseline 0.9000",
                         "gold test macro-F1 0.8000 < the keyword rules' 0.8500 (human labels)",
                         "gold test critical recall 0.7500 < gate.min_gold_recall 0.9 (human labels)"]
    # Beating the rules on weak labels is not enough: human labels alone reject.
    d = gate(rep(0.99), rep(0.9), 0.7, gold_test(0.84, 0.95, 0.85), min_gold_recall=0.9)
    assert not d.approved and d.reasons == ["gold test macro-F1 0.8400 < the keyword rules' 0.8500 (human labels)"]


def test_no_gold_test_rejects_only_when_gold_is_required():
    d = gate(rep(0.95), rep(0.9), 0.7, None, min_gold_recall=0.8, require_gold=True)
    assert d.reasons == ["no gold test split to judge the model on human labels; set gold.test, or gate.require_gold=false"]
    assert (d.min_gold_recall, d.model_gold_macro_f1, d.model_gold_recall) == (0.8, None, None)
    d = gate(rep(0.95), rep(0.9), 0.7, None, min_gold_recall=0.8, require_gold=False)
    assert d.approved and d.min_gold_recall is None
    # Callers that predate the human-label criteria (three arguments) get the weak-label gate only.
    assert gate(rep(0.95), rep(0.9), 0.7).approved
