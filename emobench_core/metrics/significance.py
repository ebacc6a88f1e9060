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
    num_labels: int,
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
        metric: As for :func:`emobench_core.metrics.stats.bootstrap_ci`.
        num_labels: Number of classes.
        n_resamples: Number of bootstrap resamples.
        level: Confidence level of ``[low, high]``.
        seed: Seed of the resampling generator.
    """
    check_level(level)
    t, a = check_pair(y_true, pred_a, num_labels)
    _, b = check_pair(y_true, pred_b, num_labels)
    score = batched(metric, num_labels)
    diffs = np.concatenate(
        [score(t[i], a[i]) - score(t[i], b[i]) for i in index_chunks(t.size, n_resamples, seed)]
    )
    diff = float(score(t[None], a[None])[0] - score(t[None], b[None])[0])
    if diff > 0:
        pvalue = min(1.0, 2 * float(np.mean(diffs <= 0)))
    elif diff < 0:
        pvalue = min(1.0, 2 * float(np.mean(diffs >= 0)))
    else:
        pvalue = 1.0
    low, high = percentiles(diffs, level)
    return PairedResult(diff, float(low), float(high), pvalue)
