"""The whole pipeline in one command: raw messages -> gated, registered model -> labeled new batch -> report.

    python -m pipeline [--config configs/pipeline/demo.yaml] [--force] [key=value ...]

Training pipeline: data -> ETL -> fine-tune, evaluate, gate, register.
Inference pipeline: ETL of a new batch -> latest approved model -> predictions + drift -> review queue.
Every step calls the stage's own `run()`; none is re-implemented here. A step
whose marker (<workdir>/<run_id>/steps/<step>.json, written after the step's
own output is complete) exists is skipped, so a failed run resumes at the step
that failed (training itself resumes from its last checkpoint). --force reruns.
"""
from __future__ import annotations

import sys
import time
from datetime import datetime, timezone

from common import storage
from common.configfile import load_config, to_dict
from common.contracts import StepMarker
from pipeline.config import PipelineConfig
from pipeline.preflight import preflight
from pipeline.steps import STEP_FUNCS

STEPS = ("data", "etl_train", "simulated_review", "train", "etl_new_batch", "predict", "review", "report")


def run(cfg: PipelineConfig) -> dict:
    """Run (or resume) every step; returns {step: result} plus the run's locations."""
    preflight(cfg)
    state = _state(cfg)
    results: dict[str, dict] = {}
    for step in _steps(cfg):
        marker = f"{cfg.root}/steps/{step}.json"
        if not cfg.force and storage.exists(marker):
            done = StepMarker.read(marker)
            results[step] = {**done.outputs, "seconds": done.seconds, "skipped": True}
            continue
        t0 = time.perf_counter()
        out = STEP_FUNCS[step](cfg, state, results)
        done = StepMarker(step=step, finished_at=datetime.now(timezone.utc).isoformat(),
                          seconds=round(time.perf_counter() - t0, 2), outputs=out)
        done.write(marker)
        results[step] = {**out, "seconds": done.seconds}
    return {"root": cfg.root, "run_date": state["run_date"], "steps": results}


def _steps(cfg: PipelineConfig) -> list[str]:
    skip = set()
    if cfg.data.etl_run:
        skip |= {"etl_train"}
    if cfg.model:
        skip |= {"etl_train", "train"}
    if cfg.data.etl_run and cfg.model:
        skip.add("data")
    if not cfg.simulated_review.enabled or cfg.model:
        skip.add("simulated_review")
    if not cfg.review.enabled or cfg.launcher != "local":  # the queue scores the batch with the model, here
        skip.add("review")
    return [s for s in STEPS if s not in skip and (s != "report" or cfg.report)]


def _state(cfg: PipelineConfig) -> dict:
    """Facts fixed at the first start (the run date), so a resume next day finds the same folders."""
    path = f"{cfg.root}/pipeline.json"
    if storage.exists(path) and not cfg.force:
        return storage.read_json(path)
    state = {"run_id": cfg.run_id, "run_date": cfg.run_date or datetime.now(timezone.utc).strftime("%Y-%m-%d"),
             "started_at": datetime.now(timezone.utc).isoformat(), "config": to_dict(cfg)}
    storage.write_json(path, state)
    return state


def main(argv: list[str] | None = None) -> int:
    import argparse

    from common.cli import USER_ERRORS
    from pipeline.summary import summary_table

    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--config", default="configs/pipeline/demo.yaml")
    parser.add_argument("--force", action="store_true", help="re-run every step")
    parser.add_argument("overrides", nargs="*", metavar="key=value")
    args = parser.parse_args(argv)
    try:
        cfg = load_config(PipelineConfig, args.config, [*args.overrides, *(["force=true"] if args.force else [])])
        result = run(cfg)
    except USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(summary_table(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
