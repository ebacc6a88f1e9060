"""Per emotion: each model's F1 drop from the best model, the hardest emotions across models,
each model's most frequent confusions, and whether the hardest emotions are the ones whose rows
most often sit in texts with conflicting labels (from a data report).

    emobench report bench.json --results runs/   # the Per emotion section
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from emobench_core.schema.data_report import LabelConflicts
from emobench_core.study.records import ConfusionPair, ModelSummary


def per_class_drop(summaries: Sequence[ModelSummary]) -> dict[str, dict[str, float]]:
    """Label -> emotion -> F1 of the best (first) summary minus F1 of this one."""
    best = summaries[0]
    return {
        s.label: {e: best.per_class_f1[e] - s.per_class_f1[e] for e in best.labels}
        for s in summaries
    }


def hardest_emotions(summaries: Sequence[ModelSummary]) -> tuple[tuple[str, float], ...]:
    """Emotions with their mean F1 across ``summaries``, hardest first (ties by name)."""
    mean_f1 = {
        e: float(np.mean([s.per_class_f1[e] for s in summaries])) for e in summaries[0].labels
    }
    return tuple(sorted(mean_f1.items(), key=lambda kv: (kv[1], kv[0])))


def confusion_pairs(s: ModelSummary, top: int = 3) -> tuple[ConfusionPair, ...]:
    """The ``top`` off-diagonal cells by share of the true class (ties in label order)."""
    cm = np.asarray(s.confusion)
    totals = cm.sum(axis=1)
    labels = s.labels
    cells = [
        ConfusionPair(labels[i], labels[j], int(cm[i, j]), float(cm[i, j] / totals[i]))
        for i in range(len(labels))
        for j in range(len(labels))
        if i != j and totals[i] > 0 and cm[i, j] > 0
    ]
    return tuple(sorted(cells, key=lambda c: -c.share)[:top])


def most_conflicted(
    conflicts: Sequence[LabelConflicts], emotions: Sequence[str]
) -> tuple[LabelConflicts, ...]:
    """Of ``emotions``, their conflict records by share of rows in a conflicting text, largest
    first (ties by name); an emotion the data report lacks is left out."""
    known = {c.label: c for c in conflicts}
    picked = [known[e] for e in emotions if e in known]
    return tuple(sorted(picked, key=lambda c: (-c.share, c.label)))
