"""Conversation ids and the grouped, deterministic train/validation/test split.

A conversation is a reply chain; its id is the tweet id at the root. Roots are
found by pointer jumping over `in_response_to_tweet_id` (each round replaces a
row's pointer by its pointer's pointer), so a chain of depth d needs about
log2(d) joins. A parent that is not in the input (the sample is a slice of a
larger data set) is itself taken as the root, so siblings still share one id.
"""
from __future__ import annotations

import numpy as np
from pyspark.sql import DataFrame
from pyspark.sql import functions as F

from preprocessing.config import SplitConfig

# 2**20 > any reply chain seen in twcs; a cycle (corrupt data) stops here too.
MAX_ROUNDS = 20
_BUCKETS = 1_000_000


def conversation_roots(valid: DataFrame) -> DataFrame:
    """(tweet_id, conversation_id) for every valid row, customer and company."""
    ptr = valid.select(
        F.col("tweet_id_n").alias("id"),
        F.coalesce(F.col("parent_id"), F.col("tweet_id_n")).alias("root"),
    ).localCheckpoint()
    for _ in range(MAX_ROUNDS):
        up = ptr.select(F.col("id").alias("up_id"), F.col("root").alias("up_root"))
        nxt = (
            ptr.join(up, ptr.root == up.up_id, "left")
            .select("id", F.coalesce("up_root", "root").alias("root"), (F.col("up_root") != F.col("root")).alias("moved"))
            .localCheckpoint()  # cuts the lineage so each round costs one join
        )
        moved = nxt.where("moved").limit(1).count()
        ptr = nxt.drop("moved")
        if moved == 0:
            break
    return ptr.select(F.col("id").alias("tweet_id_n"), F.col("root").alias("conversation_id"))


def assign_split(conversation_id, cfg: SplitConfig):
    """Spark Column naming the split of a conversation id: a seeded hash, no shuffle, no state."""
    u = F.pmod(F.xxhash64(conversation_id, F.lit(cfg.seed)), F.lit(_BUCKETS)) / _BUCKETS
    return (
        F.when(u < cfg.train, "train")
        .when(u < cfg.train + cfg.validation, "validation")
        .otherwise("test")
    )


def driver_roots(ids: np.ndarray, pointers: np.ndarray) -> np.ndarray:
    """`conversation_roots` in numpy on the driver: the root id of each (unique) id.

    `pointers` is coalesce(parent id, id). Same rounds and stopping rule as
    the Spark version, so even a cycle ends in the same place.
    """
    if len(ids) == 0:
        return pointers
    order = np.argsort(ids, kind="stable")
    sorted_ids = ids[order]
    root = pointers
    for _ in range(MAX_ROUNDS):
        pos = np.minimum(np.searchsorted(sorted_ids, root), len(ids) - 1)
        nxt = np.where(sorted_ids[pos] == root, root[order[pos]], root)
        moved = bool((nxt != root).any())
        root = nxt
        if not moved:
            break
    return root
