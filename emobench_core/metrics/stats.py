"""Uncertainty and comparison statistics for test-set scores: intervals, paired tests, tiers.

Every model is scored on the same 2,000 test examples, so the honest questions are "how sure is
this number" (:func:`bootstrap_ci`, :func:`per_class_f1_ci`, :func:`min_detectable_difference`)
and "is model A really better than model B" (:func:`mcnemar`, :func:`paired_bootstrap`, then
:func:`holm` and :func:`tiers` across many pairs). The report calls these on saved predictions:

    emobench report --results runs/ --bootstrap 1000

The metrics are vectorised over a batch of resamples (one confusion matrix per resample via a
single ``bincount``), so 1,000 resamples of 2,000 examples take well under a second.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
from scipy import stats as sps

Metric = Literal["accuracy", "macro_f1"] | Callable[[np.ndarray, np.ndarray], float]
"""A metric name, or a function ``f(y_true, y_pred) -> float`` on 1-D label arrays."""

_CHUNK_ELEMENTS = 2_000_000  # resampled labels held in memory at once (x2 arrays of int64)
_EXACT_BELOW = 25  # McNemar: exact binomial test when b + c is below this


# ---------------------------------------------------------------------------- metrics


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


def _pair(y_true: Any, y_pred: Any, num_labels: int) -> tuple[np.ndarray, np.ndarray]:
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


def _confusions(t: np.ndarray, p: np.ndarray, k: int) -> np.ndarray:
    """Confusion matrices ``(R, k, k)`` (true x predicted) for label batches of shape ``(R, n)``."""
    rows = t.shape[0]
    codes = (np.arange(rows, dtype=np.int64)[:, None] * k + t) * k + p
    return np.bincount(codes.ravel(), minlength=rows * k * k).reshape(rows, k, k)


def _f1_per_class(cm: np.ndarray) -> np.ndarray:
    """Per-class F1 ``(R, k)``; 0 for a class never true nor predicted (``zero_division=0``)."""
    tp = np.diagonal(cm, axis1=1, axis2=2).astype(np.float64)
    denom = cm.sum(axis=2) + cm.sum(axis=1)  # true count + predicted count = 2tp + fp + fn
    return np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)


def macro_f1(y_true: Any, y_pred: Any, num_labels: int = 6) -> float:
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
    t, p = _pair(y_true, y_pred, num_labels)
    return float(_f1_per_class(_confusions(t[None], p[None], num_labels)).mean())


def accuracy(y_true: Any, y_pred: Any, num_labels: int = 6) -> float:
    """Share of examples whose predicted label equals the gold label.

    Args:
        y_true: Gold label ids, shape ``(n,)``.
        y_pred: Predicted label ids, shape ``(n,)``.
        num_labels: Number of classes; used only to validate the label range.
    """
    t, p = _pair(y_true, y_pred, num_labels)
    return float(np.mean(t == p))


def _batched(metric: Metric, num_labels: int) -> Callable[[np.ndarray, np.ndarray], np.ndarray]:
    """A function scoring label batches ``(R, n)`` -> ``(R,)`` for ``metric``."""
    if metric == "accuracy":
        return lambda t, p: np.mean(t == p, axis=1)
    if metric == "macro_f1":
        return lambda t, p: _f1_per_class(_confusions(t, p, num_labels)).mean(axis=1)
    if callable(metric):
        return lambda t, p: np.array([float(metric(ti, pi)) for ti, pi in zip(t, p, strict=True)])
    raise ValueError(
        f"unknown metric {metric!r}; pass 'accuracy', 'macro_f1' or a function "
        "f(y_true, y_pred) -> float"
    )


def _index_chunks(n: int, n_resamples: int, seed: int) -> Iterator[np.ndarray]:
    """Yield bootstrap index matrices ``(chunk, n)`` totalling ``n_resamples`` rows."""
    if n_resamples < 1:
        raise ValueError(f"`n_resamples` ({n_resamples}) must be >= 1")
    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_ELEMENTS // n)
    for start in range(0, n_resamples, chunk):
        yield rng.integers(0, n, size=(min(chunk, n_resamples - start), n))


def _check_level(level: float) -> None:
    if not 0 < level < 1:
        raise ValueError(f"`level` ({level}) must be in (0, 1), e.g. 0.95 for a 95% interval")


def _percentiles(values: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    tail = (1 - level) / 2
    low, high = np.quantile(values, [tail, 1 - tail], axis=0)
    return low, high


# ---------------------------------------------------------------------------- intervals


@dataclass(frozen=True)
class Interval:
    """A point estimate with a two-sided confidence interval ``[low, high]`` at ``level``."""

    estimate: float
    low: float
    high: float
    level: float = 0.95

    def __post_init__(self) -> None:
        _check_level(self.level)
        if self.low > self.high:
            raise ValueError(f"`low` ({self.low}) must be <= `high` ({self.high})")

    def to_dict(self) -> dict[str, float]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Interval:
        return cls(**data)


def bootstrap_ci(
    y_true: Any,
    y_pred: Any,
    metric: Metric = "accuracy",
    *,
    num_labels: int = 6,
    n_resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> Interval:
    """Percentile-bootstrap confidence interval for a test-set metric.

    Resamples the test examples with replacement ``n_resamples`` times, scores each resample
    and takes the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles. This captures the
    sampling noise of a finite test set, not training-seed variance.

    Args:
        y_true: Gold label ids, shape ``(n,)``.
        y_pred: Predicted label ids, shape ``(n,)``.
        metric: ``"accuracy"``, ``"macro_f1"`` (both vectorised) or a function
            ``f(y_true, y_pred) -> float`` (called once per resample, so slower).
        num_labels: Number of classes.
        n_resamples: Number of bootstrap resamples.
        level: Confidence level of the interval.
        seed: Seed of the resampling generator; the same seed gives the same interval.

    Returns:
        The metric on the full test set with its interval.
    """
    _check_level(level)
    t, p = _pair(y_true, y_pred, num_labels)
    score = _batched(metric, num_labels)
    draws = np.concatenate([score(t[i], p[i]) for i in _index_chunks(t.size, n_resamples, seed)])
    low, high = _percentiles(draws, level)
    estimate = float(score(t[None], p[None])[0])
    return Interval(estimate, float(low), float(high), level)


def per_class_f1_ci(
    y_true: Any,
    y_pred: Any,
    num_labels: int = 6,
    *,
    n_resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> list[Interval]:
    """Percentile-bootstrap intervals for each class's F1, in label-id order.

    Rare classes (surprise, love) get wide intervals; this is what the report shows beside
    the per-class table. Arguments are as for :func:`bootstrap_ci`.
    """
    _check_level(level)
    t, p = _pair(y_true, y_pred, num_labels)
    draws = np.concatenate(
        [
            _f1_per_class(_confusions(t[i], p[i], num_labels))
            for i in _index_chunks(t.size, n_resamples, seed)
        ]
    )
    low, high = _percentiles(draws, level)
    estimate = _f1_per_class(_confusions(t[None], p[None], num_labels))[0]
    return [
        Interval(float(e), float(lo), float(hi), level)
        for e, lo, hi in zip(estimate, low, high, strict=True)
    ]


def min_detectable_difference(n: int, p: float = 0.9, level: float = 0.95) -> float:
    """Half-width of the normal-approximation (Wald) interval for a proportion.

    ``z * sqrt(p * (1 - p) / n)`` with ``z`` the two-sided normal quantile for ``level``. For the
    2,000-example test split and accuracy near 0.9 this is about 0.013: the "±1.3 points" quoted
    in ANCHORS.md. Read it as the resolution of a single score: a published accuracy that
    differs from ours by less than this is within test-set noise. (Two models scored on the
    *same* examples can be told apart at finer differences with the paired tests
    :func:`mcnemar` and :func:`paired_bootstrap`, because their errors are correlated.)

    Args:
        n: Number of test examples.
        p: The proportion (e.g. accuracy) the width is computed at.
        level: Confidence level.

    Returns:
        The half-width, as a proportion (multiply by 100 for points).
    """
    if n < 1:
        raise ValueError(f"`n` ({n}) must be >= 1")
    if not 0 <= p <= 1:
        raise ValueError(f"`p` ({p}) must be in [0, 1]")
    _check_level(level)
    z = float(sps.norm.ppf(1 - (1 - level) / 2))
    return z * math.sqrt(p * (1 - p) / n)


def precision_note(n: int, p: float = 0.9, level: float = 0.95) -> str:
    """One sentence for reports: how precise a score on ``n`` test examples is."""
    width = 100 * min_detectable_difference(n, p, level)
    return (
        f"With {n:,} test examples, a {level:.0%} interval on a score near {p:g} is about "
        f"±{width:.1f} points; smaller gaps to published numbers are within test-set noise."
    )


# ---------------------------------------------------------------------------- paired tests


@dataclass(frozen=True)
class McNemarResult:
    """McNemar's test on the discordant pairs of two models scored on the same examples.

    Attributes:
        b: Examples model A got right and model B got wrong.
        c: Examples model A got wrong and model B got right.
        statistic: ``min(b, c)`` for the exact test; the continuity-corrected chi-square
            otherwise.
        pvalue: Two-sided p-value.
        method: ``"exact"`` (binomial) or ``"chi2"``.
    """

    b: int
    c: int
    statistic: float
    pvalue: float
    method: str

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _correct(x: Any, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim != 1 or arr.dtype != np.bool_:
        raise ValueError(
            f"`{name}` must be a 1-D boolean array (got dtype {arr.dtype}, shape "
            f"{arr.shape}); pass y_pred == y_true"
        )
    return arr


def mcnemar(correct_a: Any, correct_b: Any, *, exact: bool | None = None) -> McNemarResult:
    """McNemar's test: do models A and B have the same error rate on these examples?

    Only the discordant examples matter: ``b`` (A right, B wrong) and ``c`` (A wrong, B right).
    Under the null each discordant example is a fair coin, so the exact test is a two-sided
    binomial test, ``p = min(1, 2 * P(X <= min(b, c)))`` with ``X ~ Binomial(b + c, 1/2)``. With
    many discordant pairs the chi-square approximation with continuity correction is used:
    ``max(|b - c| - 1, 0)^2 / (b + c)`` on 1 degree of freedom (the ``max`` keeps the correction
    from overshooting when ``b == c``). With no discordant pairs the p-value is 1.

    Args:
        correct_a: Per-example correctness of model A (``pred_a == y_true``).
        correct_b: Per-example correctness of model B, same examples and order.
        exact: ``True`` for the binomial test, ``False`` for chi-square, ``None`` to use the
            binomial test when ``b + c < 25``.
    """
    a = _correct(correct_a, "correct_a")
    bb = _correct(correct_b, "correct_b")
    if a.shape != bb.shape:
        raise ValueError(
            f"`correct_a` has {a.size} examples but `correct_b` has {bb.size}; "
            "score both models on the same test examples"
        )
    b, c = int(np.sum(a & ~bb)), int(np.sum(~a & bb))
    n = b + c
    use_exact = n < _EXACT_BELOW if exact is None else exact
    method = "exact" if use_exact else "chi2"
    if n == 0:
        return McNemarResult(b, c, 0.0, 1.0, method)
    if use_exact:
        k = min(b, c)
        pvalue = min(1.0, 2 * float(sps.binom.cdf(k, n, 0.5)))
        return McNemarResult(b, c, float(k), pvalue, method)
    statistic = max(abs(b - c) - 1, 0) ** 2 / n
    return McNemarResult(b, c, statistic, float(sps.chi2.sf(statistic, 1)), method)


@dataclass(frozen=True)
class PairedResult:
    """Paired-bootstrap comparison of two models: ``diff = metric(A) - metric(B)``.

    Attributes:
        diff: The difference on the full test set.
        low: Lower percentile bound of the resampled differences.
        high: Upper percentile bound of the resampled differences.
        pvalue: Two-sided bootstrap p-value (see :func:`paired_bootstrap`).
    """

    diff: float
    low: float
    high: float
    pvalue: float

    def to_dict(self) -> dict[str, float]:
        return dataclasses.asdict(self)


def paired_bootstrap(
    y_true: Any,
    pred_a: Any,
    pred_b: Any,
    metric: Metric = "macro_f1",
    *,
    num_labels: int = 6,
    n_resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> PairedResult:
    """Paired bootstrap of the difference in a metric between two models.

    Both models are scored on the *same* resampled examples, so the shared difficulty of the
    examples cancels out. The p-value is the share of resampled differences on the other side
    of zero from the observed difference (a resampled difference of exactly 0 counts as the
    other side), doubled and capped at 1; an observed difference of 0 gives 1. A p-value of 0
    means no resample crossed zero, i.e. ``p < 1 / n_resamples``.

    Args:
        y_true: Gold label ids, shape ``(n,)``.
        pred_a: Predictions of model A.
        pred_b: Predictions of model B, same examples and order.
        metric: As for :func:`bootstrap_ci`.
        num_labels: Number of classes.
        n_resamples: Number of bootstrap resamples.
        level: Confidence level of ``[low, high]``.
        seed: Seed of the resampling generator.
    """
    _check_level(level)
    t, a = _pair(y_true, pred_a, num_labels)
    _, b = _pair(y_true, pred_b, num_labels)
    score = _batched(metric, num_labels)
    diffs = np.concatenate(
        [score(t[i], a[i]) - score(t[i], b[i]) for i in _index_chunks(t.size, n_resamples, seed)]
    )
    diff = float(score(t[None], a[None])[0] - score(t[None], b[None])[0])
    if diff > 0:
        pvalue = min(1.0, 2 * float(np.mean(diffs <= 0)))
    elif diff < 0:
        pvalue = min(1.0, 2 * float(np.mean(diffs >= 0)))
    else:
        pvalue = 1.0
    low, high = _percentiles(diffs, level)
    return PairedResult(diff, float(low), float(high), pvalue)


# ---------------------------------------------------------------------------- many models


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
