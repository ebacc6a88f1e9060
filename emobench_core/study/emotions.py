"""Per emotion: each model's F1 drop from the best model, the hardest emotions across models,
each model's most frequent confusions, and whether the hardest emotions are the ones whose rows
most often sit in texts with conflicting labels (from a data report).

    emobench report bench.json --results runs/   # the Per emotion section
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from emobench_core.metrics.ranking import holm
from emobench_core.metrics.seeds import SeedEstimate, Term, combine, resampled_sums
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


def _testable(summaries: Sequence[ModelSummary]) -> bool:
    draws = [s.per_class_draws for s in summaries]
    return all(d is not None for d in draws) and len({len(d) for d in draws}) == 1


def class_means(summaries: Sequence[ModelSummary]) -> dict[str, SeedEstimate] | None:
    """Each class's F1, mean over ``summaries`` of their seed means, with its variance over
    seeds and test examples (``None``: the summaries hold no draws)."""
    if not summaries or not _testable(summaries):
        return None
    w = 1 / len(summaries)
    return {
        e: combine(
            [(w, s.per_seed_scores[e], np.asarray(s.per_class_draws)[:, :, i]) for s in summaries]
        )
        for i, e in enumerate(summaries[0].labels)
    }


def class_gap(summaries: Sequence[ModelSummary], e: str, f: str) -> SeedEstimate:
    """F1(e) − F1(f), mean over ``summaries``, seeds as the unit (per-seed differences)."""
    w, i, j = 1 / len(summaries), summaries[0].labels.index(e), summaries[0].labels.index(f)
    terms = []
    for s in summaries:
        d = np.asarray(s.per_class_draws)
        per_seed = np.subtract(s.per_seed_scores[e], s.per_seed_scores[f])
        terms.append((w, per_seed, d[:, :, i] - d[:, :, j]))
    return combine(terms)


def extreme_classes(
    summaries: Sequence[ModelSummary], which: str = "hardest", alpha: float = 0.05
) -> tuple[tuple[str, ...], dict[str, float]] | None:
    """The hardest (lowest mean F1) or easiest class and every class the test cannot separate
    from it: ``(tied set, class -> Holm-adjusted p against the extreme one)``; ``None`` without
    draws. Holm over the ``K - 1`` comparisons with the extreme class."""
    means = class_means(summaries)
    if means is None:
        return None
    ordered = sorted(means, key=lambda e: (means[e].estimate, e))
    if which == "easiest":
        ordered.reverse()
    top, rest = ordered[0], ordered[1:]
    adjusted = holm([class_gap(summaries, top, e).pvalue for e in rest])
    ps = dict(zip(rest, adjusted, strict=True))
    return (top, *(e for e in rest if ps[e] >= alpha)), ps


@dataclass(frozen=True)
class ConfusionEstimate:
    """One confusion ``true→pred`` over a set of models: the count a run and the share of the
    true class, each a mean over the models of their seed means, seeds as the unit."""

    true: str
    pred: str
    count: SeedEstimate
    share: SeedEstimate


def _cell_terms(
    summaries: Sequence[ModelSummary], cells: Sequence[tuple[int, int]], n_resamples: int
) -> dict[tuple[int, int], tuple[list[Term], list[Term]]]:
    """Per cell: the count terms and the share terms of every model."""
    y = np.asarray(summaries[0].y_true)
    columns = []
    for t, p in cells:
        columns.append(y == t)
        for s in summaries:
            for k in s.seeds:
                columns.append((y == t) & (np.asarray(s.predictions[k]) == p))
    sums = resampled_sums(np.stack(columns, axis=1), n_resamples)
    full = np.stack(columns, axis=1).sum(axis=0)
    out: dict[tuple[int, int], tuple[list[Term], list[Term]]] = {}
    col, w = 0, 1 / len(summaries)
    for t, p in cells:
        total, total_full = sums[:, col], full[col]
        col += 1
        counts, shares = [], []
        for s in summaries:
            d, x = sums[:, col : col + s.n_seeds], full[col : col + s.n_seeds]
            col += s.n_seeds
            counts.append((w, x, d))
            shares.append((w, x / max(total_full, 1), d / np.maximum(total, 1)[:, None]))
        out[(t, p)] = (counts, shares)
    return out


def top_confusions(
    summaries: Sequence[ModelSummary], n_resamples: int, top: int = 2
) -> tuple[list[ConfusionEstimate], list[ConfusionEstimate], SeedEstimate | None]:
    """The ``top`` confusions by count a run and by share of the true class (means over the
    models of their seed means), and the test of the share ranking's first against its second
    (``None`` with fewer than two cells)."""
    k = len(summaries[0].labels)
    cm = np.mean([np.asarray(s.confusion) / s.n_seeds for s in summaries], axis=0)
    totals = np.mean([np.asarray(s.confusion).sum(axis=1) / s.n_seeds for s in summaries], axis=0)
    cells = [(i, j) for i in range(k) for j in range(k) if i != j]
    by_count = sorted(cells, key=lambda c: (-cm[c], c))[:top]
    by_share = sorted(cells, key=lambda c: (-cm[c] / max(totals[c[0]], 1e-12), c))[:top]
    wanted = sorted(set(by_count) | set(by_share))
    terms = _cell_terms(summaries, wanted, n_resamples)
    labels = summaries[0].labels

    def estimate(c: tuple[int, int]) -> ConfusionEstimate:
        counts, shares = terms[c]
        return ConfusionEstimate(labels[c[0]], labels[c[1]], combine(counts), combine(shares))

    gap = None
    if len(by_share) > 1:
        a, b = terms[by_share[0]][1], terms[by_share[1]][1]
        gap = combine(
            [
                (w, np.subtract(xa, xb), da - db)
                for (w, xa, da), (_, xb, db) in zip(a, b, strict=True)
            ]
        )
    return [estimate(c) for c in by_count], [estimate(c) for c in by_share], gap
