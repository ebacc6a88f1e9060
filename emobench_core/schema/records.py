"""Typed records shared by every results file: latency statistics, test metrics, training history.

Plain dataclasses over numpy only, so reading a results file imports no ML library.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np


@dataclass(frozen=True)
class LatencyStats:
    """Per-call latency in milliseconds over the timed (post-warm-up) calls."""

    p50_ms: float
    p90_ms: float
    p99_ms: float
    mean_ms: float
    std_ms: float
    min_ms: float
    max_ms: float
    n: int
    warmup: int
    total_s: float
    samples_ms: list[float] | None = None
    """The raw per-call times (ms, 4 decimals), where kept: what a rank test between two runs
    of one job needs (``emobench compare``); ``None``: not kept."""

    @classmethod
    def from_samples(
        cls, samples_s: Sequence[float], *, warmup: int = 0, keep: bool = False
    ) -> LatencyStats:
        """Statistics of per-call durations given in seconds (``keep``: the samples too)."""
        if len(samples_s) == 0:
            raise ValueError("no latency samples: time at least one call")
        ms = np.asarray(samples_s, dtype=float) * 1e3
        p50, p90, p99 = np.percentile(ms, [50, 90, 99])
        return cls(
            p50_ms=float(p50),
            p90_ms=float(p90),
            p99_ms=float(p99),
            mean_ms=float(ms.mean()),
            std_ms=float(ms.std()),
            min_ms=float(ms.min()),
            max_ms=float(ms.max()),
            n=len(ms),
            warmup=warmup,
            total_s=float(ms.sum() / 1e3),
            samples_ms=[round(float(v), 4) for v in ms] if keep else None,
        )

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ClassMetrics:
    precision: float
    recall: float
    f1: float
    support: int


@dataclass(frozen=True)
class Metrics:
    """Classification quality on one split."""

    accuracy: float
    macro_precision: float
    macro_recall: float
    macro_f1: float
    weighted_f1: float
    per_class: dict[str, ClassMetrics]
    confusion_matrix: list[list[int]]
    """Rows are true labels, columns predicted labels, both in label-id order."""
    n: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Metrics:
        per_class = {k: ClassMetrics(**v) for k, v in data["per_class"].items()}
        return cls(**{**data, "per_class": per_class})


@dataclass(frozen=True)
class EpochRecord:
    epoch: int
    val_macro_f1: float
    val_accuracy: float
    train_loss: float | None = None
    learning_rate: float | None = None
    """The rate the epoch's last step used, as the Trainer logged it."""


@dataclass(frozen=True)
class TrainingInfo:
    """What fine-tuning did and what it cost."""

    wall_s: float
    samples_per_s: float
    train_rows: int
    epochs_run: int
    best_epoch: int
    best_val_macro_f1: float
    hyperparameters: dict[str, float]
    """Selected on validation or set by the recipe: ``learning_rate``, or ``C`` for the SVM."""
    peak_memory_mb: float
    device: str
    history: list[EpochRecord] = field(default_factory=list)
    tokenize_s: float | None = None
    """Seconds to tokenize the splits, or to load them from the token cache."""
    token_cache_hit: bool | None = None
    """Whether the tokenized splits came from the token cache (``None``: no cache used)."""
    precision: str | None = None
    """``"bf16 autocast"`` or ``"fp32"`` (``None``: written before it was recorded)."""
    steps: int | None = None
    """Optimizer steps taken (``None``: written before it was recorded)."""
    final_learning_rate: float | None = None
    """The schedule's rate after the last step: 0 when the schedule ends where training ends."""
    peak_memory_basis: str | None = None
    """How ``peak_memory_mb`` was taken: this model's own peak (``OwnPeak.RESET``, or CUDA's
    allocated peak); ``None``: written before it was recorded, the process-wide ``ru_maxrss``,
    which includes every model the process ran before."""
    threads: int | None = None
    """CPU threads torch trained with: CPU predictions depend on it (``None``: written before
    it was recorded, or a model torch does not train)."""
    resumed_at_epochs: list[int] | None = None
    """The epochs after which the training stopped and a new process resumed it from that
    epoch's checkpoint (empty: it ran in one process; ``None``: written before it was recorded,
    or a model torch does not train). ``wall_s`` is then the sum over the processes and
    ``peak_memory_mb`` the largest of their own peaks."""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> TrainingInfo:
        return cls(**{**data, "history": [EpochRecord(**h) for h in data.get("history", [])]})
