"""Deployment results: the rows and report ``emobench deploy`` writes (JSON, schema
:data:`SCHEMA_NAME` version :data:`SCHEMA_VERSION`) and reading them back. Data only: the
variants are measured in :mod:`emobench_core.scenarios.deploy`, their rows for RESULTS.md and the
console drawn in :mod:`emobench_core.report.deploy`.

    emobench deploy --checkpoint runs/bert-tiny --output results/deploy-cpu.json
    emobench report --deploy results/deploy-cpu.json
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any

from emobench_core.config import Recipe
from emobench_core.schema.base import ResultFile
from emobench_core.schema.records import LatencyStats

SCHEMA_NAME = "emobench.deploy"
SCHEMA_VERSION = 1
REFERENCE = "torch-fp32"
VARIANTS: tuple[str, ...] = (REFERENCE, "onnx-fp32", "onnx-int8", "torch-int8", "torch-bf16")
FINE_TUNED = "fine-tuned"
RANDOM = "random"


def _points(value: float | None, reference: float | None) -> float | None:
    return None if value is None or reference is None else 100.0 * (value - reference)


@dataclass(frozen=True)
class DeployRow:
    """One model run one way: size, batch-1 latency, and test quality against torch-fp32."""

    model: str
    init: str
    """``fine-tuned`` (a checkpoint) or ``random`` (architecture only: latency and size)."""
    variant: str
    size_mb: float
    """On disk, in MB (10**6 bytes): safetensors, ``torch.save`` state dict, or ONNX files."""
    latency_b1: LatencyStats
    """The model call at batch 1 on pre-tokenized test tweets (tokenizer excluded)."""
    threads: int
    accuracy: float | None = None
    macro_f1: float | None = None
    delta_accuracy_pts: float | None = None
    """``100 * (accuracy - accuracy of torch-fp32)``: percentage points."""
    delta_macro_f1_pts: float | None = None
    agreement: float | None = None
    """Share of test predictions equal to torch-fp32's."""
    checkpoint: str | None = None
    """The checkpoint folder's name (for a checkpoint-cache entry, its key, which the results
    file of the run that trained it records as ``environment.cache_entry``); ``None``: random
    weights, or written before it was recorded."""

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"`variant` ({self.variant!r}) must be one of {', '.join(VARIANTS)}")
        if self.size_mb < 0 or self.threads < 1:
            raise ValueError(
                f"`size_mb` ({self.size_mb}) must be >= 0 and `threads` ({self.threads}) >= 1"
            )

    @property
    def label(self) -> str:
        return self.model if self.init == FINE_TUNED else f"{self.model} ({self.init})"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeployRow:
        return cls(**{**data, "latency_b1": LatencyStats(**data["latency_b1"])})


def with_deltas(rows: Sequence[DeployRow]) -> list[DeployRow]:
    """``rows`` with accuracy / macro-F1 deltas (points) against the same model's torch-fp32."""
    refs = {(r.model, r.init): r for r in rows if r.variant == REFERENCE}
    out = []
    for r in rows:
        ref = refs.get((r.model, r.init))
        acc = ref.accuracy if ref else None
        f1 = ref.macro_f1 if ref else None
        out.append(
            replace(
                r,
                delta_accuracy_pts=_points(r.accuracy, acc),
                delta_macro_f1_pts=_points(r.macro_f1, f1),
            )
        )
    return out


@dataclass(frozen=True, kw_only=True)
class DeployReport(ResultFile):
    """What ``emobench deploy`` measured, on which machine, under which rule."""

    SCHEMA_NAME = SCHEMA_NAME
    SCHEMA_VERSION = SCHEMA_VERSION
    WHAT = "deploy report"
    WRITTEN_BY = "emobench deploy --output FILE"

    device: str = "cpu"
    threads: int
    environment: dict[str, Any]
    rule: dict[str, float]
    """The batch-1 latency rule: ``warmup``, ``min_iters``, ``min_seconds``."""
    max_length: int = Recipe().max_length
    data_fingerprint: str | None = None
    """Of the dataset accuracy was measured on; ``None`` when no row has an accuracy."""
    export: dict[str, Any]
    """How the variants were made: exporter, opset, quantization settings."""
    rows: list[DeployRow]

    def __post_init__(self) -> None:
        if self.threads < 1:
            raise ValueError(f"`threads` ({self.threads}) must be >= 1")

    @classmethod
    def _from_fields(cls, data: dict[str, Any]) -> DeployReport:
        return cls(**{**data, "rows": [DeployRow.from_dict(r) for r in data["rows"]]})


def load_deploy(path: str | Path) -> DeployReport:
    """Read a report written by :meth:`DeployReport.save` (``emobench deploy --output``)."""
    return DeployReport.load(path)
