"""Weak labels from the keyword rules in configs/labels/*.yaml: named categories, context, urgent signals.

    rules = load_rules("configs/labels/default.yaml")
    rules.label("my card was charged twice")        # -> "critical"
    rules.explain("what happens if autopay fails")  # -> Decision(label="non_critical", demoted=("critical",), ...)

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
Spark stays in native functions (`spark_rule_mask`): a cheap anchor search, one
`regexp_extract_all` on the rows that pass it, and a 64-bit mask of the groups
found, so the label and the per-category counts are bit tests.
"""
from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field

from preprocessing.rulefile import Category, Context, LabelClass, load_rules  # noqa: F401  (the public API)

MASK_COLUMN = "_rule_mask"
"""Scratch column the ETL keeps between the scan and the label (and the category counts)."""
URGENT = "urgent"
"""The urgent signals' group name in the rule mask."""
MAX_GROUPS = 63
"""Categories, contexts and the urgent signals each take one bit of a 64-bit mask."""


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

    def groups(self) -> list[tuple[str, tuple[str, ...]]]:
        """(name, phrases) of every group that has a bit in the rule mask, bit 0 first:
        the categories in class order, then the contexts, then the urgent signals."""
        out = [(c.name, c.keywords) for c in self.categories] + [(c.name, c.phrases) for c in self.contexts]
        return out + ([(URGENT, self.urgent_signals)] if self.urgent_signals else [])

    def bits(self, names) -> int:
        """The mask bits of the named groups."""
        names = set(names)
        return sum(1 << i for i, (name, _) in enumerate(self.groups()) if name in names)

    def mask(self, clean: str) -> int:
        """Python twin of `spark_rule_mask`: one bit per group that has a phrase in `clean`."""
        found = {self._group_of(h) for h in self.hits(clean)}
        return self.bits(found - {None})

    def _group_of(self, phrase: str) -> str | None:
        kind, info = self._kinds[phrase]
        return URGENT if kind == "urgent" else (info.name if info is not None else None)

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

    def anchor_pattern(self) -> str | None:
        """Matches every text in which some keyword can fire (and a few more): a cheap first test.

        Each keyword's anchor is its longest word, so a text without any anchor
        holds no keyword and gets the default, whatever else it says. Single
        content words keep Java from descending the phrase tree at every "no",
        "si" or "if", which the full scan must do.
        """
        return _alternation(tuple({max(k.split(), key=len) for cat in self.categories for k in cat.keywords}))

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


@functools.cache
def _compiled(pattern: str) -> re.Pattern:
    return re.compile(pattern)


@functools.cache  # built once per rule set, not per message
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


def spark_rule_mask(rules: RuleSet, clean_col):
    """Spark Column (long): one bit per rule group with a phrase in a `clean_text` column (`RuleSet.groups`).

    The scan finds the phrases; `aggregate` ORs each one's group bit, looked up
    in one `IN` list per group, which Spark turns into a hash set. The label and
    the per-category counts are then bit tests on one long per row.
    """
    from pyspark.sql import functions as F

    zero = F.lit(0).cast("long")
    pattern, anchors = rules.scan_pattern(), rules.anchor_pattern()
    if pattern is None or anchors is None:
        return zero
    padded = F.concat(F.lit(" "), clean_col, F.lit(" "))

    def group_bit(phrase):
        out = zero
        for i, (_, words) in reversed(list(enumerate(rules.groups()))):
            out = F.when(phrase.isin([f" {w}" for w in words]), F.lit(1 << i).cast("long")).otherwise(out)
        return out

    found = F.regexp_extract_all(padded, F.lit(pattern), F.lit(0))  # " phrase" each
    mask = F.aggregate(found, zero, lambda acc, phrase: acc.bitwiseOR(group_bit(phrase)))
    # Most rows hold no anchor: one cheap search, and they skip the scan (`when`
    # evaluates a branch only for the rows that reach it).
    return F.when(padded.rlike(anchors), mask).otherwise(zero)


def spark_label_from_mask(rules: RuleSet, mask):
    """Spark Column: the label, from `spark_rule_mask` (steps 2-3 of the module docstring)."""
    from pyspark.sql import functions as F

    def holds(names):
        bits = rules.bits(names)
        return F.lit(False) if bits == 0 else mask.bitwiseAND(F.lit(bits)) != 0

    any_ctx, urgent = holds(c.name for c in rules.contexts), holds([URGENT])
    strong_ctx = holds(c.name for c in rules.contexts if c.strong)
    out = F.lit(rules.default_label)
    # Built inside-out so the highest-priority class is the outermost `when`.
    for cls in reversed([c for c in rules.classes if c.keywords]):
        strong = holds(cat.name for cat in cls.categories if cat.strong)
        keeps = ~any_ctx | urgent | (strong & ~strong_ctx)  # most rows: no context, one test
        out = F.when(holds(cat.name for cat in cls.categories) & keeps, F.lit(cls.name)).otherwise(out)
    return F.when(mask == 0, F.lit(rules.default_label)).otherwise(out)


def spark_label(rules: RuleSet, clean_col):
    """Spark Column with the rule label of a `clean_text` column (native functions).

    Standalone form; the ETL keeps `spark_rule_mask` in a column of its own so
    the scan runs once per row for the label and the category counts.
    """
    return spark_label_from_mask(rules, spark_rule_mask(rules, clean_col))


def spark_category_counts(rules: RuleSet, mask, label):
    """Aggregate Columns for `DataFrame.observe`: rows per fired category, and rows a context demoted.

    Named `fired:<category>` and `demoted:<context>`; `category_counts` reads them back.
    """
    from pyspark.sql import functions as F

    def holds(bits: int):
        return mask.bitwiseAND(F.lit(bits)) != 0

    out = [F.count_if(holds(rules.bits([cat.name]))).alias(f"fired:{cat.name}") for cat in rules.categories]
    demoted = holds(rules.bits(c.name for c in rules.categories)) & (label == F.lit(rules.default_label))
    out += [F.count_if(demoted & holds(rules.bits([c.name]))).alias(f"demoted:{c.name}") for c in rules.contexts]
    return out


def observe_rule_counts(df, rules: RuleSet, mask_col: str = MASK_COLUMN, label_col: str = "rule_label"):
    """(df with the category counts observed, the Observation): the counts arrive with df's next action."""
    from pyspark.sql import Observation
    from pyspark.sql import functions as F

    observation = Observation("rule_categories")
    return df.observe(observation, *spark_category_counts(rules, F.col(mask_col), F.col(label_col))), observation


def category_counts(observed: dict) -> dict:
    """{"fired": {category: rows}, "demoted_by_context": {context: rows}} from observed metrics.

    A row counts once per category it fired, so a row may count under several.
    """
    out: dict = {"fired": {}, "demoted_by_context": {}}
    for key, value in observed.items():
        kind, _, name = key.partition(":")
        out["fired" if kind == "fired" else "demoted_by_context"][name] = int(value or 0)
    return out
