"""Unit tests for emobench_core.metrics.significance: McNemar and the paired bootstrap by hand."""

from __future__ import annotations

import math

import numpy as np
import pytest

from emobench_core.metrics.scores import accuracy
from emobench_core.metrics.significance import (
    McNemarResult,
    PairedResult,
    mcnemar,
    paired_bootstrap,
)


def _discordant(b: int, c: int, agree: int = 50):
    """Correctness vectors with b (A right, B wrong), c (A wrong, B right) and ties."""
    a = [True] * b + [False] * c + [True] * agree + [False] * agree
    bb = [False] * b + [True] * c + [True] * agree + [False] * agree
    return np.array(a), np.array(bb)


def _exact_p(b: int, c: int) -> float:
    n, k = b + c, min(b, c)
    return min(1.0, 2 * sum(math.comb(n, i) for i in range(k + 1)) / 2**n)


def test_mcnemar_exact_by_hand():
    result = mcnemar(*_discordant(10, 2))
    assert (result.b, result.c, result.method) == (10, 2, "exact")
    assert result.pvalue == pytest.approx(158 / 4096)  # 2 * (1 + 12 + 66) / 2^12
    assert result.pvalue == pytest.approx(0.0385742, abs=1e-7)
    assert result.pvalue == pytest.approx(_exact_p(10, 2))
    assert mcnemar(*_discordant(2, 10)).pvalue == pytest.approx(result.pvalue)


def test_mcnemar_chi2_by_hand():
    result = mcnemar(*_discordant(30, 10))
    statistic = (abs(30 - 10) - 1) ** 2 / 40  # 9.025
    assert result.method == "chi2"
    assert result.statistic == pytest.approx(statistic)
    # chi-square survival function with 1 df: erfc(sqrt(x / 2)).
    assert result.pvalue == pytest.approx(math.erfc(math.sqrt(statistic / 2)))


def test_mcnemar_method_choice_and_edge_cases():
    assert mcnemar(*_discordant(13, 11)).method == "exact"  # b + c = 24
    assert mcnemar(*_discordant(13, 12)).method == "chi2"  # b + c = 25
    forced = mcnemar(*_discordant(30, 10), exact=True)
    assert forced.method == "exact"
    assert forced.pvalue == pytest.approx(_exact_p(30, 10))
    assert mcnemar(*_discordant(10, 2), exact=False).method == "chi2"
    same = mcnemar(*_discordant(0, 0))
    assert (same.pvalue, same.statistic) == (1.0, 0.0)
    assert mcnemar(*_discordant(4, 4)).pvalue == 1.0
    assert mcnemar(*_discordant(20, 20)).pvalue == 1.0  # continuity correction clamps to 0
    assert isinstance(same, McNemarResult)
    assert same.to_dict()["method"] == "exact"


def test_mcnemar_input_errors():
    with pytest.raises(ValueError, match=r"`correct_a` must be a 1-D boolean array.*y_true"):
        mcnemar(np.array([1, 0]), np.array([True, False]))
    with pytest.raises(ValueError, match=r"`correct_a` has 2 examples but `correct_b` has 1"):
        mcnemar(np.array([True, False]), np.array([True]))


def test_paired_bootstrap_of_identical_models(noisy):
    y_true, y_pred = noisy(0, n=400)
    result = paired_bootstrap(y_true, y_pred, y_pred, n_resamples=100, num_labels=6)
    assert result == PairedResult(0.0, 0.0, 0.0, 1.0, 100)


def test_paired_bootstrap_clear_winner_and_symmetry(noisy):
    y_true, good = noisy(0, n=1000, correct=0.95)
    _, bad = noisy(1, n=1000, correct=0.6)
    ab = paired_bootstrap(y_true, good, bad, "accuracy", n_resamples=300, num_labels=6)
    ba = paired_bootstrap(y_true, bad, good, "accuracy", n_resamples=300, num_labels=6)
    assert ab.diff == pytest.approx(
        accuracy(y_true, good, num_labels=6) - accuracy(y_true, bad, num_labels=6)
    )
    assert 0 < ab.low < ab.diff < ab.high
    assert ab.pvalue == pytest.approx(2 / 301)  # no resample crosses zero: (0 + 1) / (R + 1)
    assert ba.diff == pytest.approx(-ab.diff)
    assert (ba.low, ba.high) == pytest.approx((-ab.high, -ab.low))
    assert ab.to_dict()["pvalue"] > 0


def test_paired_bootstrap_pvalue_definition():
    """p = 2 (k + 1) / (R + 1), k the resampled differences at or beyond zero against the
    observed sign."""
    rng = np.random.default_rng(0)
    n, reps = 60, 400
    y_true = rng.integers(0, 2, n)
    pred_a = np.where(rng.random(n) < 0.8, y_true, 1 - y_true)
    pred_b = np.where(rng.random(n) < 0.72, y_true, 1 - y_true)
    result = paired_bootstrap(
        y_true, pred_a, pred_b, "accuracy", num_labels=2, n_resamples=reps, seed=9
    )
    # Recompute from the same index draws (one chunk: reps * n is far below the chunk size).
    idx = np.random.default_rng(9).integers(0, n, size=(reps, n))
    diffs = (pred_a[idx] == y_true[idx]).mean(1) - (pred_b[idx] == y_true[idx]).mean(1)
    observed = (pred_a == y_true).mean() - (pred_b == y_true).mean()
    k = np.sum(diffs <= 0) if observed > 0 else np.sum(diffs >= 0)
    assert result.diff == pytest.approx(observed)
    assert result.pvalue == pytest.approx(min(1.0, 2 * (k + 1) / (reps + 1)))
    assert 0 < result.pvalue < 1


def test_one_sided_mcnemar_asks_whether_b_is_worse():
    from scipy import stats as sps

    a = np.array([True] * 10 + [False] * 2 + [True] * 20)
    b = np.array([False] * 10 + [True] * 2 + [True] * 20)  # b loses 10, wins 2
    worse = mcnemar(a, b, b_worse=True)
    assert (worse.b, worse.c, worse.method) == (10, 2, "exact, one-sided")
    assert worse.pvalue == pytest.approx(sps.binom.sf(9, 12, 0.5))
    assert mcnemar(b, a, b_worse=True).pvalue > 0.9  # the other way round: not worse
