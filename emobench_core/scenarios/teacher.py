"""The teacher of a distilled student, and its logits on the training split, cached.

emobench distill --teacher minilm-l6 --student bert-tiny --student-init random --output runs/
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from emobench_core.cache import CheckpointCache
from emobench_core.models.backends import transformer
from emobench_core.models.spec import ModelSpec

TEACHER_LOGITS = "train_logits.npy"


@dataclass(frozen=True)
class Teacher:
    """The teacher of a distilled student: a registry model and its init."""

    spec: ModelSpec
    init: str

    @property
    def label(self) -> str:
        return self.spec.name if self.init == "pretrained" else f"{self.spec.name} ({self.init})"


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
    by the teacher's cache entry and the data fingerprint."""
    parts = {
        "kind": "teacher-logits",
        "teacher_entry": teacher_entry.name,
        "data": data_fp,
        "max_length": max_length,
        "rows": len(texts),
    }

    def build(staging: Any) -> None:
        model, tokenizer = transformer.load_checkpoint(teacher_entry)
        logits = transformer.predict_logits(
            model, tokenizer, texts, max_length=max_length, batch_size=batch_size, device=device
        )
        np.save(staging / TEACHER_LOGITS, logits)

    entry, _ = cache.get_or_build(parts, build)
    return np.load(entry / TEACHER_LOGITS)
