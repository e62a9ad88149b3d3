"""SageMaker (Hugging Face inference toolkit) entry points around the shared Predictor.

    python -m inference.packaging --model runs/model --output model.tar.gz   # ships this as code/inference.py
    # the toolkit then calls: model_fn(model_dir) -> input_fn(body, content_type) -> predict_fn(data, model)
    #                         -> output_fn(prediction, accept)

Content types (request and response alike):
- application/jsonlines: one object per line, `{"inputs": "..."}` or `{"text": "...", "id": 7}`
  (the toolkit's default handler rejects this type; Batch Transform with
  SplitType=Line + BatchStrategy=MultiRecord sends many lines per request);
- application/json: `{"inputs": "..." | [...]}`, `{"instances": [...]}`, or a list of strings/objects;
- text/csv: no header, one record per line: `text`, or `id,text`.
Every record of a request is scored in one `Predictor.predict` call, so a
MultiRecord request is batched on the device. The response holds the records
in request order: id (when given), label, score, probabilities and text flags.
Engine settings come from the environment: TRIAGE_DEVICE, TRIAGE_PRECISION,
TRIAGE_BATCH_TOKENS (the hardware is the endpoint's, not the model's).
"""
from __future__ import annotations

import csv
import io
import json
import os

import numpy as np

from common.errors import UserError
from inference.intake import add_flag, text_flags
from inference.predictor import Predictor
from preprocessing.text import model_text

JSONLINES = ("application/jsonlines", "application/x-jsonlines", "application/jsonl")
JSON = "application/json"
CSV = "text/csv"


class RequestError(UserError):
    """A request body or content type the handler cannot read; the message says what it accepts."""


def model_fn(model_dir: str, context=None) -> Predictor:
    return Predictor.load(
        model_dir,
        device=os.environ.get("TRIAGE_DEVICE", "auto"),
        precision=os.environ.get("TRIAGE_PRECISION", "auto"),
        batch_tokens=int(os.environ.get("TRIAGE_BATCH_TOKENS", "4096")),
    )


def input_fn(input_data, content_type: str, context=None) -> dict:
    """Records [{"id": ..., "text": ...}] from a request body."""
    kind = _kind(content_type)
    body = input_data.decode("utf-8") if isinstance(input_data, (bytes, bytearray)) else str(input_data)
    if kind == "jsonl":
        records = [_record(_json(line)) for line in body.splitlines() if line.strip()]
    elif kind == "json":
        records = _json_records(_json(body) if body.strip() else [])
    else:
        records = [_csv_record(row) for row in csv.reader(io.StringIO(body)) if row]
    return {"records": records, "content_type": kind}


def _json(text: str):
    """Numbers stay the text they were written as, so an id 7 or 1.50 comes back as "7" or "1.50":
    ids are opaque strings in every output."""
    return json.loads(text, parse_int=str, parse_float=str)


def _kind(content_type: str | None) -> str:
    base = (content_type or JSON).split(";")[0].strip().lower()
    if base in JSONLINES:
        return "jsonl"
    if base == JSON:
        return "json"
    if base == CSV:
        return "csv"
    raise RequestError(f"unsupported content type {content_type!r}; use {JSONLINES[0]}, {JSON} or {CSV}")


def _record(obj) -> dict:
    if isinstance(obj, str):
        return {"id": None, "text": obj}
    if not isinstance(obj, dict):
        raise RequestError(f"a record must be a string or an object with 'inputs' or 'text', found {obj!r}")
    if "inputs" in obj and not isinstance(obj["inputs"], (str, type(None))):
        raise RequestError("one record per line: 'inputs' must be a string here (send lists as application/json)")
    text = obj.get("text", obj.get("inputs"))
    if text is None and "text" not in obj and "inputs" not in obj:
        raise RequestError(f"record has neither 'text' nor 'inputs': {sorted(obj)}")
    return {"id": obj.get("id"), "text": text or ""}


def _json_records(obj) -> list[dict]:
    if isinstance(obj, dict) and isinstance(obj.get("inputs"), list):
        return [_record(x) for x in obj["inputs"]]
    if isinstance(obj, dict) and isinstance(obj.get("instances"), list):
        return [_record(x) for x in obj["instances"]]
    if isinstance(obj, list):
        return [_record(x) for x in obj]
    return [_record(obj)]


def _csv_record(row: list[str]) -> dict:
    return {"id": None, "text": row[0]} if len(row) == 1 else {"id": row[0], "text": ",".join(row[1:])}


def predict_fn(data: dict, model: Predictor, context=None) -> dict:
    raw = [r["text"] for r in data["records"]]
    texts = [model_text(t) for t in raw]
    preds = model.predict(texts)
    flags = add_flag(text_flags(raw, texts, np.zeros(len(raw), bool)), preds.truncated, "truncated")
    rows = []
    for rec, p, k, fl in zip(data["records"], preds.probs, preds.label_ids, flags):
        k = int(k)  # the model's threshold applied, as in the CLI and Spark (modeling/threshold.py)
        row = {"id": rec["id"]} if rec["id"] is not None else {}
        row.update({"label": model.labels[k], "score": float(p[k]),
                    **{f"prob_{name}": float(p[j]) for j, name in enumerate(model.labels)}, "text_flags": fl})
        rows.append(row)
    return {"rows": rows, "labels": model.labels, "content_type": data["content_type"],
            "model": {"name": model.info.name, "version": model.info.version, "sha256": model.info.sha256,
                      "triage_threshold": model.threshold and model.threshold.to_json()}}


def output_fn(prediction: dict, accept: str | None, context=None) -> str:
    """The response body in the accepted type; `*/*` or none -> the request's type."""
    kind = prediction["content_type"] if not accept or accept.strip() in ("*/*", "") else _kind(accept)
    rows = prediction["rows"]
    if kind == "jsonl":
        return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows)
    if kind == "json":
        return json.dumps(rows, ensure_ascii=False)
    out = io.StringIO()
    # No header: Batch Transform joins responses line by line (AssembleWith=Line).
    writer = csv.writer(out, lineterminator="\n")
    for r in rows:
        writer.writerow([r.get("id", ""), r["label"], r["score"], *(r[f"prob_{n}"] for n in prediction["labels"]), r["text_flags"]])
    return out.getvalue()
