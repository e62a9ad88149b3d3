"""The one way to open a published ETL run: `_SUCCESS`, the manifest, the Parquet shards of each split.

    run = open_etl_run("s3://bucket/etl/2024-05-31/r1", setting="data.run_dir")
    run.manifest.labels, run.files["train"]          # EtlManifest, ["s3://.../train/part-0.parquet", ...]

Serves every reader of ETL output: the training loader, the inference
source, the pipeline's preflight, report and SageMaker glue, and the SageMaker
launcher. The run folder (local or any fsspec URL) holds
`<split>/*.parquet`, `manifest.json` and `_SUCCESS`, which the ETL writes
last: without it the run is half-published (or still being written) and is
refused. Only `*.parquet` is listed, since Spark leaves `.crc` files beside
the shards; a split with no rows is an empty or (on S3) absent folder.
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import fsspec

from common.contracts import EtlManifest
from common.errors import UserError

SUCCESS = "_SUCCESS"
MANIFEST = "manifest.json"


class EtlRunError(UserError):
    """The path is not a complete ETL run; the message names the path and the setting to change."""


@dataclass
class EtlRun:
    path: str
    manifest: EtlManifest
    files: dict[str, list[str]]  # split -> Parquet shards, sorted; URLs keep their scheme

    @property
    def labels(self) -> list[str]:
        return list(self.manifest.labels)

    def all_files(self) -> list[tuple[str, str]]:
        """(shard, split) pairs, split by split."""
        return [(f, split) for split, files in self.files.items() for f in files]


def open_etl_run(path: str, setting: str = "the input", splits: Sequence[str] | None = None) -> EtlRun:
    """Check `_SUCCESS`, read the manifest, list the shards of `splits` (default: every split the manifest has).

    `setting` names what the caller's user changes to point elsewhere
    (`data.run_dir`, `--input`, ...); it goes into every error message.
    """
    root_url = path.rstrip("/")
    fs, root = fsspec.core.url_to_fs(root_url)
    root = root.rstrip("/")
    if not fs.exists(f"{root}/{SUCCESS}"):
        what = "is not a folder" if not fs.isdir(root) else "has no _SUCCESS marker: the ETL run is incomplete or still running"
        raise EtlRunError(f"{root_url} {what}; re-run the ETL, or point {setting} at a published run")
    try:
        manifest = EtlManifest.read(f"{root_url}/{MANIFEST}")
    except FileNotFoundError:
        raise EtlRunError(f"{root_url} has _SUCCESS but no {MANIFEST}; re-run the ETL, or point {setting} "
                          "at a published run") from None
    have = list(manifest.splits)
    wanted = list(splits) if splits else have
    unknown = [s for s in wanted if s not in have]
    if unknown:
        raise EtlRunError(f"splits {unknown} are not in ETL run {root_url}; it has {have}")
    remote = "://" in root_url and not root_url.startswith("file://")
    files = {}
    for split in wanted:
        found = sorted(fs.glob(f"{root}/{split}/*.parquet"))
        files[split] = [fs.unstrip_protocol(f) if remote else f for f in found]
    return EtlRun(root_url, manifest, files)
