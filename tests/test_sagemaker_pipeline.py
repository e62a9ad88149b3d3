"""The weekly SageMaker Pipeline: its definition built offline, its gate, its own step entries, and
upsert/schedule/start against a local AWS endpoint (moto in server mode), nothing sent to real AWS."""
from __future__ import annotations

import io
import json
import os
import tarfile
from collections import Counter
from pathlib import Path

import pytest
from conftest import ROOT, moto_server

from common.configfile import load_config
from modeling.sagemaker_job import SageMakerConfig
from pipeline.sagemaker import main
from pipeline.sagemaker_pipeline import GATE_CRITERIA

CONFIG = "configs/sagemaker_pipeline/weekly.yaml"
KNOWN_TYPES = {"Processing", "Training", "Condition", "Fail", "RegisterModel", "Model", "Transform"}
ROLE = "arn:aws:iam::123456789012:role/support-triage-sagemaker"


@pytest.fixture(scope="module")
def definition(tmp_path_factory) -> dict:
    """`definition` run as a user would, with an AWS endpoint that refuses every connection."""
    out = tmp_path_factory.mktemp("definition") / "definition.json"
    saved = {k: os.environ.get(k) for k in ("AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY")}
    os.environ.update(AWS_ENDPOINT_URL="http://127.0.0.1:9", AWS_ACCESS_KEY_ID="none", AWS_SECRET_ACCESS_KEY="none")
    try:
        assert main(["definition", "--config", str(ROOT / CONFIG), "--output", str(out)]) == 0
    finally:
        for k, v in saved.items():
            os.environ.pop(k, None) if v is None else os.environ.__setitem__(k, v)
    return json.loads(out.read_text())


def all_steps(steps: list[dict]) -> dict[str, dict]:
    """Every step by name, the condition's branches included."""
    out = {}
    for step in steps:
        out[step["Name"]] = step
        if step["Type"] == "Condition":
            out.update(all_steps(step["Arguments"]["IfSteps"] + step["Arguments"]["ElseSteps"]))
    return out


def references(node, prefix: str) -> set[str]:
    """Names after `prefix` in every {"Get": ...} under `node` ("Steps." -> step names)."""
    found = set()
    if isinstance(node, dict):
        get = node.get("Get")
        if isinstance(get, str) and get.startswith(prefix):
            found.add(get[len(prefix):].split(".")[0])
        for key, value in node.items():
            if key not in ("IfSteps", "ElseSteps"):
                found |= references(value, prefix)
    elif isinstance(node, list):
        for value in node:
            found |= references(value, prefix)
    return found


@pytest.mark.e2e  # the SDK builds the whole pipeline definition
def test_definition_has_the_weekly_dag(definition):
    steps = all_steps(definition["Steps"])
    assert [(s["Name"], s["Type"]) for s in definition["Steps"]] == [
        ("EtlTrain", "Processing"), ("EtlNewBatch", "Processing"), ("Train", "Training"),
        ("Evaluate", "Processing"), ("Gate", "Condition")]
    gate = steps["Gate"]["Arguments"]
    assert [s["Name"] for s in gate["IfSteps"]] == ["RegisterModel-RepackModel-0", "RegisterModel-RegisterModel",
                                                    "CreateModel-RepackModel-0", "CreateModel-CreateModel",
                                                    "Transform", "Drift"]
    assert [(s["Name"], s["Type"]) for s in gate["ElseSteps"]] == [("GateFailed", "Fail")]
    depends = {name: references(step, "Steps.") | set(step.get("DependsOn", [])) for name, step in steps.items()}
    assert depends == {
        "EtlTrain": set(), "EtlNewBatch": set(), "Train": {"EtlTrain"}, "Evaluate": {"Train"}, "Gate": {"Evaluate"},
        "RegisterModel-RepackModel-0": {"Train"}, "RegisterModel-RegisterModel": {"RegisterModel-RepackModel-0", "Evaluate"},
        "CreateModel-RepackModel-0": {"Train"}, "CreateModel-CreateModel": {"CreateModel-RepackModel-0"},
        "Transform": {"CreateModel-CreateModel", "EtlNewBatch"}, "Drift": {"Train", "Transform", "EtlNewBatch"},
        "GateFailed": {"Evaluate"}}
    # The training channels are the ETL step's published run, through its output property.
    channels = {c["ChannelName"]: c["DataSource"]["S3DataSource"]["S3Uri"]["Std:Join"]["Values"]
                for c in steps["Train"]["Arguments"]["InputDataConfig"]}
    run = {"Get": "Steps.EtlTrain.ProcessingOutputConfig.Outputs['run'].S3Output.S3Uri"}
    assert channels == {"train": [run, "train", ""], "validation": [run, "validation", ""], "test": [run, "test", ""],
                        "manifest": [run, "manifest.json"]}


@pytest.mark.e2e  # the SDK builds the whole pipeline definition
def test_definition_images_parameters_and_gate(definition):
    steps = all_steps(definition["Steps"])
    sm = load_config(SageMakerConfig, ROOT / "configs/sagemaker/gpu_single.yaml")
    for name in ("EtlTrain", "EtlNewBatch", "Evaluate", "Drift"):
        assert steps[name]["Arguments"]["AppSpecification"]["ImageUri"].endswith("/sagemaker-spark-processing:3.5-cpu-py312")
    assert steps["EtlTrain"]["Arguments"]["AppSpecification"]["ContainerEntrypoint"][0] == "smspark-submit"
    train_image = steps["Train"]["Arguments"]["AlgorithmSpecification"]["TrainingImage"]
    assert f"/huggingface-pytorch-training:{sm.pytorch_version}-transformers{sm.transformers_version}-gpu-{sm.py_version}" in train_image
    model_image = steps["CreateModel-CreateModel"]["Arguments"]["PrimaryContainer"]["Image"]
    assert (f"/huggingface-pytorch-inference:{sm.inference_pytorch_version}-transformers"
            f"{sm.inference_transformers_version}-gpu-{sm.inference_py_version}") in model_image
    params = {p["Name"]: p for p in definition["Parameters"]}
    assert set(params) == {"RawTrainPrefix", "NewBatchPrefix", "EtlInstanceType", "TrainingInstanceType",
                           "ProcessingInstanceType", "TransformInstanceType", "GateMinTestMacroF1", "ModelApprovalStatus"}
    assert all("DefaultValue" in p for p in params.values()), "a scheduled run passes no parameters"
    assert params["GateMinTestMacroF1"]["DefaultValue"] == 0.8  # the train config's gate.min_test_macro_f1
    assert params["TrainingInstanceType"]["DefaultValue"] == sm.training.instance_type
    # The gate reads the evaluation step's property file, one condition per criterion.
    evaluate = steps["Evaluate"]
    assert evaluate["PropertyFiles"] == [{"PropertyFileName": "Evaluation", "OutputName": "evaluate",
                                          "FilePath": "evaluation.json"}]
    conditions = steps["Gate"]["Arguments"]["Conditions"]
    assert len(conditions) == len(GATE_CRITERIA)
    for condition, (key, _) in zip(conditions, GATE_CRITERIA):
        assert condition["Type"] == "GreaterThanOrEqualTo"
        assert condition["LeftValue"]["Std:JsonGet"] == {
            "PropertyFile": {"Get": "Steps.Evaluate.PropertyFiles.Evaluation"}, "Path": f"gate_inputs.{key}"}
    register = steps["RegisterModel-RegisterModel"]["Arguments"]
    assert register["ModelApprovalStatus"] == {"Get": "Parameters.ModelApprovalStatus"}
    assert register["ModelMetrics"]["ModelQuality"]["Statistics"]["S3Uri"]["Std:Join"]["Values"][-1] == "evaluation.json"
    assert steps["Transform"]["Arguments"]["TransformInput"]["DataSource"]["S3DataSource"]["S3Uri"] == {
        "Get": "Steps.EtlNewBatch.ProcessingOutputConfig.Outputs['transform_input'].S3Output.S3Uri"}


@pytest.mark.e2e  # the SDK builds the whole pipeline definition
def test_every_session_opts_out_of_telemetry_and_dry_runs_touch_no_aws():
    from pipeline.sagemaker import DryRunAws, connect
    from pipeline.sagemaker_pipeline_config import WeeklyPipelineConfig

    aws = connect(load_config(WeeklyPipelineConfig, ROOT / CONFIG), dry_run=True)
    assert aws.session.sagemaker_config["SageMaker"]["PythonSDK"]["Modules"]["TelemetryOptOut"] is True
    assert isinstance(aws.boto, DryRunAws) and aws.session.sagemaker_client is aws.boto.client("sagemaker")


@pytest.mark.e2e  # the SDK builds the whole pipeline definition
def test_definition_is_well_formed(definition):
    """Structural check (the published JSON schema has no licence to ship it under): names, types, references."""
    steps = all_steps(definition["Steps"])
    names = [s["Name"] for s in _flat(definition["Steps"])]
    assert len(names) == len(set(names)), "step names must be unique"
    params = {p["Name"] for p in definition["Parameters"]}
    assert all(p["Type"] in ("String", "Float", "Integer", "Boolean") for p in definition["Parameters"])
    for name, step in steps.items():
        assert step["Type"] in KNOWN_TYPES and isinstance(step["Arguments"], dict), name
        assert references(step, "Steps.") <= set(steps) - {name}, name
        assert references(step, "Parameters.") <= params, name
        assert references(step, "Execution.") <= {"PipelineExecutionId"}, name
    for step in steps.values():  # every JsonGet names a property file its step declares
        for ref in _json_gets(step):
            target, _, pf = ref.removeprefix("Steps.").partition(".PropertyFiles.")
            assert pf in {p["PropertyFileName"] for p in steps[target].get("PropertyFiles", [])}, ref


def _flat(steps: list[dict]) -> list[dict]:
    out = []
    for s in steps:
        out.append(s)
        if s["Type"] == "Condition":
            out += _flat(s["Arguments"]["IfSteps"] + s["Arguments"]["ElseSteps"])
    return out


def _json_gets(node) -> list[str]:
    if isinstance(node, dict):
        if "Std:JsonGet" in node:
            return [node["Std:JsonGet"]["PropertyFile"]["Get"]]
        return [r for k, v in node.items() if k not in ("IfSteps", "ElseSteps") for r in _json_gets(v)]
    if isinstance(node, list):
        return [r for v in node for r in _json_gets(v)]
    return []


def _value(node, evaluation: dict, parameters: dict):
    """A condition operand as SageMaker resolves it: a JsonGet into evaluation.json, or a parameter."""
    if "Std:JsonGet" in node:
        value = evaluation
        for key in node["Std:JsonGet"]["Path"].split("."):
            value = value[key]
        return value
    return parameters[node["Get"].removeprefix("Parameters.")]


def _model_tar(folder: Path, files: dict[str, str]) -> Path:
    """model.tar.gz as a training job leaves it: the model folder's files at the root."""
    folder.mkdir(parents=True, exist_ok=True)
    with tarfile.open(folder / "model.tar.gz", "w:gz") as tar:
        for name, text in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(text.encode())
            tar.addfile(info, io.BytesIO(text.encode()))
    return folder


@pytest.mark.e2e  # the SDK builds the whole pipeline definition
@pytest.mark.parametrize("model_f1,baseline_f1,threshold", [
    (0.85, 0.80, 0.80), (0.79, 0.50, 0.80), (0.90, 0.95, 0.80), (0.90, None, 0.80), (None, 0.60, 0.80), (0.80, 0.80, 0.80)])
def test_gate_condition_decides_as_artifacts_gate(definition, tmp_path, model_f1, baseline_f1, threshold):
    """The Evaluate entry on a model's metrics.json, then the definition's conditions: same verdict as modeling.artifacts.gate."""
    from common.contracts import TrainMetrics
    from modeling.artifacts import gate
    from pipeline.sagemaker_step_entry import main as entry

    test = {"macro_f1": model_f1, "accuracy": 0.9} if model_f1 is not None else None
    baseline = {"macro_f1": baseline_f1} if baseline_f1 is not None else None
    decision = gate(test, baseline, 0.7)  # training's own threshold differs from the pipeline's
    metrics = TrainMetrics(labels=["critical", "non_critical"], validation=None, test=test, baseline={"test": baseline},
                           gold=None, gate=decision, approved=decision.approved, gate_threshold=0.7)
    model = _model_tar(tmp_path / "model", {"metrics.json": metrics.dumps(), "config.json": "{}"})
    assert entry(["evaluate", "--model", str(model), "--output", str(tmp_path / "evaluation")]) == 0
    evaluation = json.loads((tmp_path / "evaluation" / "evaluation.json").read_text())
    assert evaluation["training_gate"]["approved"] == decision.approved
    conditions = all_steps(definition["Steps"])["Gate"]["Arguments"]["Conditions"]
    parameters = {"GateMinTestMacroF1": threshold}
    passed = all(_value(c["LeftValue"], evaluation, parameters) >= _value(c["RightValue"], evaluation, parameters)
                 for c in conditions)
    assert passed == gate(test, baseline, threshold).approved


@pytest.mark.e2e  # the SDK builds the whole pipeline definition
@pytest.mark.parametrize("gold", [(0.90, 0.92, 0.85), (0.80, 0.95, 0.85), (0.90, 0.70, 0.85), None])
def test_gate_condition_judges_human_labels_as_artifacts_gate(definition, tmp_path, gold):
    """Gold test (model macro-F1 vs the rules', critical recall vs the floor), and no gold split at all."""
    from common.contracts import TrainMetrics
    from modeling.artifacts import gate
    from pipeline.sagemaker_step_entry import main as entry

    def rep(f1, recall):
        return {"macro_f1": f1, "accuracy": f1, "per_class": {"critical": {"recall": recall}}}

    gold_test = gold and {"model": {"overall": rep(gold[0], gold[1])}, "rules": {"overall": rep(gold[2], 0.9)}}
    test, baseline = {"macro_f1": 0.95, "accuracy": 0.95}, {"macro_f1": 0.9}
    decision = gate(test, baseline, 0.7, gold_test, min_gold_recall=0.8, require_gold=True)
    metrics = TrainMetrics(labels=["critical", "non_critical"], validation=None, test=test, baseline={"test": baseline},
                           gold=None, gate=decision, approved=decision.approved, gate_threshold=0.7)
    model = _model_tar(tmp_path / "model", {"metrics.json": metrics.dumps(), "config.json": "{}"})
    assert entry(["evaluate", "--model", str(model), "--output", str(tmp_path / "evaluation")]) == 0
    evaluation = json.loads((tmp_path / "evaluation" / "evaluation.json").read_text())
    conditions = all_steps(definition["Steps"])["Gate"]["Arguments"]["Conditions"]
    parameters = {"GateMinTestMacroF1": 0.7}
    passed = all(_value(c["LeftValue"], evaluation, parameters) >= _value(c["RightValue"], evaluation, parameters)
                 for c in conditions)
    assert passed == decision.approved == (gold is not None and gold[0] >= gold[2] and gold[1] >= 0.8)


def test_evaluate_runs_without_the_training_stack(tmp_path):
    """The evaluation and drift jobs run in the Spark image: no matplotlib, torch, transformers or Spark needed.
    (The drift command's own imports are checked here too; its numbers are tested below.)"""
    import subprocess
    import sys

    from common.contracts import TrainMetrics
    from modeling.artifacts import MANIFEST_FILE, METRICS_FILE, gate
    from pipeline import sagemaker_step_entry

    assert (sagemaker_step_entry.METRICS_FILE, sagemaker_step_entry.MANIFEST_FILE) == (METRICS_FILE, MANIFEST_FILE)
    test = {"macro_f1": 0.9}
    metrics = TrainMetrics(labels=["critical", "non_critical"], validation=None, test=test, baseline={"test": None},
                           gold=None, gate=gate(test, None, 0.7), approved=True, gate_threshold=0.7)
    model = _model_tar(tmp_path / "model", {METRICS_FILE: metrics.dumps()})
    blocked = "import sys; [sys.modules.__setitem__(m, None) for m in ('matplotlib', 'torch', 'transformers', 'pyspark')]"
    drift_imports = "from inference.config import PredictConfig; from inference.drift import assess_drift"
    run = (f"{blocked}; {drift_imports}; from pipeline.sagemaker_step_entry import main; "
           f"sys.exit(main(['evaluate', '--model', {str(model)!r}, '--output', {str(tmp_path / 'out')!r}]))")
    proc = subprocess.run([sys.executable, "-c", run], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert json.loads((tmp_path / "out" / "evaluation.json").read_text())["gate_inputs"] == {
        "model_test_macro_f1": 0.9, "baseline_test_macro_f1": 0.0,  # not judged on human labels: inputs that pass
        "model_gold_macro_f1": 0.0, "rules_gold_macro_f1": 0.0, "model_gold_recall": 0.0, "min_gold_recall": 0.0}


def test_evaluate_refuses_a_model_without_metrics(tmp_path, capsys):
    from pipeline.sagemaker_step_entry import main as entry

    model = _model_tar(tmp_path / "model", {"config.json": "{}"})
    assert entry(["evaluate", "--model", str(model), "--output", str(tmp_path / "out")]) == 2
    assert "model.tar.gz has no metrics.json" in capsys.readouterr().err


def test_transform_input_and_drift_entries(etl_run, tmp_path):
    """The new batch's JSON Lines cover every customer row once; drift.json holds inference.drift's PSI."""
    from common.contracts import EtlManifest, TrainingManifest, TrainProgress
    from inference.drift import psi
    from inference.transform_input import write_transform_input
    from pipeline.sagemaker_step_entry import main as entry

    etl = EtlManifest.read(str(etl_run / "manifest.json"))
    rows = write_transform_input(str(etl_run), str(tmp_path / "batch" / "batch.jsonl"))
    lines = [json.loads(line) for line in (tmp_path / "batch" / "batch.jsonl").read_text().splitlines()]
    assert rows == len(lines) == etl.counts.customer_rows
    assert len({r["id"] for r in lines}) == rows and all(r["inputs"] for r in lines)
    manifest = TrainingManifest(model_name="m", base_model="tiny", labels=etl.labels, max_length=64, data_source=str(etl_run),
                                data_manifest=etl, config={}, versions={}, git_commit=None,
                                train=TrainProgress(1, 0, None, None, 1, "fp32"), timings_s={})
    model = _model_tar(tmp_path / "model", {"training_manifest.json": manifest.dumps()})
    predicted = ["critical" if i % 3 == 0 else "non_critical" for i in range(rows)]
    (tmp_path / "predictions").mkdir()
    (tmp_path / "predictions" / "batch.jsonl.out").write_text(
        "".join(json.dumps({"id": r["id"], "label": label}) + "\n" for r, label in zip(lines, predicted)))
    assert entry(["drift", "--model", str(model), "--predictions", str(tmp_path / "predictions"), "--batch",
                  str(tmp_path / "batch"), "--threshold", "0.2", "--output", str(tmp_path / "drift")]) == 0
    summary = json.loads((tmp_path / "drift" / "drift.json").read_text())
    assert summary["predicted"] == rows and summary["labels"] == dict(sorted(Counter(predicted).items()))
    # The batch is the whole run, so its length histogram is the sum of the manifest's splits.
    expected_lengths = Counter()
    for split in etl.splits.values():
        expected_lengths.update(split.text_length_chars)
    assert summary["text_length_chars"] == dict(expected_lengths)
    assert summary["drift"]["label_psi"] == round(psi(etl.splits["train"].labels, summary["labels"]), 6)
    assert summary["drift_reason"] is None


BUCKET = "triage-pipeline-test"


@pytest.fixture(scope="module")
def aws_endpoint():
    with moto_server() as endpoint:
        yield endpoint


@pytest.mark.e2e  # a moto server and the SDK's AWS calls
def test_upsert_schedule_alert_and_start_against_moto(aws_endpoint, capsys):
    import boto3

    boto3.client("s3").create_bucket(Bucket=BUCKET)
    topic = boto3.client("sns").create_topic(Name="triage-alerts")["TopicArn"]
    args = ["--config", str(ROOT / CONFIG), f"s3_prefix=s3://{BUCKET}/triage", f"sagemaker.overrides=[role={ROLE}]",
            f"alerts.sns_topic_arn={topic}"]
    assert main(["upsert", *args]) == 0
    assert main(["schedule", *args]) == 0
    assert main(["start", *args, "--parameter", "GateMinTestMacroF1=0.75"]) == 0
    capsys.readouterr()
    assert main(["schedule", "--dry-run", *args]) == 0
    dry = json.loads(capsys.readouterr().out)

    sagemaker = boto3.client("sagemaker")
    pipeline = sagemaker.describe_pipeline(PipelineName="support-triage-weekly")
    assert pipeline["RoleArn"] == ROLE
    assert [s["Name"] for s in json.loads(pipeline["PipelineDefinition"])["Steps"]] == [
        "EtlTrain", "EtlNewBatch", "Train", "Evaluate", "Gate"]
    schedule = boto3.client("scheduler").get_schedule(Name="support-triage-weekly")
    assert schedule["ScheduleExpression"] == "cron(0 6 ? * MON *)" and schedule["State"] == "ENABLED"
    assert schedule["Target"]["Arn"] == pipeline["PipelineArn"] and schedule["Target"]["RoleArn"] == ROLE
    events = boto3.client("events")
    rule = events.describe_rule(Name="support-triage-weekly-failed")
    assert json.loads(rule["EventPattern"]) == {
        "source": ["aws.sagemaker"], "detail-type": ["SageMaker Model Building Pipeline Execution Status Change"],
        "detail": {"pipelineArn": [pipeline["PipelineArn"]], "currentPipelineExecutionStatus": ["Failed"]}}
    targets = events.list_targets_by_rule(Rule="support-triage-weekly-failed")["Targets"]
    assert [t["Arn"] for t in targets] == [topic]
    assert "<execution>" in targets[0]["InputTransformer"]["InputTemplate"]
    executions = sagemaker.list_pipeline_executions(PipelineName="support-triage-weekly")["PipelineExecutionSummaries"]
    assert len(executions) == 1
    # The code the definition names was uploaded beside the pipeline's outputs.
    keys = [o["Key"] for o in boto3.client("s3").list_objects_v2(Bucket=BUCKET)["Contents"]]
    for name in ("/py-files/code.zip", "/sagemaker_step_entry.py", "/sourcedir.tar.gz"):
        assert any(k.startswith("triage/support-triage-weekly/") and k.endswith(name) for k in keys), name
    # --dry-run prints the very requests that created the schedule and the rule.
    assert dry["update_schedule"]["ScheduleExpression"] == schedule["ScheduleExpression"]
    assert dry["update_schedule"]["Target"]["RoleArn"] == ROLE
    assert dry["put_rule"]["Name"] == rule["Name"] and dry["put_targets"]["Targets"][0]["Arn"] == topic


def test_etl_entry_publishes_where_the_dag_reads(spark, synth_csv, tmp_path, monkeypatch):
    """The EtlNewBatch job's command, run here: a complete run at the fixed output, and its transform input."""
    from pipeline.sagemaker_step_entry import main as entry

    monkeypatch.chdir(tmp_path)  # the entry moves into --project; the test's cwd comes back afterwards
    publish_to, transform = tmp_path / "etl" / "run", tmp_path / "etl" / "transform_input"
    publish_to.mkdir(parents=True)  # as SageMaker creates it
    assert entry(["etl", "--project", str(ROOT), "--config", "configs/preprocess/default.yaml", "--publish-to",
                  str(publish_to), "--transform-input", str(transform), f"input=file://{synth_csv}",
                  "run_id=execution-1"]) == 0
    manifest = json.loads((publish_to / "manifest.json").read_text())
    assert manifest["run_id"] == "execution-1" and (publish_to / "_SUCCESS").exists()
    assert {p.name for p in publish_to.iterdir() if not p.name.startswith(".")} == {
        "_SUCCESS", "manifest.json", "quarantine", "train", "validation", "test"}
    assert not (tmp_path / "etl" / "published" / manifest["run_date"] / "execution-1").exists()  # moved, not copied
    lines = (transform / "batch.jsonl").read_text().splitlines()
    assert len(lines) == manifest["counts"]["customer_rows"] == 1500 - manifest["counts"]["company_rows"]


@pytest.mark.parametrize("argv,message", [
    (["start", "--dry-run", "--parameter", "Nope=1"], "unknown pipeline parameter 'Nope'; the pipeline has: RawTrainPrefix"),
    (["start", "--dry-run", "--parameter", "GateMinTestMacroF1"], "--parameter 'GateMinTestMacroF1' is not of the form Name=value"),
    (["upsert"], "role is empty: set it in the SageMaker config"),
    (["schedule", "--dry-run"], "alerts.sns_topic_arn is empty"),
    (["definition", "etl.instance_count=2"], "etl.instance_count must be 1, found 2"),
    (["definition", "schedule.cron=0 6 * *"], "schedule.cron must hold six fields"),
    (["definition", "approval_status=Maybe"], "approval_status must be one of PendingManualApproval, Approved, Rejected"),
    (["definition", "s3_prefix=bucket/x"], "s3_prefix must be an s3://bucket[/prefix] URI"),
])
def test_user_errors_are_one_line_and_exit_2(argv, message, capsys):
    """Each fails before any AWS call or build, naming the key or flag to fix."""
    assert main([*argv[:1], "--config", str(ROOT / CONFIG), *argv[1:]]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and len(err.splitlines()) == 1, err
