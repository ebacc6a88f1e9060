"""How the models compare: paired tests for every pair (Holm-adjusted), the tiers they give,
and the effect of pretraining (pretrained minus random init of one architecture).

    emobench report bench.json --results runs/   # the Significance and Pretraining sections
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from emobench_core.metrics.ranking import holm, tiers
from emobench_core.metrics.significance import (
    DEFAULT_RESAMPLES,
    PairedResult,
    mcnemar,
    paired_bootstrap,
    resample_pvalue,
)
from emobench_core.metrics.stats import percentiles
from emobench_core.study.records import ALPHA, Comparison, ModelSummary, PretrainingGap


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
        diffs = np.asarray(draws_a) - np.asarray(draws_b)
        low, high = percentiles(diffs, 0.95)
        p = resample_pvalue(diffs, observed)
        return PairedResult(float(observed), float(low), float(high), p, int(diffs.size))
    t = np.asarray(a.y_true)
    pa = np.asarray([a.predictions[k] for k in a.seeds])
    pb = np.asarray([b.predictions[k] for k in b.seeds])
    return paired_bootstrap(
        t, pa, pb, metric, num_labels=len(a.labels), n_resamples=n_resamples, seed=seed
    )


def compare(
    summaries: Sequence[ModelSummary], *, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> list[Comparison]:
    """Paired tests for every pair (in ``summaries`` order), on every seed of both.

    Macro-F1: the paired bootstrap of the difference in seed-mean macro-F1, the statistic the
    leaderboard ranks by. Accuracy: McNemar's exact test where each row has one seed, else the
    paired bootstrap of the seed-mean accuracy. Both conditional on the trained seeds; p-values
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
            raw.append(Comparison(a.label, b.label, a.seeds, b.seeds, test, 1.0, boot, 1.0, acc))
    mc_holm = holm([c.accuracy_pvalue for c in raw])
    pb_holm = holm([1.0 if c.paired is None else c.paired.pvalue for c in raw])
    return [
        dataclasses.replace(c, mcnemar_holm=q1, paired_holm=q2)
        for c, q1, q2 in zip(raw, mc_holm, pb_holm, strict=True)
    ]


def lookup(comparisons: Sequence[Comparison], a: str, b: str) -> Comparison:
    """The comparison of ``a`` and ``b``, in either order."""
    return next(c for c in comparisons if {c.a, c.b} == {a, b})


def model_tiers(
    summaries: Sequence[ModelSummary], comparisons: Sequence[Comparison]
) -> list[list[str]]:
    """Tiers of models not significantly below their tier's leader on mean macro-F1 (paired
    bootstrap p-values of ``comparisons``, Holm-adjusted, :data:`ALPHA`), best first."""
    labels = [s.label for s in summaries]
    pvals = {
        frozenset((c.a, c.b)): (1.0 if c.paired is None else c.paired.pvalue) for c in comparisons
    }
    return tiers(
        labels, [s.macro_f1_mean for s in summaries], lambda a, b: pvals[frozenset((a, b))], ALPHA
    )


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
