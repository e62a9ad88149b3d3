"""The gold set's files and split, and modeling.gold's scores, table and CLI."""
import json
import math
import random

import pandas as pd
import pytest
from conftest import GOLD_DEV, GOLD_TEST, ROOT

from modeling.config import GoldConfig
from modeling.gold import GoldSetError, gold_agreement, main, predict_ids, read_gold, score, score_gold
from preprocessing.labeling import load_rules
from preprocessing.text import model_text

LABELS = ["critical", "non_critical"]
TWCS = ["tweet_id", "author_id", "inbound", "created_at", "text", "response_tweet_id", "in_response_to_tweet_id"]


def _read(path) -> pd.DataFrame:
    return pd.read_csv(path, dtype=str, keep_default_na=False)


def test_gold_files_hold_600_plus_checked_rows_in_both_languages():
    dev, test = _read(GOLD_DEV), _read(GOLD_TEST)
    both = pd.concat([dev, test])
    assert list(dev.columns) == list(test.columns) == TWCS + ["gold_label", "lang", "category", "why"]
    assert len(both) == 699 and len(dev) == 350 and len(test) == 349
    assert both.tweet_id.is_unique and both.text.is_unique and set(both.inbound) == {"True"}
    assert set(both.gold_label) == set(LABELS) and set(both.lang) == {"en", "es"}
    assert both.lang.value_counts().to_dict() == {"en": 352, "es": 347}
    hard = both.category != "plain"
    assert hard.sum() == 480 and (both.why != "").equals(hard)  # a `why` exactly on the hard cases
    assert {"fraud_scam", "resolved", "hypothetical", "negated_praise", "colloquial_es"} <= set(both.category)
    assert not both.text.str.contains("\r").any() and both.text.str.contains("\n").sum() == 1


def test_split_is_the_documented_seeded_stratified_half():
    dev, test = _read(GOLD_DEV), _read(GOLD_TEST)
    both = pd.concat([dev, test])
    rng = random.Random(17)  # the procedure in data/gold/README.md
    expected = []
    for _, part in sorted(both.groupby(["lang", "gold_label"])):
        ids = sorted(part.tweet_id, key=int)
        rng.shuffle(ids)
        expected += ids[: math.ceil(len(ids) / 2)]
    assert sorted(expected, key=int) == dev.tweet_id.tolist()
    assert dev.groupby(["lang", "gold_label"]).size().to_dict() == {
        ("en", "critical"): 89, ("en", "non_critical"): 87, ("es", "critical"): 89, ("es", "non_critical"): 85}


def test_score_reports_overall_and_per_language(tmp_path):
    gold = pd.DataFrame({"text": list("abcde"), "gold_label": ["critical", "critical", "non_critical", "critical", "non_critical"],
                         "lang": ["en", "en", "en", "es", "es"]})
    s = score(["critical", "non_critical", "non_critical", "critical", "critical"], gold, GoldConfig(), LABELS)
    assert s["overall"]["accuracy"] == 0.6 and s["overall"]["rows"] == 5
    assert s["overall"]["per_class"]["critical"]["recall"] == pytest.approx(2 / 3)
    assert s["overall"]["per_class"]["critical"]["precision"] == pytest.approx(2 / 3)
    assert s["overall"]["confusion_matrix"] == [[2, 1], [1, 1]]  # rows: gold, columns: predicted
    assert set(s["by_lang"]) == {"en", "es"}
    assert s["by_lang"]["en"]["accuracy"] == pytest.approx(2 / 3) and s["by_lang"]["es"]["accuracy"] == 0.5
    assert score(["critical"], gold.drop(columns="lang").head(1), GoldConfig(), LABELS)["by_lang"] == {}


def _tiny_gold(tmp_path):
    rules = tmp_path / "rules.yaml"
    rules.write_text("default_label: non_critical\nclasses:\n  - {name: critical, keywords: [broken, roto]}\n"
                     "  - {name: non_critical}\n")
    rows = [("my app is broken", "critical", "en"), ("all good", "non_critical", "en"), ("it crashed", "critical", "en"),
            ("esta roto", "critical", "es"), ("gracias", "critical", "es")]
    for name, part in (("dev", rows[:3]), ("test", rows[3:])):
        pd.DataFrame(part, columns=["text", "gold_label", "lang"]).to_csv(tmp_path / f"{name}.csv", index=False)
    return GoldConfig(dev=str(tmp_path / "dev.csv"), test=str(tmp_path / "test.csv"), rules=str(rules))


def test_score_gold_scores_the_rules_on_each_split(tmp_path):
    cfg = _tiny_gold(tmp_path)
    scores = score_gold(cfg, LABELS)
    assert list(scores) == ["dev", "test"]
    assert scores["dev"]["rows"] == 3 and scores["dev"]["model"] is None
    assert scores["dev"]["rules"]["overall"]["accuracy"] == pytest.approx(2 / 3)  # "it crashed" is missed
    assert scores["test"]["rules"]["by_lang"]["es"]["accuracy"] == 0.5
    assert list(score_gold(GoldConfig(dev=cfg.dev, test=None, rules=cfg.rules), LABELS)) == ["dev"]


def test_gold_agreement_puts_the_locked_split_on_top(tmp_path, tiny_model_dir):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    cfg = _tiny_gold(tmp_path)
    model = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir)
    tok = AutoTokenizer.from_pretrained(tiny_model_dir)
    out = gold_agreement(model, tok, cfg, LABELS, max_length_tokens=32)
    assert out["split"] == "test" and out["rows"] == 2 and out["path"] == cfg.test
    assert out["rules"] == out["splits"]["test"]["rules"]["overall"] and out["rules"]["accuracy"] == 0.5
    ids = predict_ids(model, tok, [model_text(t) for t in ("esta roto", "gracias")], 32)
    assert out["model"]["accuracy"] == sum(i == 0 for i in ids) / 2  # both test rows are critical (id 0)
    assert gold_agreement(model, tok, GoldConfig(dev=None, test=None), LABELS, 32) is None


def test_read_gold_names_the_missing_column_and_unknown_labels(tmp_path):
    path = tmp_path / "g.csv"
    pd.DataFrame({"text": ["x"], "label": ["critical"]}).to_csv(path, index=False)
    with pytest.raises(GoldSetError, match="expected column 'gold_label'.*gold.label_column"):
        read_gold(str(path), GoldConfig(), LABELS)
    pd.DataFrame({"text": ["x"], "gold_label": ["urgent"]}).to_csv(path, index=False)
    with pytest.raises(GoldSetError, match=r"found unknown \['urgent'\]"):
        read_gold(str(path), GoldConfig(), LABELS)


def test_cli_prints_one_table_and_writes_json(tmp_path, capsys, tiny_model_dir):
    cfg = _tiny_gold(tmp_path)
    out = tmp_path / "scores.json"
    assert main(["--rules", cfg.rules, "--model", str(tiny_model_dir), "--json", str(out),
                 f"dev={cfg.dev}", f"test={cfg.test}"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[1].split() == ["split", "lang", "rows", "labeler", "accuracy", "macro_f1", "critical_recall",
                                "critical_precision"]
    table = [line.split() for line in lines[2:]]
    # dev x (overall, en) and test x (overall, es), for the rules and the model.
    assert [(r[0], r[1], r[3]) for r in table] == [
        ("dev", "overall", "rules"), ("dev", "en", "rules"), ("dev", "overall", "model"), ("dev", "en", "model"),
        ("test", "overall", "rules"), ("test", "es", "rules"), ("test", "overall", "model"), ("test", "es", "model")]
    assert table[0][2:5] == ["3", "rules", "0.667"]
    saved = json.loads(out.read_text())
    assert saved["splits"]["test"]["rules"]["by_lang"]["es"]["confusion_matrix"] == [[1, 1], [0, 0]]
    assert saved["splits"]["dev"]["model"]["overall"]["rows"] == 3


def test_cli_errors_are_one_line_exit_2(tmp_path, capsys):
    assert main([f"dev={tmp_path / 'missing.csv'}", "test=null"]) == 2
    assert "missing.csv" in capsys.readouterr().err
    assert main(["dev=null", "test=null"]) == 2
    assert "set at least one" in capsys.readouterr().err
    assert main(["bogus=1"]) == 2
    assert "unknown config key 'bogus'" in capsys.readouterr().err


def test_default_gold_config_points_at_the_shipped_splits():
    cfg = GoldConfig()
    assert (ROOT / cfg.dev).is_file() and (ROOT / cfg.test).is_file()
    assert cfg.local_files() == ("data/gold/dev.csv", "data/gold/test.csv")
    assert GoldConfig(dev="s3://b/dev.csv").local_files() == ("data/gold/test.csv",)
    assert load_rules(ROOT / cfg.rules).labels == LABELS
