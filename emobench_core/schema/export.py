"""What an export shipped: one record per folder (the model, its int8 variant), with the
figures its model card states. Written by :mod:`emobench_core.scenarios.export`, rendered by
:mod:`emobench_core.report.card`.

    emobench export results/cpu/bert-tiny-random-s42-89ce31e7.json --output shipped/bert-tiny
"""

from __future__ import annotations

from dataclasses import dataclass

from emobench_core.schema.records import LatencyStats, Metrics

INT8_DIR = "onnx-int8"
"""The subfolder of an export that holds the ONNX Runtime int8 variant."""
CARD_FILE = "README.md"
MODEL = "model"
"""The variant name of the fine-tuned model itself (as its run measured it)."""
INT8 = "onnx-int8"
"""The variant name of its ONNX Runtime dynamic int8 quantization."""


@dataclass(frozen=True)
class Exported:
    """One shipped folder and the figures its model card states."""

    variant: str
    """:data:`MODEL` or :data:`INT8`."""
    subfolder: str
    """Where it lies inside the export ("" for the model itself)."""
    library_name: str
    files: tuple[str, ...]
    weights_bytes: int
    """The weights' size on disk (the model's as the run measured it; the int8 graph's)."""
    metrics: Metrics
    """On the run's test split."""
    latency_b1: LatencyStats
    """Batch-1 latency of the model call on pre-tokenized test texts."""
    device: str
    threads: int
    hardware: str
    """The CPU (or GPU) the latency was measured on."""
    agreement: float | None = None
    """Share of test predictions equal to the run's (the model it was made from)."""
