"""SageMaker Batch Transform: the model.tar.gz layout, safe extraction, and the handler driven as the toolkit does."""
from __future__ import annotations

import csv
import io
import json
import subprocess
import sys
import tarfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from inference.packaging import UnsafeArchiveError, build, check_members, safe_extract  # noqa: E402

# Runs in a fresh interpreter, outside the repo, exactly as the toolkit loads a user module:
# code/ on sys.path, `importlib.import_module("inference")`, then the four functions in order.
DRIVER = r'''
import importlib, json, sys
model_dir = sys.argv[1]
sys.path.insert(0, model_dir + "/code")
# The container has no editable install of this checkout: hide ours.
sys.path = [p for p in sys.path if p not in ("", ".", sys.argv[2])]
sys.meta_path = [f for f in sys.meta_path if "__editable__" not in getattr(f, "__module__", "")]
user = importlib.import_module("inference")
model = user.model_fn(model_dir)
import inference.predictor
out = {"vendored": inference.predictor.__file__.startswith(model_dir)}
cases = [
    ("application/jsonlines", '{"inputs": "my card was charged twice"}\n{"text": "gracias!", "id": 7}\n{"text": ""}\n'),
    ("application/json", json.dumps({"inputs": ["refund never arrived", "thanks"]})),
    ("text/csv", '11,"account hacked, help"\n12,all good\n'),
]
for content_type, body in cases:
    data = user.input_fn(body.encode(), content_type)
    pred = user.predict_fn(data, model)
    out[content_type] = user.output_fn(pred, content_type)
print(json.dumps(out))
'''


@pytest.fixture(scope="module")
def tarball(tiny_model_dir, tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("pkg") / "model.tar.gz"
    build(str(tiny_model_dir), str(path))
    return path


def test_tarball_layout(tarball):
    with tarfile.open(tarball) as tar:
        names = set(tar.getnames())
    assert {"config.json", "model.safetensors", "tokenizer.json", "code/inference.py", "code/requirements.txt"} <= names
    assert "code/lib/inference/sagemaker_handler.py" in names and "code/lib/inference/predictor.py" in names
    assert not any(n.startswith(("/", "..")) for n in names)
    assert not any("spark" in n for n in names)  # the endpoint needs no Spark


def _tar_with(member: tarfile.TarInfo, path: Path) -> Path:
    with tarfile.open(path, "w:gz") as tar:
        tar.addfile(member, io.BytesIO(b"x" * member.size) if member.isfile() else None)
    return path


@pytest.mark.parametrize("name,kind", [("/etc/evil", "file"), ("code/../../evil.py", "file"), ("C:/evil", "file"),
                                       ("code/link", "symlink")])
def test_unsafe_members_are_rejected(tmp_path, name, kind):
    member = tarfile.TarInfo(name)
    if kind == "symlink":
        member.type, member.linkname = tarfile.SYMTYPE, "/etc/passwd"
    else:
        member.size = 1
    bad = _tar_with(member, tmp_path / "bad.tar.gz")
    with pytest.raises(UnsafeArchiveError):
        safe_extract(str(bad), str(tmp_path / "x"))
    assert not (tmp_path / "x").exists() or not any((tmp_path / "x").iterdir())
    with tarfile.open(bad) as tar, pytest.raises(UnsafeArchiveError):
        check_members(tar)


@pytest.mark.e2e  # the packaged handler in a fresh interpreter
def test_handler_round_trips_every_content_type(tarball, tmp_path):
    model_dir = tmp_path / "model"
    safe_extract(str(tarball), str(model_dir))
    run = subprocess.run([sys.executable, "-c", DRIVER, str(model_dir), str(ROOT)], cwd=tmp_path,
                         capture_output=True, text=True, timeout=300, env={"PATH": "/usr/bin:/bin", "HF_HUB_OFFLINE": "1"})
    assert run.returncode == 0, run.stderr[-3000:]
    out = json.loads(run.stdout.strip().splitlines()[-1])
    assert out["vendored"]
    lines = [json.loads(x) for x in out["application/jsonlines"].splitlines()]
    # Ids are opaque strings in every output: a JSON number comes back as the text it was written as.
    assert len(lines) == 3 and "id" not in lines[0] and lines[1]["id"] == "7" and lines[2]["text_flags"] == "empty"
    assert all(r["label"] in ("critical", "non_critical") and abs(r["prob_critical"] + r["prob_non_critical"] - 1) < 1e-5
               for r in lines)
    as_json = json.loads(out["application/json"])
    assert isinstance(as_json, list) and len(as_json) == 2
    rows = [r.split(",") for r in out["text/csv"].splitlines()]
    assert [r[0] for r in rows] == ["11", "12"] and all(len(r) == 6 for r in rows)


def test_handler_in_process_rejects_unknown_types(tiny_model_dir):
    from inference import sagemaker_handler as h
    from inference.sagemaker_handler import RequestError

    with pytest.raises(RequestError, match="unsupported content type"):
        h.input_fn(b"x", "application/x-npy")
    data = h.input_fn(b'{"inputs": "hi"}\n', "application/jsonlines; charset=utf-8")
    model = h.model_fn(str(tiny_model_dir))
    body = h.output_fn(h.predict_fn(data, model), "application/json")
    assert json.loads(body)[0]["label"] in model.labels


def test_handler_keeps_string_ids_exactly(tiny_model_dir):
    from inference import sagemaker_handler as h

    ids = ["INC-0001", "3f2b8c1e-9d4a-4f6e-8b7a-1c2d3e4f5a6b", "0042", "título-7", "ticket 42"]
    model = h.model_fn(str(tiny_model_dir))
    body = "".join(json.dumps({"id": i, "text": "my card was charged twice"}, ensure_ascii=False) + "\n" for i in ids)
    body += '{"id": 1.50, "text": "a number id"}\n'
    pred = h.predict_fn(h.input_fn(body.encode(), "application/jsonlines"), model)
    assert [json.loads(line)["id"] for line in h.output_fn(pred, "application/jsonlines").splitlines()] == ids + ["1.50"]
    assert [r["id"] for r in json.loads(h.output_fn(pred, "application/json"))] == ids + ["1.50"]
    csv_body = "".join(f'{i},"hello, help"\n' for i in ids)
    rows = h.output_fn(h.predict_fn(h.input_fn(csv_body.encode(), "text/csv"), model), "text/csv")
    assert [row[0] for row in csv.reader(io.StringIO(rows))] == ids
