"""Keyword rules: whole words, categories, context that demotes, urgent signals, rule-file errors, Spark == Python."""
import random
import re

import pandas as pd
import pytest
from conftest import GOLD_DEV, GOLD_TEST, ROOT

from common.configfile import ConfigError
from preprocessing.labeling import (
    MASK_COLUMN,
    _alternation,
    category_counts,
    load_rules,
    spark_category_counts,
    spark_label,
    spark_label_from_mask,
    spark_rule_mask,
)
from preprocessing.text import clean_text

RULES = load_rules(ROOT / "configs/labels/default.yaml")


def label(raw: str) -> str:
    return RULES.label(clean_text(raw))


@pytest.mark.parametrize("raw", [
    "@AmazonHelp thanks, all sorted",      # handle contains "help"
    "I love my new badge",                  # contains "bad"
    "that movie was pure terror",           # contains "error"
    "out of tissues again lol",             # contains "issue"
    "No problem at all, thanks for the help!",
    "gracias por la ayuda, todo bien",
    "#helpful team @SpotifyCares",
])
def test_harmless_texts_stay_non_critical(raw):
    assert label(raw) == "non_critical"


@pytest.mark.parametrize("raw", [
    "@AmazonHelp I need help with my order",
    "the app is BAD and keeps crashing",
    "Error 503 on checkout",
    "my card was charged twice for one ride",
    "someone made an unauthorized payment on my account",
    "I can't log in since this morning",
    "site is down again",
    "me cobraron dos veces el mismo pedido",
    "¡Mi cuenta está bloqueada!",
    "no me llegó el dinero de la transferencia",
    "la app no funciona desde ayer 😡",
    "Necesito AYUDA urgente",
    "no problem with delivery but the refund never came",  # harmless phrase + real keyword
])
def test_urgent_texts_are_critical(raw):
    assert label(raw) == "critical"


# Each context pattern, in both languages: a keyword fires, the context demotes it.
CONTEXT_CASES = [
    ("@Telstra the outage is over, internet works again, cheers", "resolved"),
    ("@Telstra la fibra ya funciona, se arregló sola. gracias", "resolved"),
    ("@Qantas what happens if my bag is lost on a connection?", "hypothetical"),
    ("@Movistar_AR ¿qué pasa si me roban el celular en el exterior?", "hypothetical"),
    ("@PayPal how long does a refund take to reach my card?", "question"),
    ("@Bancolombia ¿cuánto tarda un reembolso en la tarjeta de crédito?", "question"),
    ("@Lyft not bad at all, smooth ride today", "praise"),
    ("@Telcel cero problemas con el cambio de plan", "praise"),
    ("@Spotify the worst part of mondays is the commute lol", "joke"),
    ("@NetflixLAT necesito ayuda para elegir serie jajaja", "joke"),
]


@pytest.mark.parametrize("raw, context", CONTEXT_CASES)
def test_context_demotes_a_keyword_hit(raw, context):
    decision = RULES.explain(clean_text(raw))
    assert decision.label == "non_critical"
    assert context in decision.contexts
    assert decision.demoted == ("critical",) or not decision.categories  # a context phrase may hide the keyword


STRONG_CASES = [
    ("@PayPal how do I get my money back? I was charged twice", "strong category beats a weak question"),
    ("@BBVA_Ayuda ¿cómo bloqueo la tarjeta? me han hackeado la cuenta", "strong category beats a weak question"),
    ("@Xfinity internet works now but I'm still being billed for the outage days", "urgent signal beats resolved"),
    ("@Movistar_ES ya volvió la luz pero todavía no funciona el router", "urgent signal beats resolved"),
    ("@Delta not bad crew but they cancelled my flight and I'm stranded in Denver", "strong category beats praise"),
]


@pytest.mark.parametrize("raw, why", STRONG_CASES)
def test_strong_signals_survive_context(raw, why):
    assert label(raw) == "critical", why


# The engine itself, on a small rule file, with every rule kind.
SMALL = """\
default_label: other
ignore_phrases: [no problem, si me pueden]
classes:
  - name: security
    priority: 1
    categories:
      - {name: takeover, strong: true, keywords: [hacked, fraud]}
  - name: billing
    priority: 2
    categories:
      - {name: money, keywords: [refund, problem]}
    keywords: [charge]
  - name: other
context:
  - {name: resolved, strong: true, phrases: [all good, fraud team]}
  - {name: question, phrases: [how do i, si me]}
urgent_signals: [still]
"""
SMALL_CASES = [
    ("", "other"), ("hello", "other"), ("no problem", "other"),
    ("a refund please", "billing"), ("charge", "billing"),                 # unnamed class keywords count too
    ("how do i get a refund", "other"),                                   # weak context demotes a weak hit
    ("how do i get a refund still", "billing"),                           # ... unless an urgent signal
    ("how do i recover a hacked account", "security"),                    # strong category survives a weak context
    ("hacked but all good now", "other"),                                 # strong context demotes a strong hit
    ("hacked all good refund still", "security"),                         # urgent keeps the first class
    ("hacked and a refund", "security"),                                  # priority
    ("all good hacked refund", "other"),                                  # every fired class demoted
    ("the fraud team says no problem", "other"),                          # the context phrase hides "fraud"
    ("si me pueden dar un refund", "billing"),                            # ignore phrase hides "si me"
    ("si me dan un refund", "other"),
    ("problems", "other"), ("refunds", "other"),                          # whole words only
]


def test_engine_rules_on_a_small_file(tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    rules = load_rules(path)
    assert rules.labels == ["security", "billing", "other"]
    assert [c.name for c in rules.categories] == ["takeover", "money", "billing"]
    assert [(t, rules.label(t)) for t, _ in SMALL_CASES] == SMALL_CASES
    d = rules.explain("how do i get a refund")
    assert (d.categories, d.contexts, d.urgent, d.demoted) == (("money",), ("question",), False, ("billing",))
    assert rules.hits("the fraud team says no problem") == ["fraud team", "no problem"]
    # One mask bit per group: takeover, money, billing, resolved, question, urgent.
    assert [name for name, _ in rules.groups()] == ["takeover", "money", "billing", "resolved", "question", "urgent"]
    assert rules.mask("how do i get a refund still") == 0b110010 and rules.mask("no problem") == 0


def test_anchor_prefilter_never_skips_a_text_where_a_keyword_fires():
    anchors = re.compile(RULES.anchor_pattern())
    keywords = [k for c in RULES.categories for k in c.keywords]
    rng = random.Random(3)
    words = [w for k in keywords for w in k.split()] + ["the", "my", "no", "si", "me", "a", "de"]
    texts = [" ".join(rng.choice(words) for _ in range(rng.randint(1, 7))) for _ in range(3000)]
    texts += [clean_text(t) for t in _gold_texts()]
    fired = 0
    for t in texts:
        if RULES.explain(t).categories:
            fired += 1
            assert anchors.search(f" {t} "), t
    assert fired > 1500


def _gold_texts() -> list[str]:
    return pd.concat([pd.read_csv(p, dtype=str, keep_default_na=False) for p in (GOLD_DEV, GOLD_TEST)]).text.tolist()


def test_spark_labels_hits_and_category_counts_equal_python(spark, tmp_path, synth_csv):
    """Parity on every gold message, generated messages and edge cases; category counts from `observe`."""
    from pyspark.sql import Observation
    from pyspark.sql import functions as F

    texts = _gold_texts() + pd.read_csv(synth_csv, dtype=str, keep_default_na=False).text.head(400).tolist()
    texts += [raw for raw, _ in CONTEXT_CASES + STRONG_CASES]  # each context in both languages
    texts += ["", "help me", "badge", "no problem", "cobro no autorizado", "thanks for the help, but error 500",
              "works again", "charged twice... works again", "si me pueden ayudar con el reembolso"]
    cleans = [clean_text(t) for t in texts]
    df = spark.createDataFrame([(c,) for c in cleans], "clean_text string")
    df = df.withColumn(MASK_COLUMN, spark_rule_mask(RULES, F.col("clean_text")))
    df = df.withColumn("label", spark_label_from_mask(RULES, F.col(MASK_COLUMN)))
    observed = Observation("rules")
    df = df.observe(observed, *spark_category_counts(RULES, F.col(MASK_COLUMN), F.col("label")))
    rows = df.select(MASK_COLUMN, "label", spark_label(RULES, F.col("clean_text")).alias("standalone")).collect()
    decisions = [RULES.explain(c) for c in cleans]
    assert [r.label for r in rows] == [r.standalone for r in rows] == [d.label for d in decisions]
    for r, c, d in zip(rows, cleans, decisions):
        # Where a keyword fires the mask is the Python twin's; elsewhere the anchors may skip the scan (mask 0).
        assert r[MASK_COLUMN] in ((RULES.mask(c),) if d.categories else (0, RULES.mask(c))), c
    assert {"critical", "non_critical"} == {r.label for r in rows}
    expected = {"fired": {c.name: 0 for c in RULES.categories}, "demoted_by_context": {c.name: 0 for c in RULES.contexts}}
    for d in decisions:
        for name in d.categories:
            expected["fired"][name] += 1
        if d.label == RULES.default_label and d.categories:
            for name in d.contexts:
                expected["demoted_by_context"][name] += 1
    assert category_counts(observed.get) == expected
    assert sum(expected["demoted_by_context"].values()) > 50 and min(expected["fired"].values()) > 0


def test_small_rule_file_in_spark_equals_python(spark, tmp_path):
    path = tmp_path / "small.yaml"
    path.write_text(SMALL)
    rules = load_rules(path)
    df = spark.createDataFrame([(t,) for t, _ in SMALL_CASES], "c string")
    got = [r.l for r in df.select(spark_label(rules, df.c).alias("l")).collect()]
    assert list(zip([t for t, _ in SMALL_CASES], got)) == SMALL_CASES


def test_priorities_pick_the_highest_class(tmp_path):
    rules = tmp_path / "r.yaml"
    rules.write_text(
        "default_label: other\n"
        "classes:\n"
        "  - {name: billing, priority: 2, keywords: [refund]}\n"
        "  - {name: security, priority: 1, keywords: [fraud]}\n"
    )
    r = load_rules(rules)
    assert r.labels == ["security", "billing", "other"]
    assert r.label(clean_text("fraud and a refund")) == "security"
    assert r.label(clean_text("refund please")) == "billing"
    assert r.label(clean_text("hello")) == "other"


@pytest.mark.parametrize("body, message", [
    ("default_label: x\nclasses: [{name: a, keywords: [b]}]\nkeywords: [oops]\n", "unknown key 'keywords'"),
    ("default_label: x\nclasses: [{name: a, categories: [{name: c, keyword: [b]}]}]\n",
     r"classes\[0\].categories\[0\] needs 'name' and 'keywords'"),
    ("default_label: x\nclasses: [{name: a, categories: [{name: c, keywords: [b], weight: 2}]}]\n",
     r"classes\[0\].categories\[0\]: unknown key 'weight'"),
    ("default_label: x\nclasses: [{name: a, categories: [{name: c, keywords: [b], strong: yes please}]}]\n",
     r"classes\[0\].categories\[0\].strong must be true or false"),
    ("default_label: x\nclasses: [{name: a, keywords: [Refund]}]\ncontext: [{name: q, phrases: [refund]}]\n",
     r"phrase 'refund' is in both classes\[0\].keywords and context\[0\].phrases \(q\)"),
    ("default_label: x\nclasses: [{name: a, categories: [{name: q, keywords: [b]}]}]\ncontext: [{name: q, phrases: [c]}]\n",
     "name 'q' is used twice"),
    ("default_label: x\nclasses: [{name: a, keywords: ['!!']}]\n", "phrase '!!' in classes\\[0\\].keywords is empty"),
    ("default_label: x\nclasses: [{name: a, priority: first}]\n", r"classes\[0\].priority must be an integer"),
    ("default_label: x\nclasses: [{name: a}]\nurgent_signals: still\n", "urgent_signals must be a list"),
    ("classes: [{name: a}]\n", "needs 'default_label'"),
    ("default_label: x\nclasses: [{name: a, categories: [" + ", ".join(f"{{name: c{i}, keywords: [w{i}]}}" for i in range(64)) + "]}]\n",
     "64 categories, contexts and urgent_signals; at most 63"),
])
def test_rule_file_errors_name_the_key(tmp_path, body, message):
    bad = tmp_path / "bad.yaml"
    bad.write_text(body)
    with pytest.raises(ConfigError, match=message):
        load_rules(bad)


def _flat(words) -> str:
    """The plain longest-first alternation the trie must stay equivalent to."""
    body = "|".join(re.escape(w).replace("\\ ", " ") for w in sorted(set(words), key=len, reverse=True))
    return f" (?:{body})(?= )"


def test_trie_pattern_matches_and_replaces_like_the_flat_alternation():
    keywords = RULES.classes[0].keywords
    rng = random.Random(7)
    # Word pieces that straddle keyword boundaries: prefixes, suffixes, extensions.
    pieces = [w[:k] for w in keywords + RULES.ignore_phrases for k in range(1, len(w) + 1)]
    pieces += [w + s for w in keywords for s in ("s", "ed", "ing", "x")] + ["the", "my", "no", "a"]
    # Padded with a space on each side, as the labeling pads clean_text.
    texts = [" " + " ".join(rng.choice(pieces) for _ in range(rng.randint(1, 8))) + " " for _ in range(4000)]
    checked = 0
    for words in (keywords, RULES.ignore_phrases):
        trie, flat = re.compile(_alternation(words)), re.compile(_flat(words))
        assert trie.pattern != flat.pattern
        for t in texts:
            assert (trie.search(t) is None) == (flat.search(t) is None), t
            assert trie.sub(" ", t) == flat.sub(" ", t), t
            assert [m.group(0) for m in trie.finditer(t)] == [m.group(0) for m in flat.finditer(t)], t
            checked += trie.search(t) is not None
    assert checked > 1000  # the texts really exercise the keywords, not just misses
