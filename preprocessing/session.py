"""The SparkSession for the ETL and the Spark predictor: in-process by default, the cluster's when there is one.

    spark = get_spark(cfg.spark)          # python -m preprocessing.etl ...: local[*] (cfg.spark.master)
    spark-submit --master spark://host:7077 --py-files code.zip preprocessing/etl.py ...   # the cluster's

A master chosen by a launcher (spark-submit, EMR steps, Glue, Databricks) is
never overridden: `SparkConfig` then only adds its `conf` entries.
"""
from __future__ import annotations

import os
import sys

from pyspark import SparkConf, SparkContext
from pyspark.sql import SparkSession

from preprocessing.config import SparkConfig


def launcher_master() -> str | None:
    """The master something outside this config chose for this process, or None.

    A running SparkContext (Databricks, Glue's GlueContext, a notebook) has
    one. Under spark-submit the JVM starts first and launches this Python with
    PYSPARK_GATEWAY_PORT set; its system properties hold `spark.master`. A
    Python `SparkConf()` made before any SparkContext exists cannot see them
    (it has no JVM to ask, so it is empty), which is how a check on it alone
    pinned cluster jobs to `local[*]`. So connect to that JVM first, then ask.
    """
    active = SparkContext._active_spark_context
    if active is not None:
        return active.master
    if "PYSPARK_GATEWAY_PORT" not in os.environ:
        return None  # a plain `python -m ...`: no launcher, this config decides
    SparkContext._ensure_initialized()  # joins the launching JVM; starts no context
    return SparkConf().get("spark.master")  # loadDefaults: the JVM's spark.* properties


def get_spark(cfg: SparkConfig, app_name: str = "support-etl") -> SparkSession:
    """The launcher's session (master, memory, partitions as it set them), or a local one from `cfg`."""
    builder = SparkSession.builder.appName(app_name)
    in_process = launcher_master() is None
    if in_process:
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
    if in_process:
        # A cluster keeps its own (spark-submit --conf, or the default with AQE coalescing).
        spark.conf.set("spark.sql.shuffle.partitions", str(cfg.shuffle_partitions))
    # created_at is stored as a UTC instant; the session zone only affects
    # display and parsing of zone-less strings, so pin it for reproducibility.
    spark.conf.set("spark.sql.session.timeZone", "UTC")
    # INT96 (Spark's default) reads back as a zone-less timestamp[ns]; micros
    # are written as UTC-adjusted, so pyarrow/datasets see timestamp[us, UTC].
    spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
    return spark
