"""Recommendations from model summaries: each summary becomes a
:class:`~emobench_core.study.recommend.Candidate` (CPU costs from the latency probe when one is
joined), then the best fit for a budget, or for each of the report's typical budgets.

    emobench recommend --results runs/ --max-latency-ms 5 --device cpu
    emobench recommend --results runs/ --device cpu --latency results/latency-cpu.json
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence

from emobench_core.errors import BudgetError
from emobench_core.study.comparisons import architecture_test
from emobench_core.study.recommend import (
    Budget,
    Candidate,
    PValue,
    Recommendation,
    format_recommendation,
    recommend,
)
from emobench_core.study.records import BudgetOutcome, ModelSummary

CPU_PROBE_NOTE = (
    "CPU latency and memory were measured by `emobench latency` on the CPU its report names, "
    "from each architecture (random weights: latency does not depend on weight values); memory "
    "is the inference peak RSS, not the training peak."
)
"""Appended to a CPU recommendation built from the probe."""

TYPICAL_BUDGETS: tuple[tuple[str, Budget], ...] = (
    ("phone-class CPU", Budget(max_latency_ms=2.0, max_params=15_000_000, device="cpu")),
    ("server CPU", Budget(max_latency_ms=20.0, device="cpu")),
    ("GPU", Budget(max_latency_ms=10.0, device="cuda")),
)
"""Deployment budgets the report answers (name, budget)."""


def candidates(summaries: Sequence[ModelSummary]) -> list[Candidate]:
    """Recommendation candidates, named by the summary's label (unique per device).

    One per summary on its own device, with ``peak_memory_mb`` the training peak (the only
    memory the results record). With a CPU probe joined
    (:func:`~emobench_core.study.summaries.join_cpu_probe`), the ``"cpu"``
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


def architecture_pvalues(summaries: Sequence[ModelSummary]) -> dict[str, dict[str, float]]:
    """Label -> label -> raw p-value of the architecture test on macro-F1 (seeds as the unit),
    for every comparable pair (both orders); what the recommendation's ties rest on, and what
    the HTML page's recommender carries."""
    out: dict[str, dict[str, float]] = {s.label: {} for s in summaries}
    for i, a in enumerate(summaries):
        for b in summaries[i + 1 :]:
            test = architecture_test(a, b, "macro_f1")
            if test is not None:
                out[a.label][b.label] = out[b.label][a.label] = test.pvalue
    return out


def pvalue_of(summaries: Sequence[ModelSummary]) -> PValue | None:
    """:func:`architecture_pvalues` as the ``pvalue`` of
    :func:`~emobench_core.study.recommend.recommend` (``None``: no draws to test with)."""
    if any(s.macro_f1_draws is None for s in summaries):
        return None
    table = architecture_pvalues(summaries)
    return lambda a, b: table.get(a, {}).get(b)


def unprobed_cpu_rows(summaries: Sequence[ModelSummary]) -> list[str]:
    """Labels of CPU summaries left out of the CPU candidates for want of a probe entry."""
    if all(s.cpu_latency_p50_ms is None for s in summaries):
        return []
    return [s.label for s in summaries if s.device == "cpu" and s.cpu_latency_p50_ms is None]


def recommendation_for(
    summaries: Sequence[ModelSummary], budget: Budget, *, rank_by: str = "cost"
) -> tuple[Recommendation, list[str]]:
    """The :class:`~emobench_core.study.recommend.Recommendation` for ``budget`` and the notes
    that go with it (a CPU budget answered with CPU-probe costs says so, naming the CPU rows
    left out for want of a probe entry); raises :class:`BudgetError` if none fits."""
    rec = recommend(candidates(summaries), budget, pvalue=pvalue_of(summaries), rank_by=rank_by)
    notes = []
    if budget.device == "cpu" and any(s.cpu_latency_p50_ms is not None for s in summaries):
        note = CPU_PROBE_NOTE
        if left_out := unprobed_cpu_rows(summaries):
            note += f" Left out (no probe entry for the architecture): {', '.join(left_out)}."
        notes.append(note)
    return rec, notes


def recommend_for(
    summaries: Sequence[ModelSummary], budget: Budget, *, rank_by: str = "cost"
) -> str:
    """:func:`recommend.format_recommendation` text; raises :class:`BudgetError` if none fits.

    A CPU budget answered with CPU-probe costs says so in a last line (:data:`CPU_PROBE_NOTE`),
    naming the CPU rows left out for want of a probe entry.
    """
    rec, notes = recommendation_for(summaries, budget, rank_by=rank_by)
    return "\n".join([format_recommendation(rec, budget), *notes])


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
