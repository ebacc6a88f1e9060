"""Figures of the data: the class distribution per split and the token-length histogram.

Object-oriented matplotlib (``Figure`` + Agg canvas, no pyplot), imported on use, and PNGs saved
without the ``Software`` entry, so the same counts give byte-identical files; the class chart is
drawn from plain counts, so ``emobench report --data-report`` redraws it from the saved JSON.

    emobench data --output out/data   # class_distribution.png, lengths.png
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any


def new_figure(width: float, height: float) -> Any:
    """An object-oriented figure on an Agg canvas (no pyplot state), constrained layout; the
    report's figures use it too."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=100, layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def save_png(fig: Any, path: Path, dpi: int = 120) -> None:
    """Write ``fig`` as a PNG without the ``Software`` entry (same figure, same bytes), then
    clear it."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, format="png", metadata={"Software": None}, dpi=dpi)
    fig.clear()


def plot_class_shares(classes: Mapping[str, Mapping[str, int]], path: Path) -> None:
    """Grouped bars: the share of each class within each split (splits differ in size).

    Args:
        classes: Split -> label -> rows, labels in the same (label-id) order in every split.
        path: The PNG to write.
    """
    import numpy as np

    splits = list(classes)
    labels = list(next(iter(classes.values())))
    fig = new_figure(8, 4)
    ax = fig.add_subplot()
    width = 0.8 / max(len(splits), 1)
    x = np.arange(len(labels))
    for i, split in enumerate(splits):
        total = sum(classes[split].values()) or 1
        shares = [100 * classes[split][label] / total for label in labels]
        ax.bar(x + (i - (len(splits) - 1) / 2) * width, shares, width, label=split)
    ax.set_xticks(x, labels)
    ax.set_ylabel("% of split")
    ax.set_title("Class distribution per split")
    ax.legend()
    save_png(fig, path)


def plot_lengths(lengths: Sequence[int], max_length: int, path: Path) -> None:
    """Histogram of train token lengths with the truncation point marked."""
    import numpy as np

    values = np.asarray(lengths, dtype=np.int64)
    fig = new_figure(8, 4)
    ax = fig.add_subplot()
    top = int(max(values.max(initial=0), max_length)) + 1
    step = -(-top // 80)  # integer-wide bins (at most ~80), so no bin holds an extra length
    ax.hist(values, bins=(np.arange(0, top + step, step) - 0.5).tolist())
    ax.axvline(max_length, color="tab:red", linestyle="--", label=f"max_length = {max_length}")
    ax.set_xlabel("WordPiece tokens (incl. special tokens)")
    ax.set_ylabel("texts (train)")
    ax.set_title("Token lengths, train split")
    ax.legend()
    save_png(fig, path)
