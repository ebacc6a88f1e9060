"""The data-efficiency curve summarised: per model and size, the seed mean of test macro-F1 with
its interval, its difference from the same model's full-data score, and the smallest size from
which on the model is not significantly below that score.

Seeds are the unit (:mod:`emobench_core.metrics.seeds`): each size's per-seed scores and their
bootstrap draws over the test examples (the same resampled indices for every cell) give a
Welch–Satterthwaite interval of the seed mean, and of the difference from the full-data row
(:func:`~emobench_core.metrics.seeds.difference`). A size is significantly below the full data
when that difference's 95% interval lies wholly below 0; non-significance is not equivalence.

    emobench report ... --efficiency results/efficiency/efficiency.json
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

import numpy as np

from emobench_core.data.sampling import ALL
from emobench_core.metrics.seeds import difference, seed_mean_interval
from emobench_core.metrics.significance import per_seed_draws
from emobench_core.metrics.stats import Interval
from emobench_core.schema.cheap import EfficiencyCell, EfficiencyReport

RESAMPLES = 2000
"""Bootstrap resamples of the test examples behind every interval of the curve."""


@dataclass(frozen=True)
class EfficiencyPoint:
    """One model at one size, over its seeds."""

    label: str
    size: int | str
    rows: float
    """Mean training rows over seeds."""
    seeds: tuple[int, ...]
    macro_f1: Interval
    vs_full: Interval | None
    """Macro-F1 minus the full-data row's (``None`` for the full-data row, or without one)."""
    below_full: bool | None
    """The difference's interval lies wholly below 0 (``None``: no full-data row)."""
    train_s: float
    """Mean seconds to train (a frozen encoder: embedding plus the head)."""


@dataclass(frozen=True)
class EfficiencySummary:
    labels: tuple[str, ...]
    sizes: tuple[int | str, ...]
    points: tuple[EfficiencyPoint, ...]
    smallest: dict[str, int | str | None]
    """Per model: the smallest size from which on no size is significantly below its
    full-data score (``None``: no full-data row)."""
    resamples: int

    def point(self, label: str, size: int | str) -> EfficiencyPoint | None:
        return next((p for p in self.points if p.label == label and p.size == size), None)


def row_label(model: str, init: str) -> str:
    """How the curve names a model: ``bert-tiny (random)``; a kind without an init choice by
    its name alone."""
    return model if init in ("n/a", "pretrained") else f"{model} ({init})"


def summarize(report: EfficiencyReport, n_resamples: int = RESAMPLES) -> EfficiencySummary:
    """The :class:`EfficiencySummary` of ``report`` (cells of a seed the full-data row lacks
    are compared on the seeds both have)."""
    k = len(report.labels)
    by: dict[tuple[str, int | str], list[EfficiencyCell]] = defaultdict(list)
    order: list[str] = []
    for c in report.cells:
        label = row_label(c.model, c.init)
        if label not in order:
            order.append(label)
        by[(label, c.size)].append(c)
    sizes = tuple(s for s in report.grid["sizes"] if any(key[1] == s for key in by))

    def scores(cells: list[EfficiencyCell]) -> tuple[np.ndarray, np.ndarray]:
        cells = sorted(cells, key=lambda c: c.seed)
        preds = np.asarray([c.y_pred for c in cells])
        draws = per_seed_draws(report.y_true, preds, num_labels=k, n_resamples=n_resamples)
        return np.asarray([c.macro_f1 for c in cells]), draws

    points = []
    smallest: dict[str, int | str | None] = {}
    for label in order:
        full = by.get((label, ALL))
        full_scores = scores(full) if full else None
        row_points = []
        for size in sizes:
            cells = by.get((label, size))
            if not cells:
                continue
            per_seed, draws = scores(cells)
            vs, below = None, None
            if full_scores is not None and size != ALL:
                est = difference(per_seed, draws, *full_scores)
                vs = est.interval()
                below = vs.high < 0
            row_points.append(
                EfficiencyPoint(
                    label=label,
                    size=size,
                    rows=float(np.mean([c.rows for c in cells])),
                    seeds=tuple(sorted(c.seed for c in cells)),
                    macro_f1=seed_mean_interval(per_seed, draws),
                    vs_full=vs,
                    below_full=below,
                    train_s=float(np.mean([c.train_s for c in cells])),
                )
            )
        points.extend(row_points)
        smallest[label] = _smallest(row_points) if full_scores is not None else None
    return EfficiencySummary(tuple(order), sizes, tuple(points), smallest, n_resamples)


def _smallest(points: list[EfficiencyPoint]) -> int | str | None:
    """The smallest size from which on no size is significantly below the full data."""
    found: int | str | None = None
    for p in reversed(points):  # largest size (the full data) first
        if p.below_full:
            break
        found = p.size
    return found
