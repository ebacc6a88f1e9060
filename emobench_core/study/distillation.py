"""What distillation buys: each distilled student against the same student trained without a
teacher, on the same seeds and test examples.

A distilled row is named ``"<student> ← <teacher> (KD)"`` (see
:func:`emobench_core.scenarios.run.run_model`); its baseline is the row named ``<student>`` with
the same init on the same device.

    emobench report results/gpu/bench.json --output RESULTS.md   # the "Distillation" section
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from emobench_core.metrics.scores import macro_f1
from emobench_core.metrics.significance import mcnemar
from emobench_core.metrics.stats import Interval
from emobench_core.schema.run import RunResult

KD_MARK = " ← "


@dataclass(frozen=True)
class DistillationGain:
    """``distilled - baseline`` for one student on the seeds both rows have."""

    label: str
    student: str
    teacher: str
    init: str
    device: str
    alpha: float
    temperature: float
    seeds: tuple[int, ...]
    accuracy: float
    accuracy_base: float
    macro_f1: float
    macro_f1_base: float
    gain_accuracy: Interval
    """Seed-mean gain with a 95% paired-bootstrap interval over test examples."""
    gain_accuracy_std: float
    gain_macro_f1: Interval
    gain_macro_f1_std: float
    pvalue_macro_f1: float
    """Two-sided paired-bootstrap p-value of the seed-mean macro-F1 gain."""
    mcnemar_pvalues: tuple[float, ...]
    """McNemar on per-example correctness, one per seed."""
    per_class_gain: dict[str, float]


def _by_row(results: Sequence[RunResult]) -> dict[tuple[str, str, str], dict[int, RunResult]]:
    rows: dict[tuple[str, str, str], dict[int, RunResult]] = defaultdict(dict)
    for r in results:
        rows[(r.model.name, r.model.init, r.efficiency.device)][r.seed] = r
    return rows


def _gains(
    idx: np.ndarray, y: np.ndarray, kd: np.ndarray, base: np.ndarray, k: int
) -> tuple[float, float]:
    """Seed-mean (accuracy, macro-F1) gain of ``kd`` over ``base`` on test examples ``idx``
    (``k`` classes)."""
    yi = y[idx]
    pairs = list(zip(kd, base, strict=True))
    acc = float(np.mean([(a[idx] == yi).mean() - (b[idx] == yi).mean() for a, b in pairs]))
    f1 = float(
        np.mean(
            [
                macro_f1(yi, a[idx], num_labels=k) - macro_f1(yi, b[idx], num_labels=k)
                for a, b in pairs
            ]
        )
    )
    return acc, f1


def _interval(estimate: float, draws: np.ndarray, lo: float, hi: float, level: float) -> Interval:
    low, high = np.percentile(draws, [lo, hi])
    return Interval(estimate, float(low), float(high), level=level)


def distillation_gains(
    results: Sequence[RunResult], *, n_resamples: int = 1000, seed: int = 0, level: float = 0.95
) -> list[DistillationGain]:
    """Gains of every distilled row that has a baseline row with at least one common seed."""
    rows = _by_row(results)
    out = []
    for (name, init, device), kd_runs in sorted(rows.items()):
        first = next(iter(kd_runs.values()))
        if first.distillation is None:
            continue
        student = first.distillation.student
        base_runs = rows.get((student, init, device), {})
        seeds = tuple(sorted(set(kd_runs) & set(base_runs)))
        if not seeds:
            continue
        y = np.asarray(kd_runs[seeds[0]].predictions["y_true"])
        kd = np.stack([np.asarray(kd_runs[s].predictions["y_pred"]) for s in seeds])
        base = np.stack([np.asarray(base_runs[s].predictions["y_pred"]) for s in seeds])

        full = np.arange(len(y))
        k = len(first.labels)
        acc0, f10 = _gains(full, y, kd, base, k)
        rng = np.random.default_rng(seed)
        draws = np.array(
            [_gains(rng.integers(0, len(y), len(y)), y, kd, base, k) for _ in range(n_resamples)]
        )
        lo, hi = (1 - level) / 2 * 100, (1 + level) / 2 * 100
        per_seed_acc = [kd_runs[s].metrics.accuracy - base_runs[s].metrics.accuracy for s in seeds]
        per_seed_f1 = [kd_runs[s].metrics.macro_f1 - base_runs[s].metrics.macro_f1 for s in seeds]
        below = float(np.mean(draws[:, 1] <= 0)) if f10 > 0 else float(np.mean(draws[:, 1] >= 0))
        out.append(
            DistillationGain(
                label=name,
                student=student,
                teacher=first.distillation.teacher,
                init=init,
                device=device,
                alpha=float(first.distillation.alpha),
                temperature=float(first.distillation.temperature),
                seeds=seeds,
                accuracy=float(np.mean([kd_runs[s].metrics.accuracy for s in seeds])),
                accuracy_base=float(np.mean([base_runs[s].metrics.accuracy for s in seeds])),
                macro_f1=float(np.mean([kd_runs[s].metrics.macro_f1 for s in seeds])),
                macro_f1_base=float(np.mean([base_runs[s].metrics.macro_f1 for s in seeds])),
                gain_accuracy=_interval(acc0, draws[:, 0], lo, hi, level),
                gain_accuracy_std=float(np.std(per_seed_acc)),
                gain_macro_f1=_interval(f10, draws[:, 1], lo, hi, level),
                gain_macro_f1_std=float(np.std(per_seed_f1)),
                pvalue_macro_f1=min(1.0, 2 * below),
                mcnemar_pvalues=tuple(
                    mcnemar(kd[i] == y, base[i] == y).pvalue for i in range(len(seeds))
                ),
                per_class_gain={
                    e: float(
                        np.mean(
                            [
                                kd_runs[s].metrics.per_class[e].f1
                                - base_runs[s].metrics.per_class[e].f1
                                for s in seeds
                            ]
                        )
                    )
                    for e in first.labels
                },
            )
        )
    return out
