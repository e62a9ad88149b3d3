"""Text preparation: what the model sees and what the rules match, in Python and in Spark."""
import pandas as pd
import pytest
from conftest import SAMPLE_CSV

from preprocessing.text import clean_text, model_text, spark_clean_from_model_text, spark_model_text

CASES = [
    # (raw, model text, clean text)
    ("¿Dónde está mi pedido? Llevo un año esperando 😡", "¿Dónde está mi pedido? Llevo un año esperando 😡",
     "donde esta mi pedido llevo un ano esperando"),
    ("@AmazonHelp my order never arrived https://t.co/AbC123 #fail",
     "@user my order never arrived <url> #fail", "my order never arrived fail"),
    ("@115712 CAN'T   log\nin\t\tagain", "@user CAN'T log in again", "cant log in again"),
    ("Señal caída en Logroño 📶❤️ www.movistar.es/ayuda", "Señal caída en Logroño 📶❤️ <url>",
     "senal caida en logrono"),
    ("mail me at ana@example.com, @Uber_Support", "mail me at ana@example.com, @user", "mail me at ana example com"),
    ("Привет, 你好 — ça va?", "Привет, 你好 — ça va?", "привет 你好 ca va"),
    ("   ", "", ""),
    ("😀😀", "😀😀", ""),
]


@pytest.mark.parametrize("raw,model,clean", CASES)
def test_python_forms(raw, model, clean):
    assert model_text(raw) == model
    assert clean_text(raw) == clean


def test_spark_renders_the_same_steps(spark):
    """The Spark (JVM regex) and Python renderers agree exactly, on edge cases and real tweets."""
    sample = pd.read_csv(SAMPLE_CSV, dtype=str, keep_default_na=False)["clean_text"].tolist()
    raws = [c[0] for c in CASES] + sample + ["multi\r\nline\u00a0nbsp", "tab\u200bzero width", "e\u0301 combining",
                                         "don`t won't it’s ÉL ´ñ´", "İstanbul ❤️ café", "sep\x1cfield\x1f "]
    # Every character either engine calls whitespace, one per gap (Java's \s set is not Python's).
    spaces = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680" + "".join(map(chr, range(0x2000, 0x200B))) + "\u2028\u2029\u202f\u205f\u3000"
    raws += ["".join(f"w{i}{ch}" for i, ch in enumerate(spaces)), "\x1c \x1d\u3000\x1e\x85x"]
    # URLs in any case: the Spark guard searches case-sensitive literals.
    raws += ["GO TO HTTPS://T.CO/X1 NOW", "hTtP://a.b/c", "WwW.Shop.com/x", "see wWW.a.es.", "www", "http:/ no"]
    df = spark.createDataFrame([(r,) for r in raws], "raw string")
    # The ETL's own chain: clean_text is derived from the Spark model text, as preprocessing.etl.with_text_forms does.
    model = spark_model_text(df.raw)
    got = df.select(model.alias("m"), spark_clean_from_model_text(model).alias("c")).collect()
    assert [r.m for r in got] == [model_text(r) for r in raws]
    assert [r.c for r in got] == [clean_text(r) for r in raws]
