"""How the models compare: paired tests for every pair (Holm-adjusted), the tiers they give,
and the effect of pretraining (pretrained minus random init of one architecture).

    emobench report bench.json --results runs/   # the Significance and Pretraining sections
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

import numpy as np

from emobench_core.metrics.ranking import holm, tiers
from emobench_core.metrics.significance import mcnemar, paired_bootstrap
from emobench_core.study.records import ALPHA, Comparison, ModelSummary, PretrainingGap


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
                boot = paired_bootstrap(
                    t,
                    pa,
                    pb,
                    "macro_f1",
                    num_labels=len(a.labels),
                    n_resamples=n_resamples,
                    seed=seed,
                )
            raw.append(Comparison(a.label, b.label, sa, sb, test, 1.0, boot, 1.0))
    mc_holm = holm([1.0 if c.mcnemar is None else c.mcnemar.pvalue for c in raw])
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
