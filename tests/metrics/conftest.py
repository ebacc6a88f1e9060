"""Fixtures of the metrics tests: synthetic label arrays with a known error rate."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest


def _noisy(seed: int, n: int = 2000, correct: float = 0.9, k: int = 6):
    rng = np.random.default_rng(seed)
    y_true = rng.integers(0, k, n)
    y_pred = np.where(rng.random(n) < correct, y_true, rng.integers(0, k, n))
    return y_true, y_pred


@pytest.fixture
def noisy() -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    """``noisy(seed, n=2000, correct=0.9, k=6)``: gold labels of ``k`` classes and predictions
    right with probability about ``correct`` (a wrong draw can still hit the gold label)."""
    return _noisy
