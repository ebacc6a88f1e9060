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

from emobench_core.metrics.significance import DEFAULT_RESAMPLES
from emobench_core.models.backends.capabilities import RANDOM_INIT
from emobench_core.models.registry import kind_supports
from emobench_core.schema.run import RunResult
from emobench_core.study.budgets import typical_recommendations
from emobench_core.study.comparisons import compare, model_tiers, pretraining_gaps, seed_plan
from emobench_core.study.emotions import confusion_pairs, hardest_emotions, per_class_drop
from emobench_core.study.findings import findings
from emobench_core.study.fronts import pareto_fronts
from emobench_core.study.records import Study, class_noun
from emobench_core.study.summaries import (
    dataset_of,
    dedupe,
    join_cpu_probe,
    label_set,
    split_stale,
    summarize_all,
)

if TYPE_CHECKING:
    from emobench_core.schema.latency import LatencyReport


def build_study(
    results: Sequence[RunResult],
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    latency: LatencyReport | None = None,
    include_stale: bool = False,
) -> Study:
    """Aggregate ``results`` into a :class:`Study` (deterministic for a given ``seed``).

    ``latency``, a CPU latency probe (``emobench latency``), adds CPU latency and inference
    memory to every row of a probed architecture, their Pareto fronts and CPU recommendations.

    Stale rows (trained by older code or another recipe than the current code would run,
    :mod:`~emobench_core.study.staleness`) are kept apart in ``Study.stale``, out of the
    comparisons, tiers, fronts, findings and recommendations, unless ``include_stale``.

    Raises:
        ResultsError: No results, or one model's seeds scored on different test sets.
    """
    everything = summarize_all(results, n_resamples=n_resamples, seed=seed)
    summaries, stale = split_stale(join_cpu_probe(everything, latency), include_stale=include_stale)
    kept, superseded = dedupe(results)
    kept = sorted(kept, key=lambda r: (r.created_at, r.run_id))
    comparisons = compare(summaries, n_resamples=n_resamples, seed=seed)
    groups = model_tiers(summaries, comparisons)
    hardest = hardest_emotions(summaries)
    gaps = pretraining_gaps(summaries)
    labels = label_set(results)
    ranked_ids = {i for s in summaries for i in s.run_ids}
    ranked = [r for r in kept if r.run_id in ranked_ids] or kept
    first = ranked[0]
    diffs = tuple(
        (r.run_id, key, repr(r.recipe.get(key)))
        for r in sorted(ranked, key=lambda r: r.run_id)
        for key in sorted(set(r.recipe) | set(first.recipe))
        if key != "seed" and r.recipe.get(key) != first.recipe.get(key)
    )
    rates = {}
    for r in sorted(ranked, key=lambda r: (r.model.name, r.model.init, r.seed)):
        if not kind_supports(r.model.kind, RANDOM_INIT) or (r.model.name, r.model.init) in rates:
            continue
        init = r.model.init
        key = "learning_rate_random" if init == "random" else "learning_rate"
        epochs_key = "epochs_random" if init == "random" else "epochs"
        src = r.recipe_sources
        rates[(r.model.name, init)] = (
            r.model.name,
            init,
            repr(r.recipe.get(key)),
            src.get("learning_rate_random", "not recorded") if init == "random" else "recipe",
            repr(r.recipe.get(epochs_key) or r.recipe.get("epochs")),
            src.get("epochs_random", "not recorded") if init == "random" else "recipe",
        )
    return Study(
        summaries=tuple(summaries),
        stale=tuple(stale),
        labels=labels,
        comparisons=tuple(comparisons),
        tiers=tuple(tuple(g) for g in groups),
        per_class_drop=per_class_drop(summaries),
        hardest=hardest,
        confusion_pairs={s.label: confusion_pairs(s) for s in summaries},
        pareto=tuple(pareto_fronts(summaries, comparisons)),
        pretraining=tuple(gaps),
        recommendations=tuple(typical_recommendations(summaries)),
        findings=tuple(
            findings(
                summaries,
                comparisons,
                hardest,
                gaps,
                groups,
                noun=class_noun(labels),
                n_resamples=n_resamples,
            )
        ),
        profiles=tuple(sorted({str(r.tags["profile"]) for r in kept if r.tags.get("profile")})),
        devices=tuple(sorted({s.device for s in summaries})),
        seeds=tuple(sorted({r.seed for r in kept})),
        data_sources=tuple(sorted({r.data.source for r in kept})),
        fingerprints=tuple(sorted({r.data.fingerprint for r in kept})),
        data_filters=tuple(sorted({f for r in kept for f in r.data.filters})),
        dataset=dataset_of(results),
        labels_sources=tuple(sorted({r.data.labels_source for r in kept})),
        validation=tuple(sorted({r.data.validation for r in kept})),
        rows=dict(first.data.rows),
        recipe=dict(first.recipe),
        recipe_differences=diffs,
        recipe_choices=tuple(rates.values()),
        superseded=tuple(superseded),
        n_resamples=n_resamples,
        latency=latency,
        plan=tuple(seed_plan(summaries)),
    )
