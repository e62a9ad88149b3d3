"""The SparkSession for the ETL: in-process by default, the cluster's when there is one."""
from __future__ import annotations

import os
import sys

from pyspark import SparkConf
from pyspark.sql import SparkSession

from preprocessing.config import SparkConfig


def get_spark(cfg: SparkConfig, app_name: str = "support-etl") -> SparkSession:
    """Reuse the active session (Glue, Databricks, spark-submit) or start a local one.

    The master is only set when nothing chose one already: under spark-submit
    `spark.master` is in the SparkConf, and overriding it would pin a cluster
    job to one machine.
    """
    builder = SparkSession.builder.appName(app_name)
    if not SparkConf().contains("spark.master") and SparkSession.getActiveSession() is None:
        # Python workers must be this interpreter (the venv with pyarrow and the
        # project), not whatever `python3` is first on PATH.
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
        builder = (
            builder.master(cfg.master)
            .config("spark.driver.memory", cfg.driver_memory)
            .config("spark.ui.enabled", "false")
            .config("spark.ui.showConsoleProgress", "false")
        )
    for key, value in cfg.conf.items():
        builder = builder.config(key, str(value))
    spark = builder.getOrCreate()
    spark.conf.set("spark.sql.shuffle.partitions", str(cfg.shuffle_partitions))
    # created_at is stored as a UTC instant; the session zone only affects
    # display and parsing of zone-less strings, so pin it for reproducibility.
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    # INT96 (Spark's default) reads back as a zone-less timestamp[ns]; micros
    # are written as UTC-adjusted, so pyarrow/datasets see timestamp[us, UTC].
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    return spark
