"""A file-based model registry: `<root>/<name>/<version>/` plus "latest approved" pointers.

    register(model_dir, root="models", name="support-triage", approved=True, metrics={...})
    resolve("registry:latest-approved", root="models")       # -> "models/support-triage/v0003"
    resolve("registry:support-triage/v0002", root="models")  # a pinned version

Layout:
    <root>/<name>/<version>/          the model folder (weights, tokenizer, metrics, manifest)
    <root>/<name>/<version>/registry.json   name, version, approved, content hash, metrics
    <root>/<name>/latest-approved.json      {"version": ...}, rewritten only on approval
    <root>/latest-approved.json             {"name": ..., "version": ...} across names

Paths may be local or any fsspec URL (s3://bucket/models). A pointer is
written after the version folder is complete, so it never names a half copy.
"""
from __future__ import annotations

import hashlib
import json
import re
from datetime import datetime, timezone

import fsspec

from common.errors import UserError
from common.storage import copy_tree

PREFIX = "registry:"
WEIGHTS = "model.safetensors"


class RegistryError(UserError):
    """The registry has no such model; the message says what exists."""


def content_hash(model_dir: str) -> str:
    """sha256 of the weights and the config: the identity predictions carry."""
    h = hashlib.sha256()
    for name in (WEIGHTS, "config.json"):
        with fsspec.open(f"{model_dir.rstrip('/')}/{name}", "rb") as fh:
            for block in iter(lambda: fh.read(1 << 20), b""):
                h.update(block)
    return h.hexdigest()


def _fs(root: str):
    fs, path = fsspec.core.url_to_fs(root)
    return fs, path.rstrip("/")


def _read_json(fs, path: str) -> dict | None:
    if not fs.exists(path):
        return None
    with fs.open(path, "r") as fh:
        return json.load(fh)


def _write_json(fs, path: str, data: dict) -> None:
    fs.makedirs(path.rsplit("/", 1)[0], exist_ok=True)
    with fs.open(path, "w") as fh:
        json.dump(data, fh, indent=2, sort_keys=True)


def next_version(root: str, name: str) -> str:
    fs, base = _fs(root)
    taken = [int(m.group(1)) for p in (fs.ls(f"{base}/{name}", detail=False) if fs.exists(f"{base}/{name}") else [])
             if (m := re.fullmatch(r"v(\d{4,})", p.rstrip("/").rsplit("/", 1)[-1]))]
    return f"v{max(taken, default=0) + 1:04d}"


def register(model_dir: str, root: str, name: str, approved: bool, metrics: dict | None = None) -> dict:
    """Copy `model_dir` in as the next version; move the pointers only if approved."""
    fs, base = _fs(root)
    version = next_version(root, name)
    dest = f"{base}/{name}/{version}"
    # Resumable trainer state is not part of a released model.
    copy_tree(model_dir, _join(root, f"{name}/{version}"), skip_prefixes=("checkpoint-",))
    entry = {
        "name": name,
        "version": version,
        "approved": bool(approved),
        "content_sha256": content_hash(_join(root, f"{name}/{version}")),
        "registered_at": datetime.now(timezone.utc).isoformat(),
        "metrics": metrics or {},
        "path": _join(root, f"{name}/{version}"),
    }
    _write_json(fs, f"{dest}/registry.json", entry)
    if approved:
        _write_json(fs, f"{base}/{name}/latest-approved.json", {"version": version})
        _write_json(fs, f"{base}/latest-approved.json", {"name": name, "version": version})
    return entry


def _join(root: str, rel: str) -> str:
    return f"{root.rstrip('/')}/{rel}"


def resolve(spec: str, root: str = "models") -> str:
    """A model folder for `spec`: a plain path, `registry:latest-approved`,
    `registry:<name>/latest-approved` or `registry:<name>/<version>`."""
    if not spec.startswith(PREFIX):
        return spec
    fs, base = _fs(root)
    ref = spec[len(PREFIX):]
    if ref == "latest-approved":
        pointer = _read_json(fs, f"{base}/latest-approved.json")
        if pointer is None:
            raise RegistryError(f"no approved model in registry {root}; train one that passes the gate, or pass --model DIR")
        ref = f"{pointer['name']}/{pointer['version']}"
    name, _, version = ref.partition("/")
    if version == "latest-approved":
        pointer = _read_json(fs, f"{base}/{name}/latest-approved.json")
        if pointer is None:
            raise RegistryError(f"model '{name}' has no approved version in {root}")
        version = pointer["version"]
    if not version or not fs.exists(f"{base}/{name}/{version}/{WEIGHTS}"):
        have = sorted(p.rsplit("/", 1)[-1] for p in fs.ls(f"{base}/{name}", detail=False)) if fs.exists(f"{base}/{name}") else []
        raise RegistryError(f"registry {root} has no '{name}/{version}'; versions there: {have or 'none'}")
    return _join(root, f"{name}/{version}")


def entry(model_dir: str) -> dict | None:
    """The registry.json of a registered model folder, if it has one."""
    fs, path = fsspec.core.url_to_fs(model_dir)
    return _read_json(fs, f"{path.rstrip('/')}/registry.json")
