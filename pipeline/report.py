"""report.html: one self-contained page (PNG plots inlined as base64) about a pipeline run.

Built by the pipeline's last step from what the stages wrote, each read
through its contract: the ETL runs (open_etl_run), the model's metrics.json
(TrainMetrics) and plots, the predictions' summary.json (PredictSummary) and
shards. It leads with what a support team needs: agreement with human labels
(gold test and dev per language, reviewed labels), critical recall and
precision at the chosen threshold, the gate, and the most urgent messages of
the new batch. Agreement with the keyword rules (the weak-label test split)
comes after, named for what it is.
"""
from __future__ import annotations

import base64
import html
import io

import fsspec

from common import storage
from common.contracts import PredictSummary, TrainMetrics
from common.etl_run import EtlRun, open_etl_run
from pipeline.steps import training_etl

MISCLASSIFIED_SHOWN = 12
URGENT_SHOWN = 20


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
    out += ["<h2>Agreement with the keyword rules (weak-label test split)</h2>",
            "<p>The test split is labeled by the keyword rules (and reviewed labels where given): this says how well "
            "each model reproduces the rules, not whether it is right. Both take the argmax here.</p>",
            _table(["metric", "fine-tuned model", "TF-IDF + LogReg baseline"], rows)]
    return "".join(out) + _label_issues_section(metrics.label_issues)


def _human_section(metrics: TrainMetrics | None) -> str:
    """What the page leads with: the model against labels people gave, at its threshold, and the verdict."""
    from modeling.artifacts import gate_rule, threshold_line
    from modeling.gold import agreement_rows

    if not metrics:
        return "<h2>Agreement with human labels</h2><p class='na'>no trained model in this run</p>"
    g = metrics.gate
    out = ["<h2>Agreement with human labels</h2>",
           f"<p>Decision: {html.escape(threshold_line(metrics).replace('`', ''))}</p>",
           f"<p>approved: <b>{g.approved}</b> ({html.escape(gate_rule(g)).replace('&gt;=', '&ge;')})</p>"]
    if g.reasons:
        out.append(f"<p class='warn'>not approved because {html.escape('; '.join(g.reasons))}</p>")
    positive = (metrics.triage_threshold or {}).get("label") or metrics.labels[0]
    if metrics.gold:
        rows = agreement_rows(metrics.gold["splits"], positive)
        rows.sort(key=lambda r: (r[0] != "test", r[0]))  # the locked split first
        out += ["<p>Hand-labeled gold messages: <i>model</i> has the threshold applied (what production labels), "
                "<i>model_argmax</i> does not, <i>rules</i> are the keyword rules that labeled the training data.</p>",
                _table(["gold split", "language", "rows", "labeler", "accuracy", "macro-F1", f"{positive} recall",
                        f"{positive} precision"], [[v if v is not None else "-" for v in r] for r in rows])]
    else:
        out.append("<p class='na'>no gold set was scored (gold.dev and gold.test are null)</p>")
    if metrics.reviewed:
        r = metrics.reviewed
        rows = [[who, r["rows"], r[who]["accuracy"], r[who]["macro_f1"],
                 r[who]["per_class"][positive]["recall"], r[who]["per_class"][positive]["precision"]]
                for who in ("model", "rules")]
        out += [f"<h3>Reviewed labels ({html.escape(r['split'])} split)</h3>",
                _table(["labeler", "rows", "accuracy", "macro-F1", f"{positive} recall", f"{positive} precision"], rows)]
    return "".join(out)


def _label_issues_section(issues: dict | None) -> str:
    if not issues:
        return ""
    if issues.get("skipped"):
        return f"<h2>Likely label errors (cleanlab)</h2><p class='na'>{html.escape(issues['skipped'])}</p>"
    rows = [[name, c["rows"], c["likely_errors"], c["share"] if c["share"] is not None else "-"]
            for name, c in issues["by_class"].items()]
    return ("<h2>Likely label errors (cleanlab)</h2><p>Train-split rows whose weak label the out-of-fold "
            f"TF-IDF model confidently contradicts: {issues['likely_errors']:,} of {issues['rows']:,}.</p>"
            + _table(["label given", "rows", "likely errors", "share"], rows))


def _urgent_section(summary: PredictSummary | None, predictions: str | None, new_batch: EtlRun | None) -> str:
    """The new batch's messages with the highest critical score, with their text."""
    if summary is None or not predictions or new_batch is None:
        return ""
    rule = summary.model.triage_threshold or {}
    positive = rule.get("label") or summary.model.labels[0]
    top = top_scored(predictions, summary.output.get("format", "parquet"), f"prob_{positive}", URGENT_SHOWN)
    if top.empty:
        return ""
    texts = _texts(new_batch, top["id"].tolist())
    rows = [[r.id, texts.get(r.id, "(not in the new batch's ETL run)"), r.label, float(r.prob)] for r in top.itertuples()]
    where = f"the threshold {rule['threshold']:.3f}" if rule else "the argmax"
    return (f"<h2>Most urgent new messages</h2><p>The {len(rows)} messages of the new batch with the highest "
            f"P({html.escape(positive)}); the label applies {where}.</p>"
            + _table(["tweet id", "text", "label", f"P({positive})"], rows))


def top_scored(predictions: str, fmt: str, column: str, n: int):
    """The n prediction rows with the highest `column`, shard by shard (memory stays at n rows per shard)."""
    import pandas as pd

    from inference.sinks import read_table

    fs, root = fsspec.core.url_to_fs(predictions.rstrip("/"))
    best = []
    for path in sorted(fs.glob(f"{root}/predictions/*")):
        shard = read_table(fs, path, fmt, columns=["id", "label", column]).to_pandas()
        best.append(shard.nlargest(n, column))
    if not best:
        return pd.DataFrame(columns=["id", "label", "prob"])
    out = pd.concat(best).nlargest(n, column).rename(columns={column: "prob"})
    return out.astype({"id": str})


def _texts(run: EtlRun, ids: list[str]) -> dict[str, str]:
    """{tweet id: model text} of those ids in the run's shards."""
    import pyarrow as pa
    import pyarrow.compute as pc
    import pyarrow.parquet as pq

    wanted = pa.array([int(i) for i in ids if i.isdigit()], pa.int64())
    found = {}
    for url, _ in run.all_files():
        with fsspec.open(url, "rb") as fh:
            t = pq.read_table(fh, columns=["tweet_id", "text"])
        t = t.filter(pc.is_in(t["tweet_id"], value_set=wanted))
        found.update({str(k): v for k, v in zip(t["tweet_id"].to_pylist(), t["text"].to_pylist())})
    return found


def _unapproved_warning(predict: dict | None) -> str:
    if not predict or predict.get("model_approved", True):
        return ""
    return (f"<p class='warn'>The new batch was labeled by {html.escape(predict['model'])}, a model the gate did not "
            "approve: the registry holds no approved model yet and the pipeline ran with unapproved_fallback=true. "
            "Do not route messages on these labels.</p>")


def _review_section(review: dict | None) -> str:
    if not review:
        return ""
    signals = ", ".join(f"{k}: {v}" for k, v in review["by_signal"].items())
    return (f"<h2>Review queue</h2><p>{review['rows']:,} of {review['candidates']:,} candidate messages "
            f"({review['scored']:,} scored) queued for a person at <code>{html.escape(review['output'])}</code> "
            f"({html.escape(review['format'])}); rows per signal: {html.escape(signals)}. Labels given back go into "
            "the next training ETL (<code>data.reviewed_labels</code>).</p>")


def _simulated_review_section(step: dict | None) -> str:
    sim = (step or {}).get("simulated_review")
    if not sim:
        return ""
    return (f"<h2>Simulated review (demo)</h2><p>A first-pass model queued {sim['queued']:,} training messages for "
            f"review; the generator answered {sim['answered']:,} of them with the class it wrote each for, "
            f"{sim['changed']:,} against the rule label, and the model was trained with those answers as reviewed "
            "labels. On real data people give these answers (the review queue above, "
            "<code>data.reviewed_labels</code>).</p>")


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
    test["score"] = preds.scores
    wrong = test[test["predicted"] != test["label"]].sort_values("score", ascending=False).head(MISCLASSIFIED_SHOWN)
    rows = [[r.text, r.label, r.predicted, float(r.score)] for r in wrong.itertuples()]
    return (f"<h2>Misclassified test messages: model and label disagree ({(test['predicted'] != test['label']).sum()} "
            f"of {len(test)}; the label is the rules' unless reviewed)</h2>"
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
    # The training data is the run the model trained on (the simulated reviewers' rerun, when there is one).
    etl = {"etl_train": training_etl(steps), "etl_new_batch": steps.get("etl_new_batch")}
    runs = {name: open_etl_run(step["path"]) for name, step in etl.items() if step}
    model_dir = (steps.get("train") or {}).get("output_dir")
    metrics = TrainMetrics.read(f"{model_dir}/metrics.json") if model_dir and storage.exists(f"{model_dir}/metrics.json") else None
    predictions = (steps.get("predict") or {}).get("output")  # none when the predict step ran as a SageMaker job
    summary = PredictSummary.read(f"{predictions}/summary.json") if predictions else None
    body = [f"<h1>Support triage pipeline: {html.escape(cfg.run_id)}</h1>", _human_section(metrics),
            _unapproved_warning(steps.get("predict")),
            _urgent_section(summary, predictions, runs.get("etl_new_batch")), _review_section(steps.get("review")),
            _simulated_review_section(steps.get("simulated_review")),
            _counts_section(runs), _split_section(runs), _model_sections(metrics, model_dir),
            _misclassified(runs.get("etl_train"), model_dir if metrics else None), _predictions_section(summary)]
    return f"<!doctype html><html><head><meta charset='utf-8'><title>{html.escape(cfg.run_id)} report</title>" \
           f"<style>{CSS}</style></head><body>{''.join(body)}</body></html>"
