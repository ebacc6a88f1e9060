"""Test-split metrics from predictions, with scikit-learn.

Every figure here is a function of ``(y_true, y_pred)`` alone, and both are saved in each
result, so any metric can be recomputed from the results JSON.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from sklearn.metrics import (
    accuracy_score,
    confusion_matrix,
    f1_score,
    precision_recall_fscore_support,
)

from emobench_core.schema.records import ClassMetrics, Metrics


def compute_metrics(y_true: Sequence[int], y_pred: Sequence[int], labels: Sequence[str]) -> Metrics:
    """All test metrics for label ids ``y_true`` / ``y_pred`` (``0 .. len(labels)-1``), per
    class named by ``labels`` (the data's class names, in label-id order)."""
    yt, yp = np.asarray(y_true), np.asarray(y_pred)
    if yt.shape != yp.shape or yt.ndim != 1 or len(yt) == 0:
        raise ValueError(
            f"y_true and y_pred must be equal-length, non-empty 1-D sequences "
            f"(got shapes {yt.shape} and {yp.shape})"
        )
    ids = list(range(len(labels)))
    outside = sorted({v.item() for v in np.concatenate([yt, yp]) if v not in ids})
    if outside:  # sklearn would silently leave them out of the per-class figures
        raise ValueError(
            f"label ids {outside} are outside 0..{len(labels) - 1} ({', '.join(labels)})"
        )
    p, r, f, s = precision_recall_fscore_support(yt, yp, labels=ids, zero_division=0)
    mp, mr, mf, _ = precision_recall_fscore_support(
        yt, yp, labels=ids, average="macro", zero_division=0
    )
    return Metrics(
        accuracy=float(accuracy_score(yt, yp)),
        macro_precision=float(mp),
        macro_recall=float(mr),
        macro_f1=float(mf),
        weighted_f1=float(f1_score(yt, yp, labels=ids, average="weighted", zero_division=0)),
        per_class={
            name: ClassMetrics(float(p[i]), float(r[i]), float(f[i]), int(s[i]))
            for i, name in enumerate(labels)
        },
        confusion_matrix=confusion_matrix(yt, yp, labels=ids).tolist(),
        n=len(yt),
    )
