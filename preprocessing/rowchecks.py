"""One declared set of row checks and reason names for every entry point (ETL, prediction CLI, Spark predictor).

    checks = RowChecks(ids="integer", empty_text="quarantine")
    df = spark_checked(raw, checks, SparkColumns(id="tweet_id"))   # the ETL's validate, the Spark predictor
    verdict = arrow_checked(table, checks)                          # inference/intake.py (pyarrow)

`CHECKS` lists the checks in the order they are tried (the first that fails
names the row's reason) and which option turns each on. Two renderers turn
that one list into code, the way preprocessing/text.py renders its text steps:
`spark_checked` (native Spark Columns) and `arrow_checked` (pyarrow compute).
tests/test_rowchecks.py runs both on the same edge values and compares them
row by row. Duplicates (`duplicate_id`) are decided after the checks, among the
rows that passed them, by each engine's own exact method (the ETL and the Spark
predictor by joins or on the driver, the CLI by `inference.seen_ids.SeenIds`):
the first row of an id in read order is kept.
"""
from __future__ import annotations

import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from common.configfile import ConfigError

MALFORMED_CSV = "malformed_csv"  # the CSV parser could not split the record into the header's columns
MALFORMED_JSON = "malformed_json"  # a JSON Lines line that is not a JSON object
DUPLICATE = "duplicate_id"  # an id seen on an earlier row that passed the checks (the first one wins)

# Whitespace in both engines' sense, listed rather than written as \s or \p{Z}, whose
# members differ between Java and RE2: ASCII controls \t \n \v \f \r plus Unicode's Z* separators.
BLANK_CHARS = "\t\n\x0b\x0c\r" + "".join(
    chr(c) for c in range(0x110000) if unicodedata.category(chr(c)) in ("Zs", "Zl", "Zp"))
BLANK = "^[" + "".join(f"\\x{{{ord(c):x}}}" if c != " " else " " for c in BLANK_CHARS) + "]*$"
# An integer id, optionally space-padded; "119236.0" comes from twcs exports that passed
# through pandas. 18 digits always fit in a signed 64-bit integer. Group 1 is the value.
INTEGER_ID = r"^ *(-?[0-9]{1,18})(?:\.0*)? *$"
# The twcs time, "Wed Oct 11 06:55:44 +0000 2017", once Spark's trim (spaces only) has run.
# Spark cannot parse day names, so the first four characters are skipped, not read.
CREATED_AT_SPARK = "MMM dd HH:mm:ss Z yyyy"
CREATED_AT_ARROW = "%b %d %H:%M:%S %z %Y"
CREATED_AT_SHAPE = (r"(?s)^.{4}(?P<mon>[A-Za-z]{3}) (?P<day>[0-9]{2}) [0-9]{2}:[0-9]{2}:(?P<sec>[0-9]{2}) "
                    r"(?P<sign>[+-])(?P<oh>[0-9]{2})(?P<om>[0-9]{2}) [0-9]{4}$")
INBOUND_VALUES = ("true", "false")  # any case, space-padded

IDS = ("opaque", "integer")
TEXT_PROBLEM = ("flag", "quarantine")


@dataclass
class RowChecks:
    """Which row checks run and how: one small config shared by the ETL (EtlConfig.row_checks) and
    prediction (PredictConfig.checks). These defaults are prediction's: score every row that has an
    id, and flag text problems in `text_flags` instead of dropping the row."""

    ids: str = "opaque"
    """opaque: any non-blank value is an id, kept exactly as given and compared as written
    ("0042" and "42" are two ids). integer: an integer, else bad_id; duplicates compare the value
    ("42.0" repeats "42"). The ETL is always integer: its schema stores tweet_id as int64."""
    empty_text: str = "flag"
    """flag: predict, and flag the row `empty` / `whitespace_only`. quarantine: reason empty_text."""
    invalid_utf8: str = "flag"
    """Text with bytes that do not decode in the input's encoding (U+FFFD after decoding).
    flag: predict, flagged `invalid_utf8`. quarantine: reason invalid_utf8."""
    max_text_chars: int = 0
    """Quarantine texts longer than this many characters as text_too_long; 0: no limit
    (prediction truncates long texts to max_length_tokens and flags them `truncated`)."""
    created_at: str = "ignore"
    """ignore | check. check: a `created_at` column must hold a twcs time, else bad_created_at."""

    def __post_init__(self):
        for key, allowed in (("ids", IDS), ("empty_text", TEXT_PROBLEM), ("invalid_utf8", TEXT_PROBLEM),
                             ("created_at", ("ignore", "check"))):
            if getattr(self, key) not in allowed:
                raise ConfigError(f"checks.{key} must be one of {', '.join(allowed)}; found {getattr(self, key)!r}")
        if self.max_text_chars < 0:
            raise ConfigError(f"checks.max_text_chars must be >= 0 (0: no limit), found {self.max_text_chars}")


def etl_row_checks(max_text_chars: int) -> RowChecks:
    """The ETL's checks: every one on. Training rows need an int64 id, a time and text."""
    return RowChecks(ids="integer", empty_text="quarantine", invalid_utf8="quarantine",
                     max_text_chars=max_text_chars, created_at="check")


@dataclass(frozen=True)
class Check:
    reason: str
    column: str  # the canonical column it reads: id, inbound, created_at, text, gold
    meaning: str
    enabled: Callable[[RowChecks], bool]


CHECKS = (
    Check("missing_id", "id", "the id is null or blank", lambda o: True),
    Check("bad_id", "id", "ids=integer: not an integer", lambda o: o.ids == "integer"),
    Check("bad_inbound", "inbound", "inbound is not true or false (any case)", lambda o: True),
    Check("bad_created_at", "created_at", "created_at=check: not a twcs time", lambda o: o.created_at == "check"),
    Check("invalid_utf8", "text", "invalid_utf8=quarantine: undecodable bytes", lambda o: o.invalid_utf8 == "quarantine"),
    Check("empty_text", "text", "empty_text=quarantine: null or whitespace only", lambda o: o.empty_text == "quarantine"),
    Check("text_too_long", "text", "more than max_text_chars characters", lambda o: o.max_text_chars > 0),
    Check("bad_gold_label", "gold", "ETL with gold_label_column: not one of the labels", lambda o: True),
)
# Every reason a row can be quarantined for, in every entry point; manifests and summaries count these.
REASONS = (MALFORMED_CSV, MALFORMED_JSON, *(c.reason for c in CHECKS), DUPLICATE)


def active(checks: RowChecks, present: set[str] | frozenset[str]) -> list[Check]:
    """The checks that run, in order: enabled by `checks` and reading a column the input has."""
    return [c for c in CHECKS if c.column in present and c.enabled(checks)]


# ---- Spark rendering -------------------------------------------------------------------------


@dataclass(frozen=True)
class SparkColumns:
    """Names, in the DataFrame, of the canonical columns (None: the input has none)."""

    id: str = "id"
    text: str = "text"
    inbound: str | None = None
    created_at: str | None = None
    gold: str | None = None
    corrupt: str | None = None  # the parser's record of rows it could not split
    malformed: str = MALFORMED_CSV  # the reason for those rows
    id_value: str = "id_n"  # output: the integer value of the id (ids=integer)


def spark_integer(col):
    """Spark Column: the INTEGER_ID value of a string column as a long, else null."""
    from pyspark.sql import functions as F

    digits = F.regexp_extract(col, INTEGER_ID, 1)
    return F.when(digits != "", digits.cast("long"))


def spark_inbound(col):
    """Spark Column: `inbound` as a boolean; anything but true/false (any case, space-padded) is null."""
    from pyspark.sql import functions as F

    value = F.lower(F.trim(col))
    return F.when(value == INBOUND_VALUES[0], True).when(value == INBOUND_VALUES[1], False)


def spark_created_at(col):
    """Spark Column: the twcs time as a timestamp, else null."""
    from pyspark.sql import functions as F

    return F.try_to_timestamp(F.substring(F.trim(col), 5, 64), F.lit(CREATED_AT_SPARK))


def spark_blank(col):
    """Spark Column: null or only BLANK_CHARS. Most texts start with a letter, so the regex runs on few."""
    from pyspark.sql import functions as F

    maybe = F.substring(col, 1, 1).isin(*BLANK_CHARS) | (col == "")
    return col.isNull() | (maybe & col.rlike(BLANK))


def spark_checked(df, checks: RowChecks, cols: SparkColumns, gold_labels: list[str] | None = None):
    """`df` plus the parsed columns the checks read (`cols.id_value` for integer ids, `inbound_b`,
    `created_at_ts`) and `reason`: null for a row that passes, else the first failing check."""
    from pyspark.sql import functions as F

    present = {name for name in ("id", "text", "inbound", "created_at", "gold") if getattr(cols, name)}
    if gold_labels is None:
        present.discard("gold")
    parsed = {}
    if checks.ids == "integer":
        parsed[cols.id_value] = spark_integer(F.col(cols.id))
    if cols.inbound:
        parsed["inbound_b"] = spark_inbound(F.col(cols.inbound))
    if cols.created_at:
        parsed["created_at_ts"] = spark_created_at(F.col(cols.created_at))
    df = df.select("*", *(c.alias(n) for n, c in parsed.items()))
    text = F.col(cols.text)
    # Each check as a Column over df's columns; the keys are CHECKS' reasons.
    test = {
        "missing_id": lambda: spark_blank(F.col(cols.id)),
        "bad_id": lambda: F.col(cols.id_value).isNull(),
        "bad_inbound": lambda: F.col("inbound_b").isNull(),
        "bad_created_at": lambda: F.col("created_at_ts").isNull(),
        "invalid_utf8": lambda: text.contains("\ufffd"),  # the decoder's mark for bad bytes
        "empty_text": lambda: spark_blank(text),
        # length() walks the characters, octet_length() is stored: a text has at most as
        # many characters as bytes, so most rows skip the walk.
        "text_too_long": lambda: (F.octet_length(text) > checks.max_text_chars) & (F.length(text) > checks.max_text_chars),
        "bad_gold_label": lambda: ~F.coalesce(F.trim(F.col(cols.gold)).isin(*(gold_labels or [])), F.lit(False)),
    }
    reason = F.when(F.col(cols.corrupt).isNotNull(), cols.malformed) if cols.corrupt else None
    for check in active(checks, present):
        reason = F.when(test[check.reason](), check.reason) if reason is None else reason.when(test[check.reason](), check.reason)
    return df.withColumn("reason", reason if reason is not None else F.lit(None).cast("string"))


def spark_id_key(checks: RowChecks, cols: SparkColumns) -> str:
    """The column duplicates are decided on: the id as written, or its integer value."""
    return cols.id_value if checks.ids == "integer" else cols.id


# ---- pyarrow rendering -----------------------------------------------------------------------


@dataclass
class ArrowVerdict:
    reason: np.ndarray  # object [n]: None for a row that passes, else its first failing check  # noqa: F821
    key: pa.Array  # string [n]: what duplicates compare (the id, or its integer value written out)  # noqa: F821
    inbound: np.ndarray | None  # bool [n]: inbound == true (False where unknown); None: no column  # noqa: F821


def arrow_checked(table, checks: RowChecks) -> ArrowVerdict:
    """`spark_checked` in pyarrow, on a table of string columns (nulls allowed): id, text, and
    inbound / created_at when the input has them."""
    import numpy as np
    import pyarrow as pa
    import pyarrow.compute as pc

    n = table.num_rows
    names = set(table.column_names)
    ids, text = _column(table, "id"), _column(table, "text")
    value = pc.replace_substring_regex(ids, INTEGER_ID, r"\1") if checks.ids == "integer" else None
    is_int = _mask(pc.match_substring_regex(ids, INTEGER_ID)) if checks.ids == "integer" else None
    inbound = pc.utf8_lower(pc.utf8_trim(_column(table, "inbound"), " ")) if "inbound" in names else None
    test = {
        "missing_id": lambda: arrow_blank(ids),
        "bad_id": lambda: ~is_int,
        "bad_inbound": lambda: ~_mask(pc.is_in(inbound, pa.array(INBOUND_VALUES))),
        "bad_created_at": lambda: ~arrow_created_at_ok(_column(table, "created_at")),
        "invalid_utf8": lambda: _mask(pc.match_substring(text, "\ufffd")),
        "empty_text": lambda: arrow_blank(text),
        "text_too_long": lambda: _mask(pc.greater(pc.utf8_length(text), checks.max_text_chars)),
    }
    reason = np.full(n, None, object)
    for check in active(checks, names):
        failing = (reason == None) & test[check.reason]()  # noqa: E711 (numpy elementwise)
        reason[failing] = check.reason
    if checks.ids == "integer":
        # The value, written out: "0042", " 42" and "42.0" are all "42".
        key = pc.cast(pc.cast(pc.if_else(pa.array(is_int), value, "0"), pa.int64()), pa.string())
    else:
        key = ids
    in_b = _mask(pc.equal(inbound, INBOUND_VALUES[0])) if inbound is not None else None
    return ArrowVerdict(reason, key, in_b)


def arrow_blank(col):
    import pyarrow.compute as pc

    return _mask(pc.or_kleene(pc.is_null(col), pc.match_substring_regex(col, BLANK)))


def arrow_created_at_ok(col):
    """Spark's strict parse, in pyarrow: the shape, then a round trip that refuses what
    strptime would roll over (Feb 30, second 60) and offsets past Spark's +-18:00."""
    import pyarrow as pa
    import pyarrow.compute as pc

    trimmed = pc.utf8_trim(col, " ")
    parts = pc.extract_regex(trimmed, CREATED_AT_SHAPE)
    parsed = pc.strptime(pc.utf8_slice_codeunits(trimmed, 4), format=CREATED_AT_ARROW, unit="s", error_is_null=True)
    ok = _mask(pc.is_valid(parsed)) & _mask(pc.is_valid(parts))
    if not ok.any():
        return ok
    field = {k: pc.cast(pc.if_else(pa.array(ok), pc.struct_field(parts, k), "0"), pa.int64())
             for k in ("day", "sec", "oh", "om")}
    sign = pc.if_else(pc.equal(pc.struct_field(parts, "sign"), "-"), -1, 1)
    offset_s = pc.multiply(pc.cast(sign, pa.int64()), pc.add(pc.multiply(field["oh"], 3600), pc.multiply(field["om"], 60)))
    local = pc.add(pc.cast(pc.cast(parsed, pa.timestamp("s")), pa.int64()), offset_s)
    local = pc.cast(pc.if_else(pa.array(ok), local, 0), pa.timestamp("s"))
    same = pc.and_(pc.equal(pc.day(local), field["day"]), pc.equal(pc.second(local), field["sec"]))
    in_range = pc.less_equal(pc.add(pc.multiply(field["oh"], 60), field["om"]), 18 * 60)
    return ok & _mask(same) & _mask(in_range)


def _column(table, name: str):
    import pyarrow as pa

    col = table.column(name)
    col = col.combine_chunks() if isinstance(col, pa.ChunkedArray) else col
    return col if pa.types.is_string(col.type) else col.cast(pa.string())


def _mask(arr):
    """Boolean array -> numpy bool, null as False."""
    import pyarrow.compute as pc

    return pc.fill_null(arr, False).to_numpy(zero_copy_only=False)
