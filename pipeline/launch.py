r"""Launch the triage model on SageMaker: a training job, or a batch transform with a trained model.

    python -m pipeline.launch train --sagemaker-config configs/sagemaker/gpu_single.yaml \
        --config configs/train/distilbert-multilingual.yaml --data s3://bucket/etl/2024-05-31/r1 \
        [--dry-run] [train.epochs=3 ...]
    python -m pipeline.launch transform --sagemaker-config configs/sagemaker/gpu_single.yaml \
        --model-data s3://bucket/models/support-triage/v0003/model.tar.gz \
        --input s3://bucket/inbox/2024-06-01/ --output s3://bucket/predictions/2024-06-01/ [--dry-run]

scripts/launch_sagemaker.py is the same command. --dry-run prints the resolved
arguments and the CreateTrainingJob (or CreateModel + CreateTransformJob)
request without touching AWS. The jobs themselves are built in
modeling/sagemaker_job.py.
"""
from __future__ import annotations

import argparse
import json
import os
import sys

from common.cli import USER_ERRORS
from common.configfile import load_config
from modeling.config import TrainConfig
from modeling.sagemaker_job import SageMakerConfig, launch_training, launch_transform

# Top-level modules the `sagemaker` extra installs (the SDK imports them lazily, at launch).
SAGEMAKER_EXTRA = ("sagemaker", "boto3", "botocore")


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="command", required=True)
    train = sub.add_parser("train", help="submit a training job")
    train.add_argument("--config", required=True, help="train config, relative to the repo root (it ships in the job)")
    train.add_argument("--data", required=True, help="ETL run folder on S3 (must hold _SUCCESS)")
    train.add_argument("overrides", nargs="*", metavar="key=value", help="train config overrides, sent as hyperparameters")
    transform = sub.add_parser("transform", help="submit a batch transform job")
    transform.add_argument("--model-data", required=True, help="s3:// URI of the model.tar.gz")
    transform.add_argument("--input", required=True, help="s3:// prefix of JSON Lines files, one {\"inputs\": text} per line")
    transform.add_argument("--output", required=True, help="s3:// prefix for the .out files")
    for sp in (train, transform):
        sp.add_argument("--sagemaker-config", default="configs/sagemaker/gpu_single.yaml", help="machines and versions")
        sp.add_argument("--dry-run", action="store_true", help="print the requests; call no AWS API")
        sp.add_argument("--set", action="append", default=[], metavar="key=value", help="SageMaker config override")
    return p.parse_args(argv)


def main(argv=None) -> int:
    os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    args = parse(argv)
    try:
        sm = load_config(SageMakerConfig, args.sagemaker_config, args.set)
        if args.command == "train":
            train_cfg = load_config(TrainConfig, args.config, args.overrides)  # fail here, not in the container
            extra = train_cfg.gold.local_files()
            out = launch_training(sm, args.config, args.data, args.overrides, args.dry_run, extra)
        else:
            out = launch_transform(sm, args.model_data, args.input, args.output, args.dry_run)
    except USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except ModuleNotFoundError as exc:
        if (exc.name or "").split(".")[0] not in SAGEMAKER_EXTRA:
            raise
        print(f"error: the launcher needs the SageMaker SDK ({exc.name.split('.')[0]} is not installed); "
              "pip install -e .[sagemaker]", file=sys.stderr)
        return 2
    print(json.dumps(out, indent=2, default=str))
    return 0


if __name__ == "__main__":
    sys.exit(main())
