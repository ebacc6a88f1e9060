"""Unit tests for emobench_core.metrics.stats: intervals against sklearn and by hand."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

import emobench_core.metrics.stats as stats
from emobench_core.metrics.scores import macro_f1
from emobench_core.metrics.stats import (
    Interval,
    bootstrap_ci,
    min_detectable_difference,
    per_class_f1_ci,
    precision_note,
)


def test_interval_round_trip_and_validation():
    iv = Interval(0.9, 0.88, 0.92)
    assert iv.to_dict() == {
        "estimate": 0.9,
        "low": 0.88,
        "high": 0.92,
        "level": 0.95,
        "method": "percentile bootstrap of the test examples",
    }
    assert Interval.from_dict(iv.to_dict()) == iv
    with pytest.raises(ValueError, match=r"`low` \(0.9\) must be <= `high` \(0.8\)"):
        Interval(0.85, 0.9, 0.8)
    with pytest.raises(ValueError, match=r"`level` \(95\) must be in \(0, 1\)"):
        Interval(0.9, 0.8, 0.95, level=95)


def test_bootstrap_ci_is_seeded_and_brackets_the_estimate(noisy):
    y_true, y_pred = noisy(0)
    a = bootstrap_ci(y_true, y_pred, "macro_f1", n_resamples=300, seed=3, num_labels=6)
    assert a == bootstrap_ci(y_true, y_pred, "macro_f1", n_resamples=300, seed=3, num_labels=6)
    assert a != bootstrap_ci(y_true, y_pred, "macro_f1", n_resamples=300, seed=4, num_labels=6)
    assert a.estimate == pytest.approx(macro_f1(y_true, y_pred, num_labels=6))
    assert a.low < a.estimate < a.high
    assert a.high - a.low < 0.05


def test_bootstrap_ci_callable_uses_the_same_resamples(noisy):
    y_true, y_pred = noisy(1, n=200)
    named = bootstrap_ci(y_true, y_pred, "accuracy", n_resamples=100, seed=7, num_labels=6)
    custom = bootstrap_ci(y_true, y_pred, accuracy_score, n_resamples=100, seed=7, num_labels=6)
    assert custom.estimate == pytest.approx(named.estimate)
    assert (custom.low, custom.high) == pytest.approx((named.low, named.high))


def test_bootstrap_ci_of_perfect_predictions_is_a_point():
    y = np.arange(60) % 6
    assert bootstrap_ci(y, y, "macro_f1", n_resamples=50, num_labels=6) == Interval(1.0, 1.0, 1.0)


def test_bootstrap_ci_across_chunks(monkeypatch, noisy):
    monkeypatch.setattr(stats, "_CHUNK_ELEMENTS", 1000)  # 500 examples -> 2 resamples a chunk
    y_true, y_pred = noisy(2, n=500)
    iv = bootstrap_ci(y_true, y_pred, "accuracy", n_resamples=101, num_labels=6)
    assert iv.low < iv.estimate < iv.high


def test_bootstrap_ci_argument_errors():
    with pytest.raises(ValueError, match=r"`n_resamples` \(0\) must be >= 1"):
        bootstrap_ci([0, 1], [0, 1], n_resamples=0, num_labels=6)
    with pytest.raises(ValueError, match=r"`level` \(1.5\) must be in \(0, 1\)"):
        bootstrap_ci([0, 1], [0, 1], level=1.5, num_labels=6)


def test_bootstrap_macro_f1_is_fast(noisy):
    y_true, y_pred = noisy(0)
    bootstrap_ci(y_true, y_pred, "macro_f1", n_resamples=10, num_labels=6)  # warm-up
    start = time.perf_counter()
    bootstrap_ci(y_true, y_pred, "macro_f1", n_resamples=1000, num_labels=6)
    assert time.perf_counter() - start < 1.0


def test_bootstrap_coverage_of_known_accuracy():
    """The 95% percentile interval covers the true accuracy in about 95% of test sets."""
    truth, n, reps = 0.85, 500, 200
    rng = np.random.default_rng(12345)
    y_true = np.zeros(n, dtype=np.int64)
    covered = 0
    for rep in range(reps):
        y_pred = (rng.random(n) >= truth).astype(np.int64)  # 0 (correct) with prob. 0.85
        iv = bootstrap_ci(y_true, y_pred, "accuracy", num_labels=2, n_resamples=1000, seed=rep)
        covered += iv.low <= truth <= iv.high
    assert 0.90 <= covered / reps <= 0.99


def test_per_class_f1_ci_matches_sklearn_per_class(noisy):
    y_true, y_pred = noisy(4, n=600, correct=0.7)
    intervals = per_class_f1_ci(y_true, y_pred, n_resamples=200, num_labels=6)
    expected = f1_score(y_true, y_pred, average=None, labels=range(6), zero_division=0)
    assert len(intervals) == 6
    assert [iv.estimate for iv in intervals] == pytest.approx(list(expected))
    assert all(iv.low <= iv.estimate <= iv.high for iv in intervals)


def test_per_class_f1_ci_of_absent_class_is_zero(noisy):
    y_true, y_pred = noisy(5, n=100, k=5)
    assert per_class_f1_ci(y_true, y_pred, n_resamples=20, num_labels=6)[5] == Interval(
        0.0, 0.0, 0.0
    )


def test_min_detectable_difference_is_the_anchors_figure():
    width = min_detectable_difference(2000, p=0.9)
    assert width == pytest.approx(1.959964 * math.sqrt(0.9 * 0.1 / 2000), rel=1e-6)
    assert round(100 * width, 1) == 1.3
    assert "±1.3 points" in precision_note(2000)
    assert min_detectable_difference(2000, level=0.99) > width
    with pytest.raises(ValueError, match=r"`n` \(0\) must be >= 1"):
        min_detectable_difference(0)
    with pytest.raises(ValueError, match=r"`p` \(1.2\) must be in \[0, 1\]"):
        min_detectable_difference(100, p=1.2)
