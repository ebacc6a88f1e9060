"""Two reports on what costs less than fine-tuning, as versioned data: MTEB's
``EmotionClassification`` protocol reproduced for one encoder (:class:`MtebReport`), and the
data-efficiency curve, test macro-F1 against labelled rows per class (:class:`EfficiencyReport`).

    emobench mteb-protocol --model minilm-l6 --output results/mteb/all-minilm-l6-v2.json
    emobench efficiency --models tfidf-svm,minilm-l6-frozen,bert-tiny --init random \\
        --output results/efficiency/efficiency.json
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from emobench_core.schema.base import ResultFile


@dataclass(frozen=True)
class MtebExperiment:
    """One of the protocol's experiments: its undersampled training rows and its test scores."""

    train_indices: list[int]
    """Rows of the training split the logistic regression was fitted on, in sampled order."""
    accuracy: float
    f1: float
    """Macro-F1 (MTEB's ``f1``)."""
    f1_weighted: float
    converged: bool
    """Whether lbfgs converged within ``max_iter`` (MTEB lets it stop there too)."""


@dataclass
class MtebReport(ResultFile):
    """``emobench mteb-protocol``: every experiment of MTEB's classification protocol for one
    encoder, the protocol as run, and the published score it is compared with."""

    SCHEMA_NAME = "emobench.mteb-protocol"
    SCHEMA_VERSION = 1
    WHAT = "MTEB protocol report"
    WRITTEN_BY = "emobench mteb-protocol --output FILE"

    task: str
    protocol: dict[str, Any]
    """n_experiments, samples_per_label, seed, classifier and its settings, eval split, main
    score, and the MTEB files it follows."""
    encoder: dict[str, Any]
    """source, content_sha256, pooling, embedding seconds and whether they were cached."""
    data: dict[str, Any]
    environment: dict[str, Any]
    command: str
    published: dict[str, Any]
    """MTEB's published result for the encoder: main score, per-experiment scores, source."""
    experiments: list[MtebExperiment] = field(default_factory=list)
    created_at: str = ""

    @classmethod
    def _from_fields(cls, data: dict[str, Any]) -> MtebReport:
        return cls(**{**data, "experiments": [MtebExperiment(**e) for e in data["experiments"]]})

    def scores(self, metric: str = "accuracy") -> list[float]:
        """``metric`` of every experiment, in order."""
        return [float(getattr(e, metric)) for e in self.experiments]


@dataclass(frozen=True)
class EfficiencyCell:
    """One model trained on one subset with one seed, scored on the whole test split."""

    model: str
    init: str
    size: int | str
    """Labelled training rows per class asked for, or ``"all"``."""
    rows: int
    """Training rows it was fitted on (a class with fewer rows than ``size`` gives all it has)."""
    seed: int
    accuracy: float
    macro_f1: float
    train_s: float
    y_pred: list[int]
    source: str = "trained"
    """``trained`` (here, or a cache entry of the same key), or the results file it was read
    from (``--full-from``)."""


@dataclass
class EfficiencyReport(ResultFile):
    """``emobench efficiency``: every (model, size, seed) cell, with what it ran on."""

    SCHEMA_NAME = "emobench.efficiency"
    SCHEMA_VERSION = 1
    WHAT = "data-efficiency report"
    WRITTEN_BY = "emobench efficiency --output FILE"

    grid: dict[str, Any]
    """``models`` (name, init), ``sizes``, ``seeds``: what was asked."""
    sampling: str
    data: dict[str, Any]
    labels: list[str]
    y_true: list[int]
    """The test split's labels, in order (every cell's predictions pair with them)."""
    environment: dict[str, Any]
    command: str
    cells: list[EfficiencyCell] = field(default_factory=list)
    complete: bool = False
    created_at: str = ""

    @classmethod
    def _from_fields(cls, data: dict[str, Any]) -> EfficiencyReport:
        return cls(**{**data, "cells": [EfficiencyCell(**c) for c in data["cells"]]})

    def done(self) -> set[tuple[str, str, int | str, int]]:
        """``(model, init, size, seed)`` of every cell already in the report."""
        return {(c.model, c.init, c.size, c.seed) for c in self.cells}
