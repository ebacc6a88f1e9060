"""The repositories the local hub (:mod:`hub_server`) serves, laid out as the real ones are, with
tiny stand-in files built at fixture time (nothing here is committed data).

Where each layout comes from (the repositories' published file lists, as their hub pages list
them; only files the loaders could read are reproduced, large alternates such as
``tf_model.h5``, ``flax_model.msgpack``, ``rust_model.ot`` and ``onnx/`` are left out):

* ``dair-ai/emotion`` (dataset): the hub's parquet layout since the loading script was
  converted: ``split/{train,validation,test}-00000-of-00001.parquet``,
  ``unsplit/train-00000-of-00001.parquet``, and a ``README.md`` whose YAML holds
  ``dataset_info`` for the configs ``split`` and ``unsplit`` (ClassLabel names 0 sadness ...
  5 surprise, as the published card at revision 9ce6303 shows) and ``configs`` mapping each
  split to ``split/<split>-*`` with ``split`` the default.
* ``google/bert_uncased_L-2_H-128_A-2``, ``..._L-4_H-256_A-4``, ``..._L-4_H-512_A-8``:
  ``.gitattributes``, ``README.md``, ``config.json`` (Google's original ``bert_config.json``
  keys: no ``model_type``, no ``architectures``), ``vocab.txt``, ``pytorch_model.bin`` (the
  ``BertForPreTraining`` weights): no safetensors, no tokenizer files but the vocab.
* ``distilbert-base-uncased``: ``config.json`` (``DistilBertForMaskedLM``),
  ``model.safetensors``, ``pytorch_model.bin``, ``tokenizer.json``, ``tokenizer_config.json``
  (``do_lower_case`` only), ``vocab.txt``, ``README.md``, ``.gitattributes``.
* ``google-bert/bert-base-uncased`` (the vocab of random-init models and ``emobench data``):
  ``config.json`` (``BertForMaskedLM``), ``model.safetensors``, ``tokenizer.json``,
  ``tokenizer_config.json`` (``do_lower_case`` only), ``vocab.txt``, ``LICENSE``, ``README.md``.
* ``sentence-transformers/all-MiniLM-L6-v2``: the sentence-transformers files
  (``modules.json``, ``1_Pooling/config.json``, ``sentence_bert_config.json``,
  ``config_sentence_transformers.json``, ``data_config.json``, ``train_script.py``) beside
  ``config.json`` (``BertModel``), ``model.safetensors``, ``pytorch_model.bin``,
  ``tokenizer.json``, ``tokenizer_config.json``, ``special_tokens_map.json``, ``vocab.txt``.

The weights are random, of a hidden size of 16 to 32 over a WordPiece vocab of the few hundred
most frequent words of the staged rows (so a file is a few hundred kB at most); the loaders read
each checkpoint's own config, so sizes other than the published ones load the same way.
"""

from __future__ import annotations

import io
import json
from collections import Counter
from pathlib import Path
from typing import Any

GATTR = (
    b"*.bin filter=lfs diff=lfs merge=lfs -text\n"
    b"*.safetensors filter=lfs diff=lfs merge=lfs -text\n"
    b"*.parquet filter=lfs diff=lfs merge=lfs -text\n"
)
LABELS = ("sadness", "joy", "love", "anger", "fear", "surprise")
EMOTION = "dair-ai/emotion"
BERT_TINY = "google/bert_uncased_L-2_H-128_A-2"
BERT_MINI = "google/bert_uncased_L-4_H-256_A-4"
BERT_SMALL = "google/bert_uncased_L-4_H-512_A-8"
DISTILBERT = "distilbert-base-uncased"
MINILM = "sentence-transformers/all-MiniLM-L6-v2"
BERT_BASE = "google-bert/bert-base-uncased"
ROWS = {"train": 240, "validation": 60, "test": 60}
"""Rows of each split served, the first of the staged files."""


def read_rows(emotion_dir: Path) -> dict[str, list[dict[str, Any]]]:
    out = {}
    for split, n in ROWS.items():
        with (emotion_dir / f"{split}.jsonl").open() as f:
            out[split] = [json.loads(line) for _, line in zip(range(n), f, strict=False)]
    return out


def _parquet(rows: list[dict[str, Any]]) -> bytes:
    import datasets

    features = datasets.Features(
        {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=list(LABELS))}
    )
    ds = datasets.Dataset.from_list(rows, features=features)
    buf = io.BytesIO()
    ds.to_parquet(buf)
    return buf.getvalue()


def _nbytes(rows: list[dict[str, Any]]) -> int:
    return sum(len(r["text"].encode()) + 8 for r in rows)


def _dataset_card(rows: dict[str, list[dict[str, Any]]]) -> bytes:
    names = "".join(f"          '{i}': {n}\n" for i, n in enumerate(LABELS))
    features = (
        "  features:\n  - name: text\n    dtype: string\n  - name: label\n    dtype:\n"
        f"      class_label:\n        names:\n{names}"
    )
    split_info = "".join(
        f"  - name: {s}\n    num_bytes: {_nbytes(r)}\n    num_examples: {len(r)}\n"
        for s, r in rows.items()
    )
    yaml = (
        "---\nlanguage:\n- en\nlicense:\n- other\npretty_name: Emotion\ntask_categories:\n"
        "- text-classification\ndataset_info:\n- config_name: split\n"
        + features
        + "  splits:\n"
        + split_info
        + "- config_name: unsplit\n"
        + features
        + f"  splits:\n  - name: train\n    num_bytes: {_nbytes(rows['train'])}\n"
        + f"    num_examples: {len(rows['train'])}\n"
        "configs:\n- config_name: split\n  data_files:\n"
        "  - split: train\n    path: split/train-*\n"
        "  - split: validation\n    path: split/validation-*\n"
        "  - split: test\n    path: split/test-*\n  default: true\n"
        "- config_name: unsplit\n  data_files:\n  - split: train\n    path: unsplit/train-*\n"
        '---\n\n# Dataset Card for "emotion"\n\nA few hundred rows, served by the tests.\n'
    )
    return yaml.encode()


def emotion_files(emotion_dir: Path) -> dict[str, bytes]:
    rows = read_rows(emotion_dir)
    files = {".gitattributes": GATTR, "README.md": _dataset_card(rows)}
    for split, r in rows.items():
        files[f"split/{split}-00000-of-00001.parquet"] = _parquet(r)
    files["unsplit/train-00000-of-00001.parquet"] = _parquet(rows["train"])
    return files


def vocab(emotion_dir: Path, words: int = 400) -> bytes:
    """A WordPiece vocab: BERT's special tokens, letters and digits (whole and ``##``), and
    the most frequent words of the staged rows."""
    counts: Counter[str] = Counter()
    for rows in read_rows(emotion_dir).values():
        for row in rows:
            counts.update(row["text"].lower().split())
    chars = [chr(c) for c in range(ord("a"), ord("z") + 1)] + list("0123456789")
    tokens = ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", *chars, *("##" + c for c in chars)]
    seen = set(tokens)
    tokens += [w for w, _ in counts.most_common() if w.isalpha() and w not in seen][:words]
    return ("\n".join(tokens) + "\n").encode()


def _state_bytes(model: Any, fmt: str) -> bytes:
    import torch

    state = {k: v.contiguous() for k, v in model.state_dict().items()}
    if fmt == "bin":
        buf = io.BytesIO()
        torch.save(state, buf)
        return buf.getvalue()
    from safetensors.torch import save

    # tied weights (the MLM decoder) are one tensor; safetensors stores it once
    seen: dict[int, str] = {}
    out = {}
    for key, value in state.items():
        if value.data_ptr() in seen:
            continue
        seen[value.data_ptr()] = key
        out[key] = value.clone()
    return save(out, metadata={"format": "pt"})


def _tokenizer_files(vocab_txt: bytes, tmp: Path) -> dict[str, bytes]:
    """``tokenizer.json`` and friends, as ``save_pretrained`` writes them for the vocab."""
    from transformers import BertTokenizerFast

    src, out = tmp / "vocab-src", tmp / "tok-out"
    src.mkdir(parents=True, exist_ok=True)
    (src / "vocab.txt").write_bytes(vocab_txt)
    BertTokenizerFast.from_pretrained(str(src), do_lower_case=True).save_pretrained(str(out))
    return {p.name: p.read_bytes() for p in out.iterdir() if p.is_file()}


def bert_files(
    vocab_txt: bytes, hidden: int = 16, layers: int = 2, seed: int = 0
) -> dict[str, bytes]:
    """A Google BERT miniature's layout: config without ``model_type``, vocab, ``.bin`` only."""
    import torch
    from transformers import BertConfig, BertForPreTraining

    n_vocab = len(vocab_txt.decode().splitlines())
    config = {
        "hidden_size": hidden,
        "hidden_act": "gelu",
        "initializer_range": 0.02,
        "vocab_size": n_vocab,
        "hidden_dropout_prob": 0.1,
        "num_attention_heads": 2,
        "type_vocab_size": 2,
        "max_position_embeddings": 512,
        "num_hidden_layers": layers,
        "intermediate_size": 2 * hidden,
        "attention_probs_dropout_prob": 0.1,
    }
    torch.manual_seed(seed)
    model = BertForPreTraining(BertConfig(**config))
    return {
        ".gitattributes": GATTR,
        "README.md": b"---\nlicense: apache-2.0\n---\nBERT miniature (tiny test copy)\n",
        "config.json": json.dumps(config, indent=2).encode(),
        "vocab.txt": vocab_txt,
        "pytorch_model.bin": _state_bytes(model, "bin"),
    }


def distilbert_files(vocab_txt: bytes, tmp: Path) -> dict[str, bytes]:
    import torch
    from transformers import DistilBertConfig, DistilBertForMaskedLM

    n_vocab = len(vocab_txt.decode().splitlines())
    torch.manual_seed(1)
    config = DistilBertConfig(vocab_size=n_vocab, dim=16, n_layers=2, n_heads=2, hidden_dim=32)
    config.architectures = ["DistilBertForMaskedLM"]
    model = DistilBertForMaskedLM(config)
    tok = _tokenizer_files(vocab_txt, tmp / "distilbert")
    return {
        ".gitattributes": GATTR,
        "README.md": b"---\nlanguage: en\nlicense: apache-2.0\n---\nDistilBERT (tiny test copy)\n",
        "config.json": config.to_json_string().encode(),
        "model.safetensors": _state_bytes(model, "safetensors"),
        "pytorch_model.bin": _state_bytes(model, "bin"),
        "tokenizer.json": tok["tokenizer.json"],
        "tokenizer_config.json": b'{"do_lower_case": true, "model_max_length": 512}',
        "vocab.txt": vocab_txt,
    }


def bert_base_files(vocab_txt: bytes, tmp: Path) -> dict[str, bytes]:
    """bert-base-uncased, whose WordPiece vocab random-init models and ``emobench data`` read."""
    import torch
    from transformers import BertConfig, BertForMaskedLM

    torch.manual_seed(5)
    n_vocab = len(vocab_txt.decode().splitlines())
    config = BertConfig(
        vocab_size=n_vocab,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
    )
    config.architectures = ["BertForMaskedLM"]
    tok = _tokenizer_files(vocab_txt, tmp / "bert-base")
    return {
        ".gitattributes": GATTR,
        "LICENSE": b"Apache License 2.0\n",
        "README.md": b"---\nlanguage: en\nlicense: apache-2.0\n---\nBERT base (tiny test copy)\n",
        "config.json": config.to_json_string().encode(),
        "model.safetensors": _state_bytes(BertForMaskedLM(config), "safetensors"),
        "tokenizer.json": tok["tokenizer.json"],
        "tokenizer_config.json": b'{"do_lower_case": true}',
        "vocab.txt": vocab_txt,
    }


def minilm_files(vocab_txt: bytes, tmp: Path) -> dict[str, bytes]:
    import torch
    from transformers import BertConfig, BertModel

    n_vocab = len(vocab_txt.decode().splitlines())
    torch.manual_seed(2)
    config = BertConfig(
        vocab_size=n_vocab,
        hidden_size=24,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=48,
    )
    config.architectures = ["BertModel"]
    model = BertModel(config)
    tok = _tokenizer_files(vocab_txt, tmp / "minilm")
    modules = [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {
            "idx": 1,
            "name": "1",
            "path": "1_Pooling",
            "type": "sentence_transformers.models.Pooling",
        },
        {
            "idx": 2,
            "name": "2",
            "path": "2_Normalize",
            "type": "sentence_transformers.models.Normalize",
        },
    ]
    pooling = {
        "word_embedding_dimension": 24,
        "pooling_mode_cls_token": False,
        "pooling_mode_mean_tokens": True,
        "pooling_mode_max_tokens": False,
        "pooling_mode_mean_sqrt_len_tokens": False,
    }
    return {
        ".gitattributes": GATTR,
        "1_Pooling/config.json": json.dumps(pooling).encode(),
        "README.md": b"---\nlicense: apache-2.0\npipeline_tag: sentence-similarity\n---\n"
        b"all-MiniLM-L6-v2 (tiny test copy)\n",
        "config.json": config.to_json_string().encode(),
        "config_sentence_transformers.json": b'{"__version__": {"sentence_transformers": "2.0.0"}}',
        "data_config.json": b"[]",
        "model.safetensors": _state_bytes(model, "safetensors"),
        "modules.json": json.dumps(modules).encode(),
        "pytorch_model.bin": _state_bytes(model, "bin"),
        "sentence_bert_config.json": b'{"max_seq_length": 256, "do_lower_case": false}',
        "special_tokens_map.json": json.dumps(
            {
                "cls_token": "[CLS]",
                "mask_token": "[MASK]",
                "pad_token": "[PAD]",
                "sep_token": "[SEP]",
                "unk_token": "[UNK]",
            }
        ).encode(),
        "tokenizer.json": tok["tokenizer.json"],
        "tokenizer_config.json": json.dumps(
            {
                "do_lower_case": True,
                "model_max_length": 512,
                "tokenizer_class": "BertTokenizer",
                "cls_token": "[CLS]",
                "mask_token": "[MASK]",
                "pad_token": "[PAD]",
                "sep_token": "[SEP]",
                "unk_token": "[UNK]",
                "strip_accents": None,
                "tokenize_chinese_chars": True,
            }
        ).encode(),
        "train_script.py": b"# the training script of the real repository (not reproduced)\n",
        "vocab.txt": vocab_txt,
    }


def all_repos(emotion_dir: Path, tmp: Path) -> list[tuple[str, str, dict[str, bytes]]]:
    """``(repo_type, repo_id, files)`` of every repository served."""
    v = vocab(emotion_dir)
    return [
        ("dataset", EMOTION, emotion_files(emotion_dir)),
        ("model", BERT_TINY, bert_files(v, 16, 2, seed=0)),
        ("model", BERT_MINI, bert_files(v, 16, 2, seed=3)),
        ("model", BERT_SMALL, bert_files(v, 32, 2, seed=4)),
        ("model", DISTILBERT, distilbert_files(v, tmp)),
        ("model", MINILM, minilm_files(v, tmp)),
        ("model", BERT_BASE, bert_base_files(v, tmp)),
    ]
