"""Claims about architectures, with the seed as the unit.

A leaderboard row is a few trained seeds of one architecture scored on one test set. Its seed
mean varies for two reasons: which seeds were trained, and which test examples were drawn. A
claim about the *architecture* ("BERT-Mini beats BERT-Tiny") has to carry both; the paired
bootstrap of :mod:`emobench_core.metrics.significance` carries only the second (it is about
those trained networks). This module combines them once:

- the seeds' variance of the mean, ``s² / S`` per row (``s`` the std of its per-seed scores),
  net of the seed × example part that the test examples' bootstrap already holds;
- the bootstrap variance of the test examples (the same resampled indices for every seed of
  every row, so shared difficulty cancels out of a difference), counted once;
- a t quantile on Welch–Satterthwaite degrees of freedom (the seeds' term has ``S - 1``, the
  examples' term as many as there are examples).

:func:`combine` does it for any weighted sum of row seed-means: one row (an interval of its
mean), two rows (``+1, -1``: an architecture comparison), or a mean over many rows.
:func:`seeds_needed` turns the observed spread into the seeds per row that 80% power would take.
The report and ``emobench plan`` call these:

    emobench report bench.json --results runs/
    emobench plan --results runs/ --effect 0.5
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
from scipy import stats as sps

from emobench_core.metrics.stats import (
    EXAMPLES_ONLY,
    Interval,
    check_level,
    index_chunks,
    percentiles,
)

WELCH = (
    "Welch–Satterthwaite t interval, seeds as the unit: the seeds' variance of the mean (net "
    "of the seed × example part) plus the test examples' bootstrap variance, counted once"
)
"""How an interval of :func:`combine` is made (the ``method`` of its :class:`Interval`)."""

Term = tuple[float, Any, Any]
"""``(weight, per_seed (S,), draws (R, S))``: one row's per-seed scores on the whole test set
and on ``R`` bootstrap resamples of it (the same indices for every row of one sum)."""


@dataclass(frozen=True)
class SeedEstimate:
    """A weighted sum of row seed-means with its variance over seeds and test examples.

    Attributes:
        estimate: ``sum(w * mean(per_seed))``.
        seed_var: The seeds' part of the variance (each row's ``(s² - interaction) / S``,
            floored at 0, times ``w²``); 0 where no row has two seeds.
        example_var: The test examples' part (bootstrap variance of the sum).
        df: Welch–Satterthwaite degrees of freedom (``inf``: no row has two seeds).
        seeded: Whether any row had two or more seeds (else seed variation is not covered).
    """

    estimate: float
    seed_var: float
    example_var: float
    df: float
    seeded: bool

    @property
    def se(self) -> float:
        return math.sqrt(self.seed_var + self.example_var)

    def quantile(self, level: float = 0.95) -> float:
        check_level(level)
        tail = 1 - (1 - level) / 2
        return float(sps.norm.ppf(tail) if math.isinf(self.df) else sps.t.ppf(tail, self.df))

    def interval(self, level: float = 0.95) -> Interval:
        """``estimate ± t(df) · se``."""
        half = self.quantile(level) * self.se
        return Interval(self.estimate, self.estimate - half, self.estimate + half, level, WELCH)

    @property
    def pvalue(self) -> float:
        """Two-sided p-value of ``estimate = 0`` on the t distribution with ``df``."""
        if self.se == 0:
            return 1.0 if self.estimate == 0 else float(np.finfo(np.float64).tiny)
        z = abs(self.estimate) / self.se
        sf = sps.norm.sf(z) if math.isinf(self.df) else sps.t.sf(z, self.df)
        return min(1.0, max(2 * float(sf), float(np.finfo(np.float64).tiny)))

    @property
    def seed_share(self) -> float:
        """The seeds' share of the variance (0 to 1)."""
        total = self.seed_var + self.example_var
        return self.seed_var / total if total > 0 else 0.0


@dataclass(frozen=True)
class RowSpread:
    """What one row's seeds tell about its variance: ``s2`` the variance of its per-seed
    scores (``ddof=1``; ``None`` with one seed) and ``interaction`` the seed × example part of
    it (from the bootstrap: how much one seed's score moves against the others' on resampled
    examples)."""

    seeds: int
    s2: float | None
    interaction: float


def _check(term: Term, resamples: int | None) -> tuple[float, np.ndarray, np.ndarray]:
    weight, per_seed, draws = term
    x = np.asarray(per_seed, dtype=np.float64)
    d = np.asarray(draws, dtype=np.float64)
    if x.ndim != 1 or x.size < 1:
        raise ValueError(f"`per_seed` must be a non-empty 1-D array (got shape {x.shape})")
    if d.ndim == 1:
        d = d[:, None]
    if d.ndim != 2 or d.shape[1] != x.size:
        raise ValueError(
            f"`draws` must have shape (resamples, {x.size}), one column per seed (got {d.shape})"
        )
    if resamples is not None and d.shape[0] != resamples:
        raise ValueError(
            f"rows were resampled {resamples} and {d.shape[0]} times; resample every row of "
            "one comparison on the same test-example indices"
        )
    return float(weight), x, d


def spread(per_seed: Any, draws: Any) -> RowSpread:
    """The :class:`RowSpread` of one row (``draws``: ``(R, S)`` per-seed bootstrap draws)."""
    _, x, d = _check((1.0, per_seed, draws), None)
    if x.size < 2:
        return RowSpread(1, None, 0.0)
    dev = d - d.mean(axis=1, keepdims=True)
    s = x.size
    interaction = float(dev.var(axis=0, ddof=1).mean()) * s / (s - 1) if d.shape[0] > 1 else 0.0
    return RowSpread(s, float(x.var(ddof=1)), interaction)


def combine(terms: Sequence[Term]) -> SeedEstimate:
    """The weighted sum of row seed-means, with its variance over seeds and test examples.

    With ``S`` seeds per row, ``s²`` their variance and ``d²`` the seed × example part of it,
    the variance is ``Σ w² max(s² - d², 0) / S`` (seeds) plus the bootstrap variance of the sum
    (test examples, which already holds ``Σ w² d² / S``): the test-example variance once. The
    degrees of freedom are Welch–Satterthwaite's, ``var² / Σ (w² s² / S)² / (S - 1)`` (the
    bootstrap term's are practically infinite), at least the smallest ``S - 1``. A row with one
    seed contributes its test-example variance only.
    """
    if not terms:
        raise ValueError("no rows to combine; pass at least one (weight, per_seed, draws)")
    resamples: int | None = None
    estimate, combo = 0.0, None
    seed_var, denominator, dfs = 0.0, 0.0, []
    for term in terms:
        w, x, d = _check(term, resamples)
        resamples = d.shape[0]
        estimate += w * float(x.mean())
        row = w * d.mean(axis=1)
        combo = row if combo is None else combo + row
        sp = spread(x, d)
        if sp.s2 is not None:
            seed_var += w * w * max(sp.s2 - sp.interaction, 0.0) / sp.seeds
            denominator += (w * w * sp.s2 / sp.seeds) ** 2 / (sp.seeds - 1)
            dfs.append(sp.seeds - 1)
    assert combo is not None
    example_var = float(combo.var(ddof=1)) if combo.size > 1 else 0.0
    total = seed_var + example_var
    if not dfs:
        df = math.inf
    elif denominator == 0:
        df = math.inf if total > 0 else float(min(dfs))
    else:
        df = max(float(min(dfs)), total * total / denominator)
    return SeedEstimate(estimate, seed_var, example_var, df, bool(dfs))


def resampled_sums(columns: Any, n_resamples: int, seed: int = 0) -> np.ndarray:
    """Sums of each column of ``columns`` ``(n, C)`` over ``n_resamples`` bootstrap resamples
    of its ``n`` rows, ``(R, C)``: the resamples of
    :func:`~emobench_core.metrics.stats.index_chunks` (the same ``seed`` gives the same
    indices as every other draw of a study), counted as multiplicities so that many columns
    cost one matrix product per chunk."""
    cols = np.asarray(columns, dtype=np.float64)
    if cols.ndim != 2:
        raise ValueError(f"`columns` must be 2-D (examples, columns) (got shape {cols.shape})")
    n = cols.shape[0]
    out = []
    for idx in index_chunks(n, n_resamples, seed):
        rows = np.arange(idx.shape[0])[:, None] * n + idx
        weights = np.bincount(rows.ravel(), minlength=idx.shape[0] * n).reshape(-1, n)
        out.append(weights @ cols)
    return np.concatenate(out)


def seed_mean_estimate(per_seed: Any, draws: Any) -> SeedEstimate:
    """:func:`combine` of one row: its seed mean."""
    return combine([(1.0, per_seed, draws)])


def seed_mean_interval(
    per_seed: Any,
    draws: Any,
    *,
    level: float = 0.95,
    bounds: tuple[float, float] | None = (0.0, 1.0),
) -> Interval:
    """The interval of a row's seed mean that the leaderboard, the per-emotion table and the
    distillation gains show: :func:`combine`'s Welch–Satterthwaite interval with two seeds or
    more; with one seed the percentile bootstrap of the test examples, which says in its
    ``method`` that seed variation is not covered.

    Args:
        per_seed: The score of each seed on the whole test set, ``(S,)``.
        draws: Its bootstrap draws per seed, ``(R, S)`` (the same indices for every seed).
        level: Confidence level.
        bounds: The range the score cannot leave (accuracy and F1 are proportions: 0 to 1). The
            t interval is cut to it: the true mean lies inside, so whenever the interval covers
            it the cut one does too, and the coverage is unchanged. ``None``: no cut.
    """
    check_level(level)
    _, x, d = _check((1.0, per_seed, draws), None)
    if bounds is not None and not np.all((x >= bounds[0]) & (x <= bounds[1])):
        raise ValueError(
            f"a per-seed score is outside its bounds {bounds} (got {x.tolist()}); "
            "pass the scores as proportions, or bounds=None"
        )
    if x.size == 1:
        mean = float(x[0])
        low, high = (float(v) for v in percentiles(d[:, 0], level))
        return Interval(mean, min(low, mean), max(high, mean), level, EXAMPLES_ONLY)
    interval = seed_mean_estimate(x, d).interval(level)
    if bounds is None:
        return interval
    # the estimate, a mean of scores inside the bounds, stays inside the cut interval
    return replace(interval, low=max(interval.low, bounds[0]), high=min(interval.high, bounds[1]))


def difference(per_seed_a: Any, draws_a: Any, per_seed_b: Any, draws_b: Any) -> SeedEstimate:
    """Architecture A minus architecture B, seeds as the unit (:func:`combine` of ``+1, -1``)."""
    return combine([(1.0, per_seed_a, draws_a), (-1.0, per_seed_b, draws_b)])


@dataclass(frozen=True)
class SeedsNeeded:
    """Seeds per row for ``power`` to detect ``effect`` between two rows.

    Attributes:
        effect: The minimum difference to detect (a proportion: 0.005 is 0.5 points).
        seeds: The seeds per row it takes (``None``: no number up to ``cap`` does; the test
            set's own noise is too large for the effect).
        power_now: The power at the seeds the rows have now.
        floor_se: The standard error left with infinitely many seeds (the test set's part).
    """

    effect: float
    seeds: int | None
    power_now: float
    floor_se: float
    power: float = 0.8
    alpha: float = 0.05
    cap: int = 200


def power_at(effect: float, se: float, df: float, alpha: float = 0.05) -> float:
    """Power of the two-sided t test at ``alpha`` for a true difference ``effect``."""
    if se <= 0:
        return 1.0 if effect != 0 else alpha
    ncp = abs(effect) / se
    if math.isinf(df):
        crit = float(sps.norm.ppf(1 - alpha / 2))
        return float(sps.norm.sf(crit - ncp) + sps.norm.cdf(-crit - ncp))
    crit = float(sps.t.ppf(1 - alpha / 2, df))
    return float(sps.nct.sf(crit, df, ncp) + sps.nct.cdf(-crit, df, ncp))


def seeds_needed(
    per_seed_a: Any,
    draws_a: Any,
    per_seed_b: Any,
    draws_b: Any,
    effect: float,
    *,
    power: float = 0.8,
    alpha: float = 0.05,
    cap: int = 200,
) -> SeedsNeeded:
    """The seeds per row (both rows alike) at which the test of :func:`difference` reaches
    ``power`` for a true difference ``effect``, given the observed spread.

    With ``n`` seeds per row the variance is ``f + Σ s² / n``: ``s²`` each row's per-seed
    variance (seed and seed × example parts, both shrinking with more seeds) and ``f`` the
    part of the test examples that more seeds do not remove (the bootstrap variance of the
    difference less each row's seed × example part). Power is that of the two-sided t test on
    the Welch–Satterthwaite degrees of freedom (noncentral t). A row with one seed keeps its
    one seed (its seed variance cannot be estimated) and adds only its test-example variance.
    """
    if not effect > 0:
        raise ValueError(f"`effect` ({effect}) must be > 0, e.g. 0.005 for 0.5 points")
    now = difference(per_seed_a, draws_a, per_seed_b, draws_b)
    spreads = [spread(per_seed_a, draws_a), spread(per_seed_b, draws_b)]
    floor = now.example_var - sum(sp.interaction / sp.seeds for sp in spreads if sp.s2)
    floor = max(floor, 0.0)
    s2s = [sp.s2 for sp in spreads if sp.s2 is not None]

    def power_with(n: int) -> float:
        if not s2s:
            return power_at(effect, math.sqrt(floor), math.inf, alpha)
        var = floor + sum(s2 / n for s2 in s2s)
        den = sum((s2 / n) ** 2 / (n - 1) for s2 in s2s)
        df = max(n - 1.0, var * var / den) if den > 0 else math.inf
        return power_at(effect, math.sqrt(var), df, alpha)

    found = next((n for n in range(2, cap + 1) if power_with(n) >= power), None)
    if not s2s and found is not None:
        found = 1
    return SeedsNeeded(
        effect, found, power_at(effect, now.se, now.df, alpha), math.sqrt(floor), power, alpha, cap
    )
