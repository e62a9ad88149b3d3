"""ETL run folder -> Hugging Face datasets with declared Features, and their tokenized form.

    splits, manifest = load_splits(DataConfig(run_dir="runs/etl/2024-05-31/r1"))
    tokenized = tokenize_splits(splits, tokenizer, max_length_tokens=128)

Two layouts are read. A run folder (`data.run_dir`, local or s3://) is opened
by `common.etl_run.open_etl_run`, which refuses a run without `_SUCCESS`, so a
half-published run is never trained on. Three split folders plus a manifest (`data.train_dir` / `validation_dir` /
`test_dir` / `manifest`) are what a SageMaker job sees: each channel is copied
to its own local folder, and the manifest arrives as a fourth channel; the
launcher checks the run's `_SUCCESS` before it submits the job.

Only `*.parquet` files are read: Spark leaves `_SUCCESS` and `.crc` files
beside them, and an empty split is a folder with no Parquet at all.
"""
from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

import fsspec
import pyarrow.parquet as pq

from common.contracts import EtlManifest
from common.errors import UserError
from common.etl_run import open_etl_run
from modeling.config import DataConfig
from preprocessing.schema import PREPARED_FIELDS, SPLITS

TEXT_COLUMN = "text"
LABEL_COLUMN = "label"


class DataError(UserError):
    """The input is not a usable ETL run; the message says what was expected and what was found."""


@dataclass
class RunLayout:
    """Parquet files per split and the run's manifest."""

    files: dict[str, list[str]]
    manifest: EtlManifest
    source: str

    @property
    def labels(self) -> list[str]:
        return list(self.manifest.labels)


def resolve_layout(cfg: DataConfig) -> RunLayout:
    """Find the Parquet files and manifest of either layout; refuse incomplete runs."""
    if cfg.run_dir:
        run = open_etl_run(cfg.run_dir, setting="data.run_dir (--data)", splits=SPLITS)
        return RunLayout(run.files, run.manifest, run.path)
    if not cfg.train_dir:
        raise DataError("no input data: pass --data RUN_DIR (data.run_dir=...) or data.train_dir/validation_dir/test_dir")
    dirs = {"train": cfg.train_dir, "validation": cfg.validation_dir, "test": cfg.test_dir}
    manifest_path = cfg.manifest or f"{cfg.train_dir.rstrip('/')}/manifest.json"
    try:
        manifest = EtlManifest.read(manifest_path)
    except FileNotFoundError:
        raise DataError(f"manifest not found: {manifest_path}; expected the ETL run's manifest.json "
                        "(set data.manifest for the split-folder layout)") from None
    return RunLayout({s: _parquet_files(d) for s, d in dirs.items()}, manifest, cfg.train_dir)


def _parquet_files(folder: str) -> list[str]:
    fs, path = fsspec.core.url_to_fs(folder)
    if not fs.isdir(path):
        raise DataError(f"split folder not found: {folder}")
    found = sorted(fs.glob(f"{path.rstrip('/')}/*.parquet"))
    protocol = fs.protocol if isinstance(fs.protocol, str) else fs.protocol[0]
    return [p if protocol == "file" else f"{protocol}://{p}" for p in found]


def features(labels: list[str]):
    """The declared Features of a prepared row; `label` is a ClassLabel over the manifest's labels."""
    from datasets import ClassLabel, Features, Value

    out = {}
    for name, arrow_type, _, _ in PREPARED_FIELDS:
        out[name] = ClassLabel(names=list(labels)) if name == LABEL_COLUMN else Value(str(arrow_type))
    return Features(out)


def check_layout(layout: RunLayout, scan_labels: bool = True) -> None:
    """Columns of every file, and labels against the manifest; raise naming expected vs found."""
    expected = [f[0] for f in PREPARED_FIELDS]
    for files in layout.files.values():
        for path in files:
            with fsspec.open(path, "rb") as fh:
                found = pq.read_schema(fh).names
            missing = [c for c in expected if c not in found]
            if missing:
                raise DataError(f"{path}: missing column(s) {missing}; expected columns {expected}, found {found}")
    labels = layout.labels
    for split, stats in layout.manifest.splits.items():
        extra = sorted(set(stats.labels) - set(labels))
        if extra:
            raise DataError(f"manifest split '{split}' counts labels {sorted(stats.labels)}, "
                            f"but the manifest's label set is {labels}; expected only {labels}, found extra {extra}")
    if scan_labels:
        found_labels = _scan_labels(layout)
        if not found_labels <= set(labels):
            raise DataError(f"label set differs from the manifest: expected labels {labels}, "
                            f"found {sorted(found_labels)} in the Parquet files of {layout.source}")


def _scan_labels(layout: RunLayout) -> set[str]:
    """Distinct labels, reading only the label column batch by batch (bounded memory)."""
    seen: set[str] = set()
    for files in layout.files.values():
        for path in files:
            with fsspec.open(path, "rb") as fh:
                for batch in pq.ParquetFile(fh).iter_batches(columns=[LABEL_COLUMN], batch_size=65_536):
                    seen.update(batch.column(0).unique().to_pylist())
    return seen


def load_splits(cfg: DataConfig, layout: RunLayout | None = None):
    """(DatasetDict or IterableDatasetDict, manifest) for train/validation/test."""
    import datasets

    layout = layout or resolve_layout(cfg)
    # A stream is for data too large to scan up front: its labels are checked
    # by the ClassLabel cast as rows arrive.
    check_layout(layout, scan_labels=not cfg.streaming)
    feats = features(layout.labels)
    data_files = {s: f for s, f in layout.files.items() if f}
    loaded = {}
    if data_files and any("://" in f for files in data_files.values() for f in files):
        # datasets treats URLs as Hub traffic and refuses them offline; read
        # s3:// (any fsspec URL) with pyarrow through fsspec instead.
        loaded = {s: _remote_split(f, feats, cfg.streaming) for s, f in data_files.items()}
    elif data_files:
        loaded = datasets.load_dataset("parquet", data_files=data_files, features=feats,
                                       streaming=cfg.streaming, cache_dir=cfg.cache_dir)
    out = {}
    for split in SPLITS:
        if split in data_files:
            out[split] = loaded[split]
        else:  # the ETL writes an empty split as a folder without Parquet
            empty = datasets.Dataset.from_dict({k: [] for k in feats}, features=feats)
            out[split] = empty.to_iterable_dataset() if cfg.streaming else empty
    kind = datasets.IterableDatasetDict if cfg.streaming else datasets.DatasetDict
    return kind(out), layout.manifest


def _remote_split(files: list[str], feats, streaming: bool):
    """One split from remote Parquet: fully read, or (streaming) record batches as they arrive."""
    import datasets
    import pyarrow as pa
    import pyarrow.parquet as pq

    def batches():
        for url in files:
            with fsspec.open(url, "rb") as fh:
                yield from pq.ParquetFile(fh).iter_batches(columns=list(feats))

    if streaming:
        def rows():
            for batch in batches():
                yield from batch.to_pylist()

        return datasets.IterableDataset.from_generator(rows, features=feats)
    table = pa.Table.from_batches(list(batches()))
    return datasets.Dataset(table).cast(feats)


def tokenizer_fingerprint(tokenizer, max_length_tokens: int) -> str:
    """Identity of a tokenization: the tokenizer's full definition plus the truncation length."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        spec = json.loads(backend.to_str())
        # Calling the tokenizer rewrites these two in place; they are per-call settings, not identity.
        spec.pop("truncation", None)
        spec.pop("padding", None)
    else:
        spec = tokenizer.get_vocab()
    spec = json.dumps(spec, sort_keys=True)
    return hashlib.sha256(f"{spec}|{max_length_tokens}".encode()).hexdigest()[:16]


def tokenize_splits(splits, tokenizer, max_length_tokens: int = 128, num_proc: int | None = None):
    """input_ids/attention_mask (truncated, unpadded), `label` and a `length` column per split.

    Padding happens per batch in the collator (DataCollatorWithPadding), so a
    batch of tweets is padded to its longest tweet, not to max_length. Results
    are cached under a fingerprint of (split data, tokenizer, max_length): a
    second run with the same inputs skips tokenization.
    """
    import datasets

    key = tokenizer_fingerprint(tokenizer, max_length_tokens)

    def encode(batch, with_length=True):
        enc = tokenizer(batch[TEXT_COLUMN], truncation=True, max_length=max_length_tokens)
        if with_length:  # lets the length-grouped sampler skip a pass over the data
            enc["length"] = [len(ids) for ids in enc["input_ids"]]
        return enc

    out = {}
    for split, ds in splits.items():
        drop = [c for c in ds.column_names if c != LABEL_COLUMN] if ds.column_names else None
        if isinstance(ds, datasets.IterableDataset):
            # Streams are never length-grouped, and an extra column would reach the model.
            out[split] = ds.map(encode, batched=True, remove_columns=drop, fn_kwargs={"with_length": False})
        else:
            out[split] = ds.map(encode, batched=True, remove_columns=drop, num_proc=num_proc,
                                new_fingerprint=f"tok-{key}-{ds._fingerprint}", desc=f"tokenize {split}")
    kind = datasets.IterableDatasetDict if isinstance(splits, datasets.IterableDatasetDict) else datasets.DatasetDict
    return kind(out)


class PaddingCollator:
    """Dynamic padding (each batch padded to its own longest sequence), dropping `length`.

    `length` stays in the dataset for the length-grouped sampler (the Trainer
    runs with remove_unused_columns=False so the sampler can read it) but must
    not reach the model.
    """

    def __init__(self, tokenizer, pad_to_multiple_of: int | None = None):
        from transformers import DataCollatorWithPadding

        self.pad = DataCollatorWithPadding(tokenizer, pad_to_multiple_of=pad_to_multiple_of)

    def __call__(self, features: list[dict]) -> dict:
        return self.pad([{k: v for k, v in f.items() if k != "length"} for f in features])


def collator(tokenizer, pad_to_multiple_of: int | None = None) -> PaddingCollator:
    return PaddingCollator(tokenizer, pad_to_multiple_of)


def texts_and_labels(ds) -> tuple[list[str], list[int]]:
    """Plain lists of model texts and label ids (for the baseline and reports)."""
    import datasets

    if isinstance(ds, datasets.Dataset):
        return list(ds[TEXT_COLUMN]), list(ds[LABEL_COLUMN])
    texts, labels = [], []
    for row in ds:
        texts.append(row[TEXT_COLUMN])
        labels.append(row[LABEL_COLUMN])
    return texts, labels
