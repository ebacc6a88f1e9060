"""Pareto fronts of quality (mean macro-F1) against each cost: latency, parameters and training
memory per device, then CPU latency and inference memory from the CPU latency probe.

Costs are one figure per architecture, so two rows of one network (a distilled student and the
same student trained alone) never separate on timing noise: the probe's figure, the parameter
count, and on the per-device axes the median latency and the largest training peak of the
architecture's rows (a training peak measured after a larger model in the same process is only
a lower bound). A row off a front that no row dominating it beats in the architecture test
(seeds as the unit, Holm-adjusted) is marked tied: the tests cannot separate it from the front.

    emobench report bench.json --results runs/ --latency results/latency-cpu.json
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Sequence

import numpy as np

from emobench_core.metrics.ranking import pareto_front
from emobench_core.study.records import (
    ALPHA,
    CPU_PROBE_AXES,
    PARETO_AXES,
    Comparison,
    ModelSummary,
    ParetoFront,
)
from emobench_core.study.staleness import architecture

_POOL: dict[str, Callable[[list[float]], float]] = {
    "latency_p50_ms": lambda values: float(np.median(values)),
    "peak_memory_mb": max,
}
"""How the per-run axes pool the rows of one architecture and device into one figure."""


def _costs(summaries: Sequence[ModelSummary], axis: str) -> dict[str, float]:
    """Label -> the architecture's cost on ``axis`` (per device for the per-run axes)."""
    pool = _POOL.get(axis)
    if pool is None:
        return {s.label: float(getattr(s, axis)) for s in summaries}
    groups: dict[tuple[str, str], list[float]] = defaultdict(list)
    for s in summaries:
        groups[(architecture(s.name), s.device)].append(float(getattr(s, axis)))
    return {s.label: float(pool(groups[(architecture(s.name), s.device)])) for s in summaries}


def _tied(
    points: tuple[tuple[str, float, float], ...], front: set[str], holm: dict[frozenset[str], float]
) -> frozenset[str]:
    """Rows off the front that no row dominating them beats significantly."""
    out = set()
    for name, cost, score in points:
        if name in front:
            continue
        over = [n for n, c, f in points if c <= cost and f >= score and (c < cost or f > score)]
        if all(holm.get(frozenset((name, n)), 0.0) >= ALPHA for n in over):
            out.add(name)
    return frozenset(out)


def pareto_fronts(
    summaries: Sequence[ModelSummary], comparisons: Sequence[Comparison] = ()
) -> list[ParetoFront]:
    """Fronts of macro-F1 against each axis of :data:`PARETO_AXES`, per device, then against
    each axis of :data:`CPU_PROBE_AXES` over all rows with a (positive) probe value; with
    ``comparisons``, each front's tied rows (:func:`_tied`)."""
    holm = {
        frozenset((c.a, c.b)): c.architecture_holm
        for c in comparisons
        if c.architecture is not None
    }
    out = []
    for axis in PARETO_AXES:
        costs = _costs(summaries, axis)
        for device in sorted({s.device for s in summaries}):
            points = tuple(
                (s.label, costs[s.label], s.macro_f1_mean)
                for s in summaries
                if s.device == device and math.isfinite(costs[s.label])
            )
            front = pareto_front(points)
            out.append(
                ParetoFront(axis, device, points, frozenset(front), _tied(points, front, holm))
            )
    for axis in CPU_PROBE_AXES:
        values = [(s, getattr(s, axis)) for s in summaries]
        points = tuple(
            (s.label, float(v), s.macro_f1_mean)
            for s, v in values
            if v is not None and math.isfinite(v) and v > 0
        )
        if points:
            front = pareto_front(points)
            out.append(
                ParetoFront(axis, "cpu", points, frozenset(front), _tied(points, front, holm))
            )
    return out
