"""An exported tokenizer that loads anywhere: its files rewritten for shipping.

A checkpoint's tokenizer files are written at training time and say so: a tokenizer built from a
bare ``vocab.txt`` (every random-init model) has ``model_max_length`` 1e30, so
``pipeline(..., truncation=True)`` never truncates and a text over 512 tokens crashes the model;
and transformers 5 persists how the files were loaded (``is_local``, ``local_files_only``),
which makes the folder refuse the hub wherever it is loaded next. :func:`ship_tokenizer` sets the
model's real limit (truncation in ``tokenizer.json`` too, for ONNX Runtime users of the
``tokenizers`` library) and drops the load-time keys.

    emobench export results/cpu/bert-tiny-random-s42-89ce31e7.json --output shipped/bert-tiny
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DEFAULT_LIMIT = 512
"""The limit of a model whose config names no position count (BERT's)."""
POSITION_OFFSET = {"roberta": 2, "xlm-roberta": 2, "camembert": 2, "longformer": 2}
"""Positions a model type reserves (RoBERTa's count starts after the padding index)."""
LOAD_TIME_KEYS = frozenset(
    {
        "is_local",
        "local_files_only",
        "cache_dir",
        "force_download",
        "proxies",
        "token",
        "use_auth_token",
        "revision",
        "subfolder",
        "trust_remote_code",
        "_commit_hash",
        "_from_auto",
        "_from_pipeline",
        "name_or_path",
    }
)
"""``from_pretrained`` arguments that describe one load, not the tokenizer."""
SANE_LIMIT = 1_000_000
"""A ``model_max_length`` above this is transformers' "no limit" placeholder (1e30)."""


def _read(path: Path) -> dict[str, Any] | None:
    if not path.is_file():
        return None
    data = json.loads(path.read_text(encoding="utf-8"))
    return data if isinstance(data, dict) else None


def _write(path: Path, data: dict[str, Any]) -> None:
    path.write_text(json.dumps(data, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def model_limit(config: dict[str, Any] | None, current: Any = None) -> int:
    """The most tokens the model takes: its position embeddings' count (less the positions its
    type reserves), else :data:`DEFAULT_LIMIT`; a sane ``current`` limit below it is kept."""
    config = config or {}
    positions = config.get("max_position_embeddings") or config.get("n_positions")
    limit = DEFAULT_LIMIT
    if isinstance(positions, int) and positions > 0:
        limit = positions - POSITION_OFFSET.get(str(config.get("model_type")), 0)
    if isinstance(current, int | float) and 0 < current < min(limit, SANE_LIMIT):
        return int(current)
    return limit


def ship_tokenizer(folder: Path) -> int | None:
    """Rewrite the tokenizer files of ``folder`` (an exported model) for shipping: the model's
    real limit as ``model_max_length``, right-side truncation to it in ``tokenizer.json``,
    and no load-time keys. Returns the limit, or ``None`` when the folder has no tokenizer
    config (an SVM)."""
    config_file = folder / "tokenizer_config.json"
    tok_config = _read(config_file)
    if tok_config is None:
        return None
    limit = model_limit(_read(folder / "config.json"), tok_config.get("model_max_length"))
    shipped = {k: v for k, v in tok_config.items() if k not in LOAD_TIME_KEYS}
    shipped["model_max_length"] = limit
    shipped["truncation_side"] = "right"
    _write(config_file, shipped)
    fast = _read(folder / "tokenizer.json")
    if fast is not None:
        fast["truncation"] = {
            "direction": "Right",
            "max_length": limit,
            "strategy": "LongestFirst",
            "stride": 0,
        }
        text = json.dumps(fast, indent=2, ensure_ascii=False) + "\n"
        (folder / "tokenizer.json").write_text(text, encoding="utf-8")
    return limit
