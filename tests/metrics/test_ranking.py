"""Unit tests for emobench_core.metrics.ranking: Holm, tiers and Pareto fronts by hand."""

from __future__ import annotations

import numpy as np
import pytest

from emobench_core.metrics.ranking import holm, pareto_front, tiers


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
