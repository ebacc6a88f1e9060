"""Aggregate run results into the study the report renders: pure functions, no I/O.

One :class:`ModelSummary` per model, init and inference device (over its seeds), then the
comparisons between them: paired significance tests and tiers, per-emotion gaps and
confusions, Pareto fronts of quality against cost, the effect of pretraining, recommendations
for typical budgets and a list of findings written from the numbers.

    emobench report bench.json --results runs/   # renders build_study(load_results(...))
    emobench report bench.json --results runs/ --latency results/latency-cpu.json

Every resampling uses a fixed seed and every collection is sorted explicitly, so the same
results give the same study, to the bit.
"""

from __future__ import annotations

import dataclasses
import math
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from emobench_core.config import LABELS
from emobench_core.errors import BudgetError, ResultsError
from emobench_core.metrics.stats import (
    Interval,
    McNemarResult,
    PairedResult,
    holm,
    mcnemar,
    paired_bootstrap,
    pareto_front,
    tiers,
)
from emobench_core.schema.run import RunResult
from emobench_core.study.recommend import Budget, Candidate, format_recommendation, recommend

if TYPE_CHECKING:
    from emobench_core.schema.latency import LatencyReport

ALPHA = 0.05
"""Family-wise significance level for the Holm-adjusted tests and the tiers."""

PARETO_AXES: dict[str, str] = {
    "latency_p50_ms": "latency p50, batch 1 (ms)",
    "params_total": "parameters",
    "peak_memory_mb": "peak training memory (MiB)",
}
"""Cost axes of the Pareto fronts (attribute of :class:`ModelSummary` -> axis label)."""

CPU_PROBE_AXES: dict[str, str] = {
    "cpu_latency_p50_ms": "CPU batch-1 latency p50, this machine (ms)",
    "cpu_inference_mb": "CPU inference memory (MiB)",
}
"""Cost axes from the CPU latency probe (``--latency``): one front over every row that has a
probe entry, whatever device its quality was measured on (the cost was measured on one CPU)."""

AXIS_LABELS: dict[str, str] = {**PARETO_AXES, **CPU_PROBE_AXES}

CPU_PROBE_NOTE = (
    "CPU latency and memory were measured on this CPU by `emobench latency` from each "
    "architecture (random weights: latency does not depend on weight values); memory is the "
    "inference peak RSS, not the training peak."
)
"""Appended to a CPU recommendation built from the probe."""

TYPICAL_BUDGETS: tuple[tuple[str, Budget], ...] = (
    ("phone-class CPU", Budget(max_latency_ms=2.0, max_params=15_000_000, device="cpu")),
    ("server CPU", Budget(max_latency_ms=20.0, device="cpu")),
    ("GPU", Budget(max_latency_ms=10.0, device="cuda")),
)
"""Deployment budgets the report answers (name, budget)."""

_CHUNK_ELEMENTS = 2_000_000  # resampled labels held at once, as in stats


@dataclass(frozen=True)
class ModelSummary:
    """One model, init and inference device, over its seeds.

    Means and standard deviations are over seeds (``ddof=1``; ``None`` with one seed). The
    intervals are percentile-bootstrap intervals of the *seed-mean*: the test examples are
    resampled once per draw, with the same indices for every seed, and the metric is averaged
    over seeds, so they show test-set sampling noise, not seed variance (that is the std).
    Latency, tokenizer time and throughput are medians over seeds; ``train_wall_s`` is the mean
    and ``peak_memory_mb`` the maximum (training peak: process RSS on CPU, allocated memory
    on CUDA). ``cpu_*`` come from the CPU latency probe, joined by architecture
    (:func:`join_cpu_probe`), and are ``None`` without one.
    """

    label: str
    name: str
    init: str
    kind: str
    source: str
    description: str
    device: str
    seeds: tuple[int, ...]
    run_ids: tuple[str, ...]
    accuracy_mean: float
    accuracy_std: float | None
    accuracy_ci: Interval
    macro_f1_mean: float
    macro_f1_std: float | None
    macro_f1_ci: Interval
    per_class_f1: dict[str, float]
    per_class_ci: dict[str, Interval]
    confusion: tuple[tuple[int, ...], ...]
    """Confusion matrix summed over seeds (rows true, columns predicted, in LABELS order)."""
    n_test: int
    params_total: int
    size_on_disk_bytes: int
    latency_p50_ms: float
    latency_p90_ms: float
    latency_p99_ms: float
    tokenizer_p50_ms: float
    throughput_b32: float
    train_wall_s: float
    peak_memory_mb: float
    fingerprints: tuple[str, ...]
    environment: dict[str, Any]
    y_true: tuple[int, ...] = field(repr=False)
    predictions: dict[int, tuple[int, ...]] = field(repr=False)
    """Test predictions per seed."""
    cpu_latency_p50_ms: float | None = None
    """Batch-1 p50 of the architecture on the probe's CPU."""
    cpu_inference_mb: float | None = None
    """Inference peak RSS of the architecture on the probe's CPU (isolated probes only)."""

    @property
    def n_seeds(self) -> int:
        return len(self.seeds)


@dataclass(frozen=True)
class Comparison:
    """Paired tests of ``a`` against ``b`` (``a`` ranks higher) on one common seed.

    ``mcnemar`` tests per-example correctness (accuracy); ``paired`` is the paired bootstrap
    of ``macro-F1(a) - macro-F1(b)``. Both ``*_holm`` are Holm-adjusted over all pairs. When
    the two were scored on different test sets the tests are ``None`` and p-values are 1.
    """

    a: str
    b: str
    seed_a: int
    seed_b: int
    mcnemar: McNemarResult | None
    mcnemar_holm: float
    paired: PairedResult | None
    paired_holm: float


@dataclass(frozen=True)
class ConfusionPair:
    """``share`` of the examples of class ``true`` that a model labelled ``pred``."""

    true: str
    pred: str
    count: int
    share: float


@dataclass(frozen=True)
class ParetoFront:
    """Macro-F1 against one cost on one device: ``points`` are ``(label, cost, macro-F1)``."""

    axis: str
    device: str
    points: tuple[tuple[str, float, float], ...]
    front: frozenset[str]


@dataclass(frozen=True)
class PretrainingGap:
    """``pretrained - random`` for one model on one device (positive: pretraining helps)."""

    name: str
    device: str
    macro_f1: float
    accuracy: float
    per_class_f1: dict[str, float]


@dataclass(frozen=True)
class BudgetOutcome:
    """A typical budget and the recommendation text for it (or why there is none)."""

    name: str
    budget: Budget
    text: str
    ok: bool


@dataclass(frozen=True)
class Study:
    """Everything the report shows, computed from run results by :func:`build_study`."""

    summaries: tuple[ModelSummary, ...]
    """Sorted by mean macro-F1, best first (ties by label)."""
    comparisons: tuple[Comparison, ...]
    tiers: tuple[tuple[str, ...], ...]
    per_class_drop: dict[str, dict[str, float]]
    """Label -> emotion -> F1 of the best model minus F1 of this model (positive: worse)."""
    hardest: tuple[tuple[str, float], ...]
    """Emotions with their mean F1 across models, hardest first."""
    confusion_pairs: dict[str, tuple[ConfusionPair, ...]]
    pareto: tuple[ParetoFront, ...]
    pretraining: tuple[PretrainingGap, ...]
    recommendations: tuple[BudgetOutcome, ...]
    findings: tuple[str, ...]
    profiles: tuple[str, ...]
    devices: tuple[str, ...]
    seeds: tuple[int, ...]
    data_sources: tuple[str, ...]
    fingerprints: tuple[str, ...]
    rows: dict[str, int]
    recipe: dict[str, Any]
    recipe_differences: tuple[tuple[str, str, str], ...]
    """``(run_id, field, value)`` where a run's recipe differs from the first (seed aside)."""
    superseded: tuple[str, ...]
    """Run ids left out because a later run of the same model, init, device and seed exists."""
    n_resamples: int
    latency: LatencyReport | None = None
    """The CPU latency probe joined into the summaries, if one was given."""

    def tier_of(self, label: str) -> int:
        """1-based tier of ``label``."""
        return next(i for i, group in enumerate(self.tiers, 1) if label in group)

    def summary(self, label: str) -> ModelSummary:
        return next(s for s in self.summaries if s.label == label)


# ---------------------------------------------------------------------------- summaries


def _f1_batch(t: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Per-class F1 ``(R, K)`` for label batches ``(R, n)``; 0 where a class is absent."""
    k, rows = len(LABELS), t.shape[0]
    codes = (np.arange(rows, dtype=np.int64)[:, None] * k + t) * k + p
    cm = np.bincount(codes.ravel(), minlength=rows * k * k).reshape(rows, k, k)
    tp = np.diagonal(cm, axis1=1, axis2=2).astype(np.float64)
    denom = cm.sum(axis=2) + cm.sum(axis=1)
    return np.divide(2 * tp, denom, out=np.zeros_like(tp), where=denom > 0)


def seed_mean_draws(
    y_true: np.ndarray, preds: np.ndarray, n_resamples: int, seed: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap draws of the seed-mean accuracy ``(R,)`` and per-class F1 ``(R, K)``.

    Each draw resamples the test examples once and scores every seed's predictions ``preds``
    (shape ``(seeds, n)``) on the same indices, then averages over seeds. The indices are drawn
    as :func:`emobench_core.stats.bootstrap_ci` draws them, so with one seed the intervals
    equal its intervals for the same ``seed``.
    """
    if n_resamples < 1:
        raise ValueError(f"`n_resamples` ({n_resamples}) must be >= 1, e.g. 1000")
    rng = np.random.default_rng(seed)
    n = y_true.size
    chunk = max(1, _CHUNK_ELEMENTS // n)
    acc, f1 = [], []
    for start in range(0, n_resamples, chunk):
        idx = rng.integers(0, n, size=(min(chunk, n_resamples - start), n))
        t = y_true[idx]
        acc.append(np.mean([np.mean(t == p[idx], axis=1) for p in preds], axis=0))
        f1.append(np.mean([_f1_batch(t, p[idx]) for p in preds], axis=0))
    return np.concatenate(acc), np.concatenate(f1)


def _interval(estimate: float, draws: np.ndarray, level: float = 0.95) -> Interval:
    low, high = np.quantile(draws, [(1 - level) / 2, (1 + level) / 2])
    return Interval(float(estimate), float(low), float(high), level)


def _std(values: Sequence[float]) -> float | None:
    return float(np.std(values, ddof=1)) if len(values) > 1 else None


def _summarize(label: str, runs: list[RunResult], n_resamples: int, seed: int) -> ModelSummary:
    first = runs[0]
    y_true = np.asarray(first.predictions["y_true"], dtype=np.int64)
    for r in runs[1:]:
        if r.predictions["y_true"] != first.predictions["y_true"]:
            raise ResultsError(
                f"{label}: runs {first.run_id} and {r.run_id} were scored on different test "
                "sets; render results of one data set at a time"
            )
    preds = np.asarray([r.predictions["y_pred"] for r in runs], dtype=np.int64)
    acc_draws, f1_draws = seed_mean_draws(y_true, preds, n_resamples, seed)
    accs = [r.metrics.accuracy for r in runs]
    f1s = [r.metrics.macro_f1 for r in runs]
    per_class = {e: float(np.mean([r.metrics.per_class[e].f1 for r in runs])) for e in LABELS}
    confusion = np.sum([np.asarray(r.metrics.confusion_matrix) for r in runs], axis=0)

    def median(get: Any) -> float:
        return float(np.median([get(r) for r in runs]))

    return ModelSummary(
        label=label,
        name=first.model.name,
        init=first.model.init,
        kind=first.model.kind,
        source=first.model.source,
        description=first.model.description,
        device=first.efficiency.device,
        seeds=tuple(r.seed for r in runs),
        run_ids=tuple(r.run_id for r in runs),
        accuracy_mean=float(np.mean(accs)),
        accuracy_std=_std(accs),
        accuracy_ci=_interval(float(np.mean(accs)), acc_draws),
        macro_f1_mean=float(np.mean(f1s)),
        macro_f1_std=_std(f1s),
        macro_f1_ci=_interval(float(np.mean(f1s)), f1_draws.mean(axis=1)),
        per_class_f1=per_class,
        per_class_ci={e: _interval(per_class[e], f1_draws[:, i]) for i, e in enumerate(LABELS)},
        confusion=tuple(tuple(int(v) for v in row) for row in confusion),
        n_test=int(y_true.size),
        params_total=first.model.params_total,
        size_on_disk_bytes=first.model.size_on_disk_bytes,
        latency_p50_ms=median(lambda r: r.efficiency.latency_b1.p50_ms),
        latency_p90_ms=median(lambda r: r.efficiency.latency_b1.p90_ms),
        latency_p99_ms=median(lambda r: r.efficiency.latency_b1.p99_ms),
        tokenizer_p50_ms=median(lambda r: r.efficiency.tokenizer_b1.p50_ms),
        throughput_b32=median(lambda r: r.efficiency.throughput_b32),
        train_wall_s=float(np.mean([r.training.wall_s for r in runs])),
        peak_memory_mb=float(max(r.training.peak_memory_mb for r in runs)),
        fingerprints=tuple(sorted({r.data.fingerprint for r in runs})),
        environment=dict(first.environment),
        y_true=tuple(first.predictions["y_true"]),
        predictions={r.seed: tuple(r.predictions["y_pred"]) for r in runs},
    )


def _dedupe(results: Sequence[RunResult]) -> tuple[list[RunResult], list[str]]:
    """Keep the latest run per (model, init, device, seed); return kept and superseded ids."""
    latest: dict[tuple[str, str, str, int], RunResult] = {}
    superseded = []
    for r in sorted(results, key=lambda r: (r.created_at, r.run_id)):
        key = (r.model.name, r.model.init, r.efficiency.device, r.seed)
        if key in latest:
            superseded.append(latest[key].run_id)
        latest[key] = r
    return list(latest.values()), sorted(superseded)


def summarize(
    results: Sequence[RunResult], *, n_resamples: int = 1000, seed: int = 0
) -> list[ModelSummary]:
    """One summary per (model, init, device), sorted by mean macro-F1 (best first).

    The label is the model name, plus ``" (random init)"`` for random init and ``" [device]"``
    when the same model and init were measured on several devices.
    """
    if not results:
        raise ResultsError("no run results to summarize; run `emobench run --output DIR` first")
    kept, _ = _dedupe(results)
    groups: dict[tuple[str, str, str], list[RunResult]] = defaultdict(list)
    for r in kept:
        groups[(r.model.name, r.model.init, r.efficiency.device)].append(r)
    devices_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name, init, device in groups:
        devices_of[(name, init)].add(device)
    out = []
    for (name, init, device), runs in sorted(groups.items()):
        label = name + (" (random init)" if init == "random" else "")
        if len(devices_of[(name, init)]) > 1:
            label += f" [{device}]"
        out.append(_summarize(label, sorted(runs, key=lambda r: r.seed), n_resamples, seed))
    return sorted(out, key=lambda s: (-s.macro_f1_mean, s.label))


def architecture(name: str) -> str:
    """The architecture of a row's model name: a distilled row's student
    (``"bert-tiny ← minilm-l6 (KD)"`` -> ``"bert-tiny"``), else the name itself."""
    return name.split(" ← ", 1)[0]


def join_cpu_probe(
    summaries: Sequence[ModelSummary], latency: LatencyReport | None
) -> list[ModelSummary]:
    """``summaries`` with ``cpu_latency_p50_ms`` and ``cpu_inference_mb`` from ``latency``,
    joined by :func:`architecture`; rows without a probe entry (and all, without a probe) are
    unchanged. Memory is left out of probes measured in one process (only a lower bound)."""
    if latency is None:
        return list(summaries)
    out = []
    for s in summaries:
        m = latency.models.get(architecture(s.name))
        if m is not None:
            memory = m.inference_peak_rss_mb if latency.isolated else None
            s = dataclasses.replace(s, cpu_latency_p50_ms=m.b1.p50_ms, cpu_inference_mb=memory)
        out.append(s)
    return out


# ---------------------------------------------------------------------------- comparisons


def _common_seeds(a: ModelSummary, b: ModelSummary) -> tuple[int, int]:
    common = sorted(set(a.seeds) & set(b.seeds))
    return (common[0], common[0]) if common else (a.seeds[0], b.seeds[0])


def compare(
    summaries: Sequence[ModelSummary], *, n_resamples: int = 1000, seed: int = 0
) -> list[Comparison]:
    """Paired tests for every pair (in ``summaries`` order), on the first common seed.

    Pairs without a common seed use each model's first seed (the test examples are the same).
    """
    raw: list[Comparison] = []
    for i, a in enumerate(summaries):
        for b in summaries[i + 1 :]:
            sa, sb = _common_seeds(a, b)
            test, boot = None, None
            if a.y_true == b.y_true:
                t = np.asarray(a.y_true)
                pa, pb = np.asarray(a.predictions[sa]), np.asarray(b.predictions[sb])
                test = mcnemar(pa == t, pb == t)
                boot = paired_bootstrap(t, pa, pb, "macro_f1", n_resamples=n_resamples, seed=seed)
            raw.append(Comparison(a.label, b.label, sa, sb, test, 1.0, boot, 1.0))
    mc_holm = holm([1.0 if c.mcnemar is None else c.mcnemar.pvalue for c in raw])
    pb_holm = holm([1.0 if c.paired is None else c.paired.pvalue for c in raw])
    return [
        dataclasses.replace(c, mcnemar_holm=q1, paired_holm=q2)
        for c, q1, q2 in zip(raw, mc_holm, pb_holm, strict=True)
    ]


def _lookup(comparisons: Sequence[Comparison], a: str, b: str) -> Comparison:
    return next(c for c in comparisons if {c.a, c.b} == {a, b})


def confusion_pairs(s: ModelSummary, top: int = 3) -> tuple[ConfusionPair, ...]:
    """The ``top`` off-diagonal cells by share of the true class (ties in label order)."""
    cm = np.asarray(s.confusion)
    totals = cm.sum(axis=1)
    cells = [
        ConfusionPair(LABELS[i], LABELS[j], int(cm[i, j]), float(cm[i, j] / totals[i]))
        for i in range(len(LABELS))
        for j in range(len(LABELS))
        if i != j and totals[i] > 0 and cm[i, j] > 0
    ]
    return tuple(sorted(cells, key=lambda c: -c.share)[:top])


def pareto_fronts(summaries: Sequence[ModelSummary]) -> list[ParetoFront]:
    """Fronts of macro-F1 against each axis of :data:`PARETO_AXES`, per device, then against
    each axis of :data:`CPU_PROBE_AXES` over all rows with a (positive) probe value."""
    out = []
    for axis in PARETO_AXES:
        for device in sorted({s.device for s in summaries}):
            points = tuple(
                (s.label, float(getattr(s, axis)), s.macro_f1_mean)
                for s in summaries
                if s.device == device and math.isfinite(float(getattr(s, axis)))
            )
            out.append(ParetoFront(axis, device, points, frozenset(pareto_front(points))))
    for axis in CPU_PROBE_AXES:
        values = [(s, getattr(s, axis)) for s in summaries]
        points = tuple(
            (s.label, float(v), s.macro_f1_mean)
            for s, v in values
            if v is not None and math.isfinite(v) and v > 0
        )
        if points:
            out.append(ParetoFront(axis, "cpu", points, frozenset(pareto_front(points))))
    return out


def pretraining_gaps(summaries: Sequence[ModelSummary]) -> list[PretrainingGap]:
    """``pretrained - random`` for each model present with both inits on one device."""
    by_key = {(s.name, s.init, s.device): s for s in summaries}
    out = []
    for name, init, device in sorted(by_key):
        rand = by_key.get((name, "random", device))
        if init != "pretrained" or rand is None:
            continue
        pre = by_key[(name, init, device)]
        per_class = {e: pre.per_class_f1[e] - rand.per_class_f1[e] for e in LABELS}
        gap_f1, gap_acc = (
            pre.macro_f1_mean - rand.macro_f1_mean,
            pre.accuracy_mean - rand.accuracy_mean,
        )
        out.append(PretrainingGap(name, device, gap_f1, gap_acc, per_class))
    return out


def candidates(summaries: Sequence[ModelSummary]) -> list[Candidate]:
    """Recommendation candidates, named by the summary's label (unique per device).

    One per summary on its own device, with ``peak_memory_mb`` the training peak (the only
    memory the results record). With a CPU probe joined (:func:`join_cpu_probe`), the ``"cpu"``
    candidates are instead every summary with a probe entry, whatever device its quality was
    measured on, with the probe's latency and inference memory: one machine, one rule. CPU
    summaries without a probe entry are then left out (see :func:`unprobed_cpu_rows`).
    """
    probe = any(s.cpu_latency_p50_ms is not None for s in summaries)
    out = []
    for s in summaries:
        extra = {"model": s.name, "init": s.init, "seeds": list(s.seeds)}
        own = Candidate(
            name=s.label,
            macro_f1=s.macro_f1_mean,
            accuracy=s.accuracy_mean,
            latency_ms=s.latency_p50_ms,
            params=s.params_total,
            peak_memory_mb=s.peak_memory_mb,
            device=s.device,
            extra=extra,
        )
        if not (probe and s.device == "cpu"):
            out.append(own)
        if s.cpu_latency_p50_ms is not None:
            out.append(
                dataclasses.replace(
                    own,
                    latency_ms=s.cpu_latency_p50_ms,
                    peak_memory_mb=s.cpu_inference_mb,
                    device="cpu",
                    extra={**extra, "costs": "cpu latency probe", "quality_device": s.device},
                )
            )
    return out


def unprobed_cpu_rows(summaries: Sequence[ModelSummary]) -> list[str]:
    """Labels of CPU summaries left out of the CPU candidates for want of a probe entry."""
    if all(s.cpu_latency_p50_ms is None for s in summaries):
        return []
    return [s.label for s in summaries if s.device == "cpu" and s.cpu_latency_p50_ms is None]


def recommend_for(summaries: Sequence[ModelSummary], budget: Budget) -> str:
    """:func:`recommend.format_recommendation` text; raises :class:`BudgetError` if none fits.

    A CPU budget answered with CPU-probe costs says so in a last line (:data:`CPU_PROBE_NOTE`),
    naming the CPU rows left out for want of a probe entry.
    """
    text = format_recommendation(recommend(candidates(summaries), budget), budget)
    if budget.device == "cpu" and any(s.cpu_latency_p50_ms is not None for s in summaries):
        text += "\n" + CPU_PROBE_NOTE
        if left_out := unprobed_cpu_rows(summaries):
            text += f" Left out (no probe entry for the architecture): {', '.join(left_out)}."
    return text


def typical_recommendations(summaries: Sequence[ModelSummary]) -> list[BudgetOutcome]:
    """An outcome for each of :data:`TYPICAL_BUDGETS`; never raises for a budget."""
    out = []
    devices = {c.device for c in candidates(summaries)}
    for name, budget in TYPICAL_BUDGETS:
        if budget.device not in devices:
            out.append(
                BudgetOutcome(name, budget, f"no results on that device ({budget.device})", False)
            )
            continue
        try:
            out.append(BudgetOutcome(name, budget, recommend_for(summaries, budget), True))
        except BudgetError as exc:
            out.append(BudgetOutcome(name, budget, str(exc), False))
    return out


# ---------------------------------------------------------------------------- findings


def _p(value: float) -> str:
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _findings(
    summaries: Sequence[ModelSummary],
    comparisons: Sequence[Comparison],
    hardest: Sequence[tuple[str, float]],
    gaps: Sequence[PretrainingGap],
    groups: Sequence[Sequence[str]],
) -> list[str]:
    out = []
    (e1, f1), (e2, f2), (easy, fe) = hardest[0], hardest[1], hardest[-1]
    out.append(
        f"The hardest emotions are {e1} (mean F1 {f1:.4f} across {len(summaries)} models) and "
        f"{e2} ({f2:.4f}); the easiest is {easy} ({fe:.4f})."
    )
    shares: dict[tuple[str, str], list[float]] = defaultdict(list)
    for s in summaries:
        cm = np.asarray(s.confusion)
        for i, t in enumerate(LABELS):
            for j, p in enumerate(LABELS):
                if i != j and cm[i].sum() > 0:
                    shares[(t, p)].append(cm[i, j] / cm[i].sum())
    (t, p), top = max(shares.items(), key=lambda kv: (float(np.mean(kv[1])), kv[0]))
    out.append(
        f"The most frequent confusion is {t}→{p}: on average {np.mean(top):.1%} of {t} "
        f"examples are labelled {p}."
    )
    if len(groups) > 0 and len(summaries) > 1:
        out.append(
            f"Tier 1 (not significantly below the leader on macro-F1, Holm-adjusted α {ALPHA}): "
            + ", ".join(groups[0])
            + "."
        )
    families = defaultdict(list)
    for s in summaries:
        # distilled rows have their own section (kd_study); the size ladder is undistilled
        if s.kind == "transformer" and " ← " not in s.name:
            families[(s.device, s.init)].append(s)
    for (device, init), members in sorted(families.items()):
        members = sorted(members, key=lambda s: (-s.params_total, s.label))
        for big, small in zip(members, members[1:], strict=False):
            c = _lookup(comparisons, big.label, small.label)
            delta = 100 * (small.macro_f1_mean - big.macro_f1_mean)
            test = "not comparable" if c.paired is None else f"Holm p {_p(c.paired_holm)}"
            out.append(
                f"On {device} ({init}), stepping down from {big.label} to {small.label} "
                f"({big.params_total / small.params_total:.1f}x fewer parameters) changes "
                f"macro-F1 by {delta:+.1f} points (paired bootstrap on seed {c.seed_a}: "
                f"{test}) and p50 latency from {big.latency_p50_ms:.3f} to "
                f"{small.latency_p50_ms:.3f} ms."
            )
    for ref in (s for s in summaries if s.kind != "transformer"):
        for s in (s for s in summaries if s.kind == "transformer"):
            c = _lookup(comparisons, s.label, ref.label)
            if c.mcnemar is None:
                continue
            s_right = c.mcnemar.b if c.a == s.label else c.mcnemar.c
            ref_right = c.mcnemar.c if c.a == s.label else c.mcnemar.b
            if c.mcnemar_holm >= ALPHA:
                verb = "matches (no significant difference from)"
            else:
                verb = "beats" if s_right > ref_right else "is beaten by"
            out.append(
                f"{s.label} {verb} {ref.label}: accuracy {s.accuracy_mean:.4f} vs "
                f"{ref.accuracy_mean:.4f}, macro-F1 {s.macro_f1_mean:.4f} vs "
                f"{ref.macro_f1_mean:.4f} (McNemar p {_p(c.mcnemar.pvalue)}, Holm "
                f"{_p(c.mcnemar_holm)})."
            )
    for g in gaps:
        e, v = max(g.per_class_f1.items(), key=lambda kv: (kv[1], kv[0]))
        out.append(
            f"Pretraining is worth {100 * g.macro_f1:+.1f} macro-F1 points for {g.name} on "
            f"{g.device} ({100 * g.accuracy:+.1f} accuracy points); the largest per-emotion "
            f"gain is on {e} ({100 * v:+.1f} points)."
        )
    return out


# ---------------------------------------------------------------------------- the study


def build_study(
    results: Sequence[RunResult],
    *,
    n_resamples: int = 1000,
    seed: int = 0,
    latency: LatencyReport | None = None,
) -> Study:
    """Aggregate ``results`` into a :class:`Study` (deterministic for a given ``seed``).

    ``latency``, a CPU latency probe (``emobench latency``), adds CPU latency and inference
    memory to every row of a probed architecture, their Pareto fronts and CPU recommendations.

    Raises:
        ResultsError: No results, or one model's seeds scored on different test sets.
    """
    summaries = join_cpu_probe(summarize(results, n_resamples=n_resamples, seed=seed), latency)
    kept, superseded = _dedupe(results)
    kept = sorted(kept, key=lambda r: (r.created_at, r.run_id))
    comparisons = compare(summaries, n_resamples=n_resamples, seed=seed)
    labels = [s.label for s in summaries]
    pvals = {
        frozenset((c.a, c.b)): (1.0 if c.paired is None else c.paired.pvalue) for c in comparisons
    }
    groups = tiers(
        labels, [s.macro_f1_mean for s in summaries], lambda a, b: pvals[frozenset((a, b))], ALPHA
    )
    best = summaries[0]
    drop = {
        s.label: {e: best.per_class_f1[e] - s.per_class_f1[e] for e in LABELS} for s in summaries
    }
    mean_f1 = {e: float(np.mean([s.per_class_f1[e] for s in summaries])) for e in LABELS}
    hardest = tuple(sorted(mean_f1.items(), key=lambda kv: (kv[1], kv[0])))
    gaps = pretraining_gaps(summaries)
    first = kept[0]
    diffs = tuple(
        (r.run_id, key, repr(r.recipe.get(key)))
        for r in sorted(kept, key=lambda r: r.run_id)
        for key in sorted(set(r.recipe) | set(first.recipe))
        if key != "seed" and r.recipe.get(key) != first.recipe.get(key)
    )
    return Study(
        summaries=tuple(summaries),
        comparisons=tuple(comparisons),
        tiers=tuple(tuple(g) for g in groups),
        per_class_drop=drop,
        hardest=hardest,
        confusion_pairs={s.label: confusion_pairs(s) for s in summaries},
        pareto=tuple(pareto_fronts(summaries)),
        pretraining=tuple(gaps),
        recommendations=tuple(typical_recommendations(summaries)),
        findings=tuple(_findings(summaries, comparisons, hardest, gaps, groups)),
        profiles=tuple(sorted({str(r.tags["profile"]) for r in kept if r.tags.get("profile")})),
        devices=tuple(sorted({s.device for s in summaries})),
        seeds=tuple(sorted({r.seed for r in kept})),
        data_sources=tuple(sorted({r.data.source for r in kept})),
        fingerprints=tuple(sorted({r.data.fingerprint for r in kept})),
        rows=dict(first.data.rows),
        recipe=dict(first.recipe),
        recipe_differences=diffs,
        superseded=tuple(superseded),
        n_resamples=n_resamples,
        latency=latency,
    )
