"""The regression gate: a candidate's runs against a stored baseline's, pair by pair, on the same
test examples, with paired one-sided tests; one piece (about 480 lines): the quality, cost and
latency checks and the notes beside a row's verdict are one verdict, read together.

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
  reported, never gated:

  - *interleaved rounds* (each side timed ``R`` times, alternating, each run recording its
    ``ab_round``): the per-round medians are paired by round and tested with the one-sided
    Wilcoxon signed-rank test (exact) on their log ratios. Drift of the machine during the job
    (frequency, cache, neighbours) moves both sides of a round alike, so it cancels; a test on
    the pooled per-call samples would count it as a difference (an A/B run of an unchanged tree
    on this machine flagged +10.6%, ``results/baseline/ab-same-tree.md``). The smallest p it can
    give is ``2**-R``: ``R >= 7`` rounds are needed to reach alpha 0.01;
  - *one run per side*: Mann-Whitney U on the raw per-call samples, one-sided (sound only if the
    calls are exchangeable between the two runs, which a sequential A/B run does not ensure).

**Notes** say beside a row's verdict what it does not cover: a candidate whose models were
trained again (its predictions differ from the baseline's on some test examples), and a CPU
training on another thread count than the baseline's. A row trained in another precision than
its baseline (bf16 autocast where the CPU has it, else fp32) is refused, not judged: an unchanged
recipe retrained in fp32 failed the bf16 baseline of the ci profile
(``results/baseline/alarm.json``), so each precision has its own baseline (the harness takes
``--emobench-baseline`` once per baseline and gates each run against the one of its precision,
made on its kind of CPU first). The gate's tests are paired over the test examples with the
trained models held fixed: its intervals and p-values cover which tweets were sampled, not which
model a training draws. A retrained model of an unchanged recipe differs by seed-to-seed
variation, which two seeds cannot estimate; ``scripts/gate_power.py`` and
``scripts/gate_alarm.py`` measure how often such a retrain is flagged.

    emobench compare results/baseline/ci RUNS --markdown summary.md   # exit 0 / 1 / 2
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import stats as sps

from emobench_core.errors import ResultsError
from emobench_core.measure.environment import cpu_distance
from emobench_core.metrics.ranking import holm
from emobench_core.metrics.significance import (
    DEFAULT_RESAMPLES,
    mcnemar,
    seed_mean_difference_draws,
)
from emobench_core.metrics.stats import percentiles
from emobench_core.schema.run import NO_INIT, RunResult

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
class LatencyCheck:
    row: str
    seed: int
    baseline_p50_ms: float
    candidate_p50_ms: float
    """Over rounds: the median of the per-round medians."""
    gated: bool
    """Both sides timed in one job on one machine, with raw samples."""
    pvalue: float | None = None
    regressed: bool = False
    why_not_gated: str = ""
    test: str = ""
    rounds: int = 1

    @property
    def change(self) -> float:
        return self.candidate_p50_ms / self.baseline_p50_ms - 1


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
    """What a row's verdict does not cover (:func:`row_notes`)."""

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


# ---------------------------------------------------------------------------- latency

_TINY = float(np.finfo(np.float64).tiny)


def _rounds(runs: Sequence[RunResult]) -> dict[int, RunResult]:
    """The runs of one row and seed by A/B round (the latest run of a round wins)."""
    out: dict[int, RunResult] = {}
    for r in sorted(runs, key=lambda r: (r.created_at, r.run_id)):
        out[int(r.environment.get("ab_round") or 0)] = r
    return out


def _why_not(base: Sequence[RunResult], cand: Sequence[RunResult]) -> str:
    jobs = {r.environment.get("job_id") for r in [*base, *cand]}
    if None in jobs or len(jobs) != 1:
        return "timed in different jobs (latency is gated only in an A/B run)"
    runs = [*base, *cand]
    if any(cpu_distance(runs[0].environment, r.environment) == 2 for r in runs):
        return "timed on different machines"
    if any(not r.efficiency.latency_b1.samples_ms for r in [*base, *cand]):
        return "no raw per-call samples recorded"
    return ""


def latency_check(
    row: str,
    seed: int,
    base: Sequence[RunResult],
    cand: Sequence[RunResult],
    alpha: float,
    min_effect: float,
) -> LatencyCheck:
    """One row and seed: ``base`` and ``cand`` are every run of it on each side (A/B rounds)."""
    b, c = _rounds(base), _rounds(cand)
    common = sorted(set(b) & set(c))
    paired = len(common) >= 2
    if paired:
        b_med = np.array([b[k].efficiency.latency_b1.p50_ms for k in common])
        c_med = np.array([c[k].efficiency.latency_b1.p50_ms for k in common])
        b50, c50 = float(np.median(b_med)), float(np.median(c_med))
    else:
        b1, c1 = b[max(b)], c[max(c)]
        b50, c50 = b1.efficiency.latency_b1.p50_ms, c1.efficiency.latency_b1.p50_ms
    why = _why_not(list(b.values()), list(c.values()))
    check = LatencyCheck(row, seed, b50, c50, gated=not why, why_not_gated=why, rounds=len(common))
    if why:
        return check
    if paired:
        ratio = np.log(c_med / b_med)
        if np.all(ratio == 0):
            p = 1.0
        else:
            p = float(sps.wilcoxon(ratio, alternative="greater", method="exact").pvalue)
        test = f"Wilcoxon signed-rank on {len(common)} interleaved rounds' medians, one-sided"
    else:
        cs = c[max(c)].efficiency.latency_b1.samples_ms
        bs = b[max(b)].efficiency.latency_b1.samples_ms
        assert cs is not None and bs is not None
        mw = sps.mannwhitneyu(cs, bs, alternative="greater")
        p = max(float(mw.pvalue), _TINY)  # the normal approximation underflows for big samples
        test = "Mann-Whitney U on the raw per-call samples, one-sided"
    slower = check.change >= min_effect
    return replace(check, pvalue=p, regressed=p < alpha and slower, test=test)


# ---------------------------------------------------------------------------- notes


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


# ---------------------------------------------------------------------------- verdict


def _key(r: RunResult) -> tuple[str, str]:
    return (r.model.name, r.model.init)


def _label(key: tuple[str, str]) -> str:
    name, init = key
    return name if init in ("pretrained", NO_INIT) else f"{name} ({init})"


def row_label(run: RunResult) -> str:
    """The gate's name for the row ``run`` belongs to."""
    return _label(_key(run))


def precision(run: RunResult) -> str | None:
    """The precision ``run`` trained in (``bf16 autocast``, ``fp32``, ...; ``None``: a model
    without a network, or a file that did not record it)."""
    return getattr(run.training, "precision", None) if run.training else None


def same_precision(baseline: Sequence[RunResult], candidate: RunResult) -> list[RunResult]:
    """The baseline runs of ``candidate``'s row and seed trained in its precision (a baseline
    per precision: the runs of one folder, or of several given together), those made on its
    kind of CPU first: the same seed, precision and thread count train the same network there
    (p = 1), and a different one on another kind (AMX and AVX512-BF16 kernels differ)."""
    want = precision(candidate)
    found = [
        r
        for r in baseline
        if (_key(r), r.seed) == (_key(candidate), candidate.seed)
        and (precision(r) == want or None in (precision(r), want))
    ]
    return sorted(found, key=lambda r: cpu_distance(r.environment, candidate.environment))


def _check_precision(row: str, base: Sequence[RunResult], cand: Sequence[RunResult]) -> None:
    """A :class:`ResultsError` when one row was trained in different precisions on the two
    sides: the retrain is another network, and the paired tests judge the networks they are
    given (an unchanged recipe retrained in fp32 failed the bf16 baseline of the ci profile,
    results/baseline/alarm.json)."""
    b = {p for r in base if (p := precision(r))}
    c = {p for r in cand if (p := precision(r))}
    if b and c and b != c:
        raise ResultsError(
            f"{row}: the baseline trained in {', '.join(sorted(b))}, the candidate in "
            f"{', '.join(sorted(c))}; gate against a baseline made in the candidate's precision "
            "(results/baseline/ci-fp32 for a CPU without bf16; docs/statistics-and-gate.md)"
        )


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
        _check_precision(row, base, cand)
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
