r"""Container side of the weekly SageMaker Pipeline's own steps (the DAG: pipeline/sagemaker_pipeline.py).

    smspark-submit --py-files code.zip sagemaker_step_entry.py etl --project DIR --config configs/preprocess/default.yaml \
        --publish-to DIR [--transform-input DIR] input=file:///RAW run_id=ID [key=value ...]
    PYTHONPATH=code.zip python3 sagemaker_step_entry.py evaluate --model DIR --output DIR
    PYTHONPATH=code.zip python3 sagemaker_step_entry.py drift --model DIR --predictions DIR --batch DIR --threshold 0.2 --output DIR

Each command calls the project's own code: `etl` runs `preprocessing.etl.run`;
`evaluate` reads the training job's metrics.json (inside model.tar.gz) and
writes evaluation.json, whose `gate_inputs` the pipeline's ConditionStep
reads; `drift` computes the PSI summary with `inference.drift`. The project's
packages come from code.zip: Spark's --py-files, or PYTHONPATH in the
processing job's environment.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
import tarfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

if __package__ in (None, ""):  # run as a file in a checkout (in a container, code.zip is on PYTHONPATH)
    sys.path.append(str(Path(__file__).resolve().parent.parent))

from common.contracts import Contract, GateDecision, TrainingManifest, TrainMetrics

EVALUATION_FILE = "evaluation.json"
DRIFT_FILE = "drift.json"
# modeling.artifacts' names for them; that module imports matplotlib, which the processing image need not hold.
METRICS_FILE, MANIFEST_FILE = "metrics.json", "training_manifest.json"


@dataclass
class Evaluation(Contract):
    """evaluation.json: what the pipeline's gate reads (gate_inputs) and the model registry shows."""

    KIND: ClassVar[str] = "pipeline_evaluation"
    labels: list[str]
    test: dict | None
    gold: dict | None
    baseline_test: dict | None
    training_gate: GateDecision  # what training decided with its own config's threshold
    gate_inputs: dict[str, float]  # numbers only: a ConditionStep cannot compare a null
    schema_version: int = 1


@dataclass
class DriftSummary(Contract):
    """drift.json: the batch's labels and text lengths, and their PSI against the training data."""

    KIND: ClassVar[str] = "pipeline_drift"
    predicted: int
    labels: dict[str, int]
    text_length_chars: dict[str, int]
    drift: dict | None  # inference.drift.drift_report
    drift_reason: str | None  # why there is no report
    schema_version: int = 1


def gate_inputs(gate) -> dict[str, float]:
    """The numbers modeling.artifacts.gate compares, none of them null, with the gate's outcome kept.

    No test macro-F1 (an empty test split) becomes -1.0, below any threshold;
    no baseline becomes 0.0, which every F1 reaches: artifacts.gate likewise
    refuses the first and skips the second. Human labels (gold test): a gate
    that did not judge on them (min_gold_recall None) gets inputs that pass;
    one that had to but found no gold split gets -1.0 for the model, which
    fails. A new gate criterion adds its input here.
    """
    judged = gate.min_gold_recall is not None

    def gold(value, missing: float) -> float:
        return (missing if value is None else float(value)) if judged else 0.0

    return {
        "model_test_macro_f1": -1.0 if gate.model_test_macro_f1 is None else float(gate.model_test_macro_f1),
        "baseline_test_macro_f1": 0.0 if gate.baseline_test_macro_f1 is None else float(gate.baseline_test_macro_f1),
        "model_gold_macro_f1": gold(gate.model_gold_macro_f1, -1.0),
        "rules_gold_macro_f1": gold(gate.rules_gold_macro_f1, 0.0),
        "model_gold_recall": gold(gate.model_gold_recall, -1.0),
        "min_gold_recall": gold(gate.min_gold_recall, 0.0),
    }


def _model_file(model_dir: str, name: str) -> str | None:
    """The text of `name` in the model.tar.gz in `model_dir` (the training job's artifact), or None."""
    from inference.packaging import check_members

    with tarfile.open(os.path.join(model_dir, "model.tar.gz"), "r:gz") as tar:
        members = {m.name.removeprefix("./"): m for m in check_members(tar)}
        if name not in members:
            return None
        return tar.extractfile(members[name]).read().decode("utf-8")


def evaluate(model_dir: str, output: str) -> dict:
    text = _model_file(model_dir, METRICS_FILE)
    if text is None:
        raise FileNotFoundError(f"{model_dir}/model.tar.gz has no {METRICS_FILE}: was it written by modeling.train?")
    metrics = TrainMetrics.from_json(json.loads(text), source=f"model.tar.gz:{METRICS_FILE}")
    report = Evaluation(labels=metrics.labels, test=metrics.test, gold=metrics.gold,
                        baseline_test=metrics.baseline.get("test"), training_gate=metrics.gate,
                        gate_inputs=gate_inputs(metrics.gate))
    report.write(os.path.join(output, EVALUATION_FILE))
    return report.to_json()


def drift(model_dir: str, predictions: str, batch: str, threshold: float, output: str) -> dict:
    """PSI of the transform's labels (`predictions`: its .out files) and the batch's text lengths
    (`batch`: the transform's .jsonl input) against the training data in the model's manifest."""
    import numpy as np

    from inference.config import PredictConfig
    from inference.drift import assess_drift, etl_length_bins, reference
    from preprocessing.schema import length_histogram

    text = _model_file(model_dir, MANIFEST_FILE)
    manifest = TrainingManifest.from_json(json.loads(text), source=f"model.tar.gz:{MANIFEST_FILE}") if text else None
    ref, why_none = reference(manifest)
    labels = Counter(json.loads(line)["label"] for line in _lines(predictions, ".out"))
    lengths_chars = np.array([len(json.loads(line)["inputs"]) for line in _lines(batch, ".jsonl")], dtype=np.int64)
    lengths = length_histogram(lengths_chars, ref["bins"] if ref else etl_length_bins())
    report, reason = assess_drift(ref, why_none, dict(labels), lengths, threshold, PredictConfig().drift_min_rows)
    summary = DriftSummary(predicted=sum(labels.values()), labels=dict(sorted(labels.items())),
                           text_length_chars=lengths, drift=report, drift_reason=reason)
    summary.write(os.path.join(output, DRIFT_FILE))
    return summary.to_json()


def _lines(folder: str, suffix: str):
    files = sorted(p for p in Path(folder).rglob(f"*{suffix}") if p.is_file())
    if not files:
        raise FileNotFoundError(f"no *{suffix} files under {folder}")
    for file in files:
        with open(file, encoding="utf-8") as fh:
            yield from (line for line in fh if line.strip())


def etl(project: str, config: str, overrides: list[str], publish_to: str, transform_input: str | None) -> dict:
    """preprocessing.etl.run, then the published run moved to `publish_to`, a folder the DAG names.

    The ETL publishes <output>/<run_date>/<run_id>; a pipeline definition
    cannot know the date a scheduled run will pick, so the processing job's
    output is a fixed folder and the run is moved there (same disk: renames).
    """
    from common.configfile import load_config
    from preprocessing.config import EtlConfig
    from preprocessing.etl import run

    os.chdir(project)  # the configs name the label rules by a path relative to the repository root
    scratch = f"{Path(publish_to).parent}/published"
    cfg = load_config(EtlConfig, config, [*overrides, f"output=file://{scratch}"])
    manifest = run(cfg)
    published = Path(manifest.path.removeprefix("file://"))
    # SageMaker creates each output folder before the job starts: move the run's entries into it.
    Path(publish_to).mkdir(parents=True, exist_ok=True)
    for entry in sorted(published.iterdir(), key=lambda p: p.name == "_SUCCESS"):  # the marker last
        os.replace(entry, Path(publish_to) / entry.name)
    published.rmdir()
    if transform_input:
        from inference.transform_input import write_transform_input

        write_transform_input(publish_to, os.path.join(transform_input, "batch.jsonl"))
    return manifest.to_json()


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    p = sub.add_parser("etl", help="the ETL, published at a fixed folder")
    p.add_argument("--project", required=True, help="folder holding configs/ (the ETL's relative paths start here)")
    p.add_argument("--config", required=True)
    p.add_argument("--publish-to", required=True)
    p.add_argument("--transform-input", help="also write the run's rows as Batch Transform JSON Lines here")
    p.add_argument("overrides", nargs="*", metavar="key=value", help="ETL config overrides (input=..., run_id=...)")
    p = sub.add_parser("evaluate", help="evaluation.json from the model's metrics.json")
    p.add_argument("--model", required=True, help="folder holding model.tar.gz")
    p.add_argument("--output", required=True)
    p = sub.add_parser("drift", help="drift.json: PSI of the batch's labels and lengths vs the training data")
    for name in ("--model", "--predictions", "--batch", "--output"):
        p.add_argument(name, required=True)
    p.add_argument("--threshold", type=float, required=True)
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    from common.cli import USER_ERRORS

    args = parse(argv)
    try:
        if args.command == "etl":
            out = etl(args.project, args.config, args.overrides, args.publish_to, args.transform_input)
            print(f"ETL run published at {args.publish_to}: {out['counts']}")
        elif args.command == "evaluate":
            print(json.dumps(evaluate(args.model, args.output)["gate_inputs"]))
        else:
            print(json.dumps(drift(args.model, args.predictions, args.batch, args.threshold, args.output)["drift"]))
    except USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
