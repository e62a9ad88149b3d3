"""File operations every stage needs on local paths and s3:// alike (fsspec): JSON, text, probes, tree copies."""
from __future__ import annotations

import json
import os
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


def check_writable(root: str) -> None:
    """One write and delete under `root`, so a bad output fails before any heavy work."""
    probe = f"{root.rstrip('/')}/.write-probe-{uuid.uuid4().hex[:8]}"
    try:
        write_text(probe, "ok")
        fs, p = fsspec.core.url_to_fs(probe)
        fs.rm(p)
    except Exception as exc:  # PermissionError, botocore errors, read-only FS...
        reason = str(exc).splitlines()[0][:200] if str(exc) else type(exc).__name__
        raise PermissionError(f"output {root} is not writable ({reason}); set workdir=<a writable folder or bucket>") from None


def copy_tree(src: str, dst: str, success_last: bool = True) -> None:
    """Copy a folder between any two fsspec locations; `_SUCCESS` files go last so readers never see a partial copy."""
    sfs, sp = fsspec.core.url_to_fs(src)
    dfs, dp = fsspec.core.url_to_fs(dst)
    files = [f for f in sfs.find(sp) if not f.endswith(".crc")]
    files.sort(key=lambda f: (success_last and os.path.basename(f) == "_SUCCESS", f))
    for f in files:
        target = f"{dp.rstrip('/')}/{f[len(sp.rstrip('/')) + 1:]}"
        dfs.makedirs(os.path.dirname(target), exist_ok=True)
        with sfs.open(f, "rb") as fin, dfs.open(target, "wb") as fout:
            fout.write(fin.read())


def copy_file(src: str, dst: str) -> None:
    dfs, dp = fsspec.core.url_to_fs(dst)
    dfs.makedirs(os.path.dirname(dp), exist_ok=True)
    with fsspec.open(src, "rb") as fin, dfs.open(dp, "wb") as fout:
        fout.write(fin.read())
