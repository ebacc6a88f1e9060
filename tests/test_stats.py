"""Unit tests for emobench_core.metrics.stats against sklearn and hand-computed values."""

from __future__ import annotations

import math
import time

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

import emobench_core.metrics.stats as stats
from emobench_core.metrics.stats import (
    Interval,
    McNemarResult,
    PairedResult,
    accuracy,
    bootstrap_ci,
    holm,
    macro_f1,
    mcnemar,
    min_detectable_difference,
    paired_bootstrap,
    pareto_front,
    per_class_f1_ci,
    precision_note,
    tiers,
)


def _noisy(seed: int, n: int = 2000, correct: float = 0.9, k: int = 6):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, k, n)
    y_pred = np.where(rng.random(n) < correct, y_true, rng.integers(0, k, n))
    return y_true, y_pred


# ---------------------------------------------------------------------------- metrics


@pytest.mark.parametrize("seed", range(5))
def test_macro_f1_and_accuracy_match_sklearn(seed):
    y_true, y_pred = _noisy(seed, n=300, correct=0.5)
    expected = f1_score(y_true, y_pred, average="macro", labels=range(6), zero_division=0)
    assert macro_f1(y_true, y_pred) == pytest.approx(expected, abs=1e-12)
    assert accuracy(y_true, y_pred) == pytest.approx(accuracy_score(y_true, y_pred), abs=1e-12)


def test_macro_f1_matches_sklearn_with_absent_classes():
    # class 5 never appears; class 4 is only ever predicted (F1 0).
    y_true = np.array([0, 0, 1, 2, 3, 3, 1, 0])
    y_pred = np.array([0, 4, 1, 2, 3, 0, 1, 4])
    expected = f1_score(y_true, y_pred, average="macro", labels=range(6), zero_division=0)
    assert macro_f1(y_true, y_pred) == pytest.approx(expected, abs=1e-12)


def test_macro_f1_by_hand():
    y_true, y_pred = [0, 0, 1, 1], [0, 1, 1, 1]
    # class 0: tp 1, fn 1 -> F1 2/3; class 1: tp 2, fp 1 -> F1 4/5.
    assert macro_f1(y_true, y_pred, num_labels=2) == pytest.approx((2 / 3 + 4 / 5) / 2)
    assert macro_f1(y_true, y_pred, num_labels=3) == pytest.approx((2 / 3 + 4 / 5) / 3)
    assert accuracy(y_true, y_pred) == 0.75


def test_metric_input_errors():
    with pytest.raises(ValueError, match=r"`y_true` has 3 examples but `y_pred` has 2"):
        macro_f1([0, 1, 2], [0, 1])
    with pytest.raises(ValueError, match=r"dtype float64; pass integer label ids"):
        accuracy([0, 1], np.array([0.0, 1.0]))
    with pytest.raises(ValueError, match=r"labels in \[0, 6\], outside \[0, 6\).*num_labels=7"):
        macro_f1([0, 6], [0, 1])
    with pytest.raises(ValueError, match=r"labels in \[-1, 1\], outside \[0, 6\); fix the label"):
        macro_f1([0, 1], [-1, 1])
    with pytest.raises(ValueError, match=r"non-empty 1-D array"):
        macro_f1([], [])
    with pytest.raises(ValueError, match=r"unknown metric 'f1'"):
        bootstrap_ci([0, 1], [0, 1], "f1")


# ---------------------------------------------------------------------------- intervals


def test_interval_round_trip_and_validation():
    iv = Interval(0.9, 0.88, 0.92)
    assert iv.to_dict() == {"estimate": 0.9, "low": 0.88, "high": 0.92, "level": 0.95}
    assert Interval.from_dict(iv.to_dict()) == iv
    with pytest.raises(ValueError, match=r"`low` \(0.9\) must be <= `high` \(0.8\)"):
        Interval(0.85, 0.9, 0.8)
    with pytest.raises(ValueError, match=r"`level` \(95\) must be in \(0, 1\)"):
        Interval(0.9, 0.8, 0.95, level=95)


def test_bootstrap_ci_is_seeded_and_brackets_the_estimate():
    y_true, y_pred = _noisy(0)
    a = bootstrap_ci(y_true, y_pred, "macro_f1", n_resamples=300, seed=3)
    assert a == bootstrap_ci(y_true, y_pred, "macro_f1", n_resamples=300, seed=3)
    assert a != bootstrap_ci(y_true, y_pred, "macro_f1", n_resamples=300, seed=4)
    assert a.estimate == pytest.approx(macro_f1(y_true, y_pred))
    assert a.low < a.estimate < a.high
    assert a.high - a.low < 0.05


def test_bootstrap_ci_callable_uses_the_same_resamples():
    y_true, y_pred = _noisy(1, n=200)
    named = bootstrap_ci(y_true, y_pred, "accuracy", n_resamples=100, seed=7)
    custom = bootstrap_ci(y_true, y_pred, accuracy_score, n_resamples=100, seed=7)
    assert custom.estimate == pytest.approx(named.estimate)
    assert (custom.low, custom.high) == pytest.approx((named.low, named.high))


def test_bootstrap_ci_of_perfect_predictions_is_a_point():
    y = np.arange(60) % 6
    assert bootstrap_ci(y, y, "macro_f1", n_resamples=50) == Interval(1.0, 1.0, 1.0)


def test_bootstrap_ci_across_chunks(monkeypatch):
    monkeypatch.setattr(stats, "_CHUNK_ELEMENTS", 1000)  # 500 examples -> 2 resamples a chunk
    y_true, y_pred = _noisy(2, n=500)
    iv = bootstrap_ci(y_true, y_pred, "accuracy", n_resamples=101)
    assert iv.low < iv.estimate < iv.high


def test_bootstrap_ci_argument_errors():
    with pytest.raises(ValueError, match=r"`n_resamples` \(0\) must be >= 1"):
        bootstrap_ci([0, 1], [0, 1], n_resamples=0)
    with pytest.raises(ValueError, match=r"`level` \(1.5\) must be in \(0, 1\)"):
        bootstrap_ci([0, 1], [0, 1], level=1.5)


def test_bootstrap_macro_f1_is_fast():
    y_true, y_pred = _noisy(0)
    bootstrap_ci(y_true, y_pred, "macro_f1", n_resamples=10)  # warm-up
    start = time.perf_counter()
    bootstrap_ci(y_true, y_pred, "macro_f1", n_resamples=1000)
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


def test_per_class_f1_ci_matches_sklearn_per_class():
    y_true, y_pred = _noisy(4, n=600, correct=0.7)
    intervals = per_class_f1_ci(y_true, y_pred, n_resamples=200)
    expected = f1_score(y_true, y_pred, average=None, labels=range(6), zero_division=0)
    assert len(intervals) == 6
    assert [iv.estimate for iv in intervals] == pytest.approx(list(expected))
    assert all(iv.low <= iv.estimate <= iv.high for iv in intervals)


def test_per_class_f1_ci_of_absent_class_is_zero():
    y_true, y_pred = _noisy(5, n=100, k=5)
    assert per_class_f1_ci(y_true, y_pred, n_resamples=20)[5] == Interval(0.0, 0.0, 0.0)


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


# ---------------------------------------------------------------------------- paired tests


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


def test_paired_bootstrap_of_identical_models():
    y_true, y_pred = _noisy(0, n=400)
    result = paired_bootstrap(y_true, y_pred, y_pred, n_resamples=100)
    assert result == PairedResult(0.0, 0.0, 0.0, 1.0)


def test_paired_bootstrap_clear_winner_and_symmetry():
    y_true, good = _noisy(0, n=1000, correct=0.95)
    _, bad = _noisy(1, n=1000, correct=0.6)
    ab = paired_bootstrap(y_true, good, bad, "accuracy", n_resamples=300)
    ba = paired_bootstrap(y_true, bad, good, "accuracy", n_resamples=300)
    assert ab.diff == pytest.approx(accuracy(y_true, good) - accuracy(y_true, bad))
    assert 0 < ab.low < ab.diff < ab.high
    assert ab.pvalue == 0.0
    assert ba.diff == pytest.approx(-ab.diff)
    assert (ba.low, ba.high) == pytest.approx((-ab.high, -ab.low))
    assert ab.to_dict()["pvalue"] == 0.0


def test_paired_bootstrap_pvalue_definition():
    """p = 2 * share of resampled differences at or beyond zero, against the observed sign."""
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
    share = np.mean(diffs <= 0) if observed > 0 else np.mean(diffs >= 0)
    assert result.diff == pytest.approx(observed)
    assert result.pvalue == pytest.approx(min(1.0, 2 * share))
    assert 0 < result.pvalue < 1


# ---------------------------------------------------------------------------- many models


def test_holm_by_hand():
    # sorted: .005*4 = .02, .01*3 = .03, .03*2 = .06, .04*1 = .04 -> running max .06
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.6]) == [1.0, 1.0]
    assert holm([0.2]) == [0.2]
    assert holm([]) == []
    with pytest.raises(ValueError, match=r"`pvalues` must all be in \[0, 1\]"):
        holm([0.1, 1.5])


NAMES = ["a", "b", "c"]
SCORES = [0.90, 0.89, 0.80]


def test_tiers_split_on_significant_gap():
    p = np.array([[1.0, 0.5, 0.001], [0.5, 1.0, 0.001], [0.001, 0.001, 1.0]])
    assert tiers(NAMES, SCORES, p) == [["a", "b"], ["c"]]
    table = {frozenset(("a", "b")): 0.5, frozenset(("a", "c")): 0.001, frozenset(("b", "c")): 0.001}
    assert tiers(NAMES, SCORES, lambda x, y: table[frozenset((x, y))]) == [["a", "b"], ["c"]]


def test_tiers_apply_holm():
    # raw p(a, c) = 0.02 < 0.05, but Holm over 3 pairs makes it 0.06: one tier.
    p = np.array([[1.0, 0.8, 0.02], [0.8, 1.0, 0.3], [0.02, 0.3, 1.0]])
    assert tiers(NAMES, SCORES, p) == [["a", "b", "c"]]
    assert tiers(NAMES, SCORES, p, alpha=0.1) == [["a", "b"], ["c"]]


def test_tiers_are_anchored_on_the_leader():
    names = ["d", "c", "b", "a"]  # input order does not matter, scores do
    scores = [0.75, 0.80, 0.85, 0.90]
    sig = {frozenset(("a", "c")), frozenset(("a", "d")), frozenset(("b", "d"))}
    groups = tiers(names, scores, lambda x, y: 0.0 if frozenset((x, y)) in sig else 1.0)
    # b is not worse than leader a; c is, and leads tier 2; d is not worse than c.
    assert groups == [["a", "b"], ["c", "d"]]


def test_tiers_edge_cases_and_errors():
    assert tiers([], [], lambda x, y: 1.0) == []
    assert tiers(["x", "y"], [0.5, 0.5], lambda x, y: 0.0) == [["x", "y"]]  # equal scores
    with pytest.raises(ValueError, match=r"not symmetric"):
        tiers(NAMES, SCORES, np.triu(np.full((3, 3), 0.01)))
    with pytest.raises(ValueError, match=r"shape \(2, 2\) but there are 3 names"):
        tiers(NAMES, SCORES, np.ones((2, 2)))
    with pytest.raises(ValueError, match=r"duplicate model names \['a'\]"):
        tiers(["a", "a"], [0.1, 0.2], lambda x, y: 1.0)
    with pytest.raises(ValueError, match=r"3 names but 2 scores"):
        tiers(NAMES, [0.1, 0.2], lambda x, y: 1.0)
    with pytest.raises(ValueError, match=r"`alpha` \(5\) must be in \(0, 1\)"):
        tiers(NAMES, SCORES, lambda x, y: 1.0, alpha=5)


def test_pareto_front_with_ties():
    points = [
        ("a", 1.0, 0.80),
        ("b", 2.0, 0.90),
        ("c", 2.0, 0.85),  # same cost as b, lower score: dominated
        ("d", 3.0, 0.90),  # same score as b, higher cost: dominated
        ("e", 1.0, 0.80),  # exact duplicate of a: neither dominates, both stay
        ("f", 0.5, 0.70),
        ("g", 2.5, 0.95),
    ]
    assert pareto_front(points) == {"a", "b", "e", "f", "g"}
    assert pareto_front([]) == set()
    assert pareto_front([("only", 1.0, 0.1)]) == {"only"}


def test_pareto_front_errors():
    with pytest.raises(ValueError, match=r"duplicate point name 'a'"):
        pareto_front([("a", 1.0, 0.5), ("a", 2.0, 0.6)])
    with pytest.raises(ValueError, match=r"point 'a' has cost nan.*must be finite"):
        pareto_front([("a", float("nan"), 0.5)])
