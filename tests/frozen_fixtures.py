"""An untrained tiny sentence encoder in a folder, laid out as sentence-transformers lays out
all-MiniLM-L6-v2 (mean pooling, Normalize, a max_seq_length): the frozen-encoder kind, the
embedding cache and the MTEB protocol are tested on it in a second, without the hub."""

from __future__ import annotations

import json
from pathlib import Path

ST_MODULES = [
    {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
    {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
    {
        "idx": 2,
        "name": "2",
        "path": "2_Normalize",
        "type": "sentence_transformers.models.Normalize",
    },
]


def write_pooling(
    folder: Path,
    *,
    mean: bool = True,
    cls: bool = False,
    normalize: bool = True,
    max_seq_length: int = 32,
) -> None:
    """sentence-transformers' pooling files in ``folder``."""
    modules = ST_MODULES if normalize else ST_MODULES[:2]
    (folder / "modules.json").write_text(json.dumps(modules), encoding="utf-8")
    (folder / "1_Pooling").mkdir(exist_ok=True)
    config = {
        "word_embedding_dimension": 32,
        "pooling_mode_cls_token": cls,
        "pooling_mode_mean_tokens": mean,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    }
    (folder / "1_Pooling" / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (folder / "sentence_bert_config.json").write_text(
        json.dumps({"max_seq_length": max_seq_length, "do_lower_case": False}), encoding="utf-8"
    )


def tiny_encoder(folder: Path, vocab_dir: Path, *, seed: int = 0) -> Path:
    """A randomly initialised one-layer BERT (hidden 32) with the bert-base-uncased vocab and
    sentence-transformers' pooling files, saved in ``folder``."""
    import torch
    from transformers import BertConfig, BertModel

    from emobench_core.models.loading import load_tokenizer

    folder.mkdir(parents=True, exist_ok=True)
    torch.manual_seed(seed)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=32,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=64,
        max_position_embeddings=64,
    )
    BertModel(config).save_pretrained(str(folder))
    load_tokenizer(str(vocab_dir)).save_pretrained(str(folder))
    write_pooling(folder)
    return folder
