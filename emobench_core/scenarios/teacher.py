"""The teacher of a distilled student, and its logits on the training split, cached.

emobench distill --teacher minilm-l6 --student bert-tiny --student-init random --output runs/
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from emobench_core.cache import CheckpointCache, cache_key
from emobench_core.models.backends import transformer
from emobench_core.models.spec import ModelSpec

TEACHER_LOGITS = "train_logits.npy"
LOGITS_TIMING = "timing.json"


@dataclass(frozen=True)
class Teacher:
    """The teacher of a distilled student: a registry model and its init."""

    spec: ModelSpec
    init: str
    seed: int | None = None
    """Fine-tune the teacher with this seed for every student seed (one teacher, its logits
    cached once); ``None``: each student seed gets a teacher of its own seed."""

    @property
    def label(self) -> str:
        return self.spec.name if self.init == "pretrained" else f"{self.spec.name} ({self.init})"


def _logits_parts(teacher_entry: Path, rows: int, data_fp: str, max_length: int) -> dict[str, Any]:
    return {
        "kind": "teacher-logits",
        "teacher_entry": teacher_entry.name,
        "data": data_fp,
        "max_length": max_length,
        "rows": rows,
    }


def teacher_logits(
    cache: CheckpointCache,
    teacher_entry: Path,
    texts: list[str],
    data_fp: str,
    *,
    max_length: int,
    batch_size: int,
    device: str,
) -> np.ndarray:
    """The teacher's logits on ``texts`` (the training split), computed once and cached, keyed
    by the teacher's cache entry and the data fingerprint; the entry records how long they took
    (:func:`logits_seconds`)."""

    def build(staging: Any) -> None:
        start = time.perf_counter()
        model, tokenizer = transformer.load_checkpoint(teacher_entry)
        logits = transformer.predict_logits(
            model, tokenizer, texts, max_length=max_length, batch_size=batch_size, device=device
        )
        np.save(staging / TEACHER_LOGITS, logits)
        seconds = time.perf_counter() - start
        (staging / LOGITS_TIMING).write_text(json.dumps({"seconds": seconds}))

    parts = _logits_parts(teacher_entry, len(texts), data_fp, max_length)
    entry, _ = cache.get_or_build(parts, build)
    return np.load(entry / TEACHER_LOGITS)


def logits_seconds(
    cache: CheckpointCache, teacher_entry: Path, rows: int, data_fp: str, *, max_length: int
) -> float | None:
    """How long the cached logits of :func:`teacher_logits` took to compute (``None``: not
    recorded, or not cached)."""
    parts = _logits_parts(teacher_entry, rows, data_fp, max_length)
    path = cache.entry(cache_key(parts)) / LOGITS_TIMING
    try:
        return float(json.loads(path.read_text())["seconds"])
    except (OSError, ValueError, KeyError):
        return None
