"""The regression gate's summary as markdown, fit for a CI job summary or a pull-request comment:
one row per gated test with the change, its interval, the p-value and the verdict; or as plain
data (``--json``).

    emobench compare results/baseline/ci RUNS --markdown "$GITHUB_STEP_SUMMARY"
    emobench compare results/baseline/ci RUNS --json
"""

from __future__ import annotations

import dataclasses
from typing import Any

from emobench_core.report.tables import p_value, table
from emobench_core.study.gate import GateReport


def _verdict(regressed: bool, gated: bool = True) -> str:
    if not gated:
        return "reported, not gated"
    return "**REGRESSION**" if regressed else "ok"


def gate_markdown(report: GateReport, baseline: str, candidate: str) -> str:
    """The whole summary; the first line says pass or fail."""
    s = report.settings
    head = "FAIL: regression" if report.regressed else "PASS: no regression"
    quality = [
        [
            q.row,
            q.metric,
            ",".join(map(str, q.seeds)),
            f"{q.baseline:.4f} → {q.candidate:.4f}",
            f"{q.change_pts:+.2f} [{100 * q.low:+.2f}, {100 * q.high:+.2f}]",
            q.test,
            p_value(q.pvalue),
            p_value(q.pvalue_holm),
            _verdict(q.regressed),
        ]
        for q in report.quality
    ]
    costs = [
        [
            c.row,
            c.what,
            f"{c.baseline:,.0f}",
            f"{c.candidate:,.0f}",
            "accepted" if c.accepted and c.baseline != c.candidate else _verdict(c.regressed),
        ]
        for c in report.costs
    ]
    latency = [
        [
            t.row,
            t.seed,
            f"{t.baseline_p50_ms:.3f}",
            f"{t.candidate_p50_ms:.3f}",
            f"{100 * t.change:+.1f}%",
            t.test or "—",
            "—" if t.pvalue is None else p_value(t.pvalue),
            _verdict(t.regressed, t.gated) + (f" ({t.why_not_gated})" if t.why_not_gated else ""),
        ]
        for t in report.latency
    ]
    out = [
        f"## emobench compare: {head}",
        "",
        f"Baseline `{baseline}`, candidate `{candidate}`. Quality: a test regresses when its "
        f"one-sided p-value, Holm-adjusted over the {len(report.quality)} quality tests, is "
        f"below α {s.alpha:g} and the drop is at least {s.min_effect_pts:g} point(s); changes "
        f"in points, candidate − baseline, [95% paired-bootstrap interval, {s.n_resamples:,} "
        "resamples]. Costs must be equal unless accepted. Latency is gated only when both sides "
        "were timed in one job on one machine (interleaved rounds: Wilcoxon signed-rank on the "
        "rounds' medians; one run a side: Mann-Whitney U on the raw per-call samples; one-sided, "
        f"and a slower median by at least {100 * s.latency_min_effect:g}%).",
        "",
        table(
            [
                "row",
                "metric",
                "seeds",
                "baseline → candidate",
                "change (points)",
                "test",
                "p",
                "Holm p",
                "verdict",
            ],
            quality,
        )
        if quality
        else "No pair of runs to compare.",
        "",
        table(["row", "cost", "baseline", "candidate", "verdict"], costs) if costs else "",
        "",
        table(
            [
                "row",
                "seed",
                "baseline p50 (ms)",
                "candidate p50 (ms)",
                "change",
                "test",
                "p",
                "verdict",
            ],
            latency,
        )
        if latency
        else "",
    ]
    if report.missing:
        out += [
            "",
            "**Missing from the candidate** (a regression: the gate never passes on "
            "cases that did not run): " + "; ".join(report.missing),
        ]
    if report.notes:
        out += ["", "Notes:", *(f"- {note}" for note in report.notes)]
    if report.new:
        out += ["", "New in the candidate (no baseline, not gated): " + ", ".join(report.new)]
    return "\n".join(line for line in out).strip() + "\n"


def gate_dict(report: GateReport, baseline: str, candidate: str) -> dict[str, Any]:
    """The verdict, the settings and every check as plain data (``emobench compare --json``)."""
    settings = dataclasses.asdict(report.settings)
    settings["accept"] = sorted(report.settings.accept)
    return {
        "verdict": "fail" if report.regressed else "pass",
        "exit_code": report.exit_code,
        "baseline": baseline,
        "candidate": candidate,
        "settings": settings,
        "quality": [{**dataclasses.asdict(q), "change_pts": q.change_pts} for q in report.quality],
        "costs": [{**dataclasses.asdict(c), "regressed": c.regressed} for c in report.costs],
        "latency": [{**dataclasses.asdict(c), "change": c.change} for c in report.latency],
        "missing": list(report.missing),
        "new": list(report.new),
        "notes": list(report.notes),
    }
