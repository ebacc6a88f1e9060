"""How sure is a test-set score: percentile-bootstrap intervals and the resolution of a score.

Every model is scored on the same 2,000 test examples, so each number gets an interval of its
test-set sampling noise (:func:`bootstrap_ci`, :func:`per_class_f1_ci`) and the report says how
far apart two published scores must be to differ (:func:`min_detectable_difference`). Paired
tests between models are in :mod:`emobench_core.metrics.significance`, the ranking of many
models in :mod:`emobench_core.metrics.ranking`. The report calls these on saved predictions:

    emobench report bench.json --results runs/ --bootstrap 1000

Resamples are scored in batches (:func:`emobench_core.metrics.scores.batched`), so 1,000
resamples of 2,000 examples take well under a second.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats as sps

from emobench_core.metrics.scores import Metric, batched, check_pair, confusions, f1_per_class

_CHUNK_ELEMENTS = 2_000_000  # resampled labels held in memory at once (x2 arrays of int64)


def index_chunks(n: int, n_resamples: int, seed: int) -> Iterator[np.ndarray]:
    """Yield bootstrap index matrices ``(chunk, n)`` totalling ``n_resamples`` rows."""
    if n_resamples < 1:
        raise ValueError(f"`n_resamples` ({n_resamples}) must be >= 1")
    rng = np.random.default_rng(seed)
    chunk = max(1, _CHUNK_ELEMENTS // n)
    for start in range(0, n_resamples, chunk):
        yield rng.integers(0, n, size=(min(chunk, n_resamples - start), n))


def check_level(level: float) -> None:
    """Raise ``ValueError`` unless ``level`` is a confidence level in ``(0, 1)``."""
    if not 0 < level < 1:
        raise ValueError(f"`level` ({level}) must be in (0, 1), e.g. 0.95 for a 95% interval")


def percentiles(values: np.ndarray, level: float) -> tuple[np.ndarray, np.ndarray]:
    """The two-sided ``level`` percentile bounds of bootstrap draws, along the first axis."""
    tail = (1 - level) / 2
    low, high = np.quantile(values, [tail, 1 - tail], axis=0)
    return low, high


@dataclass(frozen=True)
class Interval:
    """A point estimate with a two-sided confidence interval ``[low, high]`` at ``level``."""

    estimate: float
    low: float
    high: float
    level: float = 0.95
    method: str = "percentile bootstrap of the test examples"
    """How the interval was computed, and so which sources of variation it covers."""

    def __post_init__(self) -> None:
        check_level(self.level)
        if self.low > self.high:
            raise ValueError(f"`low` ({self.low}) must be <= `high` ({self.high})")

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Interval:
        return cls(**data)


EXAMPLES_ONLY = "percentile bootstrap of the test examples (one seed: seed variation not covered)"


def bootstrap_ci(
    y_true: Any,
    y_pred: Any,
    metric: Metric = "accuracy",
    *,
    num_labels: int,
    n_resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> Interval:
    """Percentile-bootstrap confidence interval for a test-set metric.

    Resamples the test examples with replacement ``n_resamples`` times, scores each resample
    and takes the ``(1 - level) / 2`` and ``(1 + level) / 2`` quantiles. This captures the
    sampling noise of a finite test set, not training-seed variance.

    Args:
        y_true: Gold label ids, shape ``(n,)``.
        y_pred: Predicted label ids, shape ``(n,)``.
        metric: ``"accuracy"``, ``"macro_f1"`` (both vectorised) or a function
            ``f(y_true, y_pred) -> float`` (called once per resample, so slower).
        num_labels: Number of classes.
        n_resamples: Number of bootstrap resamples.
        level: Confidence level of the interval.
        seed: Seed of the resampling generator; the same seed gives the same interval.

    Returns:
        The metric on the full test set with its interval.
    """
    check_level(level)
    t, p = check_pair(y_true, y_pred, num_labels)
    score = batched(metric, num_labels)
    draws = np.concatenate([score(t[i], p[i]) for i in index_chunks(t.size, n_resamples, seed)])
    low, high = percentiles(draws, level)
    estimate = float(score(t[None], p[None])[0])
    return Interval(estimate, float(low), float(high), level)


def per_class_f1_ci(
    y_true: Any,
    y_pred: Any,
    *,
    num_labels: int,
    n_resamples: int = 1000,
    level: float = 0.95,
    seed: int = 0,
) -> list[Interval]:
    """Percentile-bootstrap intervals for each class's F1, in label-id order.

    Rare classes (surprise, love) get wide intervals; this is what the report shows beside
    the per-class table. Arguments are as for :func:`bootstrap_ci`.
    """
    check_level(level)
    t, p = check_pair(y_true, y_pred, num_labels)
    draws = np.concatenate(
        [
            f1_per_class(confusions(t[i], p[i], num_labels))
            for i in index_chunks(t.size, n_resamples, seed)
        ]
    )
    low, high = percentiles(draws, level)
    estimate = f1_per_class(confusions(t[None], p[None], num_labels))[0]
    return [
        Interval(float(e), float(lo), float(hi), level)
        for e, lo, hi in zip(estimate, low, high, strict=True)
    ]


def min_detectable_difference(n: int, p: float = 0.9, level: float = 0.95) -> float:
    """Half-width of the normal-approximation (Wald) interval for a proportion.

    ``z * sqrt(p * (1 - p) / n)`` with ``z`` the two-sided normal quantile for ``level``. For the
    2,000-example test split and accuracy near 0.9 this is about 0.013: the "±1.3 points" quoted
    in ANCHORS.md. Read it as the resolution of a single score: a published accuracy that
    differs from ours by less than this is within test-set noise. (Two models scored on the
    *same* examples can be told apart at finer differences with the paired tests of
    :mod:`emobench_core.metrics.significance`, because their errors are correlated.)

    Args:
        n: Number of test examples.
        p: The proportion (e.g. accuracy) the width is computed at.
        level: Confidence level.

    Returns:
        The half-width, as a proportion (multiply by 100 for points).
    """
    if n < 1:
        raise ValueError(f"`n` ({n}) must be >= 1")
    if not 0 <= p <= 1:
        raise ValueError(f"`p` ({p}) must be in [0, 1]")
    check_level(level)
    z = float(sps.norm.ppf(1 - (1 - level) / 2))
    return z * math.sqrt(p * (1 - p) / n)


def precision_note(n: int, p: float = 0.9, level: float = 0.95) -> str:
    """One sentence for reports: how precise a score on ``n`` test examples is."""
    width = 100 * min_detectable_difference(n, p, level)
    return (
        f"With {n:,} test examples, a {level:.0%} interval on a score near {p:g} is about "
        f"±{width:.1f} points; smaller gaps to published numbers are within test-set noise."
    )
