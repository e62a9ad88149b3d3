"""Declared schemas of the files that stages exchange.

One declaration per file type, rendered to Arrow and described in the manifest, so
the ETL writes, and `modeling.data` / `inference` read, the same columns.
"""
from __future__ import annotations

import numpy as np
import pyarrow as pa

# Canonical names of the raw twcs columns (the input header may differ: see
# `EtlConfig.columns`).
RAW_COLUMNS = (
    "tweet_id",
    "author_id",
    "inbound",
    "created_at",
    "text",
    "response_tweet_id",
    "in_response_to_tweet_id",
)
REQUIRED_RAW_COLUMNS = ("tweet_id", "author_id", "inbound", "created_at", "text", "in_response_to_tweet_id")

# (name, arrow type, nullable, meaning) of every row in train/validation/test.
PREPARED_FIELDS = (
    ("tweet_id", pa.int64(), False, "input tweet id, unique in the run"),
    ("conversation_id", pa.int64(), False, "tweet id at the root of the reply chain; the split key"),
    ("author_id", pa.string(), False, "customer id as given"),
    ("created_at", pa.timestamp("us", tz="UTC"), False, "message time, UTC"),
    ("text", pa.string(), False, "model input: cased, accents kept, <url>/@user placeholders"),
    ("clean_text", pa.string(), False, "rule input: lowercased, accents folded, words only"),
    ("label", pa.string(), False, "training label: the reviewed label, else the gold column when configured, "
                                  "else the rule label"),
    ("rule_label", pa.string(), False, "what the keyword rules say, kept to measure them against gold"),
    ("label_source", pa.string(), False, "where `label` came from: rules, reviewed (reviewed_labels) or gold "
                                         "(gold_label_column)"),
)
PREPARED_COLUMNS = tuple(f[0] for f in PREPARED_FIELDS)
PREPARED_ARROW = pa.schema([pa.field(n, t, nullable=nl) for n, t, nl, _ in PREPARED_FIELDS])

QUARANTINE_COLUMNS = RAW_COLUMNS + ("raw_record", "source_file", "reason")

SPLITS = ("train", "validation", "test")

# Character-length bins of `text` in the manifest's per-split histograms;
# inference compares its inputs against them (PSI drift check).
LENGTH_BINS = (0, 20, 40, 60, 80, 100, 140, 200, 280, 500, 1000)


def length_histogram(lengths_chars: np.ndarray, bins=LENGTH_BINS) -> dict[str, int]:
    """Counts per bin, keyed by the bin's lower edge as a string (the ETL manifest's form).

    Bin k holds bins[k] <= length < bins[k+1]; the last bin is open-ended.
    """
    idx = np.clip(np.searchsorted(np.asarray(bins), lengths_chars, side="right") - 1, 0, len(bins) - 1)
    counts = np.bincount(idx, minlength=len(bins))
    return {str(bins[i]): int(c) for i, c in enumerate(counts) if c}


def spark_length_bin(chars, bins=LENGTH_BINS):
    """Spark Column: the lower edge of the bin holding `chars` (a character-count column).

    The Spark twin of `length_histogram`'s binning; pass a column computed
    once, not `length(text)`, which each branch would recompute.
    """
    from pyspark.sql import functions as F

    out = F.lit(bins[-1])
    for lower, upper in reversed(list(zip(bins, bins[1:]))):
        out = F.when(chars < upper, F.lit(lower)).otherwise(out)
    return out


def describe_prepared() -> list[dict]:
    """Schema as plain data for manifests and docs."""
    return [{"name": n, "type": str(t), "nullable": nl, "meaning": m} for n, t, nl, m in PREPARED_FIELDS]
