"""Weak labels from the keyword rules in configs/labels/*.yaml: named categories, context, urgent signals.

    rules = load_rules("configs/labels/default.yaml")
    rules.label("my card was charged twice")        # -> "critical"
    rules.explain("what happens if autopay fails")  # -> Decision(label="non_critical", demoted=True, ...)

How a `clean_text` is labeled, by `RuleSet.label` (Python) and `spark_label` (Spark) alike:

1. One scan finds every rule phrase in it: the categories' keywords, the harmless
   `ignore_phrases`, the `context` phrases and the `urgent_signals`. Matches do not
   overlap, and where several start at one place the longest wins, so a harmless
   "no problem" hides its "problem" and a resolved "working again" hides "again".
2. A class fires when a keyword of one of its categories was found.
3. A context phrase (resolved, question, hypothetical, negated praise, ...) demotes a
   fired class to the next one, and at the end to `default_label`, unless an urgent
   signal was found too (then nothing is demoted), or the class fired a `strong`
   category and no `strong` context was found.

Phrases are normalised with the same `clean_text` as the messages and matched on
whole words: both sides are space-separated word sequences, so a space-anchored
regex is a word/phrase boundary match that behaves the same in Java and Python.
Handles and URLs are already gone from `clean_text`, so "@AmazonHelp" fires nothing.
Spark stays in native functions: one `regexp_extract_all` per row, then small
regexes over the few phrases it found.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from preprocessing.rulefile import Category, Context, LabelClass, load_rules  # noqa: F401  (the public API)
from preprocessing.text import clean_text  # noqa: F401  (callers label clean_text(raw))

HITS_COLUMN = "_rule_hits"
"""Scratch column the ETL keeps between the scan and the label (and the category counts)."""


@dataclass(frozen=True)
class Decision:
    """Why a text got its label: what fired, what demoted it."""

    label: str
    categories: tuple[str, ...]  # categories whose keywords were found, in rule-file order
    contexts: tuple[str, ...]  # contexts whose phrases were found
    urgent: bool  # an urgent signal was found: no demotion
    demoted: tuple[str, ...] = ()  # classes that fired but were demoted by the context


@dataclass(frozen=True)
class RuleSet:
    """Classes tried in priority order (lowest number first); nothing fires -> `default_label`."""

    classes: tuple[LabelClass, ...]
    default_label: str
    ignore_phrases: tuple[str, ...] = ()
    contexts: tuple[Context, ...] = ()
    urgent_signals: tuple[str, ...] = ()
    _kinds: dict = field(default=None, compare=False, repr=False)  # phrase -> ("keyword", category) | ("context", ...)

    def __post_init__(self):
        kinds = {p: ("ignore", None) for p in self.ignore_phrases}
        kinds.update({p: ("urgent", None) for p in self.urgent_signals})
        kinds.update({p: ("context", c) for c in self.contexts for p in c.phrases})
        kinds.update({k: ("keyword", cat) for cls in self.classes for cat in cls.categories for k in cat.keywords})
        object.__setattr__(self, "_kinds", kinds)

    @property
    def labels(self) -> list[str]:
        """All label names, in a stable order: the classes, then the default."""
        names = [c.name for c in self.classes]
        return names + ([self.default_label] if self.default_label not in names else [])

    @property
    def categories(self) -> tuple[Category, ...]:
        return tuple(cat for cls in self.classes for cat in cls.categories)

    def scan_pattern(self) -> str | None:
        """The one alternation of every rule phrase, over a text padded with a space on each side."""
        return _alternation(tuple(self._kinds))

    def hits(self, clean: str) -> list[str]:
        """The rule phrases found in one `clean_text`, in order (step 1 above)."""
        pattern = self.scan_pattern()
        return [m.group(0)[1:] for m in _compiled(pattern).finditer(f" {clean} ")] if pattern else []

    def explain(self, clean: str) -> Decision:
        """Python twin of the Spark labeling, for one `clean_text` value, with its reasons."""
        found = [self._kinds[h] for h in self.hits(clean)]
        cats = {info for kind, info in found if kind == "keyword"}
        ctxs = {info for kind, info in found if kind == "context"}
        urgent = any(kind == "urgent" for kind, _ in found)
        strong_ctx = any(c.strong for c in ctxs)
        demoted = []
        for cls in self.classes:
            fired = [cat for cat in cls.categories if cat in cats]
            if not fired:
                continue
            if urgent or not ctxs or (not strong_ctx and any(cat.strong for cat in fired)):
                return self._decision(cls.name, cats, ctxs, urgent, demoted)
            demoted.append(cls.name)
        return self._decision(self.default_label, cats, ctxs, urgent, demoted)

    def _decision(self, label, cats, ctxs, urgent, demoted) -> Decision:
        return Decision(label, tuple(c.name for c in self.categories if c in cats),
                        tuple(c.name for c in self.contexts if c in ctxs), urgent, tuple(demoted))

    def label(self, clean: str) -> str:
        return self.explain(clean).label


@functools.lru_cache(maxsize=None)
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


@functools.lru_cache(maxsize=None)  # built once per rule set, not per message
def _alternation(words: tuple[str, ...]) -> str | None:
    """A whole-word match of any of `words` in a text padded with one space on each side.

    Spaces anchor whole words, and the padding lets the pattern open with a
    plain space: Java then only tries the body after a space, where a leading
    "(?:^| )" group cost it a branch at every character (label step -30%).
    The body is a trie (below), not a flat list.
    """
    if not words:
        return None
    return f" (?:{_trie(sorted(set(words)))})(?= )"


@functools.lru_cache(maxsize=None)
def _member(words: tuple[str, ...]) -> str | None:
    """Matches where one of `words` is an element of a "| hit| hit|" string (see `spark_rule_hits`)."""
    if not words:
        return None
    return rf"\| (?:{_trie(sorted(set(words)))})(?=\|)"


def _trie(words: list[str]) -> str:
    """The alternation of `words` (sorted, unique) as a prefix tree.

    A flat "a|b|c" makes Java try every phrase at every word start; the tree
    branches on one character at a time, which labels ~3x faster in Spark.
    An ending word's continuations are an optional greedy group, so the longest
    phrase that fits is still tried first: "fail(?:ed|ure)?" matches exactly
    what "failure|failed|fail" does.
    """
    ends_here = words[0] == ""
    rest = words[1:] if ends_here else words
    branches, i = [], 0
    while i < len(rest):
        j = i
        while j < len(rest) and rest[j][0] == rest[i][0]:
            j += 1
        head = " " if rest[i][0] == " " else re.escape(rest[i][0])
        branches.append(head + _trie([w[1:] for w in rest[i:j]]))
        i = j
    if not branches:
        return ""
    if ends_here:
        return branches[0] + "?" if len(branches) == 1 and len(branches[0]) == 1 else f"(?:{'|'.join(branches)})?"
    return branches[0] if len(branches) == 1 else f"(?:{'|'.join(branches)})"


# --- Spark ------------------------------------------------------------------


def spark_rule_hits(rules: RuleSet, clean_col):
    """Spark Column: the rule phrases of a `clean_text` column as "| hit| hit|" ("||": none).

    Later checks are regexes over this short string instead of the message, and
    the delimiters make "is one of these phrases an element" a plain search.
    """
    from pyspark.sql import functions as F

    pattern = rules.scan_pattern()
    if pattern is None:
        return F.lit("||")
    found = F.regexp_extract_all(F.concat(F.lit(" "), clean_col, F.lit(" ")), F.lit(pattern), F.lit(0))
    return F.concat(F.lit("|"), F.array_join(found, "|"), F.lit("|"))


def spark_label_from_hits(rules: RuleSet, hits):
    """Spark Column: the label, from `spark_rule_hits` (steps 2-3 of the module docstring)."""
    from pyspark.sql import functions as F

    def holds(words) -> object:
        pattern = _member(tuple(words))
        return F.lit(False) if pattern is None else hits.rlike(pattern)

    urgent = holds(rules.urgent_signals)
    any_ctx = holds(p for c in rules.contexts for p in c.phrases)
    strong_ctx = holds(p for c in rules.contexts if c.strong for p in c.phrases)
    out = F.lit(rules.default_label)
    # Built inside-out so the highest-priority class is the outermost `when`.
    for cls in reversed([c for c in rules.classes if c.keywords]):
        strong = holds(k for cat in cls.categories if cat.strong for k in cat.keywords)
        keeps = urgent | ~any_ctx | (strong & ~strong_ctx)
        out = F.when(holds(cls.keywords) & keeps, F.lit(cls.name)).otherwise(out)
    # Most rows hold no rule phrase at all: one comparison labels them.
    return F.when(hits == F.lit("||"), F.lit(rules.default_label)).otherwise(out)


def spark_label(rules: RuleSet, clean_col):
    """Spark Column with the rule label of a `clean_text` column (native functions).

    Standalone form; the ETL keeps `spark_rule_hits` in a column of its own so
    the scan runs once per row for the label and the category counts.
    """
    return spark_label_from_hits(rules, spark_rule_hits(rules, clean_col))


def spark_category_counts(rules: RuleSet, hits, label):
    """Aggregate Columns for `DataFrame.observe`: rows per fired category, and rows a context demoted.

    Named `fired:<category>` and `demoted:<context>`; `category_counts` reads them back.
    """
    from pyspark.sql import functions as F

    found = hits != F.lit("||")
    out = [F.count_if(found & hits.rlike(_member(cat.keywords))).alias(f"fired:{cat.name}")
           for cat in rules.categories if cat.keywords]
    any_keyword = _member(tuple(k for cat in rules.categories for k in cat.keywords))
    if any_keyword and rules.contexts:
        demoted = found & (label == F.lit(rules.default_label)) & hits.rlike(any_keyword)
        out += [F.count_if(demoted & hits.rlike(_member(c.phrases))).alias(f"demoted:{c.name}") for c in rules.contexts]
    return out


def category_counts(observed: dict) -> dict:
    """{"fired": {category: rows}, "demoted_by_context": {context: rows}} from observed metrics.

    A row counts once per category it fired, so a row may count under several.
    """
    out: dict = {"fired": {}, "demoted_by_context": {}}
    for key, value in observed.items():
        kind, _, name = key.partition(":")
        out["fired" if kind == "fired" else "demoted_by_context"][name] = int(value or 0)
    return out
