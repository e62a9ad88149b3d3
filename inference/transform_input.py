"""The Batch Transform input of an ETL run: one JSON line {"id": tweet_id, "inputs": text} per customer row.

    rows = write_transform_input("runs/etl/2024-06-02/new_batch", "s3://bucket/transform/batch.jsonl")

`inference.sagemaker_handler.input_fn` reads exactly this (application/jsonlines).
The pipeline's SageMaker transform step and the SageMaker Pipeline's ETL step
both write it from here.
"""
from __future__ import annotations

import json

import fsspec
import pyarrow.parquet as pq

from common.etl_run import open_etl_run


def write_transform_input(run_dir: str, target: str, setting: str = "the new batch's ETL run") -> int:
    """Every split's rows of the ETL run at `run_dir` into the JSON Lines file `target`; returns the row count."""
    rows = 0
    with fsspec.open(target, "w", encoding="utf-8", auto_mkdir=True) as out:
        for shard, _ in open_etl_run(run_dir, setting=setting).all_files():
            with fsspec.open(shard, "rb") as fh:
                table = pq.read_table(fh, columns=["tweet_id", "text"])
            for tweet_id, text in zip(table["tweet_id"].to_pylist(), table["text"].to_pylist()):
                out.write(json.dumps({"id": tweet_id, "inputs": text}, ensure_ascii=False) + "\n")
                rows += 1
    return rows
