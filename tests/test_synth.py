"""The twcs generator: determinism, its grammar, the intents it records, and the rules-vs-intent report."""
import csv
import random

import pandas as pd
import pytest

from preprocessing import synth_phrases_en, synth_phrases_es
from preprocessing.labeling import load_rules
from preprocessing.synth import COLUMNS, INTENT_COLUMNS, generate
from preprocessing.synth_agreement import compare, table
from preprocessing.synth_agreement import main as agreement_main
from preprocessing.synth_text import Voices, expand, expand_all

PHRASES = {"en": synth_phrases_en, "es": synth_phrases_es}


def test_same_seed_same_bytes_and_another_seed_differs(tmp_path):
    args = dict(rows=3000, malformed_fraction=0.02, spanish_fraction=0.4)
    a = generate(seed=5, output=tmp_path / "a.csv", intents=tmp_path / "a_int.csv", **args)
    b = generate(seed=5, output=tmp_path / "b.csv", intents=tmp_path / "b_int.csv", **args)
    c = generate(seed=6, output=tmp_path / "c.csv", **args)
    assert a == b and a["records"] == 3000 and a["malformed_total"] == 60
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    assert (tmp_path / "a_int.csv").read_bytes() == (tmp_path / "b_int.csv").read_bytes()
    assert (tmp_path / "a.csv").read_bytes() != (tmp_path / "c.csv").read_bytes()
    assert c["records"] == 3000


@pytest.mark.parametrize("lang", ["en", "es"])
def test_every_template_fills_every_placeholder(lang):
    ph = PHRASES[lang]
    rng = random.Random(0)
    banks = [*ph.URGENT.values(), *ph.ROUTINE.values(), ph.ME_TOO, ph.QUESTION_OPENERS,
             *(getattr(ph, name)[urgent] for name in ("OPENERS", "EXTRAS", "CLOSERS", "FOLLOWUPS") for urgent in (True, False))]
    for templates in banks:
        for template in templates:
            for text in (expand(template, ph.SLOTS, rng) for _ in range(30)):  # KeyError names an unknown slot
                assert "{" not in text and "}" not in text and "|" not in text, (template, text)
                assert "\r" not in text
    assert set(ph.WEIGHTS) <= set(ph.URGENT) | set(ph.ROUTINE), "a weight names no category"
    assert not set(ph.URGENT) & set(ph.ROUTINE), "a category is in both classes"
    assert set(ph.FOLLOWUP_CATEGORIES[True]) <= set(ph.URGENT) and set(ph.FOLLOWUP_CATEGORIES[False]) <= set(ph.ROUTINE)


def test_expand_nests_alternatives_and_slots_and_tidies_spaces():
    slots = {"who": ["my {mom|dad}"], "amount": lambda rng: "$5"}
    rng = random.Random(1)
    texts = expand_all(["{sent {amount}|paid {amount}} to {who}{| today} ?", "no slot here"], slots, rng, k=40)
    assert texts[-1] == "no slot here"
    assert set(texts[:-1]) == {f"{verb} $5 to my {who}{when}?" for verb in ("sent", "paid") for who in ("mom", "dad")
                               for when in ("", " today")}
    assert expand_all([" {thanks|cheers}"], {}, rng, k=10) == [" thanks", " cheers"] or \
        expand_all([" {thanks|cheers}"], {}, rng, k=10) == [" cheers", " thanks"]  # closers keep their space
    with pytest.raises(KeyError, match="nope"):
        expand("{nope}", slots, rng)


def test_intents_cover_each_customer_row_with_its_category_class(tmp_path):
    raw, intents = tmp_path / "raw.csv", tmp_path / "intents.csv"
    stats = generate(rows=20000, seed=3, output=raw, intents=intents)
    rows = pd.read_csv(raw, dtype=str, keep_default_na=False)
    found = pd.read_csv(intents, dtype=str, keep_default_na=False)
    assert list(rows.columns) == COLUMNS and list(found.columns) == INTENT_COLUMNS
    assert len(rows) == stats["records"] == 20000
    customer = rows[rows.inbound == "True"]
    assert list(found.tweet_id) == list(customer.tweet_id)
    assert len(found) == stats["customer_rows"]
    assert (found.intent_label == "critical").sum() == stats["urgent_customer_rows"]
    assert 0.25 < stats["urgent_customer_rows"] / stats["customer_rows"] < 0.35
    assert 0.25 < (found.lang == "es").mean() < 0.35
    for lang, ph in PHRASES.items():
        mine = found[found.lang == lang]
        assert set(ph.URGENT) <= set(mine[mine.intent_label == "critical"].category)
        assert set(ph.ROUTINE) <= set(mine[mine.intent_label == "non_critical"].category)
        assert not set(mine[mine.intent_label == "critical"].category) & set(ph.ROUTINE)
    texts = customer.text
    assert texts.str.contains("\n").any() and texts.str.contains(",").any() and texts.str.contains('"').any()
    bodies = texts.str.replace(r"@\w+|https://\S+", "", regex=True)
    assert (bodies == bodies.str.upper()).sum() > 50  # shouting
    assert (~texts.str.startswith("@")).sum() > 500  # handle last or mid-sentence
    assert texts.str.contains("https://t.co/").any()


def test_noise_keeps_text_recognisable():
    voices = Voices(random.Random(2))
    for _ in range(300):
        body, category = voices.customer("es", True)
        assert body.strip() == body and body and category in synth_phrases_es.URGENT
    typo = voices._typo("please refund my order")
    words, original = typo.split(" "), "please refund my order".split(" ")
    assert len(words) == 4 and sum(a != b for a, b in zip(words, original)) == 1
    assert voices._typo("ok no") == "ok no"  # no word of 4+ letters to slip on


def test_rules_against_intent_per_language_and_category(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("default_label: non_critical\nclasses:\n  - name: critical\n    keywords: [refund, hacked]\n"
                     "  - name: non_critical\n", encoding="utf-8")
    frame = pd.DataFrame({
        "text": ["@Co where is my refund", "my account got hacked", "the app is down", "refund policy?", "gracias",
                 "me hackearon"],
        "lang": ["en", "en", "en", "en", "es", "es"],
        "category": ["money", "takeover", "outage", "policy", "resolved", "takeover"],
        "intent_label": ["critical", "critical", "critical", "non_critical", "non_critical", "critical"]})
    result = compare(frame, load_rules(rules), examples=2)
    assert result.rows == 6 and result.overall == pytest.approx(3 / 6, abs=1e-4)
    assert result.by_lang == {"en": 0.5, "es": 0.5}
    assert list(result.by_category)[:3] == ["en/outage", "en/policy", "es/takeover"]  # worst first
    assert result.by_category["en/policy"] == {"rows": 1, "agreement": 0.0, "intent": "non_critical",
                                               "examples": ["refund policy?"]}
    assert result.by_category["en/money"]["agreement"] == 1.0
    assert "en/outage" in table(result) and "'the app is down'" in table(result)


def test_agreement_cli_writes_json(tmp_path, capsys):
    out = tmp_path / "agreement.json"
    assert agreement_main(["--rows", "1500", "--seed", "2", "--examples", "1", "--json", str(out)]) == 0
    import json
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["rows"] > 600 and set(result["by_lang"]) == {"en", "es"}
    assert sum(c["rows"] for c in result["by_category"].values()) == result["rows"]
    assert capsys.readouterr().out.startswith(f"rules vs intent on {result['rows']} generated customer messages")


def test_csv_is_one_record_per_row_for_an_rfc4180_reader(tmp_path):
    raw = tmp_path / "raw.csv"
    stats = generate(rows=4000, seed=9, output=raw)
    with open(raw, newline="", encoding="utf-8") as fh:
        records = list(csv.reader(fh))
    assert len(records) == 1 + stats["records"] and all(len(r) == len(COLUMNS) for r in records)
