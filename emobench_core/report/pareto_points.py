"""What each Pareto panel of the report shows and how: which rows (current front, dominated,
stale), which sit off the axis, equal costs set side by side, the styles and the legend.
:func:`emobench_core.report.figures.pareto_scatter` draws them.

    emobench report bench.json --results runs/ --latency results/latency-cpu.json
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from matplotlib.lines import Line2D

from emobench_core.study.records import CPU_PROBE_AXES, ModelSummary, Study

Row = tuple[ModelSummary, float, str]
"""A row of a panel: its summary, its cost on the axis and its role (front, dominated, stale)."""

KD = " ← "
"""A distilled row's name is ``"<student> ← <teacher> (KD)"``; its twin is the row ``<student>``
with the same init and device."""
FAR_POINTS = 0.10
"""A row sits off the axis (noted in the title) when its macro-F1 is more than 3 IQR below the
lower quartile of the panel and more than this far (0.10 = 10 points) below its median."""


def outliers(f1: Sequence[float]) -> set[int]:
    """Indices of the far-out low macro-F1 values (:data:`FAR_POINTS`); none below 4 rows."""
    if len(f1) < 4:
        return set()
    q1, median, q3 = np.percentile(f1, [25, 50, 75])
    fence = min(q1 - 3 * (q3 - q1), median - FAR_POINTS)
    return {i for i, v in enumerate(f1) if v < fence}


def panels(study: Study, axis: str) -> list[tuple[str, list[Row]]]:
    """Per panel (device): ``(summary, cost, role)``; role: front, dominated or stale."""
    current = {s.label: s for s in study.summaries}
    probe = axis in CPU_PROBE_AXES
    panels: dict[str, list[Row]] = {}
    for front in study.pareto:
        if front.axis == axis:
            # a log axis cannot show a cost of 0 (a model kind without parameters)
            panels[front.device] = [
                (current[n], c, "front" if n in front.front else "dominated")
                for n, c, _ in front.points
                if c > 0
            ]
    for s in study.stale:
        cost = getattr(s, axis)
        if cost is not None and math.isfinite(cost) and cost > 0:
            panels.setdefault("cpu" if probe else s.device, []).append((s, float(cost), "stale"))
    return sorted((device, rows) for device, rows in panels.items() if rows)


DODGE = 0.035
"""Rows of one panel with the same cost (one architecture's probe latency, one parameter count)
are drawn this many decades apart, so their points and error bars do not hide each other."""


def dodge(
    rows: list[Row],
) -> tuple[list[Row], bool]:
    """``rows`` with equal costs spread sideways (best macro-F1 leftmost); whether any was."""
    groups: dict[float, list[int]] = {}
    for i, (_, cost, _) in enumerate(rows):
        groups.setdefault(cost, []).append(i)
    out = list(rows)
    for members in groups.values():
        members.sort(key=lambda i: (-rows[i][0].macro_f1_mean, rows[i][0].label))
        for j, i in enumerate(members):
            s, cost, role = rows[i]
            out[i] = (s, cost * 10 ** (DODGE * (j - (len(members) - 1) / 2)), role)
    return out, any(len(m) > 1 for m in groups.values())


LINK: dict[str, Any] = dict(
    arrowstyle="-|>",
    mutation_scale=9,
    color="tab:green",
    linestyle=":",
    lw=1.1,
    shrinkA=4,
    shrinkB=4,
    zorder=4,
)
"""The arrow from a non-distilled row to its distilled twin."""


def legend_handles() -> list[Any]:
    """One entry per kind of mark the panels draw."""
    return [
        Line2D([], [], linestyle="-", label="Pareto front", **STYLE["front"]),
        Line2D([], [], linestyle="none", label="dominated", **STYLE["dominated"]),
        Line2D([], [], linestyle="none", label="stale (not ranked)", **STYLE["stale"]),
        Line2D([], [], color="0.5", marker="|", ms=10, linestyle="none", label="95% interval"),
        Line2D([], [], color="tab:green", linestyle=":", label="twin → distilled (KD)"),
    ]


def short_label(label: str, device: str, axis: str) -> str:
    """``label`` without its ``" [device]"`` suffix in a per-device panel of that device."""
    return label if axis in CPU_PROBE_AXES else label.removesuffix(f" [{device}]")


STYLE: dict[str, dict[str, Any]] = {
    "front": dict(color="tab:blue", marker="o", mfc="tab:blue", ms=6),
    "dominated": dict(color="0.35", marker="o", mfc="0.35", ms=5),
    "stale": dict(color="tab:orange", marker="o", mfc="white", ms=5),
}
