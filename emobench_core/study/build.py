"""Aggregate run results into the :class:`~emobench_core.study.records.Study` the report renders:
summaries, comparisons and tiers, per-emotion gaps and confusions, Pareto fronts, the effect of
pretraining, recommendations for typical budgets and findings. Pure function, no I/O.

    emobench report bench.json --results runs/   # renders build_study(load_results(...))
    emobench report bench.json --results runs/ --latency results/latency-cpu.json

Every resampling uses a fixed seed and every collection is sorted explicitly, so the same
results give the same study, to the bit.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from emobench_core.schema.run import RunResult
from emobench_core.study.budgets import typical_recommendations
from emobench_core.study.comparisons import compare, model_tiers, pretraining_gaps
from emobench_core.study.emotions import confusion_pairs, hardest_emotions, per_class_drop
from emobench_core.study.findings import findings
from emobench_core.study.fronts import pareto_fronts
from emobench_core.study.records import Study
from emobench_core.study.summaries import dedupe, join_cpu_probe, label_set, summarize

if TYPE_CHECKING:
    from emobench_core.schema.latency import LatencyReport


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
    kept, superseded = dedupe(results)
    kept = sorted(kept, key=lambda r: (r.created_at, r.run_id))
    comparisons = compare(summaries, n_resamples=n_resamples, seed=seed)
    groups = model_tiers(summaries, comparisons)
    hardest = hardest_emotions(summaries)
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
        labels=label_set(results),
        comparisons=tuple(comparisons),
        tiers=tuple(tuple(g) for g in groups),
        per_class_drop=per_class_drop(summaries),
        hardest=hardest,
        confusion_pairs={s.label: confusion_pairs(s) for s in summaries},
        pareto=tuple(pareto_fronts(summaries)),
        pretraining=tuple(gaps),
        recommendations=tuple(typical_recommendations(summaries)),
        findings=tuple(findings(summaries, comparisons, hardest, gaps, groups)),
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
