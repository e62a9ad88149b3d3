"""Agreement with the hand-labeled gold set, for the trained model and for the keyword rules.

    agreement = gold_agreement(model, tokenizer, GoldConfig(), labels, max_length_tokens=128)

Gold rows are raw twcs messages: the model sees them through the same
`preprocessing.text.model_text` as the ETL's `text` column, and the rules
through `clean_text`, exactly as in production. Scoring both on one set says
whether the model learned more than the rules that labeled its training data.
"""
from __future__ import annotations

import fsspec
import pandas as pd
import torch

from modeling.config import GoldConfig
from modeling.metrics import report
from preprocessing.labeling import load_rules
from preprocessing.text import clean_text, model_text


@torch.no_grad()
def predict_ids(model, tokenizer, texts: list[str], max_length_tokens: int, batch_size: int = 64) -> list[int]:
    """Argmax class ids for model-ready texts, in order (padded per batch, like training)."""
    model.eval()
    device = next(model.parameters()).device
    out: list[int] = []
    for start in range(0, len(texts), batch_size):
        enc = tokenizer(texts[start:start + batch_size], truncation=True, max_length=max_length_tokens,
                        padding=True, return_tensors="pt").to(device)
        out.extend(model(**enc).logits.argmax(dim=-1).tolist())
    return out


def read_gold(cfg: GoldConfig, labels: list[str]) -> pd.DataFrame:
    with fsspec.open(cfg.path, "r", encoding="utf-8") as fh:
        gold = pd.read_csv(fh, dtype=str, keep_default_na=False)
    for column in ("text", cfg.label_column):
        if column not in gold.columns:
            raise ValueError(f"gold set {cfg.path}: expected column '{column}', found {list(gold.columns)}; "
                             "set gold.label_column to the column holding the human labels")
    unknown = sorted(set(gold[cfg.label_column]) - set(labels))
    if unknown:
        raise ValueError(f"gold set {cfg.path}: expected labels {labels}, found unknown {unknown}")
    return gold


def gold_agreement(model, tokenizer, cfg: GoldConfig, labels: list[str], max_length_tokens: int) -> dict | None:
    """{"rows", "model": report, "rules": report} on the gold set; None when gold.path is null."""
    if not cfg.path:
        return None
    gold = read_gold(cfg, labels)
    refs = [labels.index(name) for name in gold[cfg.label_column]]
    preds = predict_ids(model, tokenizer, [model_text(t) for t in gold["text"]], max_length_tokens)
    rules = load_rules(cfg.rules)
    rule_preds = [labels.index(rules.label(clean_text(t))) for t in gold["text"]]
    return {
        "path": cfg.path,
        "rows": len(gold),
        "model": report(preds, refs, labels),
        "rules": report(rule_preds, refs, labels),
    }
