"""What the regression gate's verdict on a row does not cover, said beside it: a candidate whose
models were trained again (its predictions differ from the baseline's on some test examples),
and a CPU training on another thread count or in another precision than the baseline's (bf16
autocast where the CPU has it, else fp32).

The gate's tests are paired over the test examples with the trained models held fixed: its
intervals and p-values cover which tweets were sampled, not which model a training draws. A
retrained model of an unchanged recipe differs by seed-to-seed variation, which two seeds
cannot estimate; ``scripts/gate_power.py`` measures how often such a retrain is flagged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from emobench_core.schema.run import RunResult


def moved_share(a: RunResult, b: RunResult) -> float:
    """The share of test examples on which two runs' predictions differ."""
    return float(
        np.mean(np.asarray(a.predictions["y_pred"]) != np.asarray(b.predictions["y_pred"]))
    )


def row_notes(row: str, base: Sequence[RunResult], cand: Sequence[RunResult]) -> list[str]:
    """Notes on one row's pairs of runs (``base[i]`` and ``cand[i]``: one seed)."""
    notes = []
    moved = [(b.seed, moved_share(b, c)) for b, c in zip(base, cand, strict=True)]
    moved = [(seed, share) for seed, share in moved if share > 0]
    if moved:
        shares = ", ".join(f"{100 * share:.1f}% (seed {seed})" for seed, share in moved)
        notes.append(
            f"{row}: the candidate's predictions differ from the baseline's on {shares} of the "
            "test examples, so its models were trained again, not reproduced; the intervals and "
            "p-values cover the test examples, not the variation between trainings of one "
            "recipe (scripts/gate_power.py measures how often a retrain of an unchanged recipe "
            "is flagged)"
        )
    for b_threads, c_threads in _differing(base, cand, "threads"):
        notes.append(
            f"{row}: the baseline trained on {b_threads} CPU thread(s), the candidate on "
            f"{c_threads}; a CPU training's predictions depend on the thread count: for a "
            f"like-for-like run set OMP_NUM_THREADS={b_threads}"
        )
    for b_precision, c_precision in _differing(base, cand, "precision"):
        notes.append(
            f"{row}: the baseline trained in {b_precision}, the candidate in {c_precision} (bf16 "
            "autocast runs where the CPU has AVX512-BF16 or AMX, fp32 elsewhere); the "
            "predictions depend on it: for a like-for-like run use a CPU like the baseline's"
        )
    return notes


def _differing(
    base: Sequence[RunResult], cand: Sequence[RunResult], attr: str
) -> list[tuple[object, object]]:
    """The ``(baseline, candidate)`` values of ``training.<attr>`` that differ (both known)."""
    pairs = {
        (getattr(b.training, attr), getattr(c.training, attr))
        for b, c in zip(base, cand, strict=True)
    }
    return sorted((p for p in pairs if None not in p and p[0] != p[1]), key=str)
