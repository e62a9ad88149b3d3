"""report.html: one self-contained page (PNG plots inlined as base64) about a pipeline run.

Built by the pipeline's last step from what the stages wrote, each read
through its contract: the ETL runs (open_etl_run), the model's metrics.json
(TrainMetrics) and plots, the predictions' summary.json (PredictSummary).
"""
from __future__ import annotations

import base64
import html
import io

import fsspec

from common import storage
from common.contracts import PredictSummary, TrainMetrics
from common.etl_run import EtlRun, open_etl_run

ETL_STEPS = ("etl_train", "etl_new_batch")

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


def _counts_section(runs: dict[str, EtlRun]) -> str:
    rows = []
    for name, run in runs.items():
        c = run.manifest.counts
        reasons = ", ".join(f"{k}: {v}" for k, v in c.quarantined_by_reason.items()) or "none"
        rows.append([name, c.input_rows, c.customer_rows, c.company_rows, c.quarantined_rows, reasons])
    return "<h2>Data</h2>" + _table(["ETL run", "input rows", "customer", "company", "quarantined", "quarantine reasons"], rows)


def _split_section(runs: dict[str, EtlRun]) -> str:
    if "etl_train" not in runs:
        return ""
    groups = {s: v.labels for s, v in runs["etl_train"].manifest.splits.items()}
    return "<h2>Labels per split</h2>" + _img(_bars(groups, "messages per label and split"), "label distribution")


def _model_sections(metrics: TrainMetrics | None, model_dir: str | None) -> str:
    if not metrics:
        return "<h2>Model</h2><p class='na'>no training metrics in this run</p>"
    out = ["<h2>Training curves</h2>", _img(_file_png(f"{model_dir}/training_curves.png"), "training curves"),
           "<h2>Confusion matrix (test)</h2>", _img(_file_png(f"{model_dir}/confusion_matrix.png"), "confusion matrix")]
    test, base = metrics.test or {}, metrics.baseline.get("test") or {}
    rows = []
    for lab in metrics.labels:
        t, b = test.get("per_class", {}).get(lab) or {}, base.get("per_class", {}).get(lab) or {}
        rows += [[f"{lab} {k}", t.get(k, "-"), b.get(k, "-")] for k in ("precision", "recall", "f1")]
    rows.append(["macro-F1", test.get("macro_f1", "-"), base.get("macro_f1", "-")])
    rows.append(["accuracy", test.get("accuracy", "-"), base.get("accuracy", "-")])
    gate = metrics.gate
    out += ["<h2>Model vs baseline (test split)</h2>", _table(["metric", "fine-tuned model", "TF-IDF + LogReg baseline"], rows),
            f"<p>approved: <b>{gate.approved}</b> (gate: test macro-F1 &ge; {gate.min_test_macro_f1} and &ge; baseline)</p>"]
    if gate.reasons:
        out.append(f"<p class='warn'>not approved because {html.escape('; '.join(gate.reasons))}</p>")
    gold = metrics.gold or {}
    if gold:
        grows = [[who, (gold.get(who) or {}).get("accuracy", "-"), (gold.get(who) or {}).get("macro_f1", "-")] for who in ("model", "rules")]
        out += ["<h2>Gold-set agreement (hand-labeled)</h2>", _table(["labeler", "accuracy", "macro-F1"], grows)]
    return "".join(out)


def _misclassified(train_run: EtlRun | None, model_dir: str | None) -> str:
    """Test-split messages where the model disagrees with the label, scored by the shared Predictor."""
    if not model_dir or train_run is None or not train_run.files.get("test"):
        return ""
    import pandas as pd

    from inference.predictor import Predictor

    parts = []
    for url in train_run.files["test"]:
        with fsspec.open(url, "rb") as fh:
            parts.append(pd.read_parquet(fh))
    test = pd.concat(parts, ignore_index=True)
    predictor = Predictor.load(model_dir, device="cpu")
    preds = predictor.predict(test["text"].tolist())
    test["predicted"] = [predictor.labels[i] for i in preds.label_ids]
    test["score"] = preds.probs.max(axis=1)
    wrong = test[test["predicted"] != test["label"]].sort_values("score", ascending=False).head(MISCLASSIFIED_SHOWN)
    rows = [[r.text, r.label, r.predicted, float(r.score)] for r in wrong.itertuples()]
    return (f"<h2>Misclassified test messages ({(test['predicted'] != test['label']).sum()} of {len(test)})</h2>"
            + _table(["text", "label", "predicted", "score"], rows))


def _predictions_section(summary: PredictSummary | None) -> str:
    if summary is None:
        return "<h2>Predictions</h2><p class='na'>no predictions in this run</p>"
    out = ["<h2>Predictions on the new batch</h2>", _img(_bars({"new batch": summary.labels}, "predicted labels"), "predicted labels")]
    c = summary.counts
    out.append(_table(["rows in", "predicted", "company (skipped)", "quarantined", "messages/s"],
                      [[c.rows_in, c.predicted, c.skipped_company, c.quarantined, summary.throughput.get("messages_per_s") or "-"]]))
    drift = summary.drift
    out.append("<h2>Drift against the training data</h2>")
    if drift:
        rows = [[name, drift[key] if drift[key] is not None else "-", drift["threshold"]]
                for name, key in (("labels", "label_psi"), ("text length (chars)", "text_length_psi"))]
        out.append(_table(["distribution", "PSI vs training data", "warn above"], rows))
        out += [f"<p class='warn'>{html.escape(w)}</p>" for w in drift.get("warnings", [])]
        if not drift.get("warnings"):
            out.append("<p>no drift above the threshold</p>")
    else:
        out.append(f"<p class='na'>{html.escape(summary.drift_reason or 'not available')}</p>")
    return "".join(out)


CSS = ("body{font-family:sans-serif;max-width:980px;margin:2em auto;color:#222}table{border-collapse:collapse;margin:.5em 0}"
       "td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;font-size:13px}th{background:#f3f3f3}"
       ".na{color:#888}.warn{color:#b00}img{max-width:100%}")


def build_report(cfg, steps: dict) -> str:
    """The page for a pipeline run; `steps` is the runner's {step: outputs}, which say where each stage wrote."""
    runs = {name: open_etl_run(steps[name]["path"]) for name in ETL_STEPS if name in steps}
    model_dir = (steps.get("train") or {}).get("output_dir")
    metrics = TrainMetrics.read(f"{model_dir}/metrics.json") if model_dir and storage.exists(f"{model_dir}/metrics.json") else None
    predictions = (steps.get("predict") or {}).get("output")  # none when the predict step ran as a SageMaker job
    summary = PredictSummary.read(f"{predictions}/summary.json") if predictions else None
    body = [f"<h1>Support triage pipeline: {html.escape(cfg.run_id)}</h1>", _counts_section(runs), _split_section(runs),
            _model_sections(metrics, model_dir), _misclassified(runs.get("etl_train"), model_dir if metrics else None),
            _predictions_section(summary)]
    return f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(cfg.run_id)} report</title>" \
           f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>"
