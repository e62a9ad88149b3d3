"""Fine-tune the triage classifier on an ETL run; score, gate and register it.

    python -m modeling.train --config configs/train/offline-minilm.yaml --data RUN_DIR [--output-dir DIR] [key=value ...]
    accelerate launch --config_file configs/accelerate/multi_gpu.yaml -m modeling.train --config ... (same flags)

The same `run(cfg)` serves the CLI, `accelerate launch` (1 GPU, DDP, CPU
processes), the SageMaker entry point and the tests. It writes the loadable
model at the top of output_dir (safetensors, tokenizer, config.json with the
label names) plus metrics.json, training_manifest.json, README.md and two
plots; checkpoint-N folders sit beside them while training.
"""
from __future__ import annotations

import os
import shutil
import sys
import time
from dataclasses import asdict, dataclass
from typing import Any

from common.contracts import EtlManifest, TrainProgress
from modeling.config import TrainConfig

TINY_TOKENIZER = "tiny-tokenizer"
MODEL_PACKAGES = ("torch", "transformers", "datasets", "accelerate", "evaluate", "scikit-learn", "tokenizers",
                  "safetensors", "pyarrow")


def run(cfg: TrainConfig) -> dict:
    """Train, evaluate on validation and test, compare with the baseline and the gold set, register."""
    import torch
    from transformers import set_seed

    from modeling import model_source
    from modeling.cpu_threads import apply_torch_threads
    from modeling.data import DataError, load_splits, resolve_layout, texts_and_labels, tokenize_splits
    from modeling.kernels import shape_agnostic_attention
    from modeling.trainer import build_trainer, class_weights, resolve_resume, training_arguments

    clock = _Clock()
    if cfg.train.torch_threads > 0 or not torch.cuda.is_available():
        apply_torch_threads(cfg.train.torch_threads)  # 0: probe the free cores (modeling/cpu_threads.py)
    shape_agnostic_attention()  # dynamic padding gives each step a new shape (modeling/kernels.py)
    # Before the model is built: its new classification head is randomly initialised
    # (the Trainer seeds only when it is constructed, after that).
    set_seed(cfg.train.seed)
    final_dir, work_dir = _local_dirs(cfg)
    args = training_arguments(cfg.train, work_dir, streaming=cfg.data.streaming)
    resume = resolve_resume(cfg.train.resume, work_dir)
    # A tiny model's tokenizer is trained per run: a resumed run takes the one
    # saved in its checkpoint, other processes the one the main process saved.
    tiny_dir = resume or os.path.join(work_dir, TINY_TOKENIZER)
    # The main process reads, builds the tiny tokenizer and fills the
    # tokenization cache first; the others then load what it left.
    with args.main_process_first(desc="load and tokenize"):
        layout = resolve_layout(cfg.data)
        splits, manifest = load_splits(cfg.data, layout)
        _check_splits(splits, cfg)
        labels = layout.labels
        if cfg.threshold.enabled and cfg.threshold.label not in labels:  # before hours of training, not after
            raise DataError(f"threshold.label '{cfg.threshold.label}' is not one of the run's labels {labels}; "
                            "set threshold.label (or threshold.enabled=false)")
        if args.process_index == 0 and resume is None:
            shutil.rmtree(tiny_dir, ignore_errors=True)  # a fresh run trains a fresh vocabulary
        tokenizer, model = model_source.load(cfg.model, labels, lambda: texts_and_labels(splits["train"])[0], tiny_dir)
        clock.lap("load_s")
        tokenized = tokenize_splits(splits, tokenizer, cfg.model.max_length_tokens)
    clock.lap("tokenize_s")

    weights = class_weights(manifest.splits["train"].labels, labels) if cfg.train.class_weighted_loss else None
    trainer, recorder = build_trainer(model, tokenizer, args, tokenized, labels, weights, cfg.train.early_stopping_patience,
                                      cfg.train.length_groups)
    trainer.train(resume_from_checkpoint=resume)
    clock.lap("train_s")
    validation = _predict_report(trainer, tokenized["validation"], labels)
    test = _predict_report(trainer, tokenized["test"], labels)
    clock.lap("evaluate_s")
    trainer.save_model(final_dir)
    progress = TrainProgress(global_step=trainer.state.global_step, start_step=recorder.start_step, resumed_from=resume,
                             best_checkpoint=trainer.state.best_model_checkpoint, world_size=args.world_size,
                             precision="bf16" if args.bf16 else "fp32")
    if not trainer.is_world_process_zero():
        return {"output_dir": cfg.output_dir, "rank": args.process_index, "train": asdict(progress)}
    return _finish(cfg, Trained(trainer, splits, manifest, labels, validation, test, progress), final_dir, work_dir, clock)


@dataclass
class Trained:
    """What the training processes leave for the main process to score, gate and register."""

    trainer: Any  # transformers.Trainer
    splits: Any  # DatasetDict or IterableDatasetDict
    data_manifest: EtlManifest
    labels: list[str]
    validation: dict | None  # modeling.metrics.report of each split; None when it is empty
    test: dict | None
    progress: TrainProgress


def _finish(cfg: TrainConfig, t: Trained, final_dir: str, work_dir: str, clock: _Clock) -> dict:
    """Main process only: baseline, gold set, gate, artifacts, upload, registry."""
    from common.contracts import TrainMetrics
    from common.storage import copy_tree
    from modeling import artifacts
    from modeling.baseline import run_baseline
    from modeling.data import texts_and_labels
    from modeling.gold import gold_agreement
    from modeling.human_labels import choose_triage_threshold, reviewed_agreement
    from modeling.label_issues import find_label_issues
    from modeling.metrics import flat
    from modeling.registry import register
    from modeling.threshold import save_threshold

    train_texts, train_ids = texts_and_labels(t.splits["train"])
    test_texts, test_ids = texts_and_labels(t.splits["test"])
    baseline = run_baseline(train_texts, train_ids, test_texts, test_ids, t.labels, cfg.baseline.max_features, cfg.train.seed)
    clock.lap("baseline_s")
    issues = find_label_issues(train_texts, train_ids, t.labels, cfg.label_issues, cfg.baseline.max_features, cfg.train.seed)
    clock.lap("label_issues_s")
    model, tokenizer, max_length = t.trainer.model, t.trainer.processing_class, cfg.model.max_length_tokens
    rule = choose_triage_threshold(cfg, model, tokenizer, t.labels, t.splits)
    gold = gold_agreement(model, tokenizer, cfg.gold, t.labels, max_length, rule)
    reviewed = reviewed_agreement(model, tokenizer, t.labels, t.splits["test"], rule, max_length)
    clock.lap("gold_s")
    decision = artifacts.gate(t.test, baseline["test"], cfg.gate.min_test_macro_f1,
                              gold_test=gold and gold["splits"].get("test"), min_gold_recall=cfg.gate.min_gold_recall,
                              recall_label=cfg.threshold.label, require_gold=cfg.gate.require_gold)
    metrics = TrainMetrics(labels=t.labels, validation=t.validation, test=t.test, baseline=baseline, gold=gold,
                           gate=decision, approved=decision.approved, gate_threshold=cfg.gate.min_test_macro_f1,
                           triage_threshold=rule and rule.to_json(), label_issues=issues and issues.summary,
                           reviewed=reviewed)
    save_threshold(final_dir, rule)  # config.json: every predictor applies it (modeling/threshold.py)
    _tidy(final_dir, work_dir, cfg.train.keep_checkpoints)
    clock.lap("artifacts_s")
    manifest_out = _training_manifest(cfg, t, clock.total())
    artifacts.write_all(final_dir, metrics, manifest_out, t.trainer.state.log_history)
    if final_dir != cfg.output_dir:
        copy_tree(final_dir, cfg.output_dir, skip_prefixes=("checkpoint-",))
    entry = None
    if cfg.registry_root:
        summary = {"test_macro_f1": decision.model_test_macro_f1, "baseline_test_macro_f1": decision.baseline_test_macro_f1,
                   "validation_macro_f1": t.validation and t.validation["macro_f1"]}
        entry = register(cfg.output_dir, cfg.registry_root, cfg.model_name, decision.approved, summary)
    return {
        "output_dir": cfg.output_dir,
        "metrics": {"validation": t.validation and flat(t.validation), "test": t.test and flat(t.test)},
        "baseline": baseline["test"] and flat(baseline["test"]),
        "approved": decision.approved,
        "gate": asdict(decision),
        "registry": entry,
        "gold": gold and {k: flat(gold[k]) for k in ("model", "rules")},
        "triage_threshold": metrics.triage_threshold,
        "label_issues": metrics.label_issues,
        "train": asdict(t.progress),
        "timings_s": manifest_out.timings_s,
    }


def _training_manifest(cfg: TrainConfig, t: Trained, timings: dict[str, float]):
    from common.configfile import to_dict
    from common.contracts import TrainingManifest
    from common.provenance import git_commit, versions
    from modeling.model_source import base_model_name

    return TrainingManifest(
        model_name=cfg.model_name,
        base_model=base_model_name(cfg.model),
        labels=t.labels,
        max_length=cfg.model.max_length_tokens,
        data_source=cfg.data.run_dir or cfg.data.train_dir,
        data_manifest=t.data_manifest,  # whole: inference reads its train label and length distributions
        config=to_dict(cfg),
        versions=versions(MODEL_PACKAGES),
        git_commit=git_commit(),
        train=t.progress,
        timings_s=timings,
    )


def _predict_report(trainer, dataset, labels) -> dict | None:
    import numpy as np

    from modeling.metrics import report

    if hasattr(dataset, "__len__") and len(dataset) == 0:
        return None
    out = trainer.predict(dataset)
    logits = out.predictions[0] if isinstance(out.predictions, tuple) else out.predictions
    if len(out.label_ids) == 0:
        return None
    return report(np.argmax(logits, axis=-1), out.label_ids, labels)


def _check_splits(splits, cfg: TrainConfig) -> None:
    from modeling.data import DataError

    if cfg.data.streaming:
        return  # a stream's size is unknown until read
    for split in ("train", "validation"):
        if len(splits[split]) == 0:
            raise DataError(f"the {split} split of {cfg.data.run_dir or cfg.data.train_dir} is empty; "
                             "training needs rows in train and validation (check the ETL's split fractions)")


def _local_dirs(cfg: TrainConfig) -> tuple[str, str]:
    """(final model folder, checkpoint folder), both local: the Trainer writes local files only."""
    import hashlib
    import tempfile

    remote = "://" in cfg.output_dir
    if remote:
        key = hashlib.sha256(cfg.output_dir.encode()).hexdigest()[:12]
        final = os.path.join(tempfile.gettempdir(), "support-triage-train", key)
    else:
        final = cfg.output_dir
    work = cfg.train.checkpoint_dir or final
    os.makedirs(final, exist_ok=True)
    os.makedirs(work, exist_ok=True)
    return final, work


def _tidy(final_dir: str, work_dir: str, keep_checkpoints: bool) -> None:
    # training_args.bin is a pickle only the Trainer reads; the resolved config is in training_manifest.json.
    if os.path.exists(os.path.join(final_dir, "training_args.bin")):
        os.remove(os.path.join(final_dir, "training_args.bin"))
    shutil.rmtree(os.path.join(work_dir, TINY_TOKENIZER), ignore_errors=True)  # the model folder has the tokenizer
    if not keep_checkpoints:
        for name in os.listdir(work_dir):
            if name.startswith("checkpoint-"):
                shutil.rmtree(os.path.join(work_dir, name), ignore_errors=True)


class _Clock:
    def __init__(self):
        self.start = self.last = time.perf_counter()
        self.laps: dict[str, float] = {}

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = round(now - self.last, 3)
        self.last = now

    def total(self) -> dict[str, float]:
        return {**self.laps, "total_s": round(time.perf_counter() - self.start, 3)}


def _expand_flags(argv: list[str]) -> list[str]:
    """--data X is short for data.run_dir=X (run_stage's flags map to top-level keys only).

    The override goes last: argparse takes key=value items as one run of
    positionals, so it must not split them.
    """
    out, extra, it = [], [], iter(argv)
    for item in it:
        if item == "--data":
            extra.append(f"data.run_dir={next(it, '')}")
        elif item.startswith("--data="):
            extra.append(f"data.run_dir={item.split('=', 1)[1]}")
        else:
            out.append(item)
    return out + extra


def main(argv: list[str] | None = None) -> int:
    from common.cli import run_stage

    argv = _expand_flags(list(sys.argv[1:] if argv is None else argv))
    return run_stage(TrainConfig, run, argv, flags=("output_dir",), default_config="configs/train/offline-minilm.yaml",
                     doc=__doc__, report=_report)


def _report(r: dict) -> str:
    if "metrics" not in r:
        return f"rank {r.get('rank')} done"
    test, base, gate = r["metrics"]["test"] or {}, r["baseline"] or {}, r["gate"]
    model, rules = (r.get("gold") or {}).get("model") or {}, (r.get("gold") or {}).get("rules") or {}
    rule, issues = r.get("triage_threshold"), r.get("label_issues")
    label = (rule or {}).get("label") or gate.get("recall_label") or "critical"
    decision = (f"{label} iff P >= {rule['threshold']:.4f} ({rule['chosen_on']}, target recall {rule['target_recall']})"
                if rule else "none (argmax)")
    errors = ", ".join(f"{k} {v['likely_errors']}/{v['rows']}" for k, v in issues["by_class"].items()) if issues else "-"
    verdict = f"; rejected because {'; '.join(gate['reasons'])}" if gate["reasons"] else ""
    lines = [f"model: {r['output_dir']}",
             f"  human labels (gold test, threshold applied): macro-F1 {_f(model.get('macro_f1'))} (rules "
             f"{_f(rules.get('macro_f1'))}), {label} recall {_f(model.get(f'recall_{label}'))} precision "
             f"{_f(model.get(f'precision_{label}'))}",
             f"  threshold: {decision}",
             f"  agreement with the rules (test split): macro-F1 {_f(test.get('macro_f1'))} (baseline "
             f"{_f(base.get('macro_f1'))}), validation {_f((r['metrics']['validation'] or {}).get('macro_f1'))}",
             f"  likely label errors (cleanlab, train split): {errors}",
             f"  approved: {r['approved']}{verdict}",
             f"  registry: {r['registry']['path'] if r['registry'] else 'not registered'}",
             f"  timings {r['timings_s']}"]
    return "\n".join(lines)


def _f(x) -> str:
    return "-" if x is None else f"{x:.4f}"


if __name__ == "__main__":
    sys.exit(main())
