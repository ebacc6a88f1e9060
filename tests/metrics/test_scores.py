"""Unit tests for emobench_core.metrics.scores against sklearn and hand-computed values."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import accuracy_score, f1_score

from emobench_core.metrics.scores import accuracy, macro_f1
from emobench_core.metrics.stats import bootstrap_ci


@pytest.mark.parametrize("seed", range(5))
def test_macro_f1_and_accuracy_match_sklearn(seed, noisy):
    y_true, y_pred = noisy(seed, n=300, correct=0.5)
    expected = f1_score(y_true, y_pred, average="macro", labels=range(6), zero_division=0)
    assert macro_f1(y_true, y_pred, num_labels=6) == pytest.approx(expected, abs=1e-12)
    assert accuracy(y_true, y_pred, num_labels=6) == pytest.approx(
        accuracy_score(y_true, y_pred), abs=1e-12
    )


def test_macro_f1_matches_sklearn_with_absent_classes():
    # class 5 never appears; class 4 is only ever predicted (F1 0).
    y_true = np.array([0, 0, 1, 2, 3, 3, 1, 0])
    y_pred = np.array([0, 4, 1, 2, 3, 0, 1, 4])
    expected = f1_score(y_true, y_pred, average="macro", labels=range(6), zero_division=0)
    assert macro_f1(y_true, y_pred, num_labels=6) == pytest.approx(expected, abs=1e-12)


def test_macro_f1_by_hand():
    y_true, y_pred = [0, 0, 1, 1], [0, 1, 1, 1]
    # class 0: tp 1, fn 1 -> F1 2/3; class 1: tp 2, fp 1 -> F1 4/5.
    assert macro_f1(y_true, y_pred, num_labels=2) == pytest.approx((2 / 3 + 4 / 5) / 2)
    assert macro_f1(y_true, y_pred, num_labels=3) == pytest.approx((2 / 3 + 4 / 5) / 3)
    assert accuracy(y_true, y_pred, num_labels=6) == 0.75


def test_metric_input_errors():
    with pytest.raises(ValueError, match=r"`y_true` has 3 examples but `y_pred` has 2"):
        macro_f1([0, 1, 2], [0, 1], num_labels=6)
    with pytest.raises(ValueError, match=r"dtype float64; pass integer label ids"):
        accuracy([0, 1], np.array([0.0, 1.0]), num_labels=6)
    with pytest.raises(ValueError, match=r"labels in \[0, 6\], outside \[0, 6\).*num_labels=7"):
        macro_f1([0, 6], [0, 1], num_labels=6)
    with pytest.raises(ValueError, match=r"labels in \[-1, 1\], outside \[0, 6\); fix the label"):
        macro_f1([0, 1], [-1, 1], num_labels=6)
    with pytest.raises(ValueError, match=r"non-empty 1-D array"):
        macro_f1([], [], num_labels=6)
    with pytest.raises(ValueError, match=r"unknown metric 'f1'"):
        bootstrap_ci([0, 1], [0, 1], "f1", num_labels=6)
