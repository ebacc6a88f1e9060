"""The sections of RESULTS.md about where quality goes and what to deploy: per emotion (F1,
drops from the best model, confusions), the Pareto frontier, the effect of pretraining, and the
recommendations with the findings. Formatting only; the numbers come from a computed
:class:`~emobench_core.study.records.Study`.

    emobench report bench.json --results runs/ --figures-dir results/figures
"""

from __future__ import annotations

from collections.abc import Sequence

from emobench_core.report.tables import ci, table
from emobench_core.study.records import (
    ALPHA,
    AXIS_LABELS,
    CPU_PROBE_AXES,
    PARETO_AXES,
    ParetoFront,
    Study,
)


def per_emotion(st: Study, figs: dict[str, str], notes: Sequence[str] = ()) -> list[str]:
    """The "Per emotion" section: F1 per emotion, drops from the best, confusions; ``notes``
    (e.g. the data report's label conflicts) follow the hardest emotions."""
    best = st.summaries[0]
    f1 = [
        [s.label, *(f"{s.per_class_f1[e]:.4f} {ci(s.per_class_ci[e])}" for e in st.labels)]
        for s in st.summaries
    ]
    drop = [
        [s.label, *(f"{100 * st.per_class_drop[s.label][e]:+.1f}" for e in st.labels)]
        for s in st.summaries[1:]
    ]
    pairs = [
        [
            s.label,
            "; ".join(
                f"{p.true}→{p.pred} {p.share:.1%} ({p.count})" for p in st.confusion_pairs[s.label]
            ),
        ]
        for s in st.summaries
    ]
    return [
        f"## Per {st.class_noun}",
        "",
        f"F1 per {st.class_noun}, mean over seeds, with 95% intervals of the seed mean ("
        + "; ".join(sorted({iv.method for s in st.summaries for iv in s.per_class_ci.values()}))
        + "):",
        "",
        table(["model", *st.labels], f1),
        "",
        f"Drop from the best model ({best.label}) in F1 points (positive: worse):",
        "",
        table(["model", *st.labels], drop) if drop else "Only one model.",
        "",
        f"Hardest {st.class_nouns} (mean F1 across models): "
        + ", ".join(f"{e} {v:.4f}" for e, v in st.hardest)
        + ".",
        "",
        *(line for note in notes for line in (note, "")),
        f"![per-{st.class_noun} F1]({figs['per_class_f1']})",
        "",
        "Top confusions (true→predicted, share of the true class, count summed over seeds):",
        "",
        table(["model", "top confusions"], pairs),
        "",
        f"![confusion matrices]({figs['confusion']})",
    ]


def _on(front: ParetoFront, label: str) -> str:
    if label in front.front:
        return "yes"
    if label in front.tied:
        return "tied"
    return "no" if label in {p[0] for p in front.points} else "—"


def pareto(st: Study, figs: dict[str, str]) -> list[str]:
    """The "Pareto frontier" section: which rows are on each front, and the figures."""
    probe = [f for a in CPU_PROBE_AXES for f in st.pareto if f.axis == a]
    rows = []
    for s in st.summaries:
        row = [s.label, s.device, f"{s.macro_f1_mean:.4f}"]
        for axis in PARETO_AXES:
            front = next(f for f in st.pareto if f.axis == axis and f.device == s.device)
            row.append(_on(front, s.label))
        for front in probe:
            row.append(_on(front, s.label))
        rows.append(row)
    heads = ["model", "device", "macro-F1", *(f"front: {a}" for a in PARETO_AXES.values())]
    heads += [f"front: {AXIS_LABELS[f.axis]}" for f in probe]
    note = (
        " The CPU-probe axes compare every row that has a probe entry, whatever device its "
        "quality was measured on (—: no probe entry)."
        if probe
        else ""
    )
    images = [
        ["", f"![macro-F1 vs {AXIS_LABELS[f.axis]}]({figs[f'pareto_{f.axis}']})"] for f in probe
    ]
    return [
        "## Pareto frontier",
        "",
        "A model is on the frontier of an axis when no model on the same device has both a "
        "higher mean macro-F1 and a lower cost on that axis. Costs are one figure per "
        "architecture (a distilled row and its student share one): the parameter count, the "
        "probe's CPU figures, and on the per-run axes the median latency and the largest "
        "training peak of the architecture's rows on that device. *tied*: off the front only "
        "by gaps in mean macro-F1 that the architecture test (seeds as the unit, Holm-adjusted, "
        f"α {ALPHA}) does not separate from noise: no row that dominates it is significantly "
        "better." + note,
        "",
        table(heads, rows),
        "",
        f"![macro-F1 vs latency]({figs['pareto_latency_p50_ms']})",
        "",
        f"![macro-F1 vs parameters]({figs['pareto_params_total']})",
        *(line for pair in images for line in pair),
    ]


def pretraining(st: Study) -> list[str]:
    """The "Pretraining effect" section; nothing without both inits of a model."""
    if not st.pretraining:
        return []
    rows = [
        [
            g.name,
            g.device,
            f"{100 * g.accuracy:+.1f}",
            f"{100 * g.macro_f1:+.1f}",
            *(f"{100 * g.per_class_f1[e]:+.1f}" for e in st.labels),
        ]
        for g in st.pretraining
    ]
    return [
        "## Pretraining effect",
        "",
        "Pretrained minus random init, same architecture and recipe, in points (mean over seeds):",
        "",
        table(["model", "device", "Δ accuracy", "Δ macro-F1", *st.labels], rows),
        "",
    ]


def recommendations(st: Study) -> list[str]:
    """The "Recommendations" section for the typical budgets, then "Findings"."""
    memory = (
        "memory limits apply to the training peak"
        if st.latency is None
        else "on CPU, latency and memory come from the CPU latency probe; elsewhere memory "
        "limits apply to the training peak"
    )
    out = [
        "## Recommendations",
        "",
        "Within each typical budget, the cheapest row (CPU latency, then parameters) of those "
        "not significantly below the best mean macro-F1 (the architecture test, seeds as the "
        f"unit; `emobench recommend --rank-by mean` ranks by the mean instead); the rule that "
        f"chose is stated under each ({memory}):",
        "",
    ]
    for r in st.recommendations:
        out += [f"### {r.name}", "", "```text", r.text, "```", ""]
    return [*out, "## Findings", "", *[f"- {f}" for f in st.findings]]
