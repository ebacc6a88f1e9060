"""Many models at once: Holm-adjusted p-values, tiers of indistinguishable models, Pareto fronts.

:func:`holm` controls the family-wise error rate over all pairwise tests (from
:mod:`emobench_core.metrics.significance`), :func:`tiers` groups models not significantly below
their tier's leader, and :func:`pareto_front` keeps the models no other beats on both quality
and cost. The report's leaderboard tiers and frontier tables come from these:

    emobench report bench.json --results runs/
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm–Bonferroni adjusted p-values, in the input order.

    Sort ascending; the ``i``-th smallest (0-based) of ``m`` is multiplied by ``m - i``, a running
    maximum keeps the adjusted values monotone, and values are capped at 1. Rejecting where the
    adjusted p-value is below ``alpha`` controls the family-wise error rate at ``alpha``.
    """
    p = np.asarray(pvalues, dtype=np.float64)
    if p.ndim != 1:
        raise ValueError(f"`pvalues` must be a flat sequence (got shape {p.shape})")
    if p.size and not (np.all(p >= 0) and np.all(p <= 1)):
        raise ValueError(f"`pvalues` must all be in [0, 1] (got min {p.min()}, max {p.max()})")
    order = np.argsort(p, kind="stable")
    m = p.size
    scaled = np.minimum(1.0, np.maximum.accumulate((m - np.arange(m)) * p[order]))
    adjusted = np.empty(m)
    adjusted[order] = scaled
    return adjusted.tolist()


PValues = Callable[[str, str], float] | Sequence[Sequence[float]] | np.ndarray
"""Pairwise p-values: ``f(name_a, name_b) -> p``, or a symmetric matrix aligned with ``names``."""


def _pair_pvalues(names: Sequence[str], pvalues: PValues) -> dict[frozenset[str], float]:
    k = len(names)
    pairs = [(i, j) for i in range(k) for j in range(i + 1, k)]
    if callable(pvalues):
        raw = [float(pvalues(names[i], names[j])) for i, j in pairs]
    else:
        mat = np.asarray(pvalues, dtype=np.float64)
        if mat.shape != (k, k):
            raise ValueError(
                f"p-value matrix has shape {mat.shape} but there are {k} names; "
                f"pass a ({k}, {k}) matrix in the order of `names`"
            )
        off = ~np.eye(k, dtype=bool)
        if not np.allclose(mat[off], mat.T[off]):
            raise ValueError(
                "p-value matrix is not symmetric; fill both halves, e.g. p = np.fmax(p, p.T)"
            )
        raw = [float(mat[i, j]) for i, j in pairs]
    adjusted = holm(raw)
    return {frozenset((names[i], names[j])): q for (i, j), q in zip(pairs, adjusted, strict=True)}


def tiers(
    names: Sequence[str], scores: Sequence[float], pvalues: PValues, alpha: float = 0.05
) -> list[list[str]]:
    """Group models into tiers of models not significantly different from the tier's leader.

    Rule (top-anchored, in the spirit of a compact letter display): Holm-adjust the p-values of
    all ``k (k - 1) / 2`` pairs, sort models by score (descending; ties keep input order), and
    walk down the list. The first model leads tier 1; each next model joins the current tier
    unless it is significantly worse than that tier's leader (adjusted ``p < alpha`` and a lower
    score), in which case it leads a new tier. Only the leader is compared, so a model in tier 2
    may still be indistinguishable from a lower member of tier 1: tiers are a reading aid, the
    pairwise p-values are the evidence.

    Args:
        names: Model names, unique.
        scores: One score per name (higher is better).
        pvalues: Raw (unadjusted) two-sided pairwise p-values, as a function
            ``f(name_a, name_b) -> p`` or a symmetric matrix in the order of ``names``.
        alpha: Family-wise significance level.

    Returns:
        Tiers, best first, each a list of names in descending score order.
    """
    if len(names) != len(scores):
        raise ValueError(f"{len(names)} names but {len(scores)} scores; pass one score per name")
    if len(set(names)) != len(names):
        dupes = sorted({n for n in names if list(names).count(n) > 1})
        raise ValueError(f"duplicate model names {dupes}; give each model a unique name")
    if not 0 < alpha < 1:
        raise ValueError(f"`alpha` ({alpha}) must be in (0, 1), e.g. 0.05")
    if not names:
        return []
    adjusted = _pair_pvalues(names, pvalues)
    ranked = sorted(zip(names, scores, strict=True), key=lambda ns: -ns[1])
    groups: list[list[str]] = [[ranked[0][0]]]
    leader_name, leader_score = ranked[0]
    for name, score in ranked[1:]:
        if score < leader_score and adjusted[frozenset((leader_name, name))] < alpha:
            groups.append([name])
            leader_name, leader_score = name, score
        else:
            groups[-1].append(name)
    return groups


def pareto_front(points: Sequence[tuple[str, float, float]]) -> set[str]:
    """Names of the points no other point dominates (lower cost is better, higher score is better).

    ``q`` dominates ``p`` when ``q.cost <= p.cost`` and ``q.score >= p.score`` with at least one
    strict. Exact duplicates in (cost, score) do not dominate each other, so both stay.

    Args:
        points: ``(name, cost, score)`` triples, e.g. ``(model, latency_ms, macro_f1)``.
    """
    seen: set[str] = set()
    for name, cost, score in points:
        if name in seen:
            raise ValueError(f"duplicate point name {name!r}; give each point a unique name")
        if not (math.isfinite(cost) and math.isfinite(score)):
            raise ValueError(
                f"point {name!r} has cost {cost} and score {score}; both must be "
                "finite (drop models with no measurement first)"
            )
        seen.add(name)
    return {
        name
        for name, cost, score in points
        if not any(qc <= cost and qs >= score and (qc < cost or qs > score) for _, qc, qs in points)
    }
