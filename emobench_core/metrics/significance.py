"""Is model A really better than model B on the same test examples: paired tests.

:func:`mcnemar` tests per-example correctness (accuracy); :func:`paired_bootstrap` resamples
the examples once for both models, so their shared difficulty cancels out of the difference.
Many pairs are then Holm-adjusted and ranked by :mod:`emobench_core.metrics.ranking`. The report
runs both on every pair of models, from saved predictions:

    emobench report bench.json --results runs/
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from emobench_core.metrics.scores import Metric, batched, check_pair
from emobench_core.metrics.stats import check_level, index_chunks, percentiles

_EXACT_BELOW = 25  # McNemar: exact binomial test when b + c is below this
_TINY = float(np.finfo(np.float64).tiny)


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


def mcnemar(
    correct_a: Any, correct_b: Any, *, exact: bool | None = None, b_worse: bool = False
) -> McNemarResult:
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
        b_worse: One-sided, exact: is model B worse than A? ``p = P(X >= b)`` (a regression
            gate's question, with A the baseline).
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
        return McNemarResult(b, c, 0.0, 1.0, "exact" if b_worse else method)
    if b_worse:
        pvalue = max(float(sps.binom.sf(b - 1, n, 0.5)), _TINY)
        return McNemarResult(b, c, float(b), pvalue, "exact, one-sided")
    if use_exact:
        k = min(b, c)
        # floored at the smallest normal double: the exact tail of a huge b + c underflows
        pvalue = min(1.0, max(2 * float(sps.binom.cdf(k, n, 0.5)), _TINY))
        return McNemarResult(b, c, float(k), pvalue, method)
    statistic = max(abs(b - c) - 1, 0) ** 2 / n
    return McNemarResult(b, c, statistic, max(float(sps.chi2.sf(statistic, 1)), _TINY), method)


DEFAULT_RESAMPLES = 9999
"""Resamples of a paired bootstrap: its smallest p-value is ``2 / (R + 1)`` = 0.0002, so a real
difference can stay below 0.05 after a Holm adjustment over 200 pairs."""


def resample_pvalue(diffs: np.ndarray, observed: float) -> float:
    """Two-sided p-value of ``observed`` from resampled differences, never 0.

    ``k`` counts the resamples on the other side of zero from the observed difference (0
    included), and ``p = min(1, 2 (k + 1) / (R + 1))``: the usual finite-resample estimate, which
    counts the observed sample as one of the resamples (Davison & Hinkley 1997, eq. 4.11), so the
    test keeps its level for any number of resamples. An observed difference of 0 gives 1.
    """
    if observed == 0:
        return 1.0
    k = int(np.sum(diffs <= 0)) if observed > 0 else int(np.sum(diffs >= 0))
    return min(1.0, 2 * (k + 1) / (diffs.size + 1))


@dataclass(frozen=True)
class PairedResult:
    """Paired-bootstrap comparison of two models: ``diff = metric(A) - metric(B)``.

    Attributes:
        diff: The difference on the full test set (of seed means, with several seeds).
        low: Lower percentile bound of the resampled differences.
        high: Upper percentile bound of the resampled differences.
        pvalue: Two-sided bootstrap p-value (:func:`resample_pvalue`), never 0.
        n_resamples: The resamples it rests on.
    """

    diff: float
    low: float
    high: float
    pvalue: float
    n_resamples: int = DEFAULT_RESAMPLES

    def to_dict(self) -> dict[str, float]:
        return dataclasses.asdict(self)


def _seeds(preds: Any, n: int, name: str, num_labels: int, y_true: np.ndarray) -> np.ndarray:
    arr = np.asarray(preds)
    rows = arr[None] if arr.ndim == 1 else arr
    if rows.ndim != 2 or rows.shape[1] != n:
        raise ValueError(
            f"`{name}` must have shape (n,) or (seeds, n) with n = {n} test examples "
            f"(got {arr.shape})"
        )
    return np.stack([check_pair(y_true, r, num_labels)[1] for r in rows])


def seed_mean_difference_draws(
    y_true: Any,
    pred_a: Any,
    pred_b: Any,
    metric: Metric = "macro_f1",
    *,
    num_labels: int,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> tuple[np.ndarray, float]:
    """``(draws, observed)``: the difference of seed means ``metric(A) - metric(B)`` on
    ``n_resamples`` resamples of the test examples (the same indices for every seed of both) and
    on the whole test set. ``pred_*``: ``(n,)`` or ``(seeds, n)``."""
    t = check_pair(y_true, y_true, num_labels)[0]
    a = _seeds(pred_a, t.size, "pred_a", num_labels, t)
    b = _seeds(pred_b, t.size, "pred_b", num_labels, t)
    score = batched(metric, num_labels)

    def seed_mean(rows: np.ndarray, idx: np.ndarray) -> np.ndarray:
        return np.mean([score(t[idx], r[idx]) for r in rows], axis=0)

    draws = np.concatenate(
        [seed_mean(a, i) - seed_mean(b, i) for i in index_chunks(t.size, n_resamples, seed)]
    )
    whole = np.arange(t.size)[None]
    return draws, float(seed_mean(a, whole)[0] - seed_mean(b, whole)[0])


def per_seed_draws(
    y_true: Any,
    preds: Any,
    metric: Metric = "macro_f1",
    *,
    num_labels: int,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
) -> np.ndarray:
    """Each seed's ``metric`` on ``n_resamples`` resamples of the test examples, ``(R, S)``:
    the same indices for every seed (and, for the same ``seed``, for every call), so the draws
    of two rows pair example by example. ``preds``: ``(n,)`` or ``(seeds, n)``."""
    t = check_pair(y_true, y_true, num_labels)[0]
    rows = _seeds(preds, t.size, "preds", num_labels, t)
    score = batched(metric, num_labels)
    return np.concatenate(
        [
            np.stack([score(t[i], r[i]) for r in rows], axis=1)
            for i in index_chunks(t.size, n_resamples, seed)
        ]
    )


def paired_bootstrap(
    y_true: Any,
    pred_a: Any,
    pred_b: Any,
    metric: Metric = "macro_f1",
    *,
    num_labels: int,
    n_resamples: int = DEFAULT_RESAMPLES,
    level: float = 0.95,
    seed: int = 0,
) -> PairedResult:
    """Paired bootstrap of the difference in a metric between two models.

    Both models are scored on the *same* resampled examples, so the shared difficulty of the
    examples cancels out. With several seeds per model (``pred_*`` of shape ``(seeds, n)``),
    each resample scores every seed on the same examples and the difference is of the seed
    means: the statistic the leaderboard ranks by. The test is then conditional on those
    trained seeds (does this set of models differ on the test distribution?); seed-to-seed
    variation is in the architecture test of :mod:`emobench_core.metrics.seeds`.
    The p-value is :func:`resample_pvalue`'s, never 0.

    Args:
        y_true: Gold label ids, shape ``(n,)``.
        pred_a: Predictions of model A, ``(n,)`` or ``(seeds, n)``.
        pred_b: Predictions of model B, same examples and order.
        metric: As for :func:`emobench_core.metrics.stats.bootstrap_ci`.
        num_labels: Number of classes.
        n_resamples: Number of bootstrap resamples.
        level: Confidence level of ``[low, high]``.
        seed: Seed of the resampling generator.
    """
    check_level(level)
    draws, diff = seed_mean_difference_draws(
        y_true, pred_a, pred_b, metric, num_labels=num_labels, n_resamples=n_resamples, seed=seed
    )
    low, high = percentiles(draws, level)
    return PairedResult(diff, float(low), float(high), resample_pvalue(draws, diff), n_resamples)
