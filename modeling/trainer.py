"""The Hugging Face Trainer as this project uses it: arguments, weighted loss, resume, callbacks.

    args = training_arguments(cfg.train, work_dir)
    trainer = build_trainer(model, tokenizer, args, tokenized, labels, class_weights)

Written against the API that transformers 4.56 (the newest SageMaker HF
training container) and 5.x share: `eval_strategy`, `processing_class`,
`compute_loss(..., num_items_in_batch)`. The two options that moved between
them (length grouping, warmup ratio) are mapped in `_version_specific`.
"""
from __future__ import annotations

import dataclasses
import os
import re

import torch
from transformers import EarlyStoppingCallback, Trainer, TrainerCallback, TrainingArguments

from modeling.config import LENGTH_GROUPS, TrainingConfig
from modeling.data import collator
from modeling.kernels import cpu_has_native_bf16
from modeling.metrics import trainer_metrics
from modeling.sampling import LengthGroupSampler

BEST_METRIC = "macro_f1"
_CHECKPOINT = re.compile(r"^checkpoint-(\d+)$")


def use_bf16(precision: str, cpu_bf16: bool = False) -> bool:
    """auto -> bf16 on a GPU with bf16 support; on CPU only when cpu_bf16 is set and the CPU
    has native bf16 (elsewhere bf16 is emulated and runs several times slower than fp32)."""
    if precision == "auto":
        if torch.cuda.is_available():
            return torch.cuda.is_bf16_supported()
        return cpu_bf16 and cpu_has_native_bf16()
    return precision == "bf16"


def training_arguments(cfg: TrainingConfig, work_dir: str, evaluate: bool = True,
                       streaming: bool = False) -> TrainingArguments:
    """TrainingArguments for `cfg`; checkpoints go to work_dir/checkpoint-N.

    evaluate=False (benchmarks) trains only: no evaluation, checkpoints or best-model reload.
    streaming=True turns length grouping off: a stream has no lengths to sort by
    (5.x ignores the option then, 4.x refuses it).
    """
    if streaming:
        cfg = dataclasses.replace(cfg, group_by_length=False)
    on_gpu = torch.cuda.is_available()
    per_epoch = cfg.eval_steps is None
    strategy = ("epoch" if per_epoch else "steps") if evaluate else "no"
    kwargs = dict(
        output_dir=work_dir,
        num_train_epochs=cfg.epochs,
        max_steps=cfg.max_steps,
        per_device_train_batch_size=cfg.batch_size,
        per_device_eval_batch_size=cfg.eval_batch_size,
        learning_rate=cfg.learning_rate,
        weight_decay=cfg.weight_decay,
        lr_scheduler_type="linear",
        seed=cfg.seed,
        data_seed=cfg.seed,
        bf16=use_bf16(cfg.precision, cfg.cpu_bf16),
        # Without a GPU the Trainer must be told, or bf16 autocast on CPU is refused.
        use_cpu=not on_gpu,
        eval_strategy=strategy,
        save_strategy=strategy,
        eval_steps=cfg.eval_steps,
        save_steps=cfg.eval_steps,
        save_total_limit=cfg.save_total_limit,
        load_best_model_at_end=evaluate,
        metric_for_best_model=BEST_METRIC,
        greater_is_better=True,
        logging_steps=cfg.logging_steps,
        logging_first_step=True,
        report_to="none",
        optim=cfg.optim,
        dataloader_num_workers=cfg.dataloader_workers,
        torch_compile=cfg.torch_compile,
        disable_tqdm=True,
        # The filter reads every step's loss back to the host (torch.isnan in an
        # `if`), a GPU sync per step that stalls the queue; a NaN loss should show
        # in the log anyway, not be averaged away.
        logging_nan_inf_filter=False,
        # Tokenized splits hold only model inputs, label and `length`; the
        # length-grouped sampler reads `length`, and the collator drops it.
        remove_unused_columns=False,
    )
    if on_gpu:
        # Batches are pinned (dataloader_pin_memory's default); a non-blocking copy
        # lets the CPU queue the step's kernels while the next batch is in flight
        # instead of waiting for the GPU at every copy.
        kwargs["accelerator_config"] = {"non_blocking": True}
    kwargs.update(_version_specific(cfg))
    return TrainingArguments(**kwargs)


def _version_specific(cfg: TrainingConfig) -> dict:
    fields = {f.name for f in dataclasses.fields(TrainingArguments)}
    out = {}
    if "train_sampling_strategy" in fields:  # transformers >= 5
        out["train_sampling_strategy"] = "group_by_length" if cfg.group_by_length else "random"
    else:  # 4.x
        out["group_by_length"] = cfg.group_by_length
    if "warmup_ratio" in fields:  # 4.x
        out["warmup_ratio"] = cfg.warmup_ratio
    else:  # 5.x: a float below 1 is a fraction of the total steps
        out["warmup_steps"] = cfg.warmup_ratio
    if "save_safetensors" in fields:  # 4.x; 5.x always writes safetensors
        out["save_safetensors"] = True
    return out


class WeightedLossTrainer(Trainer):
    """Cross-entropy weighted per class, so the rare `critical` class counts as much as the common one."""

    def __init__(self, *args, class_weights: list[float] | None = None, length_groups: str = "shuffled", **kwargs):
        super().__init__(*args, **kwargs)
        # With length grouping on: TrainingConfig.length_groups (modeling/sampling.py).
        if length_groups not in LENGTH_GROUPS:
            raise ValueError(f"length_groups must be one of {LENGTH_GROUPS}, found {length_groups!r}")
        self.length_groups = length_groups
        self.class_weights = torch.tensor(class_weights, dtype=torch.float32) if class_weights else None
        # The weights on the logits' device and dtype, made once: a host-to-device
        # copy in every step would block until the GPU drains its queue.
        self._placed_weights: torch.Tensor | None = None
        if self.class_weights is not None:
            # The loss below is a per-batch mean, so the Trainer must divide by
            # the gradient-accumulation steps itself (it skips that when it
            # believes the model normalises by num_items_in_batch).
            self.model_accepts_loss_kwargs = False

    def _get_train_sampler(self, train_dataset=None):
        dataset = self.train_dataset if train_dataset is None else train_dataset
        grouped = getattr(self.args, "train_sampling_strategy", None) == "group_by_length" or \
            getattr(self.args, "group_by_length", False)  # 5.x names it one way, 4.x the other
        columns = set(getattr(dataset, "column_names", None) or ())
        if self.length_groups != "sorted" and grouped and {"length", "label"} <= columns:
            return LengthGroupSampler(dataset["length"], dataset["label"], self.args.train_batch_size,
                                           seed=self.args.data_seed if self.args.data_seed is not None else self.args.seed,
                                           mix_labels=self.length_groups == "label_mixed")
        return super()._get_train_sampler(train_dataset)

    def compute_loss(self, model, inputs, return_outputs=False, num_items_in_batch=None):
        if self.class_weights is None:
            return super().compute_loss(model, inputs, return_outputs, num_items_in_batch)
        labels = inputs.pop("labels")
        outputs = model(**inputs)
        logits = outputs["logits"] if isinstance(outputs, dict) else outputs[0]
        weight = self._placed_weights
        if weight is None or weight.device != logits.device or weight.dtype != logits.dtype:
            weight = self._placed_weights = self.class_weights.to(device=logits.device, dtype=logits.dtype)
        loss = torch.nn.functional.cross_entropy(logits.view(-1, logits.shape[-1]), labels.view(-1), weight=weight)
        return (loss, outputs) if return_outputs else loss


def class_weights(train_label_counts: dict[str, int], labels: list[str]) -> list[float]:
    """total / (classes * count): balanced weights from the manifest's train counts."""
    total = sum(train_label_counts.get(name, 0) for name in labels)
    return [total / (len(labels) * max(train_label_counts.get(name, 0), 1)) for name in labels]


class StepRecorder(TrainerCallback):
    """Records the global step training started at (the checkpoint's step when resuming)."""

    def __init__(self):
        self.start_step: int | None = None

    def on_step_begin(self, args, state, control, **kwargs):
        if self.start_step is None:
            self.start_step = state.global_step


class SameBestCheckpointOnEveryRank(TrainerCallback):
    """Works around a DDP deadlock in transformers 4.5x (the SageMaker container's 4.56).

    There every rank sets state.best_model_checkpoint only if the folder already
    exists on disk; a non-zero rank that gets there before rank 0 has written it
    keeps None, skips the barrier before load_best_model_at_end that rank 0
    enters, and both wait forever. The folder name follows from the step, so
    every rank can set it without looking.
    """

    def on_save(self, args, state, control, **kwargs):
        best_step = getattr(state, "best_global_step", None)
        if best_step:
            state.best_model_checkpoint = os.path.join(args.output_dir, f"checkpoint-{best_step}")


def build_trainer(model, tokenizer, args: TrainingArguments, tokenized, labels: list[str],
                  weights: list[float] | None, early_stopping_patience: int,
                  length_groups: str = "shuffled") -> tuple[Trainer, StepRecorder]:
    recorder = StepRecorder()
    # Always present, never stopping when patience is 0: a checkpoint stores the
    # callback's state, and resuming with a different callback set is a KeyError
    # in transformers 5.x.
    patience = early_stopping_patience if early_stopping_patience > 0 else 2**31
    callbacks = [recorder, SameBestCheckpointOnEveryRank(), EarlyStoppingCallback(early_stopping_patience=patience)]
    trainer = WeightedLossTrainer(
        model=model,
        args=args,
        train_dataset=tokenized["train"],
        eval_dataset=tokenized["validation"],
        processing_class=tokenizer,
        data_collator=collator(tokenizer),
        compute_metrics=trainer_metrics(labels),
        callbacks=callbacks,
        class_weights=weights,
        length_groups=length_groups,
    )
    return trainer, recorder


def last_complete_checkpoint(folder: str) -> str | None:
    """The highest checkpoint-N holding trainer_state.json, which the Trainer writes last:
    a run killed mid-save leaves a folder without it, and that one is skipped."""
    if not os.path.isdir(folder):
        return None
    steps = sorted((int(m.group(1)), name) for name in os.listdir(folder) if (m := _CHECKPOINT.match(name)))
    for _, name in reversed(steps):
        if os.path.isfile(os.path.join(folder, name, "trainer_state.json")):
            return os.path.join(folder, name)
    return None


def resolve_resume(resume: str, work_dir: str) -> str | None:
    """The checkpoint to resume from for train.resume = auto | true | false | PATH."""
    value = resume.strip()
    if value.lower() in ("false", "no", "0"):
        return None
    if value.lower() in ("auto", "true", "yes", "1"):
        found = last_complete_checkpoint(work_dir)
        if found is None and value.lower() != "auto":
            raise FileNotFoundError(f"train.resume=true but {work_dir} holds no complete checkpoint-N folder; "
                                    "use train.resume=auto to start fresh when there is none")
        return found
    if not os.path.isfile(os.path.join(value, "trainer_state.json")):
        raise FileNotFoundError(f"train.resume={value}: not a complete checkpoint (no trainer_state.json there)")
    return value
