"""What a training run leaves beside the model: metrics.json, training_manifest.json, README.md, plots.

    write_all(folder, metrics, manifest, log_history)   # TrainMetrics, TrainingManifest (common.contracts)

The model folder is self-describing: inference reads the labels, max_length
and the training data's label and text-length distributions (for drift
checks) from training_manifest.json; a reviewer reads README.md.
"""
from __future__ import annotations

import json
import os

import matplotlib

matplotlib.use("Agg")  # headless: training machines have no display
import matplotlib.pyplot as plt  # noqa: E402

from common.contracts import GateDecision, TrainingManifest, TrainMetrics  # noqa: E402

METRICS_FILE = "metrics.json"
MANIFEST_FILE = "training_manifest.json"
CARD_FILE = "README.md"
CONFUSION_PNG = "confusion_matrix.png"
CURVES_PNG = "training_curves.png"


def gate(test: dict | None, baseline_test: dict | None, threshold: float) -> GateDecision:
    """approved iff test macro-F1 >= threshold and >= the baseline's test macro-F1."""
    model_f1 = test["macro_f1"] if test else None
    base_f1 = baseline_test["macro_f1"] if baseline_test else None
    reasons = []
    if model_f1 is None:
        reasons.append("no test macro-F1 (empty test split)")
    else:
        if model_f1 < threshold:
            reasons.append(f"test macro-F1 {model_f1:.4f} < threshold {threshold}")
        if base_f1 is not None and model_f1 < base_f1:
            reasons.append(f"test macro-F1 {model_f1:.4f} < baseline {base_f1:.4f}")
    return GateDecision(approved=not reasons, min_test_macro_f1=threshold, model_test_macro_f1=model_f1,
                        baseline_test_macro_f1=base_f1, reasons=reasons)


def write_all(folder: str, metrics: TrainMetrics, manifest: TrainingManifest, log_history: list[dict]) -> None:
    metrics.write(os.path.join(folder, METRICS_FILE))
    manifest.write(os.path.join(folder, MANIFEST_FILE))
    plot_confusion(metrics.test, os.path.join(folder, CONFUSION_PNG))
    plot_curves(log_history, os.path.join(folder, CURVES_PNG))
    with open(os.path.join(folder, CARD_FILE), "w", encoding="utf-8") as fh:
        fh.write(model_card(metrics, manifest))


def plot_confusion(test: dict | None, path: str) -> None:
    fig, ax = plt.subplots(figsize=(4.5, 4))
    if test and test.get("confusion_matrix"):
        matrix, names = test["confusion_matrix"], test["labels"]
        ax.imshow(matrix, cmap="Blues")
        ax.set_xticks(range(len(names)), names, rotation=30)
        ax.set_yticks(range(len(names)), names)
        top = max(max(row) for row in matrix) or 1
        for i, row in enumerate(matrix):
            for j, n in enumerate(row):
                ax.text(j, i, str(n), ha="center", va="center", color="white" if n > top / 2 else "black")
        ax.set_xlabel("predicted")
        ax.set_ylabel("true")
    else:
        ax.text(0.5, 0.5, "empty test split", ha="center")
    ax.set_title("Test confusion matrix")
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def plot_curves(log_history: list[dict], path: str) -> None:
    train = [(h["step"], h["loss"]) for h in log_history if "loss" in h]
    evals = [(h["step"], h.get("eval_loss"), h.get("eval_macro_f1")) for h in log_history if "eval_macro_f1" in h]
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.5))
    if train:
        left.plot(*zip(*train), label="train loss")
    if evals:
        left.plot([e[0] for e in evals], [e[1] for e in evals], "o-", label="validation loss")
        right.plot([e[0] for e in evals], [e[2] for e in evals], "o-", color="tab:green")
    left.set_xlabel("step")
    left.set_title("Loss")
    left.legend()
    right.set_xlabel("step")
    right.set_title("Validation macro-F1")
    right.set_ylim(0, 1)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)


def _fmt(x) -> str:
    return "n/a" if x is None else f"{x:.4f}"


def _results_table(metrics: TrainMetrics) -> list[str]:
    test, base = metrics.test, metrics.baseline.get("test")
    labels = metrics.labels
    rows = ["| metric (test split) | model | TF-IDF + LogReg baseline |", "| --- | --- | --- |"]
    for key in ("accuracy", "macro_f1"):
        rows.append(f"| {key} | {_fmt(test and test[key])} | {_fmt(base and base[key])} |")
    for name in labels:
        m = test["per_class"].get(name, {}) if test else {}
        b = base["per_class"].get(name, {}) if base else {}
        rows.append(f"| F1 `{name}` | {_fmt(m.get('f1'))} | {_fmt(b.get('f1'))} |")
    return rows


def model_card(metrics: TrainMetrics, manifest: TrainingManifest) -> str:
    data, g, gold = manifest.data_manifest, metrics.gate, metrics.gold
    split_lines = [f"| {s} | {st.rows:,} | {json.dumps(st.labels, sort_keys=True)} |" for s, st in data.splits.items()]
    lines = [
        f"# {manifest.model_name}",
        "",
        "Flags customer-support messages (tweets and chats, English and Spanish) as "
        + " vs ".join(f"`{n}`" for n in manifest.labels) + ".",
        "",
        f"- Base model: `{manifest.base_model}`; max length {manifest.max_length} tokens",
        f"- Labels (id order): {', '.join(manifest.labels)} (also in config.json id2label)",
        f"- Approved: **{g.approved}** (gate: test macro-F1 >= {g.min_test_macro_f1} and >= baseline)"
        + (f"; not approved because {'; '.join(g.reasons)}" if g.reasons else ""),
        f"- Git commit: `{manifest.git_commit}`",
        "",
        "## Data",
        "",
        f"ETL run `{data.path}` ({data.label_source}). "
        "Input text is `preprocessing.text.model_text` of the raw message.",
        "",
        "| split | rows | labels |",
        "| --- | --- | --- |",
        *split_lines,
        "",
        "## Results",
        "",
        *_results_table(metrics),
        "",
        f"Validation macro-F1: {_fmt((metrics.validation or {}).get('macro_f1'))}.",
    ]
    if gold:
        lines += ["", "## Gold set", "",
                  f"{gold['rows']} hand-labeled messages (`{gold['path']}`):",
                  "", "| | accuracy | macro-F1 |", "| --- | --- | --- |",
                  f"| model | {_fmt(gold['model']['accuracy'])} | {_fmt(gold['model']['macro_f1'])} |",
                  f"| keyword rules | {_fmt(gold['rules']['accuracy'])} | {_fmt(gold['rules']['macro_f1'])} |"]
    lines += ["", "## Use", "", "```python",
              "from transformers import AutoModelForSequenceClassification, AutoTokenizer",
              "tok = AutoTokenizer.from_pretrained(MODEL_DIR)",
              "model = AutoModelForSequenceClassification.from_pretrained(MODEL_DIR)",
              "# feed preprocessing.text.model_text(raw); model.config.id2label names the classes",
              "```", "",
              "Trained labels come from keyword rules (weak labels) unless the ETL used a gold column: "
              "the model can inherit the rules' blind spots; see the gold-set table.", ""]
    return "\n".join(lines)
