"""The files one stage writes for another, each a dataclass read and written only through here.

    manifest = EtlManifest.read("runs/etl/2024-05-31/r1/manifest.json")   # ContractError if unusable
    manifest.splits["train"].labels                                       # {"critical": 310, ...}
    summary.write("runs/preds/summary.json")

| class            | file                                   | writer                              |
|------------------|----------------------------------------|-------------------------------------|
| EtlManifest      | <etl run>/manifest.json                | preprocessing.etl                   |
| TrainMetrics     | <model>/metrics.json                   | modeling.train                      |
| TrainingManifest | <model>/training_manifest.json         | modeling.train                      |
| PredictSummary   | <predictions>/summary.json             | inference.predict, .spark_predict   |
| StepMarker       | <pipeline run>/steps/<step>.json       | pipeline.runner                     |

Every file carries `schema_version` (and `kind`). A reader refuses a file
without one, or from a newer schema than it knows, naming the file and both
versions, and a missing key names the file and the key: a stale or foreign
file fails in one line instead of as a KeyError three stages later. Parts that
are genuinely free-form (a per-class metrics report, a resolved config,
package versions) stay plain dicts; everything a reader relies on is typed.
"""
from __future__ import annotations

import dataclasses
import json
import types
import typing
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from common.errors import UserError

C = TypeVar("C", bound="Contract")


class ContractError(UserError):
    """A stage file is missing a key, has the wrong shape, or comes from another schema version."""


class Contract:
    """to_json / from_json / write / read for a dataclass whose last field is `schema_version`."""

    KIND: ClassVar[str]

    @classmethod
    def current_version(cls) -> int:
        return cls.__dataclass_fields__["schema_version"].default

    def to_json(self) -> dict:
        return _plain(self)

    def dumps(self) -> str:
        # Unsorted: keys keep the declared order, and splits stay train, validation, test.
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False)

    @classmethod
    def from_json(cls: type[C], data: Any, source: str = "<memory>") -> C:
        if not isinstance(data, dict):
            raise ContractError(f"{source}: expected a JSON object ({cls.__name__}), found {type(data).__name__}")
        found, reads = data.get("schema_version"), cls.current_version()
        if found is None:
            raise ContractError(f"{source}: no schema_version, so it was not written by this project's "
                                f"{cls.__name__} (this reader reads schema_version {reads}); re-create the file")
        if not isinstance(found, int) or found > reads:
            raise ContractError(f"{source}: schema_version {found} is newer than {reads}, the version this "
                                f"{cls.__name__} reader reads; upgrade this code or re-create the file with it")
        if data.get("kind", cls.KIND) != cls.KIND:
            raise ContractError(f"{source}: kind '{data['kind']}' is not a {cls.__name__} (kind '{cls.KIND}')")
        return _build(cls, {k: v for k, v in data.items() if k != "kind"}, source, "")

    def write(self, path: str) -> None:
        from common.storage import write_text

        write_text(path, self.dumps())

    @classmethod
    def read(cls: type[C], path: str) -> C:
        """The file at `path` (local or any fsspec URL); a missing file raises FileNotFoundError."""
        import fsspec

        with fsspec.open(path, "r", encoding="utf-8") as fh:
            text = fh.read()
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ContractError(f"{path}: not valid JSON ({exc}); re-create the file") from None
        return cls.from_json(data, source=path)


def _plain(value: Any) -> Any:
    """JSON-ready copy; every contract, nested ones too, carries its `kind`."""
    if dataclasses.is_dataclass(value):
        out = {f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {"kind": value.KIND, **out} if isinstance(value, Contract) else out
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def _build(cls, data: Any, source: str, where: str):
    """Dataclass `cls` from plain data; a missing or unexpected key names the file and the key."""
    if isinstance(cls, type) and issubclass(cls, Contract) and where:
        return cls.from_json(data, f"{source}: {where.rstrip('.')}")  # nested contract: checks its own version
    if not isinstance(data, dict):
        raise ContractError(f"{source}: '{where.rstrip('.') or cls.__name__}' must be an object, found {data!r:.80}")
    fields = {f.name: f for f in dataclasses.fields(cls)}
    missing = [n for n, f in fields.items() if n not in data and f.default is dataclasses.MISSING
               and f.default_factory is dataclasses.MISSING]
    if missing:
        raise ContractError(f"{source}: missing key '{where}{missing[0]}' ({cls.__name__}); re-create the file")
    unknown = sorted(set(data) - set(fields))
    if unknown:
        raise ContractError(f"{source}: unexpected key '{where}{unknown[0]}' for {cls.__name__} schema_version "
                            f"{data.get('schema_version', '-')}; expected keys: {', '.join(fields)}")
    hints = typing.get_type_hints(cls)
    return cls(**{k: _decode(hints[k], v, source, f"{where}{k}") for k, v in data.items()})


def _decode(hint, value: Any, source: str, where: str):
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        if value is None:
            return None
        (inner,) = [a for a in typing.get_args(hint) if a is not type(None)]
        return _decode(inner, value, source, where)
    if dataclasses.is_dataclass(hint):
        return _build(hint, value, source, where + ".")
    if origin is dict and dataclasses.is_dataclass(typing.get_args(hint)[1]):
        if not isinstance(value, dict):
            raise ContractError(f"{source}: '{where}' must be an object, found {value!r:.80}")
        inner = typing.get_args(hint)[1]
        return {k: _build(inner, v, source, f"{where}.{k}.") for k, v in value.items()}
    return value


# --- ETL run ---------------------------------------------------------------


@dataclass
class EtlCounts:
    """Where every input row went: input = customer + company + quarantined."""

    input_rows: int
    customer_rows: int
    company_rows: int
    quarantined_rows: int
    quarantined_by_reason: dict[str, int]


@dataclass
class SplitStats:
    """One split's rows; text lengths in characters, keyed by the lower edge of `text_length_bins_chars`."""

    rows: int
    conversations: int
    labels: dict[str, int]
    text_length_chars: dict[str, int]
    label_sources: dict[str, int] = field(default_factory=dict)  # rules | reviewed | gold -> rows


@dataclass
class ReviewedLabelCounts:
    """What an ETL run did with `reviewed_labels`: applied + absent_from_input = ids in the file."""

    path: str
    ids: int  # distinct tweet ids in the file
    applied: int  # customer messages of this run that took their reviewed label
    changed: int  # of those, how many differ from the rule label
    absent_from_input: int  # ids that are no customer message of this run (not in the input, company or quarantined)


@dataclass
class EtlManifest(Contract):
    """manifest.json of a published ETL run."""

    KIND: ClassVar[str] = "etl_run"
    run_date: str
    run_id: str
    path: str
    created_at: str
    input: str
    counts: EtlCounts
    labels: list[str]
    label_source: str
    splits: dict[str, SplitStats]
    text_length_bins_chars: list[int]
    schema: list[dict]  # one {name, type, nullable, meaning} per prepared column
    quarantine_columns: list[str]
    config: dict
    versions: dict
    git_commit: str | None
    timings_s: dict[str, float] = field(default_factory=dict)
    rule_agreement_with_gold: dict | None = None  # only when labels came from a gold column
    # {"fired": {category: rows}, "demoted_by_context": {context: rows}} (preprocessing.labeling.category_counts)
    rule_categories: dict | None = None
    reviewed_labels: ReviewedLabelCounts | None = None  # only when the run was given reviewed labels
    schema_version: int = 1


# --- training --------------------------------------------------------------


@dataclass
class GateDecision:
    """approved iff every criterion holds; `reasons` say which did not (modeling.artifacts.gate).

    Weak labels: test macro-F1 >= min_test_macro_f1 and >= the baseline's.
    Human labels (gold test, the model's threshold applied): macro-F1 >= the
    keyword rules' there, and recall of `recall_label` >= min_gold_recall.
    """

    approved: bool
    min_test_macro_f1: float
    model_test_macro_f1: float | None
    baseline_test_macro_f1: float | None
    reasons: list[str]
    model_gold_macro_f1: float | None = None
    rules_gold_macro_f1: float | None = None
    model_gold_recall: float | None = None
    min_gold_recall: float | None = None  # None: the gate did not judge on human labels
    recall_label: str | None = None


@dataclass
class TrainMetrics(Contract):
    """metrics.json beside a trained model. Reports are modeling.metrics.report dicts (None: empty split)."""

    KIND: ClassVar[str] = "train_metrics"
    labels: list[str]
    validation: dict | None
    test: dict | None
    baseline: dict  # {"test": report or None, ...its settings}
    gold: dict | None
    gate: GateDecision
    approved: bool  # = gate.approved, kept at the top for readers that only want the verdict
    gate_threshold: float
    # modeling.threshold.TriageThreshold.to_json() (also in config.json); None: labels are the argmax.
    triage_threshold: dict | None = None
    label_issues: dict | None = None  # modeling.label_issues summary of the train split
    reviewed: dict | None = None  # {"split", "rows", "model": report, "rules": report} on reviewed labels
    schema_version: int = 1


@dataclass
class TrainProgress:
    """How far the Trainer got and on what."""

    global_step: int
    start_step: int
    resumed_from: str | None
    best_checkpoint: str | None
    world_size: int
    precision: str


@dataclass
class TrainingManifest(Contract):
    """training_manifest.json: what inference and a reviewer need to know about a model's training."""

    KIND: ClassVar[str] = "training_run"
    model_name: str
    base_model: str
    labels: list[str]
    max_length: int
    data_source: str | None
    data_manifest: EtlManifest  # whole: drift checks read its train label and length distributions
    config: dict
    versions: dict
    git_commit: str | None
    train: TrainProgress
    timings_s: dict[str, float]
    schema_version: int = 1


# --- inference -------------------------------------------------------------


@dataclass
class ModelRef:
    name: str
    version: str
    sha256: str
    path: str
    labels: list[str]
    triage_threshold: dict | None = None  # the decision rule the labels were made with (None: argmax)


@dataclass
class PredictCounts:
    """rows_in = predicted + skipped_company + quarantined."""

    rows_in: int
    predicted: int
    skipped_company: int
    quarantined: int
    quarantined_by_reason: dict[str, int]
    tokens: int


@dataclass
class Engine:
    """What scored the rows: kind 'local' (inference.predict) or 'spark' (settings as requested per executor)."""

    kind: str
    device: str
    precision: str
    batch_tokens: int
    max_length_tokens: int | None
    tokenizer_workers: int


@dataclass
class PredictSummary(Contract):
    """summary.json of a prediction run; the CLI and the Spark predictor write the same class."""

    KIND: ClassVar[str] = "predict_summary"
    run_id: str
    created_at: str
    model: ModelRef
    input: dict  # {"path", "kind", "files"}
    output: dict  # {"path", "format", "shards"}
    counts: PredictCounts
    labels: dict[str, int]
    text_flags: dict[str, int]
    text_length_chars: dict[str, int]
    engine: Engine
    resumed_shards: int
    throughput: dict  # {"messages_per_s", "messages_this_invocation"}
    timings_s: dict[str, float]
    versions: dict
    git_commit: str | None
    drift: dict | None  # inference.drift.drift_report
    drift_reason: str | None = None  # why there is no drift report
    schema_version: int = 1


# --- pipeline --------------------------------------------------------------


@dataclass
class StepMarker(Contract):
    """steps/<step>.json: written after the step's own outputs are complete; its presence skips the step.

    `outputs` is what the step hands to later steps (paths, counts, the stage's
    result); its shape is per step, and the big files it points at are read
    through their own contracts.
    """

    KIND: ClassVar[str] = "pipeline_step"
    step: str
    finished_at: str
    seconds: float
    outputs: dict
    schema_version: int = 1
