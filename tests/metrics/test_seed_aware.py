"""The study's statistics as a statistician would sign them: bootstrap p-values that are never 0,
enough resamples for a Holm adjustment over many pairs, seed-mean tests on every seed, and seed
-mean intervals that reach their nominal coverage when seeds vary (checked by simulation)."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats as sps

from emobench_core.metrics.ranking import holm
from emobench_core.metrics.significance import (
    DEFAULT_RESAMPLES,
    paired_bootstrap,
    resample_pvalue,
)
from emobench_core.metrics.stats import (
    EXAMPLES_ONLY,
    SEEDS_AND_EXAMPLES,
    percentiles,
    seed_mean_interval,
)


def _pair(n: int = 2000, error_a: float = 0.05, error_b: float = 0.4, seed: int = 0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 6, n)
    a = np.where(rng.random(n) < error_a, (y + 1) % 6, y)
    b = np.where(rng.random(n) < error_b, (y + 1) % 6, y)
    return y, a, b


def test_a_p_value_is_never_zero_even_when_no_resample_crosses() -> None:
    y, a, b = _pair()
    res = paired_bootstrap(y, a, b, "accuracy", num_labels=6, n_resamples=999)
    assert res.diff > 0.3 and res.low > 0  # no resample anywhere near zero
    assert res.pvalue == pytest.approx(2 / 1000)  # (0 + 1) / (R + 1), two-sided; the old code: 0
    assert res.pvalue > 0


def test_resample_pvalue_counts_the_observed_sample() -> None:
    diffs = np.array([0.1, -0.2, 0.3, 0.0, 0.2])
    assert resample_pvalue(diffs, 0.15) == pytest.approx(2 * (2 + 1) / 6)  # -0.2 and 0.0
    assert resample_pvalue(diffs, -0.15) == 1.0  # capped
    assert resample_pvalue(diffs, 0.0) == 1.0


def test_holm_over_36_pairs_can_reject_a_real_difference_at_the_default_resamples() -> None:
    """9 models give 36 pairs: the smallest possible bootstrap p must survive x36."""
    y, a, b = _pair(error_a=0.10, error_b=0.16)
    p = paired_bootstrap(y, a, b, "macro_f1", num_labels=6).pvalue
    assert p <= 2 / (DEFAULT_RESAMPLES + 1) * 5
    assert holm([p] + [1.0] * 35)[0] < 0.05


def test_with_several_seeds_the_test_is_of_the_seed_means() -> None:
    """A ranks above B on the mean over seeds, below on seed 42 alone: the test follows the
    mean (the old code tested seed 42 only)."""
    rng = np.random.default_rng(1)
    y = rng.integers(0, 6, 1000)

    def noisy(error: float) -> np.ndarray:
        return np.where(rng.random(y.size) < error, (y + 1) % 6, y)

    a = np.stack([noisy(0.30), noisy(0.05), noisy(0.05)])  # seed 42 bad, mean good
    b = np.stack([noisy(0.15), noisy(0.15), noisy(0.15)])
    res = paired_bootstrap(y, a, b, "accuracy", num_labels=6, n_resamples=499)
    mean = np.mean([(r == y).mean() for r in a]) - np.mean([(r == y).mean() for r in b])
    assert res.diff == pytest.approx(mean)
    assert res.diff > 0 > (a[0] == y).mean() - (b[0] == y).mean()


def _simulate(seed_sd: float, n_studies: int, seeds: int = 3, n: int = 400, resamples: int = 200):
    """Coverage of the seed-mean accuracy interval, new method and examples-only bootstrap.

    A study draws ``n`` test examples (difficulty ~ N(0, 1)) and ``seeds`` trained models (seed
    effect ~ N(0, seed_sd)); an example is right with probability ``Φ(1.2 + d + u)``. The target
    is the expected accuracy over examples and seeds: ``Φ(1.2 / sqrt(1 + 1 + seed_sd²))``
    (a probit model: ``P(Z < 1.2 + d + u)`` with ``Z, d, u`` independent normals).
    """
    rng = np.random.default_rng(7)
    target = float(sps.norm.cdf(1.2 / np.sqrt(2 + seed_sd**2)))
    hit_new = hit_old = 0
    for _ in range(n_studies):
        d = rng.normal(size=n)
        u = rng.normal(scale=seed_sd, size=seeds)
        correct = rng.random((seeds, n)) < sps.norm.cdf(1.2 + d[None] + u[:, None])
        idx = rng.integers(0, n, size=(resamples, n))
        draws = correct[:, idx].mean(axis=2).mean(axis=0)  # seed mean on each resample
        per_seed = correct.mean(axis=1)
        new = seed_mean_interval(per_seed, draws)
        low, high = percentiles(draws, 0.95)
        hit_new += new.low <= target <= new.high
        hit_old += low <= target <= high
    return hit_new / n_studies, hit_old / n_studies


def test_the_seed_mean_interval_reaches_its_nominal_coverage_when_seeds_vary() -> None:
    new, old = _simulate(seed_sd=0.5, n_studies=600)
    # 600 studies: a 95% interval's coverage is measured to about ±1.8 points
    assert 0.94 <= new <= 0.99, new
    assert old < 0.8, old  # the examples-only bootstrap misses the seed variance


def test_the_seed_mean_interval_keeps_coverage_when_seeds_do_not_vary() -> None:
    new, _ = _simulate(seed_sd=0.0, n_studies=400)
    assert new >= 0.94, new  # conservative here: the t quantile on 2 df


def test_the_interval_says_its_method() -> None:
    draws = np.random.default_rng(0).normal(0.9, 0.01, 500)
    assert seed_mean_interval([0.9], draws).method == EXAMPLES_ONLY
    both = seed_mean_interval([0.88, 0.90, 0.92], draws)
    assert both.method == SEEDS_AND_EXAMPLES
    assert both.low < 0.88 and both.high > 0.92  # covers all three seeds (t on 2 df)
