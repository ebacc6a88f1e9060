"""The tuning report as versioned data: each (epoch budget, learning rate, seed) cell's
validation macro-F1, and the budget and rate chosen on it.

    emobench tune --models bert-tiny --init random --epochs 3,4,6 \\
        --learning-rates 5e-4,1e-3,2e-3 --seeds 42,43 --output results/tune/bert-tiny-random.json
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from emobench_core.schema.base import ResultFile


@dataclass(frozen=True)
class TuneCell:
    """One fine-tuning of the grid: the schedule spans ``epochs``; the best epoch is kept."""

    model: str
    init: str
    epochs: int
    learning_rate: float
    seed: int
    val_macro_f1: float
    """Of the kept (best) epoch: what the recipe would ship."""
    final_val_macro_f1: float
    """Of the last epoch, where the schedule ends."""
    best_epoch: int
    train_s: float
    """Training time; for a cell resumed after a stop, summed over its processes."""
    precision: str | None
    resumed_at_epochs: tuple[int, ...] | None = None
    """Epochs after which the cell stopped and was resumed from that epoch's checkpoint
    (empty: one process; ``None``: written before it was recorded)."""


@dataclass
class TuneReport(ResultFile):
    """Every cell of one ``emobench tune`` run, with what it ran on."""

    SCHEMA_NAME = "emobench.tune"
    SCHEMA_VERSION = 1
    WHAT = "tune report"
    WRITTEN_BY = "emobench tune --output FILE"

    grid: dict[str, Any]
    """``epochs``, ``learning_rates``, ``seeds``: what was tried."""
    recipe: dict[str, Any]
    """The recipe every cell shared, but for its epochs, rate and seed."""
    data: dict[str, Any]
    environment: dict[str, Any]
    command: str
    cells: list[TuneCell] = field(default_factory=list)
    complete: bool = False
    created_at: str = ""

    @classmethod
    def _from_fields(cls, data: dict[str, Any]) -> TuneReport:
        return cls(**{**data, "cells": [_cell(c) for c in data["cells"]]})

    def choice(self, model: str, init: str) -> tuple[int, float, float] | None:
        """``(epochs, learning_rate, mean val macro-F1)`` with the best mean over seeds; ties go
        to the smaller budget, then the smaller rate. ``None`` before any cell of the model."""
        means = self.means(model, init)
        if not means:
            return None
        (epochs, lr), score = max(means.items(), key=lambda kv: (kv[1], -kv[0][0], -kv[0][1]))
        return epochs, lr, score

    def means(self, model: str, init: str) -> dict[tuple[int, float], float]:
        """Mean validation macro-F1 over seeds per ``(epochs, learning_rate)``, for the cells
        that every seed of the grid completed."""
        by: dict[tuple[int, float], list[float]] = defaultdict(list)
        for c in self.cells:
            if c.model == model and c.init == init:
                by[(c.epochs, c.learning_rate)].append(c.val_macro_f1)
        seeds = len(self.grid.get("seeds", [])) or 1
        return {k: float(np.mean(v)) for k, v in by.items() if len(v) == seeds}


def _cell(data: dict[str, Any]) -> TuneCell:
    resumed = data.get("resumed_at_epochs")
    return TuneCell(**{**data, "resumed_at_epochs": None if resumed is None else tuple(resumed)})
