"""What distillation buys: each distilled student against the same student trained without a
teacher, on the same seeds and test examples.

A distilled row is named ``"<student> ← <teacher> (KD)"`` (see
:func:`emobench_core.scenarios.run.run_model`); its baseline is the row named ``<student>`` with
the same init on the same device.

    emobench report results/gpu/bench.json --output RESULTS.md   # the "Distillation" section
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from emobench_core.metrics.ranking import holm
from emobench_core.metrics.scores import Metric
from emobench_core.metrics.seeds import combine
from emobench_core.metrics.significance import DEFAULT_RESAMPLES, per_seed_draws
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
    """Seed-mean gain with a 95% interval over seeds and test examples, seeds as the unit
    (:func:`~emobench_core.metrics.seeds.combine` of the per-seed gains)."""
    gain_accuracy_std: float | None
    """Std of the per-seed gains (``ddof=1``, like the leaderboard; ``None`` with one seed)."""
    gain_macro_f1: Interval
    gain_macro_f1_std: float | None
    pvalue_accuracy: float
    """Two-sided p-value of the seed-mean accuracy gain, seeds as the unit (the t test of the
    gain's interval)."""
    pvalue_macro_f1: float
    """The same for the seed-mean macro-F1 gain."""
    train_s: float
    """The student's own training wall time, mean over seeds."""
    teacher_train_s: float | None = None
    """The teacher's fine-tuning wall time, mean over seeds (``None``: not recorded)."""
    teacher_logits_s: float | None = None
    """Computing the teacher's logits on the training split, mean over seeds."""
    pvalue_accuracy_holm: float = 1.0
    """Holm-adjusted over every distilled row's tests of one metric."""
    pvalue_macro_f1_holm: float = 1.0
    per_class_gain: dict[str, float] = field(default_factory=dict)
    n_resamples: int = DEFAULT_RESAMPLES
    accuracy_ci: Interval | None = None
    """The distilled row's seed-mean accuracy on these seeds, 95% interval, seeds as the unit
    (what a comparison with a published figure rests on)."""
    macro_f1_ci: Interval | None = None

    @property
    def total_train_s(self) -> float | None:
        """Student, teacher and logits together: what the row cost to train from nothing."""
        if self.teacher_train_s is None:
            return None
        return self.train_s + self.teacher_train_s + (self.teacher_logits_s or 0.0)


def _by_row(results: Sequence[RunResult]) -> dict[tuple[str, str, str], dict[int, RunResult]]:
    rows: dict[tuple[str, str, str], dict[int, RunResult]] = defaultdict(dict)
    for r in results:
        rows[(r.model.name, r.model.init, r.efficiency.device)][r.seed] = r
    return rows


def _std(values: Sequence[float]) -> float | None:
    return float(np.std(values, ddof=1)) if len(values) > 1 else None


def _mean(values: Sequence[float | None]) -> float | None:
    known = [v for v in values if v is not None]
    return float(np.mean(known)) if known and len(known) == len(values) else None


def _gain(
    y: np.ndarray,
    kd: np.ndarray,
    base: np.ndarray,
    per_seed: Sequence[float],
    metric: Metric,
    *,
    num_labels: int,
    n_resamples: int,
    seed: int,
    level: float,
) -> tuple[Interval, float]:
    """The seed-mean gain's interval and p-value, seeds as the unit: the per-seed gains (a
    distilled seed against the undistilled run of the same seed) and their draws on the same
    resampled test examples."""
    kw: dict[str, Any] = {"num_labels": num_labels, "n_resamples": n_resamples, "seed": seed}
    draws = per_seed_draws(y, kd, metric, **kw) - per_seed_draws(y, base, metric, **kw)
    estimate = combine([(1.0, per_seed, draws)])
    return estimate.interval(level), estimate.pvalue


def distillation_gains(
    results: Sequence[RunResult],
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    level: float = 0.95,
) -> list[DistillationGain]:
    """Gains of every distilled row that has a baseline row with at least one common seed;
    p-values Holm-adjusted over the distilled rows."""
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
        per_seed_acc = [kd_runs[s].metrics.accuracy - base_runs[s].metrics.accuracy for s in seeds]
        per_seed_f1 = [kd_runs[s].metrics.macro_f1 - base_runs[s].metrics.macro_f1 for s in seeds]
        k = len(first.labels)
        acc_gain, acc_p = _gain(
            y,
            kd,
            base,
            per_seed_acc,
            "accuracy",
            num_labels=k,
            n_resamples=n_resamples,
            seed=seed,
            level=level,
        )
        f1_gain, f1_p = _gain(
            y,
            kd,
            base,
            per_seed_f1,
            "macro_f1",
            num_labels=k,
            n_resamples=n_resamples,
            seed=seed,
            level=level,
        )
        kd_info = [kd_runs[s].distillation for s in seeds]
        opts: dict[str, Any] = {"num_labels": k, "n_resamples": n_resamples, "seed": seed}
        own = {
            metric: combine(
                [
                    (
                        1.0,
                        [getattr(kd_runs[s].metrics, metric) for s in seeds],
                        per_seed_draws(y, kd, metric, **opts),
                    )
                ]
            ).interval(level)
            for metric in ("accuracy", "macro_f1")
        }
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
                n_resamples=n_resamples,
                accuracy=float(np.mean([kd_runs[s].metrics.accuracy for s in seeds])),
                accuracy_base=float(np.mean([base_runs[s].metrics.accuracy for s in seeds])),
                macro_f1=float(np.mean([kd_runs[s].metrics.macro_f1 for s in seeds])),
                macro_f1_base=float(np.mean([base_runs[s].metrics.macro_f1 for s in seeds])),
                accuracy_ci=own["accuracy"],
                macro_f1_ci=own["macro_f1"],
                gain_accuracy=acc_gain,
                gain_accuracy_std=_std(per_seed_acc),
                gain_macro_f1=f1_gain,
                gain_macro_f1_std=_std(per_seed_f1),
                pvalue_accuracy=acc_p,
                pvalue_macro_f1=f1_p,
                train_s=float(np.mean([kd_runs[s].training.wall_s for s in seeds])),
                teacher_train_s=_mean([d.teacher_train_s if d else None for d in kd_info]),
                teacher_logits_s=_mean([d.teacher_logits_s if d else None for d in kd_info]),
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
    acc_holm = holm([g.pvalue_accuracy for g in out])
    f1_holm = holm([g.pvalue_macro_f1 for g in out])
    return [
        dataclasses.replace(g, pvalue_accuracy_holm=qa, pvalue_macro_f1_holm=qf)
        for g, qa, qf in zip(out, acc_holm, f1_holm, strict=True)
    ]
