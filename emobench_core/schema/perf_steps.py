"""The schema-4 rows of a perf report (:class:`~emobench_core.schema.perf.PerfReport`): the
machine's matmul rates, training steps timed phase by phase, and the padding work of an epoch.

    emobench perf --models bert-tiny,bert-small --steps 20 --output results/perf/perf-cpu.json
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from typing import Any

RECIPE = "recipe"
"""The variant of a step row that is the recipe itself."""
FROZEN = "frozen word embeddings"
"""The variant of a step row with the word embeddings frozen (what their gradient costs)."""


@dataclass(frozen=True)
class MatmulRow:
    """One ``(m, k) @ (k, n)`` product timed in one precision (the median of ``repeats``)."""

    label: str
    """``"square"``, or the model and the layer matmul of a training step it stands for."""
    m: int
    k: int
    n: int
    dtype: str
    seconds: float
    repeats: int

    @property
    def flops(self) -> int:
        return 2 * self.m * self.k * self.n

    @property
    def gflops(self) -> float:
        return self.flops / self.seconds / 1e9

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "gflops": self.gflops}


@dataclass(frozen=True)
class StepRow:
    """Training steps of one architecture, timed phase by phase (``emobench perf --steps``).

    FLOPs are counted by :mod:`emobench_core.measure.flops` (6 N + 12 L d T per token): ``flops``
    over every token slot computed (padding included, each batch over its padded length),
    ``useful_flops`` over the real tokens (each sequence over its own length).
    """

    model: str
    init: str
    variant: str
    """``"recipe"``, or what differs from it (``"compile=True"``, ``"threads=1"``, ...)."""
    change: str
    precision: str
    threads: int
    batch_size: int
    steps: int
    non_embedding_params: int
    real_tokens: int
    padded_tokens: int
    """Token slots computed (real tokens plus padding), over the timed steps."""
    flops: float
    useful_flops: float
    forward_s: float
    backward_s: float
    optimizer_s: float
    """Totals over the timed steps; optimizer: gradient clipping, the step, zeroing."""
    warmup_s: float
    """The untimed first steps (compile time included)."""
    kernel_shares: dict[str, float] = field(default_factory=dict)
    """Profiler self CPU time by kind of kernel (matmul, attention, embedding, optimizer,
    other), as shares of the profiled steps' total."""
    top_ops: list[list[Any]] = field(default_factory=list)
    """The profiled steps' costliest kernels: ``[name, self ms per step]``."""
    embedding_backward_s: float | None = None
    """Per profiled step, ``aten::embedding_dense_backward`` with its children: the dense
    gradients of the embedding tables (word, position, type; ``None``: not profiled)."""

    @property
    def step_s(self) -> float:
        return (self.forward_s + self.backward_s + self.optimizer_s) / self.steps

    @property
    def gflops(self) -> float:
        """Achieved GFLOP/s: FLOPs computed (padding included) over the step time."""
        return self.flops / self.steps / self.step_s / 1e9

    def tokens_per_s(self, *, padded: bool = False) -> float:
        return (self.padded_tokens if padded else self.real_tokens) / self.steps / self.step_s

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "step_s": self.step_s, "gflops": self.gflops}


@dataclass(frozen=True)
class PaddingRow:
    """The padding work of one epoch of the recipe's batches (length-grouped, ``batch_size``),
    and the least any batching of the same batch size could do (rows sorted by length)."""

    model: str
    batch_size: int
    batches: int
    real_tokens: int
    padded_tokens: int
    """Token slots of the epoch's batches, padding included."""
    sorted_padded_tokens: int

    @property
    def pad_tokens(self) -> int:
        return self.padded_tokens - self.real_tokens

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "pad_tokens": self.pad_tokens}


def known_fields(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """``data`` less the keys that are not fields of ``cls`` (derived values a file stores)."""
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in data.items() if k in names}
