"""python -m preprocessing.synth_agreement [--rows 20000] [--seed 1] [--rules configs/labels/default.yaml] [--examples 3] [--json OUT]

How often the keyword rules agree with the class each generated customer message
was written for (``preprocessing.synth``'s intents), overall, per language and
per category. The demo model learns from the rules' labels on this data, so a
category where they disagree teaches it the wrong thing: either the rules miss
that kind of message, or the generator wrote it ambiguously. The examples say which.
"""
from __future__ import annotations

import argparse
import json
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path

import pandas as pd

from preprocessing.labeling import load_rules
from preprocessing.synth import generate
from preprocessing.text import clean_text

DEFAULT_RULES = "configs/labels/default.yaml"


@dataclass
class Agreement:
    """Share of customer messages whose rule label equals their intended label."""

    rows: int
    overall: float
    by_lang: dict[str, float]
    by_category: dict[str, dict] = field(default_factory=dict)
    """"lang/category" -> {"rows", "agreement", "intent", "examples": [disagreeing texts]}; worst first."""


def measure(rows: int, seed: int, rules_path: str | Path, examples: int = 3, spanish_fraction: float = 0.3) -> Agreement:
    """Generate `rows` records and compare the rules with the intents of their customer messages."""
    with tempfile.TemporaryDirectory(prefix="synth-agreement-") as tmp:
        raw, intents = Path(tmp) / "raw.csv", Path(tmp) / "intents.csv"
        generate(rows, seed, raw, spanish_fraction=spanish_fraction, intents=intents)
        texts = pd.read_csv(raw, dtype=str, keep_default_na=False, usecols=["tweet_id", "text"])
        frame = pd.read_csv(intents, dtype=str, keep_default_na=False).merge(texts, on="tweet_id", validate="1:1")
    return compare(frame, load_rules(rules_path), examples)


def compare(frame: pd.DataFrame, rules, examples: int = 3) -> Agreement:
    """`frame` has text, lang, category and intent_label; the rules label each text's clean_text."""
    frame = frame.assign(rule_label=[rules.label(clean_text(t)) for t in frame["text"]])
    frame["agrees"] = frame["rule_label"] == frame["intent_label"]
    by_category = {}
    for (lang, category), group in frame.groupby(["lang", "category"], sort=True):
        wrong = group.loc[~group["agrees"], "text"]
        by_category[f"{lang}/{category}"] = {
            "rows": len(group), "agreement": round(float(group["agrees"].mean()), 4),
            "intent": group["intent_label"].iloc[0], "examples": wrong.head(examples).tolist()}
    ordered = dict(sorted(by_category.items(), key=lambda kv: (kv[1]["agreement"], kv[0])))
    return Agreement(rows=len(frame), overall=round(float(frame["agrees"].mean()), 4),
                     by_lang={lang: round(float(g.mean()), 4) for lang, g in frame.groupby("lang")["agrees"]},
                     by_category=ordered)


def table(result: Agreement) -> str:
    """A plain-text report: the totals, then each category, worst first, with its disagreeing examples."""
    langs = "  ".join(f"{lang} {share:.1%}" for lang, share in result.by_lang.items())
    lines = [f"rules vs intent on {result.rows} generated customer messages: {result.overall:.1%}  ({langs})", ""]
    for name, cat in result.by_category.items():
        lines.append(f"{cat['agreement']:7.1%}  {cat['rows']:6d}  {cat['intent']:<12}  {name}")
        lines.extend(f"{'':27}! {text!r}" for text in cat["examples"])
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m preprocessing.synth_agreement", description=__doc__.split("\n\n")[1])
    p.add_argument("--rows", type=int, default=20000, help="CSV records to generate (customer messages are ~half)")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--rules", default=DEFAULT_RULES, help="rule file to measure")
    p.add_argument("--examples", type=int, default=3, help="disagreeing texts shown per category")
    p.add_argument("--spanish-fraction", type=float, default=0.3)
    p.add_argument("--json", help="also write the result here")
    a = p.parse_args(argv)
    result = measure(a.rows, a.seed, a.rules, a.examples, a.spanish_fraction)
    print(table(result))
    if a.json:
        Path(a.json).write_text(json.dumps(asdict(result), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
