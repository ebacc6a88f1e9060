"""The report's list of findings, written from the numbers of a study: the hardest and easiest
emotions (named alone only where a test separates them), the most frequent confusions by count
and by share, tier 1, what each step down the size ladder costs, how the
transformers fare against the non-transformer baselines, and what pretraining is worth.

    emobench report bench.json --results runs/   # the Findings section
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence

from emobench_core.metrics.seeds import SeedEstimate
from emobench_core.models.backends.capabilities import RANDOM_INIT, REFERENCE
from emobench_core.models.registry import kind_supports
from emobench_core.study.comparisons import lookup
from emobench_core.study.emotions import class_means, extreme_classes, top_confusions
from emobench_core.study.records import ALPHA, Comparison, ModelSummary, PretrainingGap


def _p(value: float) -> str:
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _seeds(c: Comparison) -> str:
    seeds = sorted(set(c.seeds_a) | set(c.seeds_b))
    return f"seed {seeds[0]}" if len(seeds) == 1 else f"seeds {', '.join(map(str, seeds))}"


def _ci(e: SeedEstimate, scale: float = 1.0, digits: int = 4, pct: bool = False) -> str:
    iv = e.interval()
    if pct:
        return f"{e.estimate:.1%} [{iv.low:.1%}, {iv.high:.1%}]"
    return (
        f"{scale * e.estimate:.{digits}f} [{scale * iv.low:.{digits}f}, "
        f"{scale * iv.high:.{digits}f}]"
    )


def _extremes(
    summaries: Sequence[ModelSummary], hardest: Sequence[tuple[str, float]], noun: str
) -> list[str]:
    """The hardest and easiest classes: named alone only where a test separates them."""
    plural = "classes" if noun == "class" else f"{noun}s"
    means = class_means(summaries)
    if means is None:
        (e1, f1), (easy, fe) = hardest[0], hardest[-1]
        return [
            f"By mean F1 across {len(summaries)} models (untested: no resampled draws), the "
            f"lowest is {e1} ({f1:.4f}) and the highest {easy} ({fe:.4f})."
        ]
    listed = ", ".join(f"{e} {_ci(means[e])}" for e, _ in hardest)
    out = [
        f"Mean F1 across the {len(summaries)} models [95% interval, seeds as the unit], "
        f"lowest first: {listed}."
    ]
    two = len(hardest) == 2
    for which in ("hardest",) if two else ("hardest", "easiest"):
        found = extreme_classes(summaries, which, ALPHA)
        assert found is not None
        tied, ps = found
        word = "harder" if two else which
        if len(tied) == 1:
            worst = max(ps.values()) if ps else 1.0
            out.append(
                f"The {word} {noun + ' ' if two else ''}is {tied[0]}: the test separates it from "
                f"every other (F1 differences, seeds as the unit, Holm-adjusted p at most "
                f"{_p(worst)})."
            )
        else:
            out.append(
                f"No single {word}{' ' + noun if two else ''}: {tied[0]} is not separated from "
                + ", ".join(f"{e} (Holm p {_p(ps[e])})" for e in tied[1:])
                + ("." if two else f"; the {which} {plural} are this tied set.")
            )
    return out


def _confusions(summaries: Sequence[ModelSummary], n_resamples: int) -> list[str]:
    by_count, by_share, gap = top_confusions(summaries, n_resamples)
    m = len(summaries)
    count = "; ".join(f"{c.true}→{c.pred} {_ci(c.count, digits=1)} a run" for c in by_count)
    share = "; ".join(
        f"{c.true}→{c.pred} {_ci(c.share, pct=True)} of {c.true} examples" for c in by_share
    )
    out = [
        f"By count (test examples a run, mean over the {m} models of their seed means, [95% "
        f"interval, seeds as the unit]), the most frequent confusions are {count}.",
        f"By share of the true class (same averaging), the largest are {share}.",
    ]
    if gap is not None and len(by_share) > 1:
        a, b = by_share
        verdict = "separates" if gap.pvalue < ALPHA else "does not separate"
        out[-1] = out[-1][:-1] + (
            f"; the test {verdict} the first two ({a.true}→{a.pred} minus {b.true}→{b.pred}: "
            f"{_ci(gap, scale=100, digits=1)} points, p {_p(gap.pvalue)})."
        )
    return out


def findings(
    summaries: Sequence[ModelSummary],
    comparisons: Sequence[Comparison],
    hardest: Sequence[tuple[str, float]],
    gaps: Sequence[PretrainingGap],
    groups: Sequence[Sequence[str]],
    *,
    noun: str = "emotion",
    n_resamples: int = 999,
) -> list[str]:
    """One sentence per finding, in a fixed order; ``hardest`` and ``groups`` as in the study,
    ``noun`` what a class is called ("emotion", "class"). Each says what it ranks by, with
    its interval; claims about architectures rest on the architecture test (seeds as the
    unit, Holm-adjusted)."""
    out = _extremes(summaries, hardest, noun)
    out += _confusions(summaries, n_resamples)
    if len(groups) > 0 and len(summaries) > 1:
        out.append(
            f"Tier 1 (not significantly below the leader on mean macro-F1; architecture test, "
            f"seeds as the unit, Holm-adjusted α {ALPHA}): " + ", ".join(groups[0]) + "."
        )
    families = defaultdict(list)
    for s in summaries:
        # distilled rows have their own section (kd_study); the size ladder is undistilled
        if kind_supports(s.kind, RANDOM_INIT) and " ← " not in s.name:
            families[(s.device, s.init)].append(s)
    for (device, init), members in sorted(families.items()):
        members = sorted(members, key=lambda s: (-s.params_total, s.label))
        for big, small in zip(members, members[1:], strict=False):
            c = lookup(comparisons, big.label, small.label)
            test = _arch(c.architecture, c.architecture_holm, sign=1 if c.a == small.label else -1)
            out.append(
                f"On {device} ({init}), stepping down from {big.label} to {small.label} "
                f"({big.params_total / small.params_total:.1f}x fewer parameters) changes "
                f"mean macro-F1 by {test} on {_seeds(c)}, and p50 latency from "
                f"{big.latency_p50_ms:.3f} to {small.latency_p50_ms:.3f} ms."
            )
    for ref in (s for s in summaries if kind_supports(s.kind, REFERENCE)):
        for s in (s for s in summaries if kind_supports(s.kind, RANDOM_INIT)):
            c = lookup(comparisons, s.label, ref.label)
            e = c.architecture_accuracy
            if e is None:
                continue
            if c.architecture_accuracy_holm >= ALPHA:
                verb = "is not distinguishable, with these seeds and test examples, from"
            else:
                verb = "beats" if s.accuracy_mean > ref.accuracy_mean else "is beaten by"
            test = _arch(e, c.architecture_accuracy_holm, sign=1 if c.a == s.label else -1)
            one = " (one seed: its seed variation is not covered)" if ref.n_seeds == 1 else ""
            out.append(
                f"{s.label} {verb} {ref.label}{one}: accuracy {s.accuracy_mean:.4f} vs "
                f"{ref.accuracy_mean:.4f}, difference {test}; macro-F1 {s.macro_f1_mean:.4f} "
                f"vs {ref.macro_f1_mean:.4f}."
            )
    for g in gaps:
        cls, v = max(g.per_class_f1.items(), key=lambda kv: (kv[1], kv[0]))
        out.append(
            f"Pretraining is worth {100 * g.macro_f1:+.1f} macro-F1 points for {g.name} on "
            f"{g.device} ({100 * g.accuracy:+.1f} accuracy points); the largest per-{noun} "
            f"gain is on {cls} ({100 * v:+.1f} points)."
        )
    return out


def _arch(e: SeedEstimate | None, holm_p: float, *, sign: int) -> str:
    """``+x.x points [lo, hi] (architecture test, seeds as the unit: Holm p ...)`` with the
    difference oriented by ``sign`` (+1: as tested, -1: reversed)."""
    if e is None:
        return "an amount that cannot be tested (different test sets)"
    iv = e.interval()
    lo, hi = sorted((sign * iv.low, sign * iv.high))
    return (
        f"{100 * sign * e.estimate:+.1f} points [{100 * lo:+.1f}, {100 * hi:+.1f}] "
        f"(95% interval, not adjusted; architecture test, seeds as the unit: Holm p "
        f"{_p(holm_p)})"
    )
