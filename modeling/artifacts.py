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
import matplotlib.pyplot as plt

from common.contracts import GateDecision, TrainingManifest, TrainMetrics

METRICS_FILE = "metrics.json"
MANIFEST_FILE = "training_manifest.json"
CARD_FILE = "README.md"
CONFUSION_PNG = "confusion_matrix.png"
CURVES_PNG = "training_curves.png"


def gate(test: dict | None, baseline_test: dict | None, threshold: float, gold_test: dict | None = None,
         min_gold_recall: float | None = None, recall_label: str = "critical", require_gold: bool = False) -> GateDecision:
    """Every criterion of the gate; `reasons` names each one that fails.

    Weak labels (agreement with the rules): test macro-F1 >= threshold and >= the
    baseline's. Human labels, when `min_gold_recall` is set: on `gold_test`
    (modeling.gold.score_split of gold test, the model's threshold applied) the
    model's macro-F1 >= the keyword rules' and its recall of `recall_label` >=
    min_gold_recall. With `require_gold`, no gold test split is itself a reason.
    """
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
    decision = GateDecision(approved=False, min_test_macro_f1=threshold, model_test_macro_f1=model_f1,
                            baseline_test_macro_f1=base_f1, reasons=reasons)
    if min_gold_recall is not None:
        reasons += _human_label_reasons(decision, gold_test, min_gold_recall, recall_label, require_gold)
    decision.approved = not reasons
    return decision


def _human_label_reasons(decision: GateDecision, gold_test: dict | None, floor: float, label: str,
                         required: bool) -> list[str]:
    """Fills the decision's gold fields; returns the failed human-label criteria."""
    if not gold_test or not gold_test.get("model"):
        if not required:
            return []  # not judged on human labels: min_gold_recall stays None
        decision.min_gold_recall, decision.recall_label = floor, label  # judged, and nothing to judge on
        return ["no gold test split to judge the model on human labels; set gold.test, or gate.require_gold=false"]
    model, rules = gold_test["model"]["overall"], gold_test["rules"]["overall"]
    recall = model["per_class"][label]["recall"]
    decision.model_gold_macro_f1, decision.rules_gold_macro_f1 = model["macro_f1"], rules["macro_f1"]
    decision.model_gold_recall, decision.min_gold_recall, decision.recall_label = recall, floor, label
    reasons = []
    if model["macro_f1"] < rules["macro_f1"]:
        reasons.append(f"gold test macro-F1 {model['macro_f1']:.4f} < the keyword rules' {rules['macro_f1']:.4f} "
                       "(human labels)")
    if recall < floor:
        reasons.append(f"gold test {label} recall {recall:.4f} < gate.min_gold_recall {floor} (human labels)")
    return reasons


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


def gate_rule(g: GateDecision) -> str:
    """The gate's criteria in one line (model card, report)."""
    weak = f"gate: test macro-F1 >= {g.min_test_macro_f1} and >= baseline"
    if g.min_gold_recall is None:
        return weak
    return f"{weak}; on gold test, macro-F1 >= the rules' and {g.recall_label} recall >= {g.min_gold_recall}"


def threshold_line(metrics: TrainMetrics) -> str:
    """How a label is made, and what that gives on human labels (dev: chosen there; test: locked)."""
    t = metrics.triage_threshold
    if not t:
        return "argmax of the class probabilities (no threshold chosen)"
    out = (f"`{t['label']}` iff P({t['label']}) >= {t['threshold']:.4f}, chosen on {t['chosen_on']} "
           f"({t['rows']} rows) for recall >= {t['target_recall']}: recall {t['recall']:.3f}, precision {t['precision']:.3f}")
    test = ((metrics.gold or {}).get("splits") or {}).get("test")
    if test and test.get("model"):
        cls = test["model"]["overall"]["per_class"][t["label"]]
        out += f"; on gold test recall {cls['recall']:.3f}, precision {cls['precision']:.3f}"
    return out


def _human_sections(metrics: TrainMetrics) -> list[str]:
    from modeling.gold import agreement_rows

    gold, positive = metrics.gold, (metrics.triage_threshold or {}).get("label") or metrics.labels[0]
    out = ["## Agreement with human labels", ""]
    if not gold:
        out += ["No gold set was scored (gold.dev and gold.test are null).", ""]
    else:
        out += ["Hand-labeled gold messages (`data/gold/`): `model` has the threshold applied, `model_argmax` "
                "does not, `rules` are the keyword rules that labeled the training data.", "",
                f"| split | lang | rows | labeler | accuracy | macro-F1 | {positive} recall | {positive} precision |",
                "| --- | --- | --- | --- | --- | --- | --- | --- |"]
        out += ["| " + " | ".join([*map(str, r[:4]), *(_fmt(v) for v in r[4:])]) + " |"
                for r in agreement_rows(gold["splits"], positive)]
        out.append("")
    reviewed = metrics.reviewed
    if reviewed:
        out += [f"Reviewed labels in the {reviewed['split']} split ({reviewed['rows']} rows): model macro-F1 "
                f"{_fmt(reviewed['model']['macro_f1'])}, rules {_fmt(reviewed['rules']['macro_f1'])}.", ""]
    return out


def _label_issue_lines(issues: dict | None) -> list[str]:
    if not issues:
        return []
    if issues.get("skipped"):
        return ["", "## Likely label errors (cleanlab)", "", f"Not computed: {issues['skipped']}."]
    rows = [f"| {name} | {c['rows']:,} | {c['likely_errors']:,} | {_fmt(c['share'])} |" for name, c in issues["by_class"].items()]
    return ["", "## Likely label errors (cleanlab)", "",
            f"Train-split rows whose weak label looks wrong ({issues['method']}, {issues['folds']} folds): "
            f"{issues['likely_errors']:,} of {issues['rows']:,}. `python -m modeling.review` queues such rows for a person.",
            "", "| label given | rows | likely errors | share |", "| --- | --- | --- | --- |", *rows]


def model_card(metrics: TrainMetrics, manifest: TrainingManifest) -> str:
    data, g = manifest.data_manifest, metrics.gate
    split_lines = [f"| {s} | {st.rows:,} | {json.dumps(st.labels, sort_keys=True)} |" for s, st in data.splits.items()]
    lines = [
        f"# {manifest.model_name}",
        "",
        "Flags customer-support messages (tweets and chats, English and Spanish) as "
        + " vs ".join(f"`{n}`" for n in manifest.labels) + ".",
        "",
        f"- Base model: `{manifest.base_model}`; max length {manifest.max_length} tokens",
        f"- Labels (id order): {', '.join(manifest.labels)} (also in config.json id2label)",
        f"- Approved: **{g.approved}** ({gate_rule(g)})"
        + (f"; not approved because {'; '.join(g.reasons)}" if g.reasons else ""),
        f"- Decision: {threshold_line(metrics)}",
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
        *_human_sections(metrics),
        "## Agreement with the keyword rules (weak-label test split)",
        "",
        "The test split's labels are the rules' (or reviewed ones where given), so this measures how well the "
        "model reproduces them, not whether it is right; both models take the argmax here.",
        "",
        *_results_table(metrics),
        "",
        f"Validation macro-F1: {_fmt((metrics.validation or {}).get('macro_f1'))}.",
    ]
    lines += _label_issue_lines(metrics.label_issues)
    lines += ["", "## Use", "", "```python",
              "from transformers import AutoModelForSequenceClassification, AutoTokenizer",
              "tok = AutoTokenizer.from_pretrained(MODEL_DIR)",
              "model = AutoModelForSequenceClassification.from_pretrained(MODEL_DIR)",
              "# feed preprocessing.text.model_text(raw); model.config.id2label names the classes",
              "# labels as production makes them: modeling.threshold.decide(probs, labels, read_threshold(MODEL_DIR))",
              "```", "",
              "Trained labels come from keyword rules (weak labels), with reviewed labels or a gold column where the "
              "ETL had them: the model can inherit the rules' blind spots; see the human-label table.", ""]
    return "\n".join(lines)
