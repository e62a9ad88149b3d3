"""Text preparation shared by training (Spark) and serving (Python).

The steps are declared once, as data, in `MODEL_TEXT_STEPS` and
`CLEAN_TEXT_STEPS`. Two renderers turn that one declaration into code:
`spark_model_text` / `spark_clean_from_model_text` (native `regexp_replace`,
no UDF, so Spark runs them in the JVM) and `model_text` / `clean_text` (Python
`re`, used by inference on raw CSV). The patterns stay in the regex subset where Java and
Python agree (a step may give Java its own spelling of the same set, `Step.java`);
each renderer adds its own Unicode flag, because the inline flag letters differ
(`(?U)` in Java, implicit in Python 3). tests/test_text.py checks that both
renderers give identical output on the fixtures.

- `text` (model input): keeps case, accents, ñ, emojis and any script, because
  the production encoder is cased and multilingual. URLs and @handles become
  placeholders; whitespace collapses.
- `clean_text` (rule input): derived from `text`: lowercased, accents folded,
  placeholders (so handles/URLs) removed,
  punctuation and emojis turned into single spaces, so rules can match on
  whole words with plain space anchors.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

URL_TOKEN = "<url>"
HANDLE_TOKEN = "@user"

# Accents folded for matching so "esta"/"está" and "dinero"/"dinéro" agree.
# A plain character map keeps Spark on its native `translate`.
ACCENTED = "áàäâãéèëêíìïîóòöôõúùüûñç"
FOLDED = "aaaaaeeeeiiiiooooouuuunc"
# Deleted in the same map: apostrophes, so "can't" and "cant" are one word for
# the rules; combining marks, variation selectors and zero-width joiners, which
# count as word characters in Java's Unicode classes but not in Python's.
DELETED = "'’`´" + "".join(map(chr, [*range(0x300, 0x370), *range(0xFE00, 0xFE10), 0x200B, 0x200C, 0x200D]))
# On pure-ASCII text (most messages) only these can change, and a byte-level
# replace is ~10x cheaper in Spark than `translate`'s per-character lookups.
_ASCII_DELETED = [ch for ch in DELETED if ord(ch) < 128]
assert all(ord(ch) >= 128 for ch in ACCENTED), "the ASCII fast path assumes no ASCII is folded"


@dataclass(frozen=True)
class Step:
    name: str
    pattern: str
    replacement: str
    ignore_case: bool = False
    needs: tuple[str, ...] = ()
    """Literals, case as written, of which every match holds one: Spark skips the regex on
    rows with none. Only on the first step, which reads the column as it is (no rework)."""
    java: str | None = None
    """The same pattern spelled for Java, where Java runs that form faster."""


_URL = r"(?:https?://|www\.)\S+"
# The '@' comes first so the engine only tries the look-behind where there is one;
# (?<![\w@]@) after it says the same as (?<![\w@]) before it.
_HANDLE = r"@(?<![\w@]@)\w+"

MODEL_TEXT_STEPS = (
    # Every match holds "://" or ends its "www." in "w." or "W.", whatever the case:
    # byte searches that need no lowercased copy of the text.
    Step("url", _URL, URL_TOKEN, ignore_case=True, needs=("://", "w.", "W.")),
    Step("handle", _HANDLE, HANDLE_TOKEN),
    # Python's \s also matches the ASCII separators \x1c-\x1f, Java's (?U)\s (Unicode
    # White_Space) does not: Python leaves them out by hand, and Java gets the bare
    # \s, which it tests per character without the two set operations around it
    # (this step -30% in Spark). strip(" ") below mirrors Spark's trim.
    Step("whitespace", r"[^\S\x1c-\x1f]+", " ", java=r"\s+"),
)

# Applied to the lowercased, accent-folded *model text* once its placeholders
# are blanked: deriving it from `text` saves repeating the URL/handle regexes.
CLEAN_TEXT_STEPS = (
    Step("non_word", r"[\W_]+", " "),
)

_FOLD_TABLE = str.maketrans(ACCENTED, FOLDED, DELETED)


def _python(step: Step) -> re.Pattern:
    return re.compile(step.pattern, re.IGNORECASE if step.ignore_case else 0)


_PY_MODEL = [(_python(s), s.replacement) for s in MODEL_TEXT_STEPS]
_PY_CLEAN = [(_python(s), s.replacement) for s in CLEAN_TEXT_STEPS]


def model_text(raw: str | None) -> str:
    """The model's input form of one raw message."""
    out = raw or ""
    for pattern, repl in _PY_MODEL:
        out = pattern.sub(repl, out)
    return out.strip(" ")


def clean_text(raw: str | None) -> str:
    """The rules' matching form of one raw message (or of a keyword)."""
    return clean_from_model_text(model_text(raw))


def clean_from_model_text(text: str) -> str:
    out = text.lower().replace(URL_TOKEN, " ").replace(HANDLE_TOKEN, " ").translate(_FOLD_TABLE)
    for pattern, repl in _PY_CLEAN:
        out = pattern.sub(repl, out)
    return out.strip()


def _java(step: Step) -> str:
    return ("(?U)" + ("(?i)" if step.ignore_case else "")) + (step.java or step.pattern)


def spark_model_text(col):
    """Spark Column: `model_text` in native functions."""
    from pyspark.sql import functions as F

    for step in MODEL_TEXT_STEPS:
        out = F.regexp_replace(col, _java(step), step.replacement)
        if step.needs:
            hit = col.contains(step.needs[0])
            for literal in step.needs[1:]:
                hit = hit | col.contains(literal)
            out = F.when(hit, out).otherwise(col)
        col = out
    return F.trim(col)


def spark_clean_from_model_text(col):
    """Spark Column: `clean_text` of a model-text column (what the ETL uses)."""
    from pyspark.sql import functions as F

    col = F.lower(F.coalesce(col, F.lit("")))
    col = F.replace(F.replace(col, F.lit(URL_TOKEN), F.lit(" ")), F.lit(HANDLE_TOKEN), F.lit(" "))
    ascii_only = col
    for ch in _ASCII_DELETED:
        ascii_only = F.replace(ascii_only, F.lit(ch), F.lit(""))
    # length counts characters, octet_length bytes: equal only for ASCII.
    col = F.when(F.length(col) == F.octet_length(col), ascii_only).otherwise(F.translate(col, ACCENTED + DELETED, FOLDED))
    for step in CLEAN_TEXT_STEPS:
        col = F.regexp_replace(col, _java(step), step.replacement)
    return F.trim(col)
