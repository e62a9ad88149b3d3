"""Publish a run folder so readers never see half of it.

The ETL writes into a hidden staging folder beside the target
(`<date>/_staging-<run_id>-<uuid>`), then renames it into place and writes
`_SUCCESS` last. It goes through Hadoop's FileSystem API (via the Spark JVM) so
the same code publishes to a local disk, HDFS, or S3 on EMR/Glue. On S3 a
rename is a copy, so `_SUCCESS` is the real commit marker there: every reader
in this project refuses a run without it.
"""
from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timezone

from pyspark.sql import SparkSession

from common.storage import probe_name, unwritable
from preprocessing.config import EtlConfig

SUCCESS = "_SUCCESS"


class HadoopFS:
    """The few FileSystem calls the ETL needs, for any Hadoop-supported path."""

    def __init__(self, spark: SparkSession, path: str):
        jvm = spark.sparkContext._jvm
        self._jvm = jvm
        self._conf = spark.sparkContext._jsc.hadoopConfiguration()
        self._fs = jvm.org.apache.hadoop.fs.Path(path).getFileSystem(self._conf)

    def _p(self, path: str):
        return self._jvm.org.apache.hadoop.fs.Path(path)

    def exists(self, path: str) -> bool:
        return bool(self._fs.exists(self._p(path)))

    def delete(self, path: str) -> None:
        if self.exists(path):
            self._fs.delete(self._p(path), True)

    def mkdirs(self, path: str) -> None:
        self._fs.mkdirs(self._p(path))

    def rename(self, src: str, dst: str) -> None:
        if not self._fs.rename(self._p(src), self._p(dst)):
            raise OSError(f"could not rename {src} -> {dst}")

    def write_text(self, path: str, text: str) -> None:
        stream = self._fs.create(self._p(path), True)
        try:
            stream.write(bytearray(text.encode("utf-8")))
        finally:
            stream.close()

    def list_names(self, path: str) -> list[str]:
        if not self.exists(path):
            return []
        return [s.getPath().getName() for s in self._fs.listStatus(self._p(path))]

    def check_writable(self, root: str) -> None:
        """Fail before any heavy work when the output root cannot be written.

        The twin of common.storage.check_writable (same probe name, same
        message), but through Hadoop: the ETL's output may be hdfs://, or
        s3:// on EMR/Glue, which only the cluster's own connectors reach.
        """
        probe = f"{root.rstrip('/')}/{probe_name()}"
        try:
            self.write_text(probe, "ok")
            self.delete(probe)
        except Exception as exc:  # Py4J wraps every Java IOException
            raise unwritable(root, exc, "output") from None


@dataclass
class RunFolder:
    """Where a run is published: <output>/<run_date>/<run_id>."""

    run_date: str
    run_id: str
    parent: str

    @property
    def final(self) -> str:
        return f"{self.parent}/{self.run_id}"

    @classmethod
    def of(cls, cfg: EtlConfig) -> RunFolder:
        now = datetime.now(timezone.utc)
        run_date = cfg.run_date or now.strftime("%Y-%m-%d")
        return cls(run_date, cfg.run_id or now.strftime("%Y%m%dT%H%M%SZ"), f"{cfg.output.rstrip('/')}/{run_date}")


def staging_path(final: str) -> str:
    parent, _, name = final.rstrip("/").rpartition("/")
    return f"{parent}/_staging-{name}-{uuid.uuid4().hex[:8]}"


def publish(fs: HadoopFS, staging: str, final: str, manifest_json: str) -> None:
    """Move `staging` to `final` (replacing an earlier run of the same id), then mark it done.

    `manifest_json` is `EtlManifest.dumps()`: Hadoop's FileSystem writes it, so hdfs:// works too.
    """
    fs.write_text(f"{staging}/manifest.json", manifest_json)
    if fs.exists(final):
        # Drop the old marker first: between here and the rename, no reader
        # may take the old folder for a complete run.
        fs.delete(f"{final}/{SUCCESS}")
        fs.delete(final)
    fs.rename(staging, final)
    fs.write_text(f"{final}/{SUCCESS}", "")


def clean_stale_staging(fs: HadoopFS, parent: str, run_id: str) -> None:
    """Remove staging folders a killed run of the same id left behind."""
    for name in fs.list_names(parent):
        if name.startswith(f"_staging-{run_id}-"):
            fs.delete(f"{parent.rstrip('/')}/{name}")
