"""Tests for emobench_core.metrics.evaluation: metrics checked against values worked out by hand."""

from __future__ import annotations

import json

import pytest

from emobench_core.data.loading import EMOTION_LABELS as LABELS
from emobench_core.metrics.evaluation import compute_metrics
from emobench_core.schema.records import ClassMetrics, Metrics

# Ten predictions over the six classes. Worked out by hand (rows: true, columns: predicted):
#   sadness  2 of 3 right, one called joy      P 2/3  R 2/3  F1 2/3
#   joy      3 of 4 right, one called sadness  P 3/5  R 3/4  F1 2/3
#   love     its one example called joy        P 0 (never predicted)  R 0  F1 0
#   anger    1 of 1 right, fear called anger   P 1/2  R 1    F1 2/3
#   fear     its one example called anger      P 0 (never predicted)  R 0  F1 0
#   surprise absent from both                  P 0  R 0  F1 0  (zero division → 0)
Y_TRUE = [0, 0, 0, 1, 1, 1, 1, 2, 3, 4]
Y_PRED = [0, 0, 1, 1, 1, 1, 0, 1, 3, 3]
CONFUSION = [
    [2, 1, 0, 0, 0, 0],
    [1, 3, 0, 0, 0, 0],
    [0, 1, 0, 0, 0, 0],
    [0, 0, 0, 1, 0, 0],
    [0, 0, 0, 1, 0, 0],
    [0, 0, 0, 0, 0, 0],
]
PER_CLASS = {
    "sadness": (2 / 3, 2 / 3, 2 / 3, 3),
    "joy": (3 / 5, 3 / 4, 2 / 3, 4),
    "love": (0.0, 0.0, 0.0, 1),
    "anger": (1 / 2, 1.0, 2 / 3, 1),
    "fear": (0.0, 0.0, 0.0, 1),
    "surprise": (0.0, 0.0, 0.0, 0),
}


@pytest.fixture
def metrics() -> Metrics:
    return compute_metrics(Y_TRUE, Y_PRED, LABELS)


def test_accuracy_and_count(metrics: Metrics) -> None:
    assert metrics.accuracy == pytest.approx(6 / 10)
    assert metrics.n == 10


def test_confusion_matrix(metrics: Metrics) -> None:
    assert metrics.confusion_matrix == CONFUSION


@pytest.mark.parametrize("label", LABELS)
def test_per_class(metrics: Metrics, label: str) -> None:
    precision, recall, f1, support = PER_CLASS[label]
    got = metrics.per_class[label]
    assert (got.precision, got.recall, got.f1) == pytest.approx((precision, recall, f1))
    assert got.support == support


def test_macro_averages_over_all_six_classes(metrics: Metrics) -> None:
    assert list(metrics.per_class) == list(LABELS)
    assert metrics.macro_precision == pytest.approx((2 / 3 + 3 / 5 + 1 / 2) / 6)  # 53/180
    assert metrics.macro_recall == pytest.approx((2 / 3 + 3 / 4 + 1) / 6)  # 29/72
    assert metrics.macro_f1 == pytest.approx(3 * (2 / 3) / 6)  # 1/3


def test_weighted_f1_weights_by_support(metrics: Metrics) -> None:
    assert metrics.weighted_f1 == pytest.approx((3 + 4 + 1) * (2 / 3) / 10)  # 8/15


def test_zero_division_gives_zero_without_warning() -> None:
    # joy is never predicted and surprise never occurs: sklearn would warn without
    # zero_division, and warnings are errors in this suite.
    m = compute_metrics([0, 1, 1], [0, 0, 0], LABELS)
    assert m.per_class["joy"] == ClassMetrics(0.0, 0.0, 0.0, 2)
    assert m.per_class["surprise"] == ClassMetrics(0.0, 0.0, 0.0, 0)
    assert m.per_class["sadness"].precision == pytest.approx(1 / 3)
    assert m.per_class["sadness"].recall == 1.0


def test_perfect_predictions() -> None:
    y = [0, 1, 2, 3, 4, 5]
    m = compute_metrics(y, y, LABELS)
    assert (m.accuracy, m.macro_f1, m.weighted_f1) == (1.0, 1.0, 1.0)
    assert m.confusion_matrix == [[int(i == j) for j in range(6)] for i in range(6)]


@pytest.mark.parametrize(
    ("y_true", "y_pred", "shapes"),
    [
        ([0, 1, 2], [0, 1], "(3,) and (2,)"),
        ([], [], "(0,) and (0,)"),
        ([[0, 1]], [[0, 1]], "(1, 2) and (1, 2)"),
    ],
)
def test_shape_errors(y_true: list, y_pred: list, shapes: str) -> None:
    with pytest.raises(ValueError, match="equal-length, non-empty 1-D") as err:
        compute_metrics(y_true, y_pred, LABELS)
    assert shapes in str(err.value)


@pytest.mark.parametrize(
    ("y_true", "y_pred", "bad"), [([0, 6], [0, 1], "[6]"), ([0], [-100], "[-100]")]
)
def test_label_ids_outside_the_label_set(y_true: list, y_pred: list, bad: str) -> None:
    with pytest.raises(ValueError, match="outside 0..5") as err:
        compute_metrics(y_true, y_pred, LABELS)
    assert f"label ids {bad}" in str(err.value)


def test_custom_labels() -> None:
    m = compute_metrics([0, 1, 1], [0, 1, 0], labels=("neg", "pos"))
    assert list(m.per_class) == ["neg", "pos"]
    assert m.confusion_matrix == [[1, 0], [1, 1]]


def test_to_dict_from_dict_round_trip(metrics: Metrics) -> None:
    data = json.loads(json.dumps(metrics.to_dict()))
    joy = {"precision": 0.6, "recall": 0.75, "f1": 2 / 3, "support": 4}
    assert data["per_class"]["joy"] == pytest.approx(joy)
    again = Metrics.from_dict(data)
    assert again == metrics
    assert isinstance(again.per_class["joy"], ClassMetrics)
