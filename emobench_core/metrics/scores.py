"""Scores of label arrays: accuracy and macro-F1 of one prediction, or of many resamples at once.

The checks every statistic shares (1-D integer label ids in ``[0, num_labels)``, the same number
of gold and predicted labels) and the vectorised scoring behind the bootstraps: one confusion
matrix per resample from a single ``bincount``. :mod:`emobench_core.metrics.stats` and
:mod:`emobench_core.metrics.significance` resample with these; the report calls them on saved
predictions:

    emobench report bench.json --results runs/
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np

Metric = Literal["accuracy", "macro_f1"] | Callable[[np.ndarray, np.ndarray], float]
"""A metric name, or a function ``f(y_true, y_pred) -> float`` on 1-D label arrays."""


def _labels(y: Any, name: str, num_labels: int) -> np.ndarray:
    arr = np.asarray(y)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(
            f"`{name}` must be a non-empty 1-D array of label ids (got shape "
            f"{arr.shape}); pass one integer label per test example"
        )
    if not np.issubdtype(arr.dtype, np.integer):
        raise ValueError(
            f"`{name}` has dtype {arr.dtype}; pass integer label ids "
            f"(e.g. np.asarray(logits).argmax(-1))"
        )
    low, high = int(arr.min()), int(arr.max())
    if low < 0 or high >= num_labels:
        raise ValueError(
            f"`{name}` has labels in [{low}, {high}], outside [0, {num_labels}); "
            + (f"pass num_labels={high + 1} or " if low >= 0 else "")
            + "fix the label mapping"
        )
    return arr.astype(np.int64, copy=False)


def check_pair(y_true: Any, y_pred: Any, num_labels: int) -> tuple[np.ndarray, np.ndarray]:
    """``y_true`` and ``y_pred`` as int64 arrays, checked to be label ids of one test set."""
    if num_labels < 1:
        raise ValueError(f"`num_labels` ({num_labels}) must be >= 1")
    t = _labels(y_true, "y_true", num_labels)
    p = _labels(y_pred, "y_pred", num_labels)
    if t.shape != p.shape:
        raise ValueError(
            f"`y_true` has {t.size} examples but `y_pred` has {p.size}; "
            "pass predictions for the same test examples, in the same order"
        )
    return t, p


def confusions(t: np.ndarray, p: np.ndarray, k: int) -> np.ndarray:
    """Confusion matrices ``(R, k, k)`` (true x predicted) for label batches of shape ``(R, n)``."""
    rows = t.shape[0]
    codes = (np.arange(rows, dtype=np.int64)[:, None] * k + t) * k + p
    return np.bincount(codes.ravel(), minlength=rows * k * k).reshape(rows, k, k)


def f1_per_class(cm: np.ndarray) -> np.ndarray:
    """Per-class F1 ``(R, k)``; 0 for a class never true nor predicted (``zero_division=0``)."""
    tp = np.diagonal(cm, axis1=1, axis2=2).astype(np.float64)
    denom = cm.sum(axis=2) + cm.sum(axis=1)  # true count + predicted count = 2tp + fp + fn
    return np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)


def macro_f1(y_true: Any, y_pred: Any, *, num_labels: int) -> float:
    """Macro-averaged F1 over the labels ``0 .. num_labels - 1``.

    Equal to ``sklearn.metrics.f1_score(average="macro", labels=range(num_labels),
    zero_division=0)``: a class absent from both ``y_true`` and ``y_pred`` counts as F1 0.

    Args:
        y_true: Gold label ids, shape ``(n,)``.
        y_pred: Predicted label ids, shape ``(n,)``.
        num_labels: Number of classes (6 for dair-ai/emotion).

    Returns:
        The macro-F1 in ``[0, 1]``.
    """
    t, p = check_pair(y_true, y_pred, num_labels)
    return float(f1_per_class(confusions(t[None], p[None], num_labels)).mean())


def accuracy(y_true: Any, y_pred: Any, *, num_labels: int) -> float:
    """Share of examples whose predicted label equals the gold label.

    Args:
        y_true: Gold label ids, shape ``(n,)``.
        y_pred: Predicted label ids, shape ``(n,)``.
        num_labels: Number of classes; used only to validate the label range.
    """
    t, p = check_pair(y_true, y_pred, num_labels)
    return float(np.mean(t == p))


def batched(metric: Metric, num_labels: int) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """A function scoring label batches ``(R, n)`` -> ``(R,)`` for ``metric``."""
    if metric == "accuracy":
        return lambda t, p: np.mean(t == p, axis=1)
    if metric == "macro_f1":
        return lambda t, p: f1_per_class(confusions(t, p, num_labels)).mean(axis=1)
    if callable(metric):
        return lambda t, p: np.array([float(metric(ti, pi)) for ti, pi in zip(t, p, strict=True)])
    raise ValueError(
        f"unknown metric {metric!r}; pass 'accuracy', 'macro_f1' or a function "
        "f(y_true, y_pred) -> float"
    )
