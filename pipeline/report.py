"""report.html: one self-contained page (PNG plots inlined as base64) about a pipeline run.

Built by the pipeline's last step from what the stages wrote: ETL
manifests, the model's metrics.json and plots, the predictions' summary.json.
"""
from __future__ import annotations

import base64
import html
import io

import fsspec

from common import storage

MISCLASSIFIED_SHOWN = 12


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=90, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(fig)
    return base64.b64encode(buf.getvalue()).decode()


def _img(b64: str | None, alt: str) -> str:
    if not b64:
        return f"<p class='na'>{html.escape(alt)}: not available</p>"
    return f"<img alt='{html.escape(alt)}' src='data:image/png;base64,{b64}'>"


def _file_png(path: str) -> str | None:
    if not storage.exists(path):
        return None
    with fsspec.open(path, "rb") as fh:
        return base64.b64encode(fh.read()).decode()


def _table(header: list[str], rows: list[list]) -> str:
    def cell(v):
        return html.escape(f"{v:.3f}" if isinstance(v, float) else f"{v:,}" if isinstance(v, int) else str(v))

    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{cell(v)}</td>" for v in r) + "</tr>" for r in rows)
    return f"<table><tr>{head}</tr>{body}</table>"


def _bars(groups: dict[str, dict[str, int]], title: str) -> str:
    """Grouped bar chart: one group per key (split), one bar per label."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = sorted({lab for g in groups.values() for lab in g})
    fig, ax = plt.subplots(figsize=(6, 3))
    width = 0.8 / max(len(labels), 1)
    for i, lab in enumerate(labels):
        ax.bar([j + i * width for j in range(len(groups))], [g.get(lab, 0) for g in groups.values()], width, label=lab)
    ax.set_xticks([j + width * (len(labels) - 1) / 2 for j in range(len(groups))], list(groups))
    ax.set_title(title)
    ax.legend()
    return _png(fig)


def _counts_section(steps: dict) -> str:
    rows = []
    for name in ("etl_train", "etl_new_batch"):
        if name in steps:
            c = steps[name]["counts"]
            reasons = ", ".join(f"{k}: {v}" for k, v in c["quarantined_by_reason"].items()) or "none"
            rows.append([name, c["input_rows"], c["customer_rows"], c["company_rows"], c["quarantined_rows"], reasons])
    return "<h2>Data</h2>" + _table(["ETL run", "input rows", "customer", "company", "quarantined", "quarantine reasons"], rows)


def _split_section(steps: dict) -> str:
    if "etl_train" not in steps:
        return ""
    manifest = storage.read_json(f"{steps['etl_train']['path']}/manifest.json")
    groups = {s: v["labels"] for s, v in manifest["splits"].items()}
    return "<h2>Labels per split</h2>" + _img(_bars(groups, "messages per label and split"), "label distribution")


def _model_sections(metrics: dict | None, model_dir: str | None) -> str:
    if not metrics:
        return "<h2>Model</h2><p class='na'>no training metrics in this run</p>"
    out = ["<h2>Training curves</h2>", _img(_file_png(f"{model_dir}/training_curves.png"), "training curves"),
           "<h2>Confusion matrix (test)</h2>", _img(_file_png(f"{model_dir}/confusion_matrix.png"), "confusion matrix")]
    test, base = metrics.get("test") or {}, (metrics.get("baseline") or {}).get("test") or {}
    rows = []
    for lab in metrics["labels"]:
        t, b = test.get("per_class", {}).get(lab) or {}, base.get("per_class", {}).get(lab) or {}
        rows += [[f"{lab} {k}", t.get(k, "-"), b.get(k, "-")] for k in ("precision", "recall", "f1")]
    rows.append(["macro-F1", test.get("macro_f1", "-"), base.get("macro_f1", "-")])
    rows.append(["accuracy", test.get("accuracy", "-"), base.get("accuracy", "-")])
    gate = metrics.get("gate") or {}
    out += ["<h2>Model vs baseline (test split)</h2>", _table(["metric", "fine-tuned model", "TF-IDF + LogReg baseline"], rows),
            f"<p>approved: <b>{metrics.get('approved')}</b> (gate: test macro-F1 &ge; {metrics.get('gate_threshold')} "
            f"and &ge; baseline) {html.escape(str(gate.get('reason', '')))}</p>"]
    gold = metrics.get("gold") or {}
    if gold:
        grows = [[who, (gold.get(who) or {}).get("accuracy", "-"), (gold.get(who) or {}).get("macro_f1", "-")] for who in ("model", "rules")]
        out += ["<h2>Gold-set agreement (hand-labeled)</h2>", _table(["labeler", "accuracy", "macro-F1"], grows)]
    return "".join(out)


def _misclassified(steps: dict, model_dir: str | None) -> str:
    """Test-split messages where the model disagrees with the label, scored by the shared Predictor."""
    if not model_dir or "etl_train" not in steps:
        return ""
    import pandas as pd

    from inference.predictor import Predictor

    fs, path = fsspec.core.url_to_fs(f"{steps['etl_train']['path']}/test")
    parts = [pd.read_parquet(fs.open(f, "rb")) for f in sorted(fs.glob(f"{path}/*.parquet"))]
    if not parts:
        return ""
    test = pd.concat(parts, ignore_index=True)
    predictor = Predictor.load(model_dir, device="cpu")
    preds = predictor.predict(test["text"].tolist())
    test["predicted"] = [predictor.labels[i] for i in preds.label_ids]
    test["score"] = preds.probs.max(axis=1)
    wrong = test[test["predicted"] != test["label"]].sort_values("score", ascending=False).head(MISCLASSIFIED_SHOWN)
    rows = [[r.text, r.label, r.predicted, float(r.score)] for r in wrong.itertuples()]
    return (f"<h2>Misclassified test messages ({(test['predicted'] != test['label']).sum()} of {len(test)})</h2>"
            + _table(["text", "label", "predicted", "score"], rows))


def _predictions_section(steps: dict) -> str:
    summary = (steps.get("predict") or {}).get("summary")
    if not summary:
        return "<h2>Predictions</h2><p class='na'>no predictions in this run</p>"
    out = ["<h2>Predictions on the new batch</h2>", _img(_bars({"new batch": summary["labels"]}, "predicted labels"), "predicted labels")]
    c = summary["counts"]
    out.append(_table(["rows in", "predicted", "company (skipped)", "quarantined", "messages/s"],
                      [[c["rows_in"], c["predicted"], c["skipped_company"], c["quarantined"],
                        (summary.get("throughput") or {}).get("messages_per_s") or "-"]]))
    drift = summary.get("drift")
    out.append("<h2>Drift against the training data</h2>")
    if drift:
        rows = [[name, drift[key] if drift[key] is not None else "-", drift["threshold"]]
                for name, key in (("labels", "label_psi"), ("text length (chars)", "text_length_psi"))]
        out.append(_table(["distribution", "PSI vs training data", "warn above"], rows))
        out += [f"<p class='warn'>{html.escape(w)}</p>" for w in drift.get("warnings", [])]
        if not drift.get("warnings"):
            out.append("<p>no drift above the threshold</p>")
    else:
        out.append(f"<p class='na'>{html.escape(str(summary.get('drift_reason', 'not available')))}</p>")
    return "".join(out)


CSS = ("body{font-family:sans-serif;max-width:980px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:.5em 0}"
       "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}th{background:#f3f3f3}"
       ".na{color:#888}.warn{color:#b00}img{max-width:100%}")


def build_report(cfg, results: dict) -> str:
    steps = results
    model_dir = (steps.get("train") or {}).get("output_dir")
    metrics = storage.read_json(f"{model_dir}/metrics.json") if model_dir and storage.exists(f"{model_dir}/metrics.json") else None
    body = [f"<h1>Support triage pipeline: {html.escape(cfg.run_id)}</h1>", _counts_section(steps), _split_section(steps),
            _model_sections(metrics, model_dir), _misclassified(steps, model_dir if metrics else None),
            _predictions_section(steps)]
    return f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(cfg.run_id)} report</title>" \
           f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>"
