"""SageMaker training-container entry point: the container contract -> `modeling.train.run`.

    python sagemaker_entry.py --config configs/train/distilbert-multilingual.yaml --train.epochs 3
    (SageMaker runs it from /opt/ml/code; locally: python modeling/sagemaker_entry.py ... with SM_* set)

Contract honoured:
  SM_CHANNEL_TRAIN / _VALIDATION / _TEST   split folders of *.parquet  -> data.train_dir/validation_dir/test_dir
  SM_CHANNEL_MANIFEST                      folder holding the run's manifest.json -> data.manifest
  SM_MODEL_DIR                             the final model (becomes model.tar.gz)  -> output_dir
  SM_OUTPUT_DATA_DIR                       metrics, manifest, card and plots copied (output.tar.gz)
  SM_NUM_GPUS                              > 1 without a launcher around us: re-run under torchrun
  /opt/ml/checkpoints                      present when the job has checkpoint_s3_uri -> train.checkpoint_dir
Hyperparameters arrive as `--key value` strings ("True"/"False" for booleans,
JSON-quoted strings from the SDK); each becomes a `key=value` override of the
train config named by --config. Registration is off unless registry_root is
passed (the container's disk is thrown away).
"""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

if __package__ in (None, ""):  # run as a script: /opt/ml/code (or the repo root) holds the packages
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SM_CHECKPOINTS = "/opt/ml/checkpoints"
REPORT_FILES = ("metrics.json", "training_manifest.json", "README.md", "confusion_matrix.png", "training_curves.png")


def parse_hyperparameters(argv: list[str]) -> tuple[str, list[str]]:
    """(config path, ["key=value", ...]) from `--key value` pairs."""
    config, overrides, i = None, [], 0
    while i < len(argv):
        item = argv[i]
        if not item.startswith("--"):
            raise SystemExit(f"error: expected --key value pairs, found {item!r}")
        key, sep, value = item[2:].partition("=")
        if not sep:
            if i + 1 >= len(argv):
                raise SystemExit(f"error: hyperparameter --{key} has no value")
            value, i = argv[i + 1], i + 1
        value = _unquote(value)
        if key == "config":
            config = value
        else:
            overrides.append(f"{key}={value}")
        i += 1
    if not config:
        raise SystemExit("error: the 'config' hyperparameter (a configs/train/*.yaml path) is required")
    return config, overrides


def _unquote(value: str) -> str:
    # The SDK JSON-encodes hyperparameters; most containers decode them, but be safe.
    if len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except json.JSONDecodeError:
            return value
    return value


def contract_overrides(env: dict) -> tuple[list[str], list[str]]:
    """(defaults that hyperparameters may change, paths that the contract fixes)."""
    defaults = ["registry_root=null", "train.keep_checkpoints=false"]
    fixed = [f"output_dir={env.get('SM_MODEL_DIR', '/opt/ml/model')}"]
    for split in ("train", "validation", "test"):
        channel = env.get(f"SM_CHANNEL_{split.upper()}")
        if channel:
            fixed.append(f"data.{split}_dir={channel}")
    if env.get("SM_CHANNEL_MANIFEST"):
        fixed.append(f"data.manifest={os.path.join(env['SM_CHANNEL_MANIFEST'], 'manifest.json')}")
    if os.path.isdir(SM_CHECKPOINTS):
        # Synced to S3 by SageMaker: a spot interruption resumes from here (train.resume=auto).
        defaults.append(f"train.checkpoint_dir={SM_CHECKPOINTS}")
    return defaults, fixed


def _needs_torchrun(env: dict) -> int:
    gpus = int(env.get("SM_NUM_GPUS", "0") or 0)
    return gpus if gpus > 1 and "WORLD_SIZE" not in env else 0


def main(argv: list[str] | None = None, env: dict | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    env = dict(os.environ if env is None else env)
    nproc = _needs_torchrun(env)
    if nproc:
        cmd = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={nproc}", os.path.abspath(__file__), *argv]
        return subprocess.call(cmd)

    from common.cli import USER_ERRORS
    from common.configfile import load_config
    from modeling.config import TrainConfig
    from modeling.train import run

    config, hyper = parse_hyperparameters(argv)
    defaults, fixed = contract_overrides(env)
    try:
        cfg = load_config(TrainConfig, config, [*defaults, *hyper, *fixed])
        result = run(cfg)
    except USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    out_dir = env.get("SM_OUTPUT_DATA_DIR")
    if out_dir and "metrics" in result:  # main process only
        os.makedirs(out_dir, exist_ok=True)
        for name in REPORT_FILES:
            src = os.path.join(cfg.output_dir, name)
            if os.path.exists(src):
                shutil.copy(src, os.path.join(out_dir, name))
        print(json.dumps({"approved": result["approved"], "test": result["metrics"]["test"],
                          "baseline": result["baseline"]}, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
