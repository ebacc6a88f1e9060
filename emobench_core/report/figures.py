"""Figures of the results report, drawn from a :class:`~emobench_core.study.records.Study`.

Object-oriented matplotlib only (``Figure`` + Agg canvas; no pyplot, no global backend state),
and PNGs saved without the ``Software`` entry, so re-rendering the same study gives
byte-identical files.

    emobench report bench.json --results runs/   # writes these PNGs beside RESULTS.md
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from emobench_core.study.records import AXIS_LABELS, CPU_PROBE_AXES, Study

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


def _new(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def _save(fig: Figure, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", metadata={"Software": None}, dpi=100)
    fig.clear()


def per_class_heatmap(study: Study, path: Path) -> None:
    """Models (rows, leaderboard order) x emotions, cells annotated with the mean F1."""
    labels = [s.label for s in study.summaries]
    data = np.array([[s.per_class_f1[e] for e in study.labels] for s in study.summaries])
    fig = _new(8, 1.2 + 0.45 * len(labels))
    ax = fig.add_subplot()
    image = ax.imshow(data, cmap="viridis", vmin=0, vmax=1, aspect="auto")
    ax.set_xticks(range(len(study.labels)), list(study.labels))
    ax.set_yticks(range(len(labels)), labels)
    for i, j in np.ndindex(data.shape):
        ax.text(
            j,
            i,
            f"{data[i, j]:.3f}",
            ha="center",
            va="center",
            color="black" if data[i, j] > 0.6 else "white",
            fontsize=8,
        )
    ax.set_title("Per-emotion F1 (mean over seeds)")
    fig.colorbar(image, ax=ax, label="F1")
    _save(fig, path)


def confusion_grid(study: Study, path: Path) -> None:
    """One row-normalised confusion matrix (summed over seeds) per model."""
    n = len(study.summaries)
    cols = min(3, n)
    rows = math.ceil(n / cols)
    fig = _new(4.2 * cols, 3.9 * rows)
    for k, s in enumerate(study.summaries):
        ax = fig.add_subplot(rows, cols, k + 1)
        cm = np.asarray(s.confusion, dtype=float)
        norm = np.divide(
            cm,
            cm.sum(axis=1, keepdims=True),
            out=np.zeros_like(cm),
            where=cm.sum(axis=1, keepdims=True) > 0,
        )
        ax.imshow(norm, cmap="Blues", vmin=0, vmax=1)
        for i, j in np.ndindex(norm.shape):
            ax.text(
                j,
                i,
                f"{norm[i, j]:.2f}",
                ha="center",
                va="center",
                fontsize=6,
                color="white" if norm[i, j] > 0.5 else "black",
            )
        ax.set_xticks(
            range(len(study.labels)), list(study.labels), rotation=45, ha="right", fontsize=7
        )
        ax.set_yticks(range(len(study.labels)), list(study.labels), fontsize=7)
        ax.set_title(s.label, fontsize=9)
        ax.set_xlabel("predicted", fontsize=7)
        ax.set_ylabel("true", fontsize=7)
    fig.suptitle("Confusion matrices, share of each true class")
    _save(fig, path)


def pareto_scatter(study: Study, axis: str, path: Path) -> None:
    """Macro-F1 against ``axis`` (log scale), one panel per device; front points joined."""
    fronts = [f for f in study.pareto if f.axis == axis]
    fig = _new(6.5 * len(fronts), 4.5)
    for k, front in enumerate(fronts):
        ax = fig.add_subplot(1, len(fronts), k + 1)
        on = sorted((c, f1, name) for name, c, f1 in front.points if name in front.front)
        off = [(c, f1, name) for name, c, f1 in front.points if name not in front.front]
        if on:
            ax.plot(
                [p[0] for p in on], [p[1] for p in on], "o-", color="tab:blue", label="Pareto front"
            )
        if off:
            ax.plot(
                [p[0] for p in off],
                [p[1] for p in off],
                "x",
                color="tab:gray",
                markersize=8,
                linestyle="none",
                label="dominated",
            )
        for c, f1, name in sorted(on + off):
            ax.annotate(name, (c, f1), textcoords="offset points", xytext=(4, 4), fontsize=7)
        ax.set_xscale("log")
        ax.margins(x=0.2, y=0.1)
        ax.set_xlabel(AXIS_LABELS[axis] + " (log scale)")
        ax.set_ylabel("macro-F1 (mean over seeds)")
        ax.set_title(f"{front.device}")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(loc="lower left", fontsize=7)
    fig.suptitle(f"Macro-F1 vs {AXIS_LABELS[axis]}")
    _save(fig, path)


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
