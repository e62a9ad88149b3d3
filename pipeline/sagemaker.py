r"""Build, inspect, create, start and schedule the weekly SageMaker Pipeline (its DAG: pipeline/sagemaker_pipeline.py).

    python -m pipeline.sagemaker definition --config configs/sagemaker_pipeline/weekly.yaml [--output FILE] [key=value ...]
    python -m pipeline.sagemaker upsert     --config configs/sagemaker_pipeline/weekly.yaml [--dry-run]
    python -m pipeline.sagemaker start      --config configs/sagemaker_pipeline/weekly.yaml [--dry-run] [--parameter Name=value ...]
    python -m pipeline.sagemaker schedule   --config configs/sagemaker_pipeline/weekly.yaml [--dry-run]

`definition` runs offline, with no AWS account: the SDK builds every step
against recording AWS clients (modeling/sagemaker_dry_run.py), so its code
uploads are recorded, not sent. `upsert`, `start` and `schedule` call AWS
with the standard credential chain; with --dry-run they print their requests
instead. `schedule` creates the weekly EventBridge Scheduler trigger with the
SDK's put_triggers, and an EventBridge rule that sends every failed execution
to the SNS topic of `alerts.sns_topic_arn`.
"""
from __future__ import annotations

import argparse
import json
import logging
import os
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from common.cli import USER_ERRORS
from common.configfile import ConfigError, load_config
from modeling.sagemaker_dry_run import RESPONSES, DryRunBotoSession, RecordingClient
from modeling.sagemaker_job import DRY_RUN_ROLE, NO_TELEMETRY, SageMakerConfig
from pipeline.sagemaker_pipeline import build, parameters, stage_code
from pipeline.sagemaker_pipeline_config import WeeklyPipelineConfig

DRY_RUN_ACCOUNT = "111122223333"
FAILED_EXECUTION = "SageMaker Model Building Pipeline Execution Status Change"


class DryRunAws(DryRunBotoSession):
    """The dry-run AWS, also answering what the SDK reads back from pipeline calls (ARNs)."""

    def __init__(self, region: str, pipeline_name: str):
        super().__init__(region)
        arn = f"arn:aws:sagemaker:{region}:{DRY_RUN_ACCOUNT}:pipeline/{pipeline_name}"
        self._answers = {
            "sagemaker": {"create_pipeline": {"PipelineArn": arn}, "describe_pipeline": {"PipelineArn": arn},
                          "start_pipeline_execution": {"PipelineExecutionArn": f"{arn}/execution/dry-run"}},
            "scheduler": {"update_schedule": {"ScheduleArn": f"arn:aws:scheduler:{region}:{DRY_RUN_ACCOUNT}:schedule/default/{pipeline_name}"}},
            "events": {"put_rule": {"RuleArn": f"arn:aws:events:{region}:{DRY_RUN_ACCOUNT}:rule/dry-run"},
                       "put_targets": {"FailedEntryCount": 0, "FailedEntries": []}},
        }
        self._recorders: dict[str, RecordingClient] = {}

    def client(self, service_name: str, **kwargs) -> RecordingClient:
        if service_name not in self._answers:
            return super().client(service_name, **kwargs)
        if service_name not in self._recorders:
            answers = {**RESPONSES.get(service_name, {}), **self._answers[service_name]}
            self._recorders[service_name] = RecordingClient(service_name, self.region_name, answers)
        return self._recorders[service_name]


@dataclass
class Aws:
    """What every command needs: the configs, the role, the boto session and a PipelineSession over it."""

    sm: SageMakerConfig
    train: object  # modeling.config.TrainConfig
    role: str
    threshold: float
    boto: object
    session: object


def connect(cfg: WeeklyPipelineConfig, dry_run: bool) -> Aws:
    from sagemaker.workflow.pipeline_context import PipelineSession

    from modeling.config import TrainConfig

    sm = load_config(SageMakerConfig, cfg.sagemaker.config, cfg.sagemaker.overrides)
    train = load_config(TrainConfig, cfg.train.config, cfg.train.overrides)  # fail here, not in the training job
    role = sm.role or (DRY_RUN_ROLE if dry_run else "")
    if not role:
        raise ConfigError("role is empty: set it in the SageMaker config, e.g. sagemaker.overrides=[role=arn:aws:iam::"
                          "<account>:role/<name>], or use --dry-run")
    threshold = train.gate.min_test_macro_f1 if cfg.gate_min_test_macro_f1 is None else cfg.gate_min_test_macro_f1
    if dry_run:
        boto = DryRunAws(sm.region, cfg.name)
    else:
        import boto3

        boto = boto3.Session(region_name=sm.region)
    # The telemetry opt-out makes the SDK validate this dict on each of its ~130 config lookups
    # while it builds the DAG (about 0.3 s each): commands that need no definition skip the build.
    session = PipelineSession(boto_session=boto, sagemaker_client=boto.client("sagemaker"), default_bucket=cfg.bucket,
                              default_bucket_prefix=cfg.key_prefix or None, sagemaker_config=NO_TELEMETRY)
    return Aws(sm, train, role, threshold, boto, session)


@contextmanager
def built(cfg: WeeklyPipelineConfig, aws: Aws):
    """The whole Pipeline, while the staged code the SDK uploads (at definition time) still exists."""
    with tempfile.TemporaryDirectory(prefix="sm-pipeline-") as tmp:
        code = stage_code(Path(tmp), aws.train.gold.local_files())
        yield build(cfg, aws.sm, aws.session, aws.role, code, aws.threshold)


def handle(cfg: WeeklyPipelineConfig, aws: Aws):
    """The pipeline by name and parameters only: enough to start or schedule one that exists."""
    from sagemaker.workflow.pipeline import Pipeline

    return Pipeline(name=cfg.name, parameters=list(parameters(cfg, aws.sm, aws.threshold).values()),
                    sagemaker_session=aws.session)


def definition(cfg: WeeklyPipelineConfig) -> dict:
    """The pipeline definition JSON, built offline."""
    with built(cfg, connect(cfg, dry_run=True)) as pipeline:
        return json.loads(pipeline.definition())


def upsert(cfg: WeeklyPipelineConfig, dry_run: bool) -> dict:
    aws = connect(cfg, dry_run)
    with built(cfg, aws) as pipeline:
        response = pipeline.upsert(role_arn=aws.role, description=f"{cfg.name}: ETL, training, gate, registry, "
                                   "batch inference and drift", tags=_tags(aws.sm))
        out = {"pipeline_arn": response["PipelineArn"]}
        if dry_run:
            request = aws.boto.client("sagemaker").last_request("create_pipeline")
            out["create_pipeline"] = {**request, "PipelineDefinition": json.loads(request["PipelineDefinition"])}
        return out


def start(cfg: WeeklyPipelineConfig, dry_run: bool, values: dict[str, str]) -> dict:
    aws = connect(cfg, dry_run)
    pipeline = handle(cfg, aws)
    unknown = sorted(set(values) - {p.name for p in pipeline.parameters})
    if unknown:
        raise ConfigError(f"unknown pipeline parameter '{unknown[0]}'; the pipeline has: "
                          f"{', '.join(p.name for p in pipeline.parameters)}")
    execution = pipeline.start(parameters=values or None)
    out = {"execution_arn": execution.arn}
    if dry_run:
        out["start_pipeline_execution"] = aws.boto.client("sagemaker").last_request("start_pipeline_execution")
    return out


def schedule(cfg: WeeklyPipelineConfig, dry_run: bool) -> dict:
    """The weekly trigger (the SDK's put_triggers) and the failure alert (an EventBridge rule -> SNS)."""
    from sagemaker.workflow.triggers import PipelineSchedule

    if not cfg.alerts.sns_topic_arn:
        raise ConfigError("alerts.sns_topic_arn is empty: set the SNS topic ARN that failed runs are reported to")
    aws = connect(cfg, dry_run)
    pipeline = handle(cfg, aws)
    trigger = PipelineSchedule(name=cfg.name, cron=cfg.schedule.cron, enabled=cfg.schedule.enabled)
    schedule_arns = pipeline.put_triggers([trigger], role_arn=cfg.schedule.role_arn or aws.role)
    events = aws.boto.client("events")
    rule = failure_rule(cfg, pipeline.describe()["PipelineArn"])
    rule_arn = events.put_rule(**rule)["RuleArn"]
    targets = failure_targets(cfg)
    events.put_targets(**targets)
    out = {"schedule_arns": schedule_arns, "alert_rule_arn": rule_arn}
    if dry_run:
        out["update_schedule"] = aws.boto.client("scheduler").last_request("update_schedule")
        out["put_rule"], out["put_targets"] = rule, targets
    return out


def failure_rule(cfg: WeeklyPipelineConfig, pipeline_arn: str) -> dict:
    """PutRule: this pipeline's executions that end Failed (a failed gate included, via its FailStep)."""
    pattern = {"source": ["aws.sagemaker"], "detail-type": [FAILED_EXECUTION],
               "detail": {"pipelineArn": [pipeline_arn], "currentPipelineExecutionStatus": ["Failed"]}}
    return {"Name": cfg.alert_rule_name, "EventPattern": json.dumps(pattern), "State": "ENABLED",
            "Description": f"Failed executions of SageMaker pipeline {cfg.name} -> SNS"}


def failure_targets(cfg: WeeklyPipelineConfig) -> dict:
    """PutTargets: the SNS topic, with a one-line message that names the execution."""
    template = '"SageMaker pipeline <pipeline> execution <execution> ended <status>; see its failed step in SageMaker Studio."'
    paths = {"pipeline": "$.detail.pipelineArn", "execution": "$.detail.pipelineExecutionArn",
             "status": "$.detail.currentPipelineExecutionStatus"}
    return {"Rule": cfg.alert_rule_name, "Targets": [{"Id": "sns-alert", "Arn": cfg.alerts.sns_topic_arn,
                                                      "InputTransformer": {"InputPathsMap": paths, "InputTemplate": template}}]}


def _tags(sm: SageMakerConfig) -> list[dict] | None:
    return [{"Key": k, "Value": str(v)} for k, v in sm.tags.items()] or None


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("command", choices=("definition", "upsert", "start", "schedule"))
    p.add_argument("--config", default="configs/sagemaker_pipeline/weekly.yaml")
    p.add_argument("--dry-run", action="store_true", help="upsert/start/schedule: print the requests; call no AWS API")
    p.add_argument("--output", help="write the result (for definition: the definition JSON) to this file")
    p.add_argument("--parameter", action="append", default=[], metavar="Name=value", help="start: a pipeline parameter")
    p.add_argument("overrides", nargs="*", metavar="key=value", help="override any key of the config")
    return p.parse_intermixed_args(argv)  # key=value overrides may follow the options


def main(argv=None) -> int:
    os.environ.setdefault("SAGEMAKER_SUPPRESS_V2_WARNING", "1")
    # The SDK logs where it looked for defaults files to stdout, which must hold only the JSON printed here.
    logging.getLogger("sagemaker.config").setLevel(logging.WARNING)
    args = parse(argv)
    try:
        cfg = load_config(WeeklyPipelineConfig, args.config, args.overrides)
        if args.command == "definition":
            out = definition(cfg)
        elif args.command == "upsert":
            out = upsert(cfg, args.dry_run)
        elif args.command == "start":
            out = start(cfg, args.dry_run, _parameters(args.parameter))
        else:
            out = schedule(cfg, args.dry_run)
    except USER_ERRORS as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    text = json.dumps(out, indent=2, default=str)
    if args.output:
        Path(args.output).write_text(text + "\n", encoding="utf-8")
        print(f"wrote {args.output}")
    else:
        print(text)
    return 0


def _parameters(items: list[str]) -> dict[str, str]:
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep:
            raise ConfigError(f"--parameter '{item}' is not of the form Name=value")
        out[name] = value
    return out


if __name__ == "__main__":
    sys.exit(main())
