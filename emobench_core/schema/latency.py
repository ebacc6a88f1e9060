"""The CPU latency report as versioned data: what ``emobench latency`` measured, and where.

Written by :mod:`emobench_core.scenarios.probe`, read by the report (``emobench report
--latency FILE``); kept apart from the probe so that reading a report needs no model code.

    emobench latency --models bert-tiny,tfidf-svm --output results/latency-cpu.json
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from emobench_core.config import Recipe
from emobench_core.schema.base import ResultFile
from emobench_core.schema.records import LatencyStats

SCHEMA_NAME = "emobench.latency"
SCHEMA_VERSION = 1
RANDOM_WEIGHTS = "random-init architecture (latency does not depend on weight values)"
SVM_WEIGHTS = "fitted on the training split"
LENGTH_PERCENTILES: dict[str, int] = {"short": 10, "median": 50, "long": 90}
"""Batch-1 inputs by WordPiece length: name -> percentile of the test split's token lengths."""


@dataclass(frozen=True)
class ModelLatency:
    """CPU costs of one architecture; latencies are the model call on tokenized input."""

    kind: str
    params_total: int
    params_non_embedding: int
    b1: LatencyStats
    """Batch 1 over the first 64 test tweets."""
    b1_by_length: dict[str, LatencyStats]
    """``short`` / ``median`` / ``long``: tweets at the 10th / 50th / 90th length percentile."""
    token_lengths: dict[str, int]
    """WordPiece tokens (with [CLS] and [SEP]) of the ``b1_by_length`` inputs."""
    tokenizer_b1: LatencyStats
    """The tokenizer (TF-IDF vectorizer for ``tfidf-svm``) on one tweet."""
    throughput_b32: float
    """Samples per second at batch 32 (from the p50 batch time), model call only."""
    inference_peak_rss_mb: float
    """Peak RSS of the measuring process minus its RSS before loading the model (MiB)."""
    process_peak_rss_mb: float
    """Peak RSS of the whole measuring process, Python, torch and inputs included (MiB)."""
    weights: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> ModelLatency:
        return cls(
            **{
                **data,
                "b1": LatencyStats(**data["b1"]),
                "b1_by_length": {k: LatencyStats(**v) for k, v in data["b1_by_length"].items()},
                "tokenizer_b1": LatencyStats(**data["tokenizer_b1"]),
            }
        )


@dataclass(frozen=True, kw_only=True)
class LatencyReport(ResultFile):
    """What ``emobench latency`` measured, on which machine, under which rule."""

    SCHEMA_NAME = SCHEMA_NAME
    SCHEMA_VERSION = SCHEMA_VERSION
    WHAT = "latency report"
    WRITTEN_BY = "emobench latency --output FILE"

    device: str = "cpu"
    threads: int
    environment: dict[str, Any]
    rule: dict[str, float]
    """The batch-1 latency rule: ``warmup``, ``min_iters``, ``min_seconds``."""
    models: dict[str, ModelLatency]
    max_length: int = Recipe().max_length
    isolated: bool = True
    """Each model in its own process; without it the memory figures are only lower bounds."""

    def __post_init__(self) -> None:
        if self.threads < 1:
            raise ValueError(f"`threads` ({self.threads}) must be >= 1")
        if self.device != "cpu":
            raise ValueError(f"`device` ({self.device!r}) must be 'cpu'")

    @classmethod
    def _from_fields(cls, data: dict[str, Any]) -> LatencyReport:
        models = {k: ModelLatency.from_dict(v) for k, v in data["models"].items()}
        return cls(**{**data, "models": models})


def load_latency(path: str | Path) -> LatencyReport:
    """Read a report written by :meth:`LatencyReport.save` (``emobench latency --output``)."""
    return LatencyReport.load(path)
