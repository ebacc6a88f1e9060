"""Figures of the results report, drawn from a :class:`~emobench_core.study.records.Study`.

Object-oriented matplotlib only (``Figure`` + Agg canvas, :func:`new_figure`; no pyplot, no
global backend state), and PNGs saved without the ``Software`` entry (:func:`save_png`), so
re-rendering the same study gives byte-identical files; the data report's figures
(:mod:`~emobench_core.report.data_report`) are drawn the same way.

    emobench report bench.json --results runs/   # writes these PNGs beside RESULTS.md
"""

from __future__ import annotations

import math
import textwrap
from collections.abc import Collection, Sequence
from pathlib import Path

import numpy as np
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import FancyArrowPatch
from matplotlib.ticker import FuncFormatter, LogLocator, NullFormatter

from emobench_core.report.labels import Point, freeze_layout, place_labels
from emobench_core.report.machines import device_machines, probe_machine
from emobench_core.report.pareto_points import (
    KD,
    LINK,
    STYLE,
    Row,
    dodge,
    legend_handles,
    outliers,
    panels,
    short_label,
)
from emobench_core.study.records import AXIS_LABELS, CPU_PROBE_AXES, ModelSummary, Study

FILES = {
    "per_class_f1": "results_per_class_f1.png",
    "confusion": "results_confusion.png",
    "pareto_latency_p50_ms": "results_pareto_latency.png",
    "pareto_params_total": "results_pareto_params.png",
}
"""Figure key -> file name, written into the figures folder."""

CPU_FILES = {
    "pareto_cpu_latency_p50_ms": "results_pareto_cpu_latency.png",
    "pareto_cpu_inference_mb": "results_pareto_cpu_memory.png",
}
"""Figures of the CPU-probe fronts, written only when the study has them (``--latency``)."""


def new_figure(width: float, height: float) -> Figure:
    """An object-oriented figure on an Agg canvas (no pyplot state), constrained layout."""
    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Figure, path: Path, dpi: int = 120) -> None:
    """Write ``fig`` as a PNG without the ``Software`` entry (same figure, same bytes), then
    clear it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", metadata={"Software": None}, dpi=dpi)
    fig.clear()


def _save(fig: Figure, path: Path) -> None:
    save_png(fig, path, dpi=100)


def f1_range(values: Sequence[float]) -> tuple[float, float]:
    """The colour scale of the per-class F1 heatmaps: the data's range, lowest to highest, so
    the scale shows the differences the rows have rather than all of 0-1 (where every cell of a
    usable model looks alike)."""
    lo, hi = min(values), max(values)
    return (lo, hi) if hi > lo else (lo - 0.01, hi + 0.01)


def ink(share: float) -> str:
    """Text colour readable on viridis at ``share`` (0-1) of the scale."""
    return "black" if share > 0.55 else "white"


def per_class_heatmap(study: Study, path: Path) -> None:
    """Models (rows, leaderboard order) x classes, cells annotated with the mean F1, coloured
    over the data's range (:func:`f1_range`)."""
    labels = [s.label for s in study.summaries]
    data = np.array([[s.per_class_f1[e] for e in study.labels] for s in study.summaries])
    lo, hi = f1_range(data.ravel().tolist())
    fig = new_figure(8, 1.2 + 0.45 * len(labels))
    ax = fig.add_subplot()
    image = ax.imshow(data, cmap="viridis", vmin=lo, vmax=hi, aspect="auto")
    ax.set_xticks(range(len(study.labels)), list(study.labels))
    ax.set_yticks(range(len(labels)), labels)
    for i, j in np.ndindex(data.shape):
        share = float((data[i, j] - lo) / (hi - lo))
        ax.text(j, i, f"{data[i, j]:.3f}", ha="center", va="center", color=ink(share), fontsize=8)
    ax.set_title(f"Per-{study.class_noun} F1 (mean over seeds; colours span the data's range)")
    fig.colorbar(image, ax=ax, label="F1")
    _save(fig, path)


def grid_rows(n: int, most: int = 4) -> list[int]:
    """Panels per row of a grid of ``n``: about square, at most ``most`` a row, the rows as even
    as can be (longer first; :func:`confusion_grid` centres a shorter one, so no place stays
    empty): 4 panels are 2 + 2, 5 are 3 + 2, 7 are 3 + 2 + 2, 10 are 4 + 3 + 3 (``most=3``:
    3 + 3 + 2 + 2)."""
    if most < 1:
        raise ValueError(f"`most` must be at least 1 (got {most})")
    if n <= min(3, most):
        return [n] if n else []
    rows = max(round(math.sqrt(n)), -(-n // most))
    base, extra = divmod(n, rows)
    return [base + 1] * extra + [base] * (rows - extra)


def confusion_panel(ax: Axes, study: Study, s: ModelSummary, fontsize: float = 7) -> None:
    """``s``'s row-normalised confusion matrix (summed over seeds) on ``ax``."""
    cm = np.asarray(s.confusion, dtype=float)
    norm = np.divide(
        cm,
        cm.sum(axis=1, keepdims=True),
        out=np.zeros_like(cm),
        where=cm.sum(axis=1, keepdims=True) > 0,
    )
    edges = np.arange(len(norm) + 1) - 0.5  # vector cells (the page's SVG has no raster)
    ax.pcolormesh(edges, edges, norm, cmap="Blues", vmin=0, vmax=1)
    ax.set_xlim(edges[0], edges[-1])
    ax.set_ylim(edges[-1], edges[0])  # the first class on top, as a matrix reads
    ax.set_aspect("equal")
    for i, j in np.ndindex(norm.shape):
        colour = "white" if norm[i, j] > 0.5 else "black"
        ax.text(
            j, i, f"{norm[i, j]:.2f}", ha="center", va="center", fontsize=fontsize, color=colour
        )
    names = list(study.labels)
    ax.set_xticks(range(len(names)), names, rotation=45, ha="right", fontsize=fontsize)
    ax.set_yticks(range(len(names)), names, fontsize=fontsize)
    ax.set_title(textwrap.fill(s.label, 44), fontsize=fontsize + 1.5)
    ax.set_xlabel("predicted", fontsize=fontsize)
    ax.set_ylabel("true", fontsize=fontsize)


def confusion_grid(study: Study, path: Path) -> None:
    """One row-normalised confusion matrix (summed over seeds) per model, in rows of
    :func:`grid_rows` (a shorter last row centred: no empty place in the grid)."""
    rows = grid_rows(len(study.summaries))
    cols = max(rows)
    fig = new_figure(4.2 * cols, 3.9 * len(rows))
    grid = fig.add_gridspec(len(rows), 2 * cols)
    done = 0
    for r, count in enumerate(rows):
        start = cols - count  # in half places: a shorter row is centred
        for j in range(count):
            ax = fig.add_subplot(grid[r, start + 2 * j : start + 2 * j + 2])
            confusion_panel(ax, study, study.summaries[done])
            done += 1
    fig.suptitle("Confusion matrices, share of each true class")
    _save(fig, path)


CONFUSION_INCHES = 3.5
"""The side of one model's confusion matrix on the page (:func:`confusion_figure`)."""


def confusion_figure(study: Study, s: ModelSummary) -> Figure:
    """``s``'s confusion matrix alone (the page lays one per model out in the page's width)."""
    fig = new_figure(CONFUSION_INCHES, CONFUSION_INCHES)
    confusion_panel(fig.add_subplot(), study, s, fontsize=7.5)
    return fig


def _tick(value: float, _pos: object = None) -> str:
    """A cost tick: ``0.5``, ``20``, ``4M``, ``200k``."""
    for scale, unit in ((1e6, "M"), (1e3, "k")):
        if value >= scale:
            return f"{value / scale:g}{unit}"
    return f"{value:g}"


def _measured_on(study: Study, axis: str, device: str, rows: Sequence[ModelSummary]) -> str:
    """``"\nmeasured on <machine>"`` for a latency or memory panel (which CPU or GPU timed it)."""
    if axis in CPU_PROBE_AXES:
        machine = probe_machine(study)
    elif axis in ("latency_p50_ms", "peak_memory_mb"):
        machine = device_machines(rows).get(device)
    else:
        return ""
    return f"\nmeasured on {machine}" if machine else ""


REACH = 0.05
"""Intervals show at least this far (5 macro-F1 points) beyond the means on the F1 axis."""


def _f1_range(shown: list[Row]) -> tuple[float, float]:
    """The macro-F1 axis: every shown mean, and the current rows' intervals as far as one span
    of the means (at least :data:`REACH`) beyond them: a wider one runs off the axis rather
    than squash the rest."""
    means = [s.macro_f1_mean for s, _, _ in shown]
    lo, hi = min(means), max(means)
    reach = max(hi - lo, REACH)
    current = [s.macro_f1_ci for s, _, r in shown if r != "stale"]
    lo = max(min([lo, *(ci.low for ci in current)]), lo - reach)
    hi = min(max([hi, *(ci.high for ci in current)]), hi + reach)
    pad = max(0.06 * (hi - lo), 0.01)  # one row alone still gets an axis
    return lo - pad, hi + pad


XPAD = 2.2
"""The cost axis shows this factor beyond the cheapest and dearest row (room for labels)."""


def pareto_scatter(study: Study, axis: str, path: Path) -> None:
    """:func:`pareto_figure` of every device, written to ``path``."""
    _save(pareto_figure(study, axis), path)


def pareto_figure(study: Study, axis: str, devices: Collection[str] | None = None) -> Figure:
    """Macro-F1 (mean, 95% interval as an error bar) against ``axis`` (log scale), one panel
    per device: the front joined, dominated rows grey, stale rows hollow orange (not ranked),
    each distilled row linked to its non-distilled twin; labels placed without overlaps; a
    far-out row (:data:`FAR_POINTS`) noted in the panel title instead of squashing the axis.
    ``devices``: only these devices' panels (the page draws one figure per panel)."""
    shown_panels = [(d, rows) for d, rows in panels(study, axis) if devices is None or d in devices]
    fig = new_figure(max(6.8 * len(shown_panels), 8.5), 5.4)
    jobs = []
    for k, (device, rows) in enumerate(shown_panels):
        ax = fig.add_subplot(1, len(shown_panels), k + 1)
        far = outliers([s.macro_f1_mean for s, _, _ in rows])
        shown, dodged = dodge([row for i, row in enumerate(rows) if i not in far])
        for role, style in STYLE.items():
            pts = sorted(
                ((c, s) for s, c, r in shown if r == role), key=lambda p: (p[0], p[1].label)
            )
            if not pts:
                continue
            xs, ys = [c for c, _ in pts], [s.macro_f1_mean for _, s in pts]
            low = [s.macro_f1_mean - s.macro_f1_ci.low for _, s in pts]
            high = [s.macro_f1_ci.high - s.macro_f1_mean for _, s in pts]
            ax.errorbar(
                xs,
                ys,
                yerr=[low, high],
                fmt="none",
                ecolor=style["color"],
                alpha=0.45,
                elinewidth=1,
                capsize=2,
                zorder=2,
            )
            ax.plot(xs, ys, linestyle="-" if role == "front" else "none", zorder=3, **style)
        at = {(s.name, s.init, s.device): (c, s.macro_f1_mean) for s, c, _ in shown}
        for s, c, _ in shown:
            twin = at.get((s.name.split(KD)[0], s.init, s.device)) if KD in s.name else None
            if twin is not None:
                ax.add_patch(FancyArrowPatch(twin, (c, s.macro_f1_mean), **LINK))
        costs = [c for _, c, _ in shown]
        ax.set_xscale("log")
        ax.set_xlim(min(costs) / XPAD, max(costs) * XPAD)
        ax.set_ylim(*_f1_range(shown))
        ax.set_xlabel(
            AXIS_LABELS[axis]
            + " (log scale"
            + ("; equal costs set side by side)" if dodged else ")")
        )
        ax.set_ylabel("macro-F1 (mean over seeds, 95% interval)")
        notes = [
            f"{s.label}{' (stale)' if r == 'stale' else ''}: {s.macro_f1_mean:.3f}"
            for i, (s, _, r) in enumerate(rows)
            if i in far
        ]
        title = device if not all(r == "stale" for *_, r in rows) else f"{device}: stale rows only"
        title += _measured_on(study, axis, device, [s for s, _, _ in rows])
        if notes:
            title += "\nbelow the axis: " + "; ".join(notes)
        ax.set_title(title, fontsize=9)
        ax.grid(True, which="both", alpha=0.3)
        ax.xaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
        ax.xaxis.set_major_formatter(FuncFormatter(_tick))
        ax.xaxis.set_minor_formatter(NullFormatter())
        jobs.append((ax, device, shown))
    fig.suptitle(f"Macro-F1 vs {AXIS_LABELS[axis]}")
    fig.legend(
        handles=legend_handles(), loc="outside lower center", ncols=5, fontsize=7, frameon=False
    )
    freeze_layout(fig)
    for ax, device, shown in jobs:
        order = sorted(shown, key=lambda row: (row[2] == "stale", -row[0].macro_f1_mean))
        place_labels(
            ax,
            [
                Point(
                    c,
                    s.macro_f1_mean,
                    short_label(s.label, device, axis),
                    "tab:orange" if r == "stale" else "black",
                    "italic" if r == "stale" else "normal",
                    s.macro_f1_ci.low,
                    s.macro_f1_ci.high,
                )
                for s, c, r in order
            ],
        )
    return fig


def render_figures(study: Study, figures_dir: Path) -> dict[str, Path]:
    """Write every figure of :data:`FILES` (and of :data:`CPU_FILES` for the CPU-probe fronts
    the study has) into ``figures_dir``; return key -> path."""
    figures_dir = Path(figures_dir)
    paths = {key: figures_dir / name for key, name in FILES.items()}
    per_class_heatmap(study, paths["per_class_f1"])
    confusion_grid(study, paths["confusion"])
    for axis in ("latency_p50_ms", "params_total"):
        pareto_scatter(study, axis, paths[f"pareto_{axis}"])
    for axis in CPU_PROBE_AXES:
        if any(f.axis == axis for f in study.pareto):
            paths[f"pareto_{axis}"] = figures_dir / CPU_FILES[f"pareto_{axis}"]
            pareto_scatter(study, axis, paths[f"pareto_{axis}"])
    return paths
