"""Direct labels for the points of a scatter, placed so that no two overlap.

Each label goes to the best spot on rings of offsets around its point, joined to the point by a
thin leader line when it sits away from it. A spot must keep the label inside the axes and clear
of the labels already placed and of every point's marker; among those, nearer is better, and
crossing error bars or sitting nearer another point than its own (which would read as that
point's label) costs extra. Deterministic (a greedy pass in the order given, no
randomness), so the same study gives the same PNG. Positions are computed in display space, so
the figure's layout is frozen first (:func:`freeze_layout`).

    emobench report bench.json --results runs/   # the Pareto figures label their points so
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.text import Annotation
from matplotlib.transforms import Bbox

RADII_PX: tuple[float, ...] = (3, 9, 16, 25, 36, 50, 66, 84, 104)
"""Distances from the point (pixels) tried for a label."""
ANGLES_DEG: tuple[float, ...] = (20, -20, 160, -160, 60, -60, 120, -120, 90, -90, 0, 180)
"""Directions tried on each ring (degrees; ties go to the earlier, so right before left)."""
MARKER_PX = 5.0
"""Half-width of the box kept clear around every point's marker."""
PAD_PX = 2.0
AMBIGUOUS_PX = 15.0
"""A label less than this much further from its point than from another point is ambiguous."""
LEADER_FROM_PX = 12.0
"""Labels further than this from their point get a leader line."""


@dataclass(frozen=True)
class Point:
    """One point to label: data coordinates, the text, its colour / style, and the ends of its
    vertical error bar (``None``: no bar)."""

    x: float
    y: float
    text: str
    color: str = "black"
    style: str = "normal"
    low: float | None = None
    high: float | None = None


def freeze_layout(fig: Figure) -> None:
    """Draw ``fig`` once (the layout engine places the axes), then keep those positions."""
    fig.canvas.draw()
    fig.set_layout_engine("none")


def _box(x0: float, y0: float, w: float, h: float, pad: float = 0.0) -> Bbox:
    return Bbox.from_bounds(x0 - pad, y0 - pad, w + 2 * pad, h + 2 * pad)


def _spot(px: float, py: float, r: float, angle: float, w: float, h: float) -> Bbox:
    """The box of a ``w`` x ``h`` label whose near side sits ``r`` pixels from the point."""
    c, s = math.cos(math.radians(angle)), math.sin(math.radians(angle))
    ax_, ay = px + r * c, py + r * s
    x0 = ax_ if c > 0.3 else ax_ - w if c < -0.3 else ax_ - w / 2
    y0 = ay if s > 0.3 else ay - h if s < -0.3 else ay - h / 2
    return _box(x0, y0, w, h)


def _overlap(a: Bbox, others: Sequence[Bbox]) -> float:
    total = 0.0
    for b in others:
        w = min(a.x1, b.x1) - max(a.x0, b.x0)
        h = min(a.y1, b.y1) - max(a.y0, b.y0)
        if w > 0 and h > 0:
            total += w * h
    return total


def _gap(a: Bbox, b: Bbox) -> float:
    """Distance between two boxes (0 when they touch or overlap)."""
    dx = max(b.x0 - a.x1, a.x0 - b.x1, 0.0)
    dy = max(b.y0 - a.y1, a.y0 - b.y1, 0.0)
    return math.hypot(dx, dy)


def place_labels(
    ax: Axes,
    points: Sequence[Point],
    *,
    fontsize: float = 7,
) -> list[Annotation]:
    """Annotate ``points`` on ``ax`` (layout frozen) without overlapping labels.

    Args:
        ax: The axes, with its limits final.
        points: What to label, in the order to place them (most important first).
        fontsize: Of the labels.

    Returns:
        The annotations, in the order of ``points``.
    """
    fig = ax.figure
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    frame = ax.get_window_extent(renderer)
    inside = Bbox.from_extents(
        frame.x0 + PAD_PX, frame.y0 + PAD_PX, frame.x1 - PAD_PX, frame.y1 - PAD_PX
    )
    to_px = ax.transData.transform
    markers = []
    for p in points:
        mx, my = to_px((p.x, p.y))
        markers.append(_box(mx - MARKER_PX, my - MARKER_PX, 2 * MARKER_PX, 2 * MARKER_PX))
    segments = {}  # point index -> its error bar's box
    for i, p in enumerate(points):
        if p.low is not None and p.high is not None:
            (bx, by0), (_, by1) = to_px((p.x, p.low)), to_px((p.x, p.high))
            segments[i] = Bbox.from_extents(bx - 1.5, min(by0, by1), bx + 1.5, max(by0, by1))
    placed: list[Bbox] = []
    out = []
    points_per_px = 72.0 / fig.dpi
    for k, p in enumerate(points):
        probe = ax.annotate(p.text, (p.x, p.y), fontsize=fontsize, ha="center", va="center")
        extent = probe.get_window_extent(renderer)
        probe.remove()
        px, py = to_px((p.x, p.y))
        others = [m for i, m in enumerate(markers) if i != k]
        bars = [b for i, b in segments.items() if i != k]  # its own bar may run under it
        best: tuple[float, float, Bbox] | None = None
        for r in RADII_PX:
            for angle in ANGLES_DEG:
                box = _spot(px, py, r, angle, extent.width, extent.height)
                if not inside.contains(box.x0, box.y0) or not inside.contains(box.x1, box.y1):
                    continue
                padded = _box(box.x0, box.y0, box.width, box.height, PAD_PX)
                hard = _overlap(padded, placed) + _overlap(padded, markers)
                # a label nearer another point than its own reads as that point's label
                near = min((_gap(box, m) for m in others), default=math.inf)
                ambiguous = near < _gap(box, markers[k]) + AMBIGUOUS_PX
                cost = hard * 1e6 + _overlap(padded, bars) + 2 * r + 200 * ambiguous
                if best is None or cost < best[0]:
                    best = (cost, r, box)
        if best is None:  # nothing fits inside the axes: keep it beside the point
            best = (0.0, RADII_PX[0], _spot(px, py, RADII_PX[0], 0, extent.width, extent.height))
        _, r, box = best
        cx, cy = (box.x0 + box.x1) / 2, (box.y0 + box.y1) / 2
        leader = r >= LEADER_FROM_PX
        ann = ax.annotate(
            p.text,
            (p.x, p.y),
            xytext=((cx - px) * points_per_px, (cy - py) * points_per_px),
            textcoords="offset points",
            ha="center",
            va="center",
            fontsize=fontsize,
            color=p.color,
            fontstyle=p.style,
            arrowprops=(
                dict(arrowstyle="-", color="0.55", lw=0.6, shrinkA=0, shrinkB=4) if leader else None
            ),
        )
        placed.append(box)
        out.append(ann)
    return out
