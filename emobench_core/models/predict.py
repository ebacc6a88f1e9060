"""Any model folder emobench writes, loaded to score texts: a checkpoint (``emobench train``), a
checkpoint-cache entry, a folder ``emobench export`` wrote, or that folder's ONNX Runtime int8
variant (``onnx-int8/``). The folder's files say which it is; each backend recognises its own
(:meth:`~emobench_core.models.backends.base.Backend.holds`).

    emobench predict --checkpoint shipped/bert-tiny "i feel happy"
    emobench predict --checkpoint shipped/bert-tiny/onnx-int8 "i feel happy"
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from emobench_core.config import Recipe
from emobench_core.models.backends.base import Predictor
from emobench_core.models.export import ort_session, require_extra
from emobench_core.models.loading import load_tokenizer
from emobench_core.models.registry import BACKENDS
from emobench_core.models.variants import OnnxVariant, onnx_size_bytes

ONNX_FILE = "model.onnx"
"""The graph of an exported ONNX variant, beside its ``config.json`` and tokenizer files."""


def onnx_variant(folder: str | Path, *, name: str = "onnx-int8", threads: int = 1) -> OnnxVariant:
    """The ONNX graph in ``folder`` (``model.onnx`` and its tokenizer) on a CPU session."""
    require_extra()
    folder = Path(folder)
    path = folder / ONNX_FILE
    session = ort_session(path, threads=threads)
    return OnnxVariant(
        name,
        onnx_size_bytes(path),
        tokenizer=load_tokenizer(str(folder)),
        names=tuple(i.name for i in session.get_inputs()),
        max_length=Recipe().max_length,
        session=session,
    )


def config_labels(folder: Path) -> tuple[str, ...] | None:
    """The class names of a folder's ``config.json`` (``id2label``), in id order."""
    try:
        raw = json.loads((folder / "config.json").read_text(encoding="utf-8"))["id2label"]
        return tuple(str(raw[str(i)]) for i in range(len(raw)))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _softmax(logits: np.ndarray) -> np.ndarray:
    e = np.exp(logits - logits.max(-1, keepdims=True))
    return np.asarray(e / e.sum(-1, keepdims=True))


def _onnx_predictor(folder: Path, labels: Sequence[str] | None) -> Predictor:
    variant = onnx_variant(folder)
    names = config_labels(folder) or tuple(labels or ())
    if not names:
        n = variant.session.get_outputs()[0].shape[-1]
        names = tuple(f"LABEL_{i}" for i in range(int(n)))

    def scores(texts: list[str]) -> Any:
        return _softmax(variant.logits(texts))

    return Predictor(names, "probabilities", scores)


def load_predictor(folder: str | Path, labels: Sequence[str] | None = None) -> Predictor:
    """The model in ``folder``, ready to score texts (``labels``: the class names, where the
    folder does not record them).

    Raises:
        FileNotFoundError: ``folder`` holds no model emobench knows.
        RegistryError: it holds a pickled or untrusted SVM (refused, never unpickled).
        MissingExtraError: it holds an ONNX graph and the ``onnx`` extra is not installed.
    """
    folder = Path(folder)
    if (folder / ONNX_FILE).is_file():
        return _onnx_predictor(folder, labels)
    for backend in BACKENDS.values():
        if backend.holds(folder):
            return backend.predictor(folder, labels)
    raise FileNotFoundError(
        f"no model in {folder}: expected a folder written by `emobench export` (config.json with "
        f"model.safetensors, model.skops, or {ONNX_FILE}), by `emobench train --output`, or a "
        "checkpoint-cache entry; or pass a run's results JSON"
    )
