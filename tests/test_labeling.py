"""Keyword rules: whole words only, Spanish, harmless phrases, priorities, Spark == Python."""
import pytest

from common.configfile import ConfigError
from preprocessing.labeling import load_rules, spark_label
from preprocessing.text import clean_text

from conftest import ROOT

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


def test_spark_labels_equal_python(spark):
    texts = ["help me", "badge", "no problem", "cobro no autorizado", "thanks for the help, but error 500", ""]
    df = spark.createDataFrame([(clean_text(t),) for t in texts], "c string")
    got = [r.l for r in df.select(spark_label(RULES, df.c).alias("l")).collect()]
    assert got == [RULES.label(clean_text(t)) for t in texts]
    assert got == ["critical", "non_critical", "non_critical", "critical", "critical", "non_critical"]


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


def test_spark_priorities_and_harmless_phrases_equal_python(spark, tmp_path):
    # Two classes and harmless phrases: Spark skips the phrase blanking on rows no
    # keyword or no phrase matches, which must not change any label.
    rules = tmp_path / "r.yaml"
    rules.write_text(
        "default_label: other\n"
        "ignore_phrases: [no problem, fraud team]\n"
        "classes:\n"
        "  - {name: billing, priority: 2, keywords: [refund, problem]}\n"
        "  - {name: security, priority: 1, keywords: [fraud]}\n"
    )
    r = load_rules(rules)
    texts = ["no problem", "no problem but a refund", "fraud team here", "fraud team says fraud",
             "the fraud team lost my refund", "problem", "a refund for fraud", "hello", ""]
    df = spark.createDataFrame([(clean_text(t),) for t in texts], "c string")
    got = [row.l for row in df.select(spark_label(r, df.c).alias("l")).collect()]
    assert got == [r.label(clean_text(t)) for t in texts]
    assert got == ["other", "billing", "other", "security", "billing", "billing", "security", "other", "other"]


def test_rule_file_errors_name_the_key(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("default_label: x\nclasses: [{name: a, keywords: [b]}]\nkeywords: [oops]\n")
    with pytest.raises(ConfigError, match="unknown key 'keywords'"):
        load_rules(bad)


def _flat(words) -> str:
    """The plain longest-first alternation the trie must stay equivalent to."""
    import re
    body = "|".join(re.escape(w).replace("\\ ", " ") for w in sorted(set(words), key=len, reverse=True))
    return f" (?:{body})(?= )"


def test_trie_pattern_matches_and_replaces_like_the_flat_alternation():
    import random
    import re

    from preprocessing.labeling import _alternation

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
            checked += trie.search(t) is not None
    assert checked > 1000  # the texts really exercise the keywords, not just misses
