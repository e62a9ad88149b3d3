"""File operations every stage needs on local paths and s3:// alike (fsspec): JSON, text, probes, tree copies."""
from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid

import fsspec


def is_remote(path: str) -> bool:
    return "://" in path and not path.startswith("file://")


def exists(path: str) -> bool:
    fs, p = fsspec.core.url_to_fs(path)
    return fs.exists(p)


def read_json(path: str) -> dict:
    with fsspec.open(path, "r") as fh:
        return json.load(fh)


def write_json(path: str, data: dict) -> None:
    write_text(path, json.dumps(data, indent=2, sort_keys=True, default=str))


def write_text(path: str, text: str) -> None:
    fs, p = fsspec.core.url_to_fs(path)
    fs.makedirs(os.path.dirname(p), exist_ok=True)
    with fs.open(p, "w", encoding="utf-8") as fh:
        fh.write(text)


def check_writable(root: str, setting: str = "workdir") -> None:
    """One write and delete under `root`, so a bad output fails before any heavy work."""
    probe = f"{root.rstrip('/')}/{probe_name()}"
    try:
        write_text(probe, "ok")
        fs, p = fsspec.core.url_to_fs(probe)
        fs.rm(p)
    except Exception as exc:  # PermissionError, botocore errors, read-only FS...
        raise unwritable(root, exc, setting) from None


def probe_name() -> str:
    # Leading underscore: Spark and every reader here skip such files if a probe is ever left behind.
    return f"_write_probe-{uuid.uuid4().hex[:8]}"


def unwritable(root: str, exc: BaseException, setting: str) -> PermissionError:
    """The one message for an output that cannot be written, whatever client found out."""
    reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
    return PermissionError(f"output {root} is not writable ({reason}); set {setting}=<a writable folder or bucket>")


def copy_tree(src: str, dst: str, success_last: bool = True, skip_prefixes: tuple[str, ...] = ()) -> None:
    """Copy a folder between any two fsspec locations.

    `_SUCCESS` files go last so readers never see a partial copy; top-level
    entries starting with one of `skip_prefixes` (e.g. `checkpoint-`) stay behind.
    """
    sfs, sp = fsspec.core.url_to_fs(src)
    dfs, dp = fsspec.core.url_to_fs(dst)
    sp = sp.rstrip("/")
    rels = [f[len(sp) + 1:] for f in sfs.find(sp) if not f.endswith(".crc")]
    if skip_prefixes:
        rels = [r for r in rels if not r.split("/", 1)[0].startswith(skip_prefixes)]
    rels.sort(key=lambda r: (success_last and os.path.basename(r) == "_SUCCESS", r))
    for rel in rels:
        target = f"{dp.rstrip('/')}/{rel}"
        dfs.makedirs(os.path.dirname(target), exist_ok=True)
        with sfs.open(f"{sp}/{rel}", "rb") as fin, dfs.open(target, "wb") as fout:
            shutil.copyfileobj(fin, fout, 1 << 20)


def fetch_folder(url: str, prefix: str) -> str:
    """A remote folder (s3://...) copied into a new local temp dir, for readers that only take local paths."""
    local = tempfile.mkdtemp(prefix=prefix)
    copy_tree(url, local)
    return local


def copy_file(src: str, dst: str) -> None:
    dfs, dp = fsspec.core.url_to_fs(dst)
    dfs.makedirs(os.path.dirname(dp), exist_ok=True)
    with fsspec.open(src, "rb") as fin, dfs.open(dp, "wb") as fout:
        fout.write(fin.read())
