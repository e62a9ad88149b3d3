"""Scores on the hand-labeled gold set: the keyword rules and, when given, a trained model.

    python -m modeling.gold [--model DIR] [--rules configs/labels/default.yaml] [--json OUT] [gold.dev=... gold.test=...]
    scores = score_gold(GoldConfig(), labels, load_rules(path))   # {"dev": ..., "test": ...}

Each split (dev: tune on it; test: locked, only measured) is scored overall
and per language: accuracy (= agreement with the people), macro-F1, the
first class's recall and precision, and the confusion matrix
(`modeling.metrics.report`). Gold rows are raw twcs messages: the model sees
them through the same `preprocessing.text.model_text` as the ETL's `text`
column, and the rules through `clean_text`, exactly as in production. Scoring
both on one set says whether the model learned more than the rules that
labeled its training data.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import fsspec
import numpy as np
import pandas as pd
import torch

from common.configfile import ConfigError, load_config
from common.errors import UserError
from modeling.config import GoldConfig
from modeling.metrics import report
from modeling.threshold import TriageThreshold, decide, read_threshold
from preprocessing.labeling import RuleSet, load_rules
from preprocessing.text import clean_text, model_text


class GoldSetError(UserError):
    """A gold file lacks a column or holds a label outside the label set."""


@torch.no_grad()
def predict_probs(model, tokenizer, texts: list[str], max_length_tokens: int, batch_size: int = 64) -> np.ndarray:
    """Class probabilities [n, labels] (float32) for model-ready texts, in order (padded per batch, like training)."""
    model.eval()
    device = next(model.parameters()).device
    out = [np.zeros((0, model.config.num_labels), np.float32)]
    for start in range(0, len(texts), batch_size):
        enc = tokenizer(texts[start:start + batch_size], truncation=True, max_length=max_length_tokens,
                        padding=True, return_tensors="pt").to(device)
        out.append(model(**enc).logits.float().softmax(dim=-1).cpu().numpy())
    return np.concatenate(out)


def predict_ids(model, tokenizer, texts: list[str], max_length_tokens: int, batch_size: int = 64) -> list[int]:
    """Argmax class ids for model-ready texts, in order."""
    return predict_probs(model, tokenizer, texts, max_length_tokens, batch_size).argmax(axis=1).tolist()


def read_gold(path: str, cfg: GoldConfig, labels: list[str]) -> pd.DataFrame:
    """One gold split, checked: a `text` and a label column, labels from `labels` (the language column is optional)."""
    with fsspec.open(path, "r", encoding="utf-8") as fh:
        gold = pd.read_csv(fh, dtype=str, keep_default_na=False)
    for column in ("text", cfg.label_column):
        if column not in gold.columns:
            raise GoldSetError(f"gold set {path}: expected column '{column}', found {list(gold.columns)}; "
                               "set gold.label_column to the column holding the human labels")
    unknown = sorted(set(gold[cfg.label_column].str.strip()) - set(labels))
    if unknown:
        raise GoldSetError(f"gold set {path}: expected labels {labels}, found unknown {unknown}; "
                           "fix those rows or score with rules/a model that has those labels")
    return gold


def score(predicted: list[str], gold: pd.DataFrame, cfg: GoldConfig, labels: list[str]) -> dict:
    """{"overall": report, "by_lang": {lang: report}} of predicted label names against the gold column."""
    refs = [labels.index(name.strip()) for name in gold[cfg.label_column]]
    preds = [labels.index(name) for name in predicted]
    out = {"overall": report(preds, refs, labels), "by_lang": {}}
    if cfg.lang_column in gold.columns:
        langs = gold[cfg.lang_column].str.strip().tolist()
        for lang in sorted(set(langs)):
            keep = [i for i, value in enumerate(langs) if value == lang]
            out["by_lang"][lang] = report([preds[i] for i in keep], [refs[i] for i in keep], labels)
    return out


def score_split(path: str, cfg: GoldConfig, labels: list[str], rules: RuleSet, model=None, tokenizer=None,
                max_length_tokens: int = 128, threshold: TriageThreshold | None = None) -> dict:
    """{"path", "rows", "rules": score, "model": score or None} for one gold file.

    The model's labels come from `modeling.threshold.decide`, as in production;
    with a threshold, "model_argmax" holds the plain argmax's scores beside them.
    """
    gold = read_gold(path, cfg, labels)
    texts = gold["text"].tolist()
    out = {"path": path, "rows": len(gold), "rules": score([rules.label(clean_text(t)) for t in texts], gold, cfg, labels),
           "model": None}
    if model is not None:
        probs = predict_probs(model, tokenizer, [model_text(t) for t in texts], max_length_tokens)
        out["model"] = score([labels[i] for i in decide(probs, labels, threshold)], gold, cfg, labels)
        if threshold is not None:
            out["model_argmax"] = score([labels[i] for i in probs.argmax(axis=1)], gold, cfg, labels)
    return out


def score_gold(cfg: GoldConfig, labels: list[str], rules: RuleSet | None = None, model=None, tokenizer=None,
               max_length_tokens: int = 128, threshold: TriageThreshold | None = None) -> dict:
    """{split: score_split(...)} for each split `cfg` sets (dev, test); the rules default to `cfg.rules`."""
    rules = rules or load_rules(cfg.rules)
    return {name: score_split(path, cfg, labels, rules, model, tokenizer, max_length_tokens, threshold)
            for name, path in cfg.splits().items()}


def dev_probs(model, tokenizer, cfg: GoldConfig, labels: list[str], max_length_tokens: int):
    """(gold label names, model probabilities) of the dev split, to choose a threshold on; None without dev."""
    if not cfg.dev:
        return None
    gold = read_gold(cfg.dev, cfg, labels)
    probs = predict_probs(model, tokenizer, [model_text(t) for t in gold["text"]], max_length_tokens)
    return gold[cfg.label_column].str.strip().tolist(), probs


def gold_agreement(model, tokenizer, cfg: GoldConfig, labels: list[str], max_length_tokens: int,
                   threshold: TriageThreshold | None = None) -> dict | None:
    """Training's gold check: every split's scores, plus the headline split's overall reports on top.

    {"splits": {split: score_split}, "split", "path", "rows", "model": report, "rules": report}. The
    headline is test (the locked split) when set, else dev; None when no split is set. The model's
    labels have `threshold` applied.
    """
    splits = score_gold(cfg, labels, model=model, tokenizer=tokenizer, max_length_tokens=max_length_tokens,
                        threshold=threshold)
    if not splits:
        return None
    name = "test" if "test" in splits else "dev"
    top = splits[name]
    return {"split": name, "path": top["path"], "rows": top["rows"], "model": top["model"]["overall"],
            "rules": top["rules"]["overall"], "splits": splits}


LABELERS = ("rules", "model", "model_argmax")  # model: its threshold applied, as production labels


def agreement_rows(scores: dict, positive: str) -> list[list]:
    """[split, lang, rows, labeler, accuracy, macro_f1, positive recall, positive precision] per split,
    language (overall first) and labeler: the rows of the CLI table, the model card and the report."""
    rows = []
    for split, s in scores.items():
        for who in LABELERS:
            if s.get(who) is None:
                continue
            for lang, rep in [("overall", s[who]["overall"]), *s[who]["by_lang"].items()]:
                cls = rep["per_class"].get(positive, {})
                rows.append([split, lang, rep["rows"], who, rep["accuracy"], rep["macro_f1"], cls.get("recall"),
                             cls.get("precision")])
    return rows


def table(scores: dict, positive: str) -> str:
    """One text table: split x (overall, each language) x labeler."""
    head = ("split", "lang", "rows", "labeler", "accuracy", "macro_f1", f"{positive}_recall", f"{positive}_precision")
    rows = [head] + [(*map(str, r[:4]), *(_fmt(v) for v in r[4:])) for r in agreement_rows(scores, positive)]
    widths = [max(len(r[i]) for r in rows) for i in range(len(head))]
    return "\n".join("  ".join(v.ljust(w) for v, w in zip(r, widths)).rstrip() for r in rows)


def _fmt(value) -> str:
    return "-" if value is None else f"{value:.3f}"


def load_model(model_dir: str):
    """(model, tokenizer, labels in id order, max_length_tokens) of a trained model folder."""
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from common.contracts import TrainingManifest
    from modeling.artifacts import MANIFEST_FILE

    if not (Path(model_dir) / "config.json").is_file():
        raise GoldSetError(f"--model {model_dir}: no config.json there; pass a trained model folder (train's output_dir)")
    model = AutoModelForSequenceClassification.from_pretrained(model_dir, use_safetensors=True, trust_remote_code=False)
    tokenizer = AutoTokenizer.from_pretrained(model_dir, trust_remote_code=False)
    labels = [model.config.id2label[i] for i in range(model.config.num_labels)]
    manifest = Path(model_dir) / MANIFEST_FILE
    max_length = TrainingManifest.read(str(manifest)).max_length if manifest.is_file() else 128
    return model, tokenizer, labels, max_length


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="trained model folder to score beside the rules")
    parser.add_argument("--rules", help="keyword rules file (default: gold.rules, configs/labels/default.yaml)")
    parser.add_argument("--json", dest="json_out", help="also write the full scores (confusion matrices too) here")
    parser.add_argument("overrides", nargs="*", metavar="key=value", help="GoldConfig keys, e.g. test=null")
    args = parser.parse_args(argv)
    try:
        cfg = load_config(GoldConfig, None, args.overrides + ([f"rules={args.rules}"] if args.rules else []))
        rules = load_rules(cfg.rules)
        model = tokenizer = threshold = None
        labels, max_length = rules.labels, 128
        if args.model:
            model, tokenizer, labels, max_length = load_model(args.model)
            threshold = read_threshold(args.model)  # the model's own decision rule, as in production
            if sorted(labels) != sorted(rules.labels):
                raise GoldSetError(f"--model labels {labels} differ from the rules' {rules.labels}; "
                                   "score them with rules of the same label set")
        if not cfg.splits():
            raise ConfigError("gold.dev and gold.test are both null; set at least one")
        scores = score_gold(cfg, labels, rules, model, tokenizer, max_length, threshold)
    except (UserError, FileNotFoundError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(f"gold set: rules {cfg.rules}" + (f", model {args.model}" if args.model else ""))
    print(table(scores, rules.labels[0]))
    if args.json_out:
        Path(args.json_out).write_text(json.dumps({"rules": cfg.rules, "model": args.model, "splits": scores}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
