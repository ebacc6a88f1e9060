"""Pareto fronts of quality (mean macro-F1) against each cost: latency, parameters and training
memory per device, then CPU latency and inference memory from the CPU latency probe.

    emobench report bench.json --results runs/ --latency results/latency-cpu.json
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from emobench_core.metrics.ranking import pareto_front
from emobench_core.study.records import CPU_PROBE_AXES, PARETO_AXES, ModelSummary, ParetoFront


def pareto_fronts(summaries: Sequence[ModelSummary]) -> list[ParetoFront]:
    """Fronts of macro-F1 against each axis of :data:`PARETO_AXES`, per device, then against
    each axis of :data:`CPU_PROBE_AXES` over all rows with a (positive) probe value."""
    out = []
    for axis in PARETO_AXES:
        for device in sorted({s.device for s in summaries}):
            points = tuple(
                (s.label, float(getattr(s, axis)), s.macro_f1_mean)
                for s in summaries
                if s.device == device and math.isfinite(float(getattr(s, axis)))
            )
            out.append(ParetoFront(axis, device, points, frozenset(pareto_front(points))))
    for axis in CPU_PROBE_AXES:
        values = [(s, getattr(s, axis)) for s in summaries]
        points = tuple(
            (s.label, float(v), s.macro_f1_mean)
            for s, v in values
            if v is not None and math.isfinite(v) and v > 0
        )
        if points:
            out.append(ParetoFront(axis, "cpu", points, frozenset(pareto_front(points))))
    return out
