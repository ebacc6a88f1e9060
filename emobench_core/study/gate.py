"""The regression gate: a candidate's runs against a stored baseline's, pair by pair, on the same
test examples, with paired one-sided tests.

Runs pair by model (a distilled row's name carries its teacher), init and seed. For each pair of
rows (every common seed):

- **quality**: accuracy by McNemar's exact test on per-example correctness (one seed) or the
  paired bootstrap of the seed-mean accuracy (several seeds); macro-F1 by the paired bootstrap of
  the seed mean. One-sided (is the candidate worse?), Holm-adjusted over every gated test. A
  test regresses when its adjusted p is below ``alpha`` *and* the drop is at least
  ``min_effect_pts`` points: a significant drop too small to matter passes, as does a large drop
  the test cannot tell from noise (reported, with its interval);
- **deterministic costs** (parameters, size on disk) must be equal, unless accepted;
- **latency** is gated only when both sides were timed in one job on one machine (an A/B run,
  ``scripts/ab_latency.sh``), with a minimum effect on the median (default 10%); otherwise it is
  reported, never gated (the tests: :mod:`emobench_core.study.gate_latency`).

    emobench compare results/baseline/ci RUNS --markdown summary.md   # exit 0 / 1 / 2
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from emobench_core.errors import ResultsError
from emobench_core.metrics.ranking import holm
from emobench_core.metrics.significance import (
    DEFAULT_RESAMPLES,
    mcnemar,
    seed_mean_difference_draws,
)
from emobench_core.metrics.stats import percentiles
from emobench_core.schema.run import RunResult
from emobench_core.study.gate_latency import LatencyCheck, latency_check
from emobench_core.study.gate_notes import row_notes

COSTS = {"params": "parameters", "size": "size on disk (bytes)"}
"""Deterministic costs: ``--accept-change`` name -> what is compared."""


@dataclass(frozen=True)
class GateSettings:
    alpha: float = 0.01
    min_effect_pts: float = 1.0
    """The smallest quality drop, in points, that counts as a regression."""
    latency_min_effect: float = 0.10
    """The smallest slow-down of the median, as a share, that counts (with a significant test)."""
    accept: frozenset[str] = frozenset()
    """Deterministic costs allowed to change (``params``, ``size``)."""
    n_resamples: int = DEFAULT_RESAMPLES
    seed: int = 0

    def __post_init__(self) -> None:
        if not 0 < self.alpha < 1:
            raise ValueError(f"--alpha ({self.alpha}) must be in (0, 1), e.g. 0.01")
        if self.min_effect_pts < 0 or self.latency_min_effect < 0:
            raise ValueError("minimum effects must be >= 0")
        unknown = sorted(set(self.accept) - set(COSTS))
        if unknown:
            raise ValueError(f"--accept-change {unknown}: choose from {', '.join(COSTS)}")


@dataclass(frozen=True)
class QualityCheck:
    row: str
    metric: str
    seeds: tuple[int, ...]
    baseline: float
    candidate: float
    low: float
    high: float
    """95% paired-bootstrap interval of ``candidate - baseline``."""
    test: str
    pvalue: float
    """One-sided: small when the candidate is worse."""
    pvalue_holm: float = 1.0
    regressed: bool = False

    @property
    def change_pts(self) -> float:
        return 100 * (self.candidate - self.baseline)


@dataclass(frozen=True)
class CostCheck:
    row: str
    what: str
    baseline: float
    candidate: float
    accepted: bool

    @property
    def regressed(self) -> bool:
        return self.baseline != self.candidate and not self.accepted


@dataclass(frozen=True)
class GateReport:
    settings: GateSettings
    quality: tuple[QualityCheck, ...]
    costs: tuple[CostCheck, ...]
    latency: tuple[LatencyCheck, ...]
    missing: tuple[str, ...] = ()
    """Baseline rows (or seeds) the candidate lacks: a gate never passes on cases that vanished."""
    new: tuple[str, ...] = field(default=())
    notes: tuple[str, ...] = ()
    """What a row's verdict does not cover (:mod:`emobench_core.study.gate_notes`)."""

    @property
    def regressed(self) -> bool:
        checks: list[QualityCheck | CostCheck | LatencyCheck] = [
            *self.quality,
            *self.costs,
            *self.latency,
        ]
        return bool(self.missing) or any(c.regressed for c in checks)

    @property
    def exit_code(self) -> int:
        return 1 if self.regressed else 0


def _key(r: RunResult) -> tuple[str, str]:
    return (r.model.name, r.model.init)


def _label(key: tuple[str, str]) -> str:
    name, init = key
    return name if init in ("pretrained", "n/a") else f"{name} ({init})"


def row_label(run: RunResult) -> str:
    """The gate's name for the row ``run`` belongs to."""
    return _label(_key(run))


def _group(results: Sequence[RunResult]) -> dict[tuple[str, str], dict[int, RunResult]]:
    rows: dict[tuple[str, str], dict[int, RunResult]] = defaultdict(dict)
    for r in sorted(results, key=lambda r: (r.created_at, r.run_id)):
        rows[_key(r)][r.seed] = r  # the latest run of a seed wins
    return rows


def _all_runs(results: Sequence[RunResult], key: tuple[str, str], seed: int) -> list[RunResult]:
    """Every run of one row and seed (the rounds of an A/B run)."""
    return [r for r in results if _key(r) == key and r.seed == seed]


def check_comparable(baseline: Sequence[RunResult], candidate: Sequence[RunResult]) -> None:
    """Raise :class:`ResultsError` unless both sides were scored on one dataset and label set."""
    for name, side in (("baseline", baseline), ("candidate", candidate)):
        if not side:
            raise ResultsError(f"the {name} has no run results")
    fps = {r.data.fingerprint for r in baseline} | {r.data.fingerprint for r in candidate}
    if len(fps) != 1:
        raise ResultsError(
            f"baseline and candidate were run on different data (fingerprints "
            f"{', '.join(sorted(f[:12] for f in fps))}); compare runs of one dataset"
        )
    labels = {r.labels for r in baseline} | {r.labels for r in candidate}
    if len(labels) != 1:
        raise ResultsError(f"baseline and candidate use different label sets: {sorted(labels)}")


def _quality(
    row: str, base: list[RunResult], cand: list[RunResult], s: GateSettings
) -> list[QualityCheck]:
    y = np.asarray(base[0].predictions["y_true"])
    if any(r.predictions["y_true"] != base[0].predictions["y_true"] for r in [*base, *cand]):
        raise ResultsError(f"{row}: baseline and candidate were scored on different test examples")
    b = np.asarray([r.predictions["y_pred"] for r in base])
    c = np.asarray([r.predictions["y_pred"] for r in cand])
    seeds = tuple(r.seed for r in base)
    out = []
    for metric in ("accuracy", "macro_f1"):
        draws, diff = seed_mean_difference_draws(
            y,
            c,
            b,
            metric,
            num_labels=len(base[0].labels),
            n_resamples=s.n_resamples,
            seed=s.seed,
        )
        low, high = percentiles(draws, 0.95)
        if metric == "accuracy" and len(seeds) == 1:
            m = mcnemar(b[0] == y, c[0] == y, b_worse=True)  # b: baseline right, candidate wrong
            p = m.pvalue
            test = f"McNemar exact, one-sided (lost {m.b}, won {m.c})"
        else:
            # share of resamples that show no drop, counting the observed sample: never 0
            p = min(1.0, (int(np.sum(draws >= 0)) + 1) / (draws.size + 1))
            test = "paired bootstrap of the seed mean, one-sided"
        base_mean = float(np.mean([getattr(r.metrics, metric) for r in base]))
        out.append(
            QualityCheck(
                row, metric, seeds, base_mean, base_mean + diff, float(low), float(high), test, p
            )
        )
    return out


def not_worse(
    row: str, reference: Sequence[RunResult], runs: Sequence[RunResult], alpha: float = 0.01
) -> list[QualityCheck]:
    """A published claim, tested: ``runs`` (e.g. a distilled student) are not significantly
    worse than ``reference`` (the same student without a teacher) on the seeds both have; the
    checks' ``regressed`` is set where the one-sided Holm-adjusted p is below ``alpha`` (no
    minimum effect: any significant deficit contradicts the claim)."""
    ref, own = _group(reference), _group(runs)
    (ref_key,), (own_key,) = list(ref), list(own)
    common = sorted(set(ref[ref_key]) & set(own[own_key]))
    if not common:
        raise ResultsError(f"{row}: no common seed to test the claim on")
    checks = _quality(
        row, [ref[ref_key][s] for s in common], [own[own_key][s] for s in common], GateSettings()
    )
    adjusted = holm([q.pvalue for q in checks])
    return [
        replace(q, pvalue_holm=h, regressed=h < alpha)
        for q, h in zip(checks, adjusted, strict=True)
    ]


def compare_runs(
    baseline: Sequence[RunResult], candidate: Sequence[RunResult], settings: GateSettings
) -> GateReport:
    """The gate's verdict on ``candidate`` against ``baseline`` (see the module docstring).

    Raises:
        ResultsError: Different data or label sets, or no runs on one side.
    """
    check_comparable(baseline, candidate)
    base_rows, cand_rows = _group(baseline), _group(candidate)
    quality: list[QualityCheck] = []
    costs: list[CostCheck] = []
    latency: list[LatencyCheck] = []
    missing = []
    notes: list[str] = []
    for key in sorted(base_rows):
        row = _label(key)
        if key not in cand_rows:
            missing.append(f"{row}: every seed")
            continue
        common = sorted(set(base_rows[key]) & set(cand_rows[key]))
        missing += [f"{row}: seed {s}" for s in sorted(set(base_rows[key]) - set(common))]
        if not common:
            continue
        base = [base_rows[key][s] for s in common]
        cand = [cand_rows[key][s] for s in common]
        quality += _quality(row, base, cand, settings)
        notes += row_notes(row, base, cand)
        b0, c0 = base[0].model, cand[0].model
        for name, what, bv, cv in (
            ("params", COSTS["params"], b0.params_total, c0.params_total),
            ("size", COSTS["size"], b0.size_on_disk_bytes, c0.size_on_disk_bytes),
        ):
            costs.append(CostCheck(row, what, bv, cv, name in settings.accept))
        latency += [
            latency_check(
                row,
                seed,
                _all_runs(baseline, key, seed),
                _all_runs(candidate, key, seed),
                settings.alpha,
                settings.latency_min_effect,
            )
            for seed in common
        ]
    adjusted = holm([q.pvalue for q in quality])
    quality = [
        replace(
            q,
            pvalue_holm=h,
            regressed=h < settings.alpha and -q.change_pts >= settings.min_effect_pts,
        )
        for q, h in zip(quality, adjusted, strict=True)
    ]
    new = tuple(sorted(_label(k) for k in set(cand_rows) - set(base_rows)))
    return GateReport(
        settings, tuple(quality), tuple(costs), tuple(latency), tuple(missing), new, tuple(notes)
    )
