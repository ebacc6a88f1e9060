"""The study's statistics as a statistician would sign them: bootstrap p-values that are never 0,
enough resamples for a Holm adjustment over many pairs, and seed-mean tests on every seed. The
seed-mean intervals and the architecture test are checked by simulation in test_seed_unit.py."""

from __future__ import annotations

import numpy as np
import pytest

from emobench_core.metrics.ranking import holm
from emobench_core.metrics.significance import (
    DEFAULT_RESAMPLES,
    paired_bootstrap,
    resample_pvalue,
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
