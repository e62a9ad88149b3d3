r"""The weekly pipeline as a SageMaker Pipeline (SDK v2): the DAG that AWS runs and schedules.

    python -m pipeline.sagemaker definition --config configs/sagemaker_pipeline/weekly.yaml --output definition.json
    (upsert, start and schedule: pipeline/sagemaker.py; what runs inside the jobs: pipeline/sagemaker_step_entry.py)

Steps, in the definition's names:
  EtlTrain, EtlNewBatch  ProcessingStep, PySparkProcessor: preprocessing's ETL on a raw S3 prefix; output
                         `run` (splits, quarantine, manifest.json, _SUCCESS); EtlNewBatch adds `transform_input`
  Train                  TrainingStep, HuggingFace estimator (modeling/sagemaker_entry.py) on EtlTrain's splits
  Evaluate               ProcessingStep: evaluation.json (PropertyFile) from the model's metrics.json
  Gate                   ConditionStep on evaluation.json, modeling.artifacts.gate's criteria; else GateFailed
  RegisterModel          ModelStep: a model package in the registry group, evaluation.json as its metrics
  CreateModel            ModelStep: the model Batch Transform runs, the project's handler as code/
  Transform              TransformStep over EtlNewBatch's JSON Lines
  Drift                  ProcessingStep: drift.json, the PSI summary of inference.drift
Every job is created under a PipelineSession, so nothing runs while the DAG is built.
"""
from __future__ import annotations

import shutil
import zipfile
from dataclasses import dataclass
from pathlib import Path

from modeling.sagemaker_job import SageMakerConfig, estimator_kwargs, hyperparameters, stage_source_dir
from pipeline.sagemaker_pipeline_config import APPROVAL_STATUSES, WeeklyPipelineConfig
from preprocessing.schema import SPLITS

ROOT = Path(__file__).resolve().parent.parent
# What the jobs import: --py-files of the ETL, PYTHONPATH of the evaluation and drift jobs.
CODE_PACKAGES = ("common", "preprocessing", "modeling", "inference")
ENTRY = ROOT / "pipeline" / "sagemaker_step_entry.py"
CONTENT_TYPES = ["application/jsonlines", "application/json", "text/csv"]
# Inside the processing containers.
IN = "/opt/ml/processing/input"
RUN_DIR, TRANSFORM_DIR = "/opt/ml/processing/etl/run", "/opt/ml/processing/etl/transform_input"
EVALUATION_DIR, DRIFT_DIR = "/opt/ml/processing/evaluation", "/opt/ml/processing/drift"
GATE_THRESHOLD = "GateMinTestMacroF1"
# modeling.artifacts.gate as (evaluation.json gate_inputs key, what it must reach: a parameter or another
# gate input). One more criterion of the gate is one more line here (and its input in the
# evaluate step's gate_inputs, pipeline/sagemaker_step_entry.py).
GATE_CRITERIA = (
    ("model_test_macro_f1", GATE_THRESHOLD),
    ("model_test_macro_f1", "baseline_test_macro_f1"),
    ("model_gold_macro_f1", "rules_gold_macro_f1"),  # human labels: beat the keyword rules on gold test
    ("model_gold_recall", "min_gold_recall"),  # and reach training's gate.min_gold_recall for critical there
)


@dataclass
class StagedCode:
    """Local files the SDK uploads while it builds the definition."""

    code_zip: str
    project: str  # configs/, the folder the ETL's relative config paths start from
    train_source: str  # the training job's source_dir (modeling.sagemaker_job.stage_source_dir)
    handler: str  # code/ of the transform model: inference.py shim, requirements.txt, lib/ (inference.packaging)


def stage_code(folder: Path, extra_files: tuple[str, ...] = ()) -> StagedCode:
    """code.zip, configs, the training source_dir (plus `extra_files`, e.g. the gold set) and the handler's code/."""
    from inference.packaging import REQUIREMENTS, SHIM, VENDORED

    folder.mkdir(parents=True, exist_ok=True)
    code_zip = folder / "code.zip"
    with zipfile.ZipFile(code_zip, "w", zipfile.ZIP_DEFLATED) as zf:
        for package in CODE_PACKAGES:
            for file in sorted((ROOT / package).rglob("*.py")):
                zf.write(file, file.relative_to(ROOT).as_posix())
    shutil.copytree(ROOT / "configs", folder / "project" / "configs")
    train_source = stage_source_dir(str(folder / "train_source"), extra_files)
    handler = folder / "handler"
    (handler / "lib").mkdir(parents=True)
    (handler / "inference.py").write_text(SHIM)
    (handler / "requirements.txt").write_text(REQUIREMENTS)
    for rel in dict.fromkeys(VENDORED):
        (handler / "lib" / rel).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / rel, handler / "lib" / rel)
    return StagedCode(str(code_zip), str(folder / "project"), train_source, str(handler))


def images(cfg: WeeklyPipelineConfig, sm: SageMakerConfig) -> dict[str, str]:
    """Container images, resolved here: the SDK cannot look one up from an instance-type parameter."""
    from sagemaker import image_uris

    spark = cfg.etl.image_uri or image_uris.retrieve(
        "spark", sm.region, version=cfg.etl.spark_version, py_version=cfg.etl.py_version,
        instance_type=cfg.etl.instance_type, image_scope="processing")
    train = image_uris.retrieve("huggingface", sm.region, version=sm.transformers_version,
                                base_framework_version=f"pytorch{sm.pytorch_version}", py_version=sm.py_version,
                                instance_type=sm.training.instance_type, image_scope="training")
    transform = image_uris.retrieve("huggingface", sm.region, version=sm.inference_transformers_version,
                                    base_framework_version=f"pytorch{sm.inference_pytorch_version}",
                                    py_version=sm.inference_py_version, instance_type=sm.transform.instance_type,
                                    image_scope="inference")
    return {"spark": spark, "train": train, "transform": transform}


def parameters(cfg: WeeklyPipelineConfig, sm: SageMakerConfig, threshold: float) -> dict:
    """Every parameter has a default, which a scheduled run (no parameters passed) uses."""
    from sagemaker.workflow.parameters import ParameterFloat, ParameterString

    return {p.name: p for p in (
        ParameterString("RawTrainPrefix", default_value=cfg.raw_train),
        ParameterString("NewBatchPrefix", default_value=cfg.raw_new_batch),
        ParameterString("EtlInstanceType", default_value=cfg.etl.instance_type),
        ParameterString("TrainingInstanceType", default_value=sm.training.instance_type),
        ParameterString("ProcessingInstanceType", default_value=cfg.processing_instance_type),
        ParameterString("TransformInstanceType", default_value=sm.transform.instance_type),
        ParameterFloat(GATE_THRESHOLD, default_value=threshold),
        ParameterString("ModelApprovalStatus", default_value=cfg.approval_status, enum_values=list(APPROVAL_STATUSES)),
    )}


def _execution_path(cfg: WeeklyPipelineConfig, *parts: str):
    """s3://.../<name>/executions/<execution id>/<parts>: each execution's outputs apart from the others'."""
    from sagemaker.workflow.execution_variables import ExecutionVariables
    from sagemaker.workflow.functions import Join

    return Join(on="/", values=[cfg.root, "executions", ExecutionVariables.PIPELINE_EXECUTION_ID, *parts])


def etl_step(name: str, raw, cfg: WeeklyPipelineConfig, ctx: dict, transform_input: bool):
    """The ETL on a raw prefix; output `run` is the published run folder (plus `transform_input`)."""
    from sagemaker.processing import ProcessingInput, ProcessingOutput
    from sagemaker.spark.processing import PySparkProcessor
    from sagemaker.workflow.execution_variables import ExecutionVariables
    from sagemaker.workflow.functions import Join
    from sagemaker.workflow.steps import ProcessingStep

    e = cfg.etl
    processor = PySparkProcessor(role=ctx["role"], instance_type=ctx["params"]["EtlInstanceType"], instance_count=1,
                                 image_uri=ctx["images"]["spark"], volume_size_in_gb=e.volume_size_gb,
                                 max_runtime_in_seconds=e.max_runtime_s, base_job_name=f"{cfg.name}-{name.lower()}",
                                 sagemaker_session=ctx["session"], tags=ctx["tags"])
    outputs = [ProcessingOutput(output_name="run", source=RUN_DIR, destination=_execution_path(cfg, name, "run"))]
    extra = []
    if transform_input:
        outputs.append(ProcessingOutput(output_name="transform_input", source=TRANSFORM_DIR,
                                        destination=_execution_path(cfg, name, "transform_input")))
        extra = ["--transform-input", TRANSFORM_DIR]
    # file:// because the Spark image's default file system is the cluster's HDFS.
    arguments = ["etl", "--project", f"{IN}/project", "--config", e.preprocess.config, "--publish-to", RUN_DIR, *extra,
                 f"input=file://{IN}/raw", Join(on="=", values=["run_id", ExecutionVariables.PIPELINE_EXECUTION_ID]),
                 *e.preprocess.overrides]
    args = processor.run(submit_app=str(ENTRY), submit_py_files=[ctx["code"].code_zip], arguments=arguments,
                         inputs=[ProcessingInput(source=raw, destination=f"{IN}/raw", input_name="raw"),
                                 ProcessingInput(source=ctx["code"].project, destination=f"{IN}/project", input_name="project")],
                         outputs=outputs)
    return ProcessingStep(name, step_args=args)


def output_uri(step, output: str):
    return step.properties.ProcessingOutputConfig.Outputs[output].S3Output.S3Uri


def training_step(cfg: WeeklyPipelineConfig, sm: SageMakerConfig, etl_train, ctx: dict):
    """modeling/sagemaker_entry.py on the ETL run's splits and manifest, the same channels a launched job gets."""
    from sagemaker.huggingface import HuggingFace
    from sagemaker.inputs import TrainingInput
    from sagemaker.workflow.functions import Join
    from sagemaker.workflow.steps import TrainingStep

    kwargs = estimator_kwargs(sm, ctx["role"], ctx["code"].train_source, hyperparameters(cfg.train.config, cfg.train.overrides))
    kwargs.update(instance_type=ctx["params"]["TrainingInstanceType"], image_uri=ctx["images"]["train"],
                  output_path=_execution_path(cfg, "Train"), base_job_name=f"{cfg.name}-train")
    estimator = HuggingFace(sagemaker_session=ctx["session"], **kwargs)
    run = output_uri(etl_train, "run")
    inputs = {split: TrainingInput(Join(on="/", values=[run, split, ""])) for split in SPLITS}
    inputs["manifest"] = TrainingInput(Join(on="/", values=[run, "manifest.json"]))
    return TrainingStep("Train", step_args=estimator.fit(inputs=inputs))


def script_step(name: str, command: list, inputs: list, output: str, cfg: WeeklyPipelineConfig, ctx: dict,
                property_files=None):
    """A plain-Python processing job: the entry module in the Spark image, code.zip on PYTHONPATH."""
    from sagemaker.processing import ProcessingInput, ProcessingOutput, ScriptProcessor
    from sagemaker.workflow.steps import ProcessingStep

    processor = ScriptProcessor(role=ctx["role"], image_uri=ctx["images"]["spark"], command=["python3"],
                                instance_type=ctx["params"]["ProcessingInstanceType"], instance_count=1,
                                env={"PYTHONPATH": f"{IN}/lib/code.zip"}, base_job_name=f"{cfg.name}-{name.lower()}",
                                sagemaker_session=ctx["session"], tags=ctx["tags"])
    lib = ProcessingInput(source=ctx["code"].code_zip, destination=f"{IN}/lib", input_name="lib")
    out = ProcessingOutput(output_name=name.lower(), source=output, destination=_execution_path(cfg, name))
    args = processor.run(code=str(ENTRY), arguments=command, inputs=[*inputs, lib], outputs=[out])
    return ProcessingStep(name, step_args=args, property_files=property_files)


def gate_conditions(evaluate, evaluation, threshold) -> tuple[list, object]:
    """(conditions, failure message) of GATE_CRITERIA, every value read from evaluation.json."""
    from sagemaker.workflow.conditions import ConditionGreaterThanOrEqualTo
    from sagemaker.workflow.functions import Join, JsonGet

    def value(key: str):
        return JsonGet(step_name=evaluate.name, property_file=evaluation, json_path=f"gate_inputs.{key}")

    conditions, message = [], ["gate failed (evaluation.json of step Evaluate); needs"]
    for key, bar in GATE_CRITERIA:
        right = threshold if bar == GATE_THRESHOLD else value(bar)
        conditions.append(ConditionGreaterThanOrEqualTo(left=value(key), right=right))
        message += [f"{key}", value(key), f">= {bar}", right, ";"]
    return conditions, Join(on=" ", values=message)


def _model_input(train):
    from sagemaker.processing import ProcessingInput

    return ProcessingInput(source=train.properties.ModelArtifacts.S3ModelArtifacts, destination=f"{IN}/model",
                           input_name="model")


def evaluate_step(cfg: WeeklyPipelineConfig, train, ctx: dict):
    """(the step, its PropertyFile evaluation.json)."""
    from sagemaker.workflow.properties import PropertyFile

    evaluation = PropertyFile(name="Evaluation", output_name="evaluate", path="evaluation.json")
    step = script_step("Evaluate", ["evaluate", "--model", f"{IN}/model", "--output", EVALUATION_DIR],
                       [_model_input(train)], EVALUATION_DIR, cfg, ctx, property_files=[evaluation])
    return step, evaluation


def model_steps(cfg: WeeklyPipelineConfig, sm: SageMakerConfig, train, evaluate, ctx: dict):
    """(RegisterModel, CreateModel): one model, with the project's handler as its code/."""
    from sagemaker.huggingface import HuggingFaceModel
    from sagemaker.model_metrics import MetricsSource, ModelMetrics
    from sagemaker.workflow.functions import Join
    from sagemaker.workflow.model_step import ModelStep

    params = ctx["params"]
    model = HuggingFaceModel(model_data=train.properties.ModelArtifacts.S3ModelArtifacts, role=ctx["role"],
                             image_uri=ctx["images"]["transform"], transformers_version=sm.inference_transformers_version,
                             pytorch_version=sm.inference_pytorch_version, py_version=sm.inference_py_version,
                             entry_point="inference.py", source_dir=ctx["code"].handler,
                             env={"HF_TASK": "text-classification"}, sagemaker_session=ctx["session"])
    metrics = ModelMetrics(model_statistics=MetricsSource(
        s3_uri=Join(on="/", values=[output_uri(evaluate, "evaluate"), "evaluation.json"]), content_type="application/json"))
    register = ModelStep("RegisterModel", step_args=model.register(
        content_types=CONTENT_TYPES, response_types=CONTENT_TYPES, transform_instances=[params["TransformInstanceType"]],
        model_package_group_name=cfg.model_package_group, approval_status=params["ModelApprovalStatus"],
        model_metrics=metrics, description=f"{cfg.name}: gated on {GATE_THRESHOLD}, the TF-IDF baseline and human labels (gold test)"))
    create = ModelStep("CreateModel", step_args=model.create(instance_type=params["TransformInstanceType"]))
    return register, create


def batch_steps(cfg: WeeklyPipelineConfig, sm: SageMakerConfig, train, create, etl_batch, ctx: dict):
    """(Transform, Drift): the new batch through the handler, then the PSI summary of what came out."""
    from sagemaker.processing import ProcessingInput
    from sagemaker.transformer import Transformer
    from sagemaker.workflow.steps import TransformStep

    t, batch = sm.transform, output_uri(etl_batch, "transform_input")
    transformer = Transformer(model_name=create.properties.ModelName, instance_type=ctx["params"]["TransformInstanceType"],
                              instance_count=t.instance_count, strategy="MultiRecord", assemble_with="Line",
                              accept="application/jsonlines", max_payload=t.max_payload_mb,
                              max_concurrent_transforms=t.max_concurrent_transforms,
                              output_path=_execution_path(cfg, "Transform"), base_transform_job_name=f"{cfg.name}-transform",
                              sagemaker_session=ctx["session"])
    transform = TransformStep("Transform", step_args=transformer.transform(
        data=batch, content_type="application/jsonlines", split_type="Line"))
    command = ["drift", "--model", f"{IN}/model", "--predictions", f"{IN}/predictions", "--batch", f"{IN}/batch",
               "--threshold", str(cfg.drift_threshold), "--output", DRIFT_DIR]
    inputs = [_model_input(train),
              ProcessingInput(source=transform.properties.TransformOutput.S3OutputPath, destination=f"{IN}/predictions",
                              input_name="predictions"),
              ProcessingInput(source=batch, destination=f"{IN}/batch", input_name="batch")]
    return transform, script_step("Drift", command, inputs, DRIFT_DIR, cfg, ctx)


def build(cfg: WeeklyPipelineConfig, sm: SageMakerConfig, session, role: str, code: StagedCode, threshold: float):
    """The Pipeline object; `session` is a PipelineSession (real, or a dry run's)."""
    from sagemaker.workflow.condition_step import ConditionStep
    from sagemaker.workflow.fail_step import FailStep
    from sagemaker.workflow.pipeline import Pipeline

    params = parameters(cfg, sm, threshold)
    ctx = {"role": role, "session": session, "params": params, "images": images(cfg, sm), "code": code,
           "tags": [{"Key": k, "Value": str(v)} for k, v in sm.tags.items()] or None}
    etl_train = etl_step("EtlTrain", params["RawTrainPrefix"], cfg, ctx, transform_input=False)
    etl_batch = etl_step("EtlNewBatch", params["NewBatchPrefix"], cfg, ctx, transform_input=True)
    train = training_step(cfg, sm, etl_train, ctx)
    evaluate, evaluation = evaluate_step(cfg, train, ctx)
    register, create = model_steps(cfg, sm, train, evaluate, ctx)
    transform, drift = batch_steps(cfg, sm, train, create, etl_batch, ctx)
    conditions, failure = gate_conditions(evaluate, evaluation, params[GATE_THRESHOLD])
    gate = ConditionStep("Gate", conditions=conditions, if_steps=[register, create, transform, drift],
                         else_steps=[FailStep("GateFailed", error_message=failure)])
    return Pipeline(name=cfg.name, parameters=list(params.values()),
                    steps=[etl_train, etl_batch, train, evaluate, gate], sagemaker_session=session)
