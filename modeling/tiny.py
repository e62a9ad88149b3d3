"""A tiny random-init DistilBERT and a locally trained tokenizer: tests and smoke runs, no Hub.

    tok = build_tokenizer(texts, vocab_size=2000)
    model = build_model(tok, labels=["critical", "non_critical"])

Same architecture class as the production `distilbert-base-multilingual-cased`,
so every code path (save, reload, predict, SageMaker handler) is exercised;
only the sizes differ.
"""
from __future__ import annotations

from collections.abc import Iterable

SPECIAL_TOKENS = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"]


def build_tokenizer(texts: Iterable[str], vocab_size: int = 2000):
    """A cased WordPiece tokenizer trained on `texts` (deterministic for the same texts)."""
    from tokenizers import Tokenizer, normalizers, pre_tokenizers, processors
    from tokenizers.models import WordPiece
    from tokenizers.trainers import WordPieceTrainer
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(WordPiece(unk_token="[UNK]"))
    # Cased and accent-keeping, like the production multilingual tokenizer.
    tok.normalizer = normalizers.BertNormalizer(lowercase=False, strip_accents=False, clean_text=True)
    tok.pre_tokenizer = pre_tokenizers.BertPreTokenizer()
    trainer = WordPieceTrainer(vocab_size=vocab_size, special_tokens=SPECIAL_TOKENS, show_progress=False)
    tok.train_from_iterator(list(texts), trainer=trainer)
    cls_id, sep_id = tok.token_to_id("[CLS]"), tok.token_to_id("[SEP]")
    tok.post_processor = processors.TemplateProcessing(
        single="[CLS] $A [SEP]", pair="[CLS] $A [SEP] $B [SEP]", special_tokens=[("[CLS]", cls_id), ("[SEP]", sep_id)]
    )
    return PreTrainedTokenizerFast(
        tokenizer_object=tok,
        unk_token="[UNK]",
        pad_token="[PAD]",
        cls_token="[CLS]",
        sep_token="[SEP]",
        mask_token="[MASK]",
        model_input_names=["input_ids", "attention_mask"],  # DistilBERT takes no token_type_ids
        model_max_length=512,
    )


def build_model(tokenizer, labels: list[str], dim: int = 32, n_layers: int = 2, n_heads: int = 2, seed: int = 0):
    """Random-init DistilBertForSequenceClassification with real label names in its config."""
    import torch
    from transformers import DistilBertConfig, DistilBertForSequenceClassification

    torch.manual_seed(seed)
    config = DistilBertConfig(
        vocab_size=len(tokenizer),
        dim=dim,
        n_layers=n_layers,
        n_heads=n_heads,
        hidden_dim=dim * 4,
        max_position_embeddings=512,
        pad_token_id=tokenizer.pad_token_id,
        num_labels=len(labels),
        id2label=dict(enumerate(labels)),
        label2id={name: i for i, name in enumerate(labels)},
    )
    return DistilBertForSequenceClassification(config)
