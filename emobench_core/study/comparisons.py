"""How the models compare: for every pair, the architecture-level test (seeds as the unit,
:mod:`emobench_core.metrics.seeds`) and the paired tests conditional on the trained networks,
each Holm-adjusted over all pairs; the tiers the architecture test gives; and the effect of
pretraining (pretrained minus random init of one architecture).

    emobench report bench.json --results runs/   # the Significance and Pretraining sections
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from emobench_core.metrics.ranking import holm, tiers
from emobench_core.metrics.seeds import SeedEstimate, SeedsNeeded, Term, difference, seeds_needed
from emobench_core.metrics.significance import (
    DEFAULT_RESAMPLES,
    PairedResult,
    mcnemar,
    paired_bootstrap,
    resample_pvalue,
)
from emobench_core.metrics.stats import percentiles
from emobench_core.study.records import (
    ALPHA,
    MIN_EFFECT,
    Comparison,
    ModelSummary,
    PretrainingGap,
    SeedPlan,
)


def _paired(
    a: ModelSummary,
    b: ModelSummary,
    metric: Literal["accuracy", "macro_f1"],
    n_resamples: int,
    seed: int,
) -> Any:
    """The paired bootstrap of ``metric(a) - metric(b)`` over all seeds of both (seed means),
    from the draws the summaries already hold where they pair (same indices), else afresh."""
    draws_a, draws_b = getattr(a, f"{metric}_draws"), getattr(b, f"{metric}_draws")
    observed = getattr(a, f"{metric}_mean") - getattr(b, f"{metric}_mean")
    if draws_a is not None and draws_b is not None and len(draws_a) == len(draws_b):
        diffs = np.asarray(draws_a).mean(axis=1) - np.asarray(draws_b).mean(axis=1)
        low, high = percentiles(diffs, 0.95)
        p = resample_pvalue(diffs, observed)
        return PairedResult(float(observed), float(low), float(high), p, int(diffs.size))
    t = np.asarray(a.y_true)
    pa = np.asarray([a.predictions[k] for k in a.seeds])
    pb = np.asarray([b.predictions[k] for k in b.seeds])
    return paired_bootstrap(
        t, pa, pb, metric, num_labels=len(a.labels), n_resamples=n_resamples, seed=seed
    )


def seed_term(s: ModelSummary, score: str, weight: float = 1.0) -> Term | None:
    """``(weight, per-seed scores, per-seed draws)`` of ``score`` (``"accuracy"``,
    ``"macro_f1"`` or a class name) for :func:`~emobench_core.metrics.seeds.combine`; ``None``
    where the summary holds no draws."""
    if score in ("accuracy", "macro_f1"):
        draws = getattr(s, f"{score}_draws")
    elif s.per_class_draws is not None:
        draws = np.asarray(s.per_class_draws)[:, :, s.labels.index(score)]
    else:
        draws = None
    if draws is None or score not in s.per_seed_scores:
        return None
    return (weight, s.per_seed_scores[score], draws)


def architecture_test(a: ModelSummary, b: ModelSummary, score: str) -> SeedEstimate | None:
    """``score(a) - score(b)`` of the seed means, seeds as the unit (``None``: not comparable,
    e.g. scored on different test sets or resampled differently)."""
    ta, tb = seed_term(a, score), seed_term(b, score)
    if a.y_true != b.y_true or ta is None or tb is None or len(ta[2]) != len(tb[2]):
        return None
    return difference(ta[1], ta[2], tb[1], tb[2])


def compare(
    summaries: Sequence[ModelSummary], *, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> list[Comparison]:
    """The architecture tests and the paired tests for every pair (in ``summaries`` order), on
    every seed of both.

    Architecture (macro-F1 and accuracy): the difference of seed means with the seeds as the
    unit (:func:`architecture_test`); tiers, findings and recommendations rest on it. Macro-F1
    conditional on the trained networks: the paired bootstrap of the difference in seed-mean
    macro-F1, the statistic the leaderboard ranks by. Accuracy: McNemar's exact test where each
    row has one seed, else the paired bootstrap of the seed-mean accuracy. p-values
    Holm-adjusted over all pairs, within each test.
    """
    raw: list[Comparison] = []
    for i, a in enumerate(summaries):
        for b in summaries[i + 1 :]:
            test, acc, boot = None, None, None
            if a.y_true == b.y_true:
                t = np.asarray(a.y_true)
                if a.n_seeds == b.n_seeds == 1:
                    pa, pb = (
                        np.asarray(a.predictions[a.seeds[0]]),
                        np.asarray(b.predictions[b.seeds[0]]),
                    )
                    test = mcnemar(pa == t, pb == t, exact=True)
                else:
                    acc = _paired(a, b, "accuracy", n_resamples, seed)
                boot = _paired(a, b, "macro_f1", n_resamples, seed)
            raw.append(
                Comparison(
                    a.label,
                    b.label,
                    a.seeds,
                    b.seeds,
                    test,
                    1.0,
                    boot,
                    1.0,
                    acc,
                    architecture=architecture_test(a, b, "macro_f1"),
                    architecture_accuracy=architecture_test(a, b, "accuracy"),
                )
            )
    mc_holm = holm([c.accuracy_pvalue for c in raw])
    pb_holm = holm([1.0 if c.paired is None else c.paired.pvalue for c in raw])
    ar_holm = holm([1.0 if c.architecture is None else c.architecture.pvalue for c in raw])
    aa_holm = holm(
        [1.0 if c.architecture_accuracy is None else c.architecture_accuracy.pvalue for c in raw]
    )
    return [
        dataclasses.replace(
            c, mcnemar_holm=q1, paired_holm=q2, architecture_holm=q3, architecture_accuracy_holm=q4
        )
        for c, q1, q2, q3, q4 in zip(raw, mc_holm, pb_holm, ar_holm, aa_holm, strict=True)
    ]


def lookup(comparisons: Sequence[Comparison], a: str, b: str) -> Comparison:
    """The comparison of ``a`` and ``b``, in either order."""
    return next(c for c in comparisons if {c.a, c.b} == {a, b})


def model_tiers(
    summaries: Sequence[ModelSummary], comparisons: Sequence[Comparison]
) -> list[list[str]]:
    """Tiers of models not significantly below their tier's leader on mean macro-F1 (the
    architecture test of ``comparisons``, seeds as the unit, Holm-adjusted, :data:`ALPHA`),
    best first."""
    labels = [s.label for s in summaries]
    pvals = {
        frozenset((c.a, c.b)): (1.0 if c.architecture is None else c.architecture.pvalue)
        for c in comparisons
    }
    return tiers(
        labels, [s.macro_f1_mean for s in summaries], lambda a, b: pvals[frozenset((a, b))], ALPHA
    )


def seed_plan(summaries: Sequence[ModelSummary], effect: float = MIN_EFFECT) -> list[SeedPlan]:
    """For each adjacent pair of the leaderboard (``summaries`` in rank order), the seeds per
    row that 80% power to detect a macro-F1 difference of ``effect`` would take, given the
    spread observed (:func:`~emobench_core.metrics.seeds.seeds_needed`)."""
    out = []
    for a, b in zip(summaries, summaries[1:], strict=False):
        ta, tb = seed_term(a, "macro_f1"), seed_term(b, "macro_f1")
        if a.y_true != b.y_true or ta is None or tb is None or len(ta[2]) != len(tb[2]):
            continue
        need: SeedsNeeded = seeds_needed(ta[1], ta[2], tb[1], tb[2], effect)
        observed = a.macro_f1_mean - b.macro_f1_mean
        out.append(SeedPlan(a.label, b.label, a.n_seeds, b.n_seeds, observed, need))
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
        per_class = {e: pre.per_class_f1[e] - rand.per_class_f1[e] for e in pre.labels}
        gap_f1, gap_acc = (
            pre.macro_f1_mean - rand.macro_f1_mean,
            pre.accuracy_mean - rand.accuracy_mean,
        )
        out.append(PretrainingGap(name, device, gap_f1, gap_acc, per_class))
    return out
