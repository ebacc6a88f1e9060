"""The records of a study: one :class:`ModelSummary` per row, the comparisons between rows, and
the :class:`Study` that gathers everything the report shows. Data only, no computation.

:func:`emobench_core.study.build.build_study` fills a :class:`Study`; the report formats it:

    emobench report bench.json --results runs/   # renders build_study(load_results(...))
"""

from __future__ import annotations

import functools
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from emobench_core.data.source import EMOTION_LABELS
from emobench_core.metrics.seeds import SeedEstimate, SeedsNeeded
from emobench_core.metrics.significance import McNemarResult, PairedResult
from emobench_core.metrics.stats import Interval
from emobench_core.study.recommend import Budget

if TYPE_CHECKING:
    from emobench_core.schema.latency import LatencyReport

ALPHA = 0.05
"""Family-wise significance level for the Holm-adjusted tests and the tiers."""

MIN_EFFECT = 0.005
"""The smallest macro-F1 difference (0.5 points) the report plans seeds for (``emobench plan
--effect`` sets another)."""

PARETO_AXES: dict[str, str] = {
    "latency_p50_ms": "latency p50, batch 1 (ms)",
    "params_total": "parameters",
    "peak_memory_mb": "peak training memory (MiB)",
}
"""Cost axes of the Pareto fronts (attribute of :class:`ModelSummary` -> axis label)."""

CPU_PROBE_AXES: dict[str, str] = {
    "cpu_latency_p50_ms": "CPU batch-1 latency p50, CPU probe (ms)",
    "cpu_inference_mb": "CPU inference memory (MiB)",
}
"""Cost axes from the CPU latency probe (``--latency``): one front over every row that has a
probe entry, whatever device its quality was measured on (the cost was measured on one CPU)."""

AXIS_LABELS: dict[str, str] = {**PARETO_AXES, **CPU_PROBE_AXES}


@dataclass(frozen=True)
class ModelSummary:
    """One model, init and inference device, over its seeds.

    Means and standard deviations are over seeds (``ddof=1``; ``None`` with one seed). The
    intervals are of the *seed mean* and cover both the seeds and the test examples
    (:func:`~emobench_core.metrics.stats.seed_mean_interval`; with one seed, the test examples
    only, and the interval says so in its ``method``).
    Latency, tokenizer time and throughput are medians over seeds; ``train_wall_s`` is the mean
    and ``peak_memory_mb`` the maximum (training peak: process RSS on CPU, allocated memory
    on CUDA, each model's own). ``cpu_*`` come from the CPU latency probe, joined by architecture
    (:func:`~emobench_core.study.summaries.join_cpu_probe`), and are ``None`` without one.
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
    """Confusion matrix summed over seeds (rows true, columns predicted, in label-id order)."""
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
    stale: tuple[str, ...] = ()
    """Why a run of this row is not what the current code would train (empty: current), from
    :func:`~emobench_core.study.staleness.stale_reasons`."""
    accuracy_draws: Any = field(default=None, repr=False, compare=False)
    """Bootstrap draws of each seed's accuracy over resampled test examples, ``(R, S)``; every
    summary of one study draws the same indices, so two rows' draws pair example by example."""
    macro_f1_draws: Any = field(default=None, repr=False, compare=False)
    """The same draws of each seed's macro-F1, ``(R, S)``."""
    per_class_draws: Any = field(default=None, repr=False, compare=False)
    """The same draws of each seed's per-class F1, ``(R, S, K)``."""

    per_seed_scores: dict[str, tuple[float, ...]] = field(default_factory=dict, repr=False)
    """Each seed's score on the whole test set, in seed order: ``"accuracy"``, ``"macro_f1"``
    and one entry per class name (its F1)."""

    @property
    def n_seeds(self) -> int:
        return len(self.seeds)

    @property
    def labels(self) -> tuple[str, ...]:
        """The class names, in label-id order (the keys of ``per_class_f1``)."""
        return tuple(self.per_class_f1)

    @functools.cached_property  # counted once per row (the page and tables ask per cell)
    def constant_answer(self) -> tuple[str, float]:
        """The best answer a model that learned nothing can give: the test set's most frequent
        class, and the accuracy of always answering it."""
        counts = Counter(self.y_true)
        label, n = max(counts.items(), key=lambda kv: (kv[1], -kv[0]))
        return self.labels[label], n / len(self.y_true)

    @property
    def failed(self) -> bool:
        """Did not train: the 95% interval of its accuracy reaches down to the accuracy of
        always giving :attr:`constant_answer` (not shown above it)."""
        return self.accuracy_ci.low <= self.constant_answer[1]

    def failed_note(self) -> str:
        """Why :attr:`failed` holds, in words (for a footnote)."""
        label, acc = self.constant_answer
        iv = self.accuracy_ci
        return (
            f"{self.label} did not train: its accuracy {self.accuracy_mean:.4f} "
            f"[{iv.low:.4f}, {iv.high:.4f}] is not shown above always answering {label!r} "
            f"({acc:.4f}); a failed configuration, reported as one, not a measure of the "
            "architecture"
        )


@dataclass(frozen=True)
class Comparison:
    """Tests of ``a`` against ``b`` (``a`` ranks higher) on every seed of both.

    ``architecture*``: the architecture-level tests, seeds as the unit. The rest are paired
    tests conditional on the trained networks (do these networks differ on the test
    distribution?). Accuracy: ``mcnemar`` (exact) where each row has one seed, else
    ``accuracy_paired``, the paired bootstrap of the seed-mean accuracy difference. ``paired``
    is the paired bootstrap of the seed-mean ``macro-F1(a) - macro-F1(b)``. Every ``*_holm``
    is Holm-adjusted over all pairs. When the two were scored on different test sets the tests
    are ``None`` and p-values are 1.
    """

    a: str
    b: str
    seeds_a: tuple[int, ...]
    seeds_b: tuple[int, ...]
    mcnemar: McNemarResult | None
    mcnemar_holm: float
    """Holm-adjusted p of the accuracy test (McNemar, or the paired bootstrap of accuracy)."""
    paired: PairedResult | None
    paired_holm: float
    accuracy_paired: PairedResult | None = None
    architecture: SeedEstimate | None = None
    """Seed-mean ``macro-F1(a) - macro-F1(b)`` with the seeds as the unit
    (:func:`~emobench_core.metrics.seeds.difference`): the test of the architectures, which the
    tiers, findings and recommendations use. ``None``: not comparable."""
    architecture_holm: float = 1.0
    """Its p-value Holm-adjusted over all pairs."""
    architecture_accuracy: SeedEstimate | None = None
    """The same for accuracy."""
    architecture_accuracy_holm: float = 1.0

    @property
    def accuracy_pvalue(self) -> float:
        """The raw p-value of the accuracy test (1 where the rows cannot be compared)."""
        if self.mcnemar is not None:
            return self.mcnemar.pvalue
        return 1.0 if self.accuracy_paired is None else self.accuracy_paired.pvalue

    @property
    def accuracy_method(self) -> str:
        if self.mcnemar is not None:
            return "McNemar exact"
        return "paired bootstrap" if self.accuracy_paired is not None else "not comparable"


@dataclass(frozen=True)
class SeedPlan:
    """Seeds per row for 80% power on one adjacent leaderboard pair (``a`` ranks higher)."""

    a: str
    b: str
    seeds_a: int
    seeds_b: int
    observed: float
    """``macro-F1(a) - macro-F1(b)`` of the seed means."""
    need: SeedsNeeded


@dataclass(frozen=True)
class ConfusionPair:
    """``share`` of the examples of class ``true`` that a model labelled ``pred``."""

    true: str
    pred: str
    count: int
    share: float


@dataclass(frozen=True)
class ParetoFront:
    """Macro-F1 against one cost on one device: ``points`` are ``(label, cost, macro-F1)``, one
    cost figure per architecture."""

    axis: str
    device: str
    points: tuple[tuple[str, float, float], ...]
    front: frozenset[str]
    tied: frozenset[str] = frozenset()
    """Rows off the front that the architecture test cannot separate from every row that
    dominates them (Holm-adjusted, :data:`ALPHA`)."""


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


def class_noun(labels: Sequence[str]) -> str:
    """What the report calls a class: "emotion" for dair-ai/emotion's six, else "class"."""
    return "emotion" if tuple(labels) == EMOTION_LABELS else "class"


@dataclass(frozen=True)
class Study:
    """Everything the report shows, computed from run results by
    :func:`~emobench_core.study.build.build_study`."""

    summaries: tuple[ModelSummary, ...]
    """Sorted by mean macro-F1, best first (ties by label)."""
    labels: tuple[str, ...]
    """The class names of the data, in label-id order (every table and figure follows them)."""
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
    recipe_choices: tuple[tuple[str, str, str, str, str, str], ...] = ()
    """Per ranked transformer row: ``(model, init, learning rate, where it came from, epochs,
    where they came from)``, from each result's ``recipe_sources``."""
    stale: tuple[ModelSummary, ...] = ()
    """Rows the current code would train differently (older code or another recipe), with
    their reasons; shown apart, not ranked (empty when the study includes them)."""
    data_filters: tuple[str, ...] = ()
    """The optional data filters any ranked run went through (empty: the published splits)."""
    dataset: str = "dair-ai/emotion"
    """The dataset of every run (a study never mixes two)."""
    labels_sources: tuple[str, ...] = ()
    """Where the runs' class names came from (``labels.txt``, ``ClassLabel``, ...)."""
    validation: tuple[str, ...] = ()
    """How the runs' validation split was made: ``split`` (the data's own) or carved."""
    plan: tuple[SeedPlan, ...] = ()
    """Seeds needed for each adjacent leaderboard pair (:data:`MIN_EFFECT`)."""

    @property
    def class_noun(self) -> str:
        """What the report calls a class (:func:`class_noun`)."""
        return class_noun(self.labels)

    @property
    def class_nouns(self) -> str:
        """The plural of :attr:`class_noun`."""
        return "classes" if self.class_noun == "class" else f"{self.class_noun}s"

    def tier_of(self, label: str) -> int:
        """1-based tier of ``label``."""
        return next(i for i, group in enumerate(self.tiers, 1) if label in group)

    def summary(self, label: str) -> ModelSummary:
        return next(s for s in self.summaries if s.label == label)
