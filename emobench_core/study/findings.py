"""The report's list of findings, written from the numbers of a study: the hardest emotions and
the most frequent confusion, tier 1, what each step down the size ladder costs, how the
transformers fare against the non-transformer baselines, and what pretraining is worth.

    emobench report bench.json --results runs/   # the Findings section
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

import numpy as np

from emobench_core.study.comparisons import lookup
from emobench_core.study.records import ALPHA, Comparison, ModelSummary, PretrainingGap


def _p(value: float) -> str:
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _seeds(c: Comparison) -> str:
    seeds = sorted(set(c.seeds_a) | set(c.seeds_b))
    return f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {', '.join(map(str, seeds))}"


def findings(
    summaries: Sequence[ModelSummary],
    comparisons: Sequence[Comparison],
    hardest: Sequence[tuple[str, float]],
    gaps: Sequence[PretrainingGap],
    groups: Sequence[Sequence[str]],
    *,
    noun: str = "emotion",
) -> list[str]:
    """One sentence per finding, in a fixed order; ``hardest`` and ``groups`` as in the study,
    ``noun`` what a class is called ("emotion", "class")."""
    out = []
    (e1, f1), (e2, f2), (easy, fe) = hardest[0], hardest[1], hardest[-1]
    plural = "classes" if noun == "class" else f"{noun}s"
    if len(hardest) > 2:
        out.append(
            f"The hardest {plural} are {e1} (mean F1 {f1:.4f} across {len(summaries)} models) "
            f"and {e2} ({f2:.4f}); the easiest is {easy} ({fe:.4f})."
        )
    else:
        out.append(
            f"The harder {noun} is {e1} (mean F1 {f1:.4f} across {len(summaries)} models); "
            f"the easier is {easy} ({fe:.4f})."
        )
    shares: dict[tuple[str, str], list[float]] = defaultdict(list)
    for s in summaries:
        cm = np.asarray(s.confusion)
        for i, t in enumerate(s.labels):
            for j, p in enumerate(s.labels):
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
            c = lookup(comparisons, big.label, small.label)
            delta = 100 * (small.macro_f1_mean - big.macro_f1_mean)
            test = "not comparable" if c.paired is None else f"Holm p {_p(c.paired_holm)}"
            out.append(
                f"On {device} ({init}), stepping down from {big.label} to {small.label} "
                f"({big.params_total / small.params_total:.1f}x fewer parameters) changes "
                f"macro-F1 by {delta:+.1f} points (paired bootstrap of the seed means, "
                f"{_seeds(c)}: {test}) and p50 latency from {big.latency_p50_ms:.3f} to "
                f"{small.latency_p50_ms:.3f} ms."
            )
    for ref in (s for s in summaries if s.kind != "transformer"):
        for s in (s for s in summaries if s.kind == "transformer"):
            c = lookup(comparisons, s.label, ref.label)
            if c.mcnemar is None and c.accuracy_paired is None:
                continue
            if c.mcnemar_holm >= ALPHA:
                verb = "is not distinguishable, at this test size, from"
            else:
                verb = "beats" if s.accuracy_mean > ref.accuracy_mean else "is beaten by"
            out.append(
                f"{s.label} {verb} {ref.label}: accuracy {s.accuracy_mean:.4f} vs "
                f"{ref.accuracy_mean:.4f}, macro-F1 {s.macro_f1_mean:.4f} vs "
                f"{ref.macro_f1_mean:.4f} ({c.accuracy_method} on accuracy, {_seeds(c)}: p "
                f"{_p(c.accuracy_pvalue)}, Holm {_p(c.mcnemar_holm)})."
            )
    for g in gaps:
        e, v = max(g.per_class_f1.items(), key=lambda kv: (kv[1], kv[0]))
        out.append(
            f"Pretraining is worth {100 * g.macro_f1:+.1f} macro-F1 points for {g.name} on "
            f"{g.device} ({100 * g.accuracy:+.1f} accuracy points); the largest per-{noun} "
            f"gain is on {e} ({100 * v:+.1f} points)."
        )
    return out
