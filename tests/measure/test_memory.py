"""Each model's own peak memory: a model measured after a larger one in the same process must not
report the larger one's peak (``ru_maxrss`` alone would)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from emobench_core.measure.memory import OwnPeak

MIB = 2**20


def _touch(mib: int) -> np.ndarray:
    block = np.ones(mib * MIB, dtype=np.uint8)  # ones, not zeros: every page is resident
    return block


def test_a_small_block_after_a_large_one_reports_its_own_peak() -> None:
    with OwnPeak() as large:
        block = _touch(400)
        del block
    with OwnPeak() as small:
        block = _touch(40)
        del block
    assert large.basis == small.basis == OwnPeak.RESET  # Linux: the kernel's peak is reset
    assert 380 < large.mb < 480
    assert 30 < small.mb < 120  # the old process-wide figure would be >= 400
    assert small.mb < large.mb


def test_the_svm_trained_after_a_large_allocation_reports_its_own_peak(emotion_dir: Path) -> None:
    from emobench_core.config import Recipe
    from emobench_core.data.loading import load_data
    from emobench_core.models.backends.sklearn import fit_svm

    block = _touch(600)
    del block
    dsd = load_data(emotion_dir, max_train_rows=500)
    _, info = fit_svm(dsd, Recipe())
    assert info.peak_memory_basis == OwnPeak.RESET
    assert info.peak_memory_mb < 300  # ru_maxrss would include the 600 MiB block
