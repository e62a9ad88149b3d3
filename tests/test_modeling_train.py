"""modeling.train end to end with the tiny config: shards -> training -> artifacts -> registry -> reload -> predict;
then a run killed after its first checkpoint and resumed, and the same script under `accelerate launch` (2 CPU processes)."""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from conftest import ROOT

from common.configfile import load_config
from modeling.config import TrainConfig

TINY = ROOT / "configs/train/tiny.yaml"


def tiny_overrides(etl_run: Path, tmp: Path, *extra: str) -> list[str]:
    return [f"data.run_dir={etl_run}", f"output_dir={tmp / 'model'}", f"registry_root={tmp / 'registry'}",
            f"data.cache_dir={tmp / 'cache'}", f"gold.dev={ROOT / 'data/gold/dev.csv'}", f"gold.test={ROOT / 'data/gold/test.csv'}",
            f"gold.rules={ROOT / 'configs/labels/default.yaml'}", *extra]


@pytest.fixture(scope="module")
def tiny_result(etl_run, tmp_path_factory):
    from modeling.train import run

    tmp = tmp_path_factory.mktemp("tiny_train")
    return run(load_config(TrainConfig, TINY, tiny_overrides(etl_run, tmp))), tmp


def test_tiny_run_writes_a_loadable_model_and_its_reports(tiny_result):
    result, tmp = tiny_result
    out = Path(result["output_dir"])
    for name in ("model.safetensors", "config.json", "tokenizer.json", "metrics.json", "training_manifest.json",
                 "README.md", "confusion_matrix.png", "training_curves.png"):
        assert (out / name).is_file(), name
    assert not list(out.glob("*.bin")), "weights must be safetensors, and no pickles"
    config = json.loads((out / "config.json").read_text())
    assert config["id2label"] == {"0": "critical", "1": "non_critical"}
    assert config["label2id"] == {"critical": 0, "non_critical": 1}


def test_metrics_and_manifest_carry_what_inference_and_reviewers_read(tiny_result, etl_run):
    result, _ = tiny_result
    out = Path(result["output_dir"])
    metrics = json.loads((out / "metrics.json").read_text())
    assert {"validation", "test", "baseline", "gold", "approved", "gate_threshold", "gate"} <= set(metrics)
    assert set(metrics["test"]) >= {"accuracy", "macro_f1", "per_class", "confusion_matrix"}
    assert set(metrics["test"]["per_class"]) == {"critical", "non_critical"}
    assert metrics["baseline"]["test"]["macro_f1"] > 0.5
    assert set(metrics["gold"]) >= {"model", "rules"} and metrics["gold"]["rows"] > 100
    manifest = json.loads((out / "training_manifest.json").read_text())
    for key in ("model_name", "base_model", "labels", "max_length", "data_manifest", "config", "versions",
                "git_commit", "timings_s"):
        assert key in manifest, key
    assert manifest["data_manifest"] == json.loads((etl_run / "manifest.json").read_text())
    assert manifest["max_length"] == 64 and manifest["labels"] == ["critical", "non_critical"]
    card = (out / "README.md").read_text()
    assert "TF-IDF + LogReg baseline" in card and "critical" in card


def test_gate_and_registry(tiny_result):
    from modeling.registry import resolve

    result, tmp = tiny_result
    gate = result["gate"]
    weak = gate["model_test_macro_f1"] >= gate["min_test_macro_f1"] and gate["model_test_macro_f1"] >= gate["baseline_test_macro_f1"]
    human = gate["model_gold_macro_f1"] >= gate["rules_gold_macro_f1"] and gate["model_gold_recall"] >= gate["min_gold_recall"]
    assert result["approved"] == (weak and human)
    entry = result["registry"]
    assert entry["name"] == "support-triage-tiny" and entry["approved"] == result["approved"]
    assert resolve("registry:support-triage-tiny/v0001", str(tmp / "registry")).endswith("v0001")
    pointer = tmp / "registry" / "support-triage-tiny" / "latest-approved.json"
    assert pointer.exists() == result["approved"]  # the pointer moves only for an approved model
    assert not list((tmp / "registry").rglob("checkpoint-*"))
    assert set(result) >= {"output_dir", "metrics", "baseline", "approved", "registry", "gold", "timings_s"}


def test_a_rejected_model_says_why_in_metrics_json_the_cli_summary_and_the_report(tiny_result):
    import html

    from common.contracts import TrainMetrics
    from modeling.train import _report
    from pipeline.config import PipelineConfig
    from pipeline.report import build_report

    result, _ = tiny_result
    out = Path(result["output_dir"])
    metrics = TrainMetrics.read(str(out / "metrics.json"))
    g = metrics.gate
    # A random-init model after 8 steps loses to the keyword rules on the hand-labeled test split.
    assert not metrics.approved and g.model_gold_macro_f1 < g.rules_gold_macro_f1
    assert (f"gold test macro-F1 {g.model_gold_macro_f1:.4f} < the keyword rules' {g.rules_gold_macro_f1:.4f} "
            "(human labels)") in g.reasons
    assert g.reasons == result["gate"]["reasons"]
    assert f"approved: False; rejected because {'; '.join(g.reasons)}" in _report(result)
    page = build_report(PipelineConfig(), {"train": {"output_dir": str(out)}})
    assert html.escape("; ".join(g.reasons)) in page


def test_threshold_is_chosen_on_gold_dev_saved_in_config_json_and_applied_to_gold_scores(tiny_result):
    from common.contracts import TrainMetrics
    from modeling.threshold import read_threshold

    out = tiny_result[0]["output_dir"]
    metrics = TrainMetrics.read(f"{out}/metrics.json")
    rule = read_threshold(out)
    assert rule.to_json() == metrics.triage_threshold and rule.chosen_on == "gold_dev" and rule.rows == 350
    dev = metrics.gold["splits"]["dev"]
    # The chosen threshold reaches the target recall of critical on dev, the split it was chosen on.
    assert dev["model"]["overall"]["per_class"]["critical"]["recall"] == pytest.approx(rule.recall, abs=5e-5)
    assert rule.recall >= rule.target_recall
    assert metrics.gate.model_gold_recall == metrics.gold["splits"]["test"]["model"]["overall"]["per_class"]["critical"]["recall"]
    issues = metrics.label_issues
    assert issues["rows"] == sum(c["rows"] for c in issues["by_class"].values()) == metrics.baseline["train_rows"]
    assert issues["likely_errors"] == sum(c["likely_errors"] for c in issues["by_class"].values())


def test_reloaded_model_predicts_label_names(tiny_result):
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    from preprocessing.text import model_text

    out = tiny_result[0]["output_dir"]
    tok = AutoTokenizer.from_pretrained(out)
    model = AutoModelForSequenceClassification.from_pretrained(out)
    texts = [model_text("@AmazonHelp my card was charged twice!! https://t.co/x"), model_text("hola, ¿abren el domingo?")]
    logits = model(**tok(texts, padding=True, return_tensors="pt")).logits
    names = [model.config.id2label[i] for i in logits.argmax(-1).tolist()]
    assert len(names) == 2 and set(names) <= {"critical", "non_critical"}


def _train_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "modeling.train", "--config", str(TINY), *args]


def _wait_for_checkpoint(proc: subprocess.Popen, folder: Path, timeout_s: float = 180) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if list(folder.glob("checkpoint-*/trainer_state.json")):
            return
        if proc.poll() is not None:
            raise AssertionError(f"training exited ({proc.returncode}) before its first checkpoint")
        time.sleep(0.05)
    raise AssertionError("no checkpoint appeared in time")


@pytest.mark.e2e  # a training subprocess, killed, then resumed in-process
def test_killed_run_resumes_from_its_last_checkpoint(etl_run, tmp_path):
    from modeling.train import run
    from modeling.trainer import last_complete_checkpoint

    # Long enough never to finish by itself; early stopping off so it cannot stop early.
    args = tiny_overrides(etl_run, tmp_path, "train.max_steps=100000", "train.eval_steps=3",
                          "train.early_stopping_patience=0", "registry_root=null", "gold.dev=null", "gold.test=null")
    proc = subprocess.Popen(_train_cmd(*args), cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        _wait_for_checkpoint(proc, tmp_path / "model")
    finally:
        os.killpg(proc.pid, signal.SIGKILL)  # no chance to clean up, as with a lost spot instance
        proc.wait()
    checkpoint = last_complete_checkpoint(str(tmp_path / "model"))
    step = json.loads((Path(checkpoint) / "trainer_state.json").read_text())["global_step"]
    assert step >= 3

    # A reachable max_steps, and early stopping back on: the callback set may change on resume.
    again = [a for a in args if not a.startswith(("train.max_steps=", "train.early_stopping_patience="))]
    resumed = run(load_config(TrainConfig, TINY, [*again, f"train.max_steps={step + 3}", "train.resume=auto"]))
    assert resumed["train"]["resumed_from"] == checkpoint
    assert resumed["train"]["start_step"] == step  # continued, not restarted from 0
    assert resumed["train"]["global_step"] == step + 3
    assert (tmp_path / "model" / "model.safetensors").is_file()


def test_resume_true_without_checkpoint_is_an_error(etl_run, tmp_path):
    from modeling.train import run

    with pytest.raises(FileNotFoundError, match="holds no complete checkpoint"):
        run(load_config(TrainConfig, TINY, tiny_overrides(etl_run, tmp_path, "train.resume=true")))


@pytest.mark.e2e  # two training processes
def test_accelerate_launch_with_two_cpu_processes(etl_run, tmp_path):
    cmd = [sys.executable, "-m", "accelerate.commands.launch", "--config_file",
           str(ROOT / "configs/accelerate/cpu_2proc.yaml"), "--num_processes", "2",
           "-m", "modeling.train", "--config", str(TINY),
           *tiny_overrides(etl_run, tmp_path, "train.max_steps=4", "train.eval_steps=2", "gold.dev=null", "gold.test=null")]
    # Not `--cpu`: that flag makes accelerate start a single process unless mpirun
    # exists (see the yaml). One thread per process: two processes on two cores.
    env = {**os.environ, "OMP_NUM_THREADS": "1", "ACCELERATE_USE_CPU": "true"}
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=300, env=env)
    assert proc.returncode == 0, proc.stderr[-4000:]
    manifest = json.loads((tmp_path / "model" / "training_manifest.json").read_text())
    assert manifest["train"]["world_size"] == 2
    assert manifest["train"]["global_step"] == 4
    assert (tmp_path / "model" / "model.safetensors").is_file()
    assert (tmp_path / "registry" / "support-triage-tiny" / "v0001" / "registry.json").is_file()


@pytest.mark.e2e  # a second training run, streamed
def test_streaming_run_trains_from_an_iterable_dataset(etl_run, tmp_path):
    from modeling.train import run

    result = run(load_config(TrainConfig, TINY, tiny_overrides(
        etl_run, tmp_path, "data.streaming=true", "train.max_steps=4", "train.eval_steps=2",
        "registry_root=null", "gold.dev=null", "gold.test=null")))
    assert result["train"]["global_step"] == 4
    assert result["metrics"]["test"]["accuracy"] is not None and result["baseline"]["macro_f1"] > 0.5
    assert (tmp_path / "model" / "model.safetensors").is_file()


def test_weighted_loss_matches_weighted_cross_entropy_and_training_args_skip_per_step_syncs(tiny_model_dir, tmp_path):
    import torch
    from transformers import AutoModelForSequenceClassification

    from modeling.config import TrainingConfig
    from modeling.trainer import WeightedLossTrainer, training_arguments

    model = AutoModelForSequenceClassification.from_pretrained(tiny_model_dir)
    args = training_arguments(TrainingConfig(), str(tmp_path), evaluate=False)
    assert args.logging_nan_inf_filter is False  # the filter syncs the GPU once per step
    trainer = WeightedLossTrainer(model=model, args=args, class_weights=[3.0, 0.6])
    torch.manual_seed(0)
    ids = torch.randint(5, 200, (4, 9))
    labels = torch.tensor([0, 1, 1, 0])
    with torch.no_grad():
        logits = model(input_ids=ids, attention_mask=torch.ones_like(ids)).logits
        expected = torch.nn.functional.cross_entropy(logits, labels, weight=torch.tensor([3.0, 0.6]))
        unweighted = torch.nn.functional.cross_entropy(logits, labels)
        first = trainer.compute_loss(model, {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": labels})
        placed = trainer._placed_weights
        second = trainer.compute_loss(model, {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": labels})
    assert torch.allclose(first, expected) and torch.allclose(second, expected)
    assert not torch.allclose(first, unweighted)
    assert trainer._placed_weights is placed  # placed on the device once, not copied every step


def test_attention_switches_keep_cudnn_off_and_the_context_restores_it():
    import torch

    from modeling.kernels import attention_without_cudnn, shape_agnostic_attention

    before = torch.backends.cuda.cudnn_sdp_enabled()
    torch.backends.cuda.enable_cudnn_sdp(True)
    try:
        with attention_without_cudnn():
            assert not torch.backends.cuda.cudnn_sdp_enabled()
            assert torch.backends.cuda.flash_sdp_enabled() and torch.backends.cuda.mem_efficient_sdp_enabled()
        assert torch.backends.cuda.cudnn_sdp_enabled()  # library code leaves the process as it found it
        shape_agnostic_attention()
        assert not torch.backends.cuda.cudnn_sdp_enabled()
    finally:
        torch.backends.cuda.enable_cudnn_sdp(before)
