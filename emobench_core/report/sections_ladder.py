"""The "Size ladder" section that opens the study of RESULTS.md (and the leaderboard page): for
each step down from DistilBERT through BERT-Small and BERT-Mini to BERT-Tiny (MiniLM-L6 beside),
the change in accuracy and macro-F1 with its interval and test, the factor in parameters, CPU
latency and training time, the emotion that loses most; the published pretrained numbers of the
same architectures beside them, marked external; and the effect of pretraining measured here.
Formatting only; the numbers come from :mod:`emobench_core.study.ladder`, the published rows
from the anchors file (``emobench_core/report/anchors.toml``).

    emobench report results/cpu/bench.json --results results/cpu --output results/cpu/RESULTS.md
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from emobench_core.measure.environment import cpu_name
from emobench_core.metrics.seeds import WELCH, SeedEstimate
from emobench_core.report.blocks import Block, Table
from emobench_core.report.tables import env_value, optional, p_value
from emobench_core.study.ladder import (
    BESIDE,
    LADDER,
    PRETRAINED_TWIN,
    Rung,
    SizeLadder,
    Step,
    cost,
)
from emobench_core.study.records import ALPHA, Study

PUBLISHED: dict[str, tuple[str, ...]] = {
    "distilbert": ("DistilBERT-base-uncased",),
    "bert-small": ("BERT-Small (L-4 H-512)",),
    "bert-mini": ("BERT-Mini (L-4 H-256)",),
    "bert-tiny": ("BERT-Tiny (L-2 H-128)",),
    PRETRAINED_TWIN: (),
}
"""Ladder architecture -> the ``model`` of its published fine-tuned pretrained rows in the
anchors file (none for MiniLM-L6: the published MiniLM is the 12-layer one)."""
TITLE = "Size ladder: what each step down costs"
PUBLISHED_TITLE = "Published fine-tuned pretrained numbers (external, not measured here)"


def _pts(e: SeedEstimate) -> str:
    iv = e.interval()
    return f"{100 * e.estimate:+.2f} [{100 * iv.low:+.2f}, {100 * iv.high:+.2f}]"


def _arrow(step: Step) -> str:
    if step.kind == "pretraining":
        return f"{step.to.name}: {step.frm.init} init → {step.to.init}"
    return f"{step.frm.name} → {step.to.name}" + (" (beside)" if step.kind == "beside" else "")


def _seeds(step: Step) -> str:
    a, b = step.frm.row, step.to.row
    return "—" if a is None or b is None else f"{a.n_seeds} / {b.n_seeds}"


def _factor(step: Step, attr: str, scale: float, unit: str, digits: int) -> str:
    a, b = (cost(r, attr) for r in (step.frm, step.to))
    f = step.factor(attr)
    if a is None or b is None or f is None:
        return "—"
    return f"{a / scale:.{digits}f} → {b / scale:.{digits}f}{unit} ({f:.2f}×)"


def _rung_name(r: Rung) -> str:
    return f"{r.name} ({'random init' if r.init == 'random' else r.init})"


def _missing(step: Step, device: str) -> str:
    names = ", ".join(_rung_name(r) for r in step.missing)
    why = "; ".join(
        f"{_rung_name(r)}: {', '.join(r.elsewhere)}" for r in step.missing if r.elsewhere
    )
    if step.missing:
        return (
            f"{_arrow(step)}: not yet measured: no current row of {names} on {device}"
            + (f" ({why})" if why else "")
            + "."
        )
    return f"{_arrow(step)}: not comparable (the two rows were scored on different test sets)."


def _rungs(ladder: SizeLadder, probe: bool) -> list[Block]:
    """The measured rungs; the CPU latency column only with a probe (``--latency``)."""
    rows = [
        (
            f"{r.name} ‡" if r.row.failed else r.name,
            f"{r.row.params_total / 1e6:.2f}",
            str(r.row.n_seeds),
            f"{r.row.accuracy_mean:.4f}",
            f"{r.row.macro_f1_mean:.4f}",
            *([optional(r.row.cpu_latency_p50_ms, 3)] if probe else []),
            optional(r.train_s_median, 1),
            f"{r.row.device}: {'; '.join(r.machines) or 'not recorded'}",
            ", ".join(r.precisions) or "not recorded",
        )
        for r in ladder.rungs
        if r.row is not None
    ]
    heads: tuple[str, ...] = ("architecture", "params (M)", "seeds", "accuracy", "macro-F1")
    heads += ("CPU p50 b1 (ms)",) if probe else ()
    heads += ("train s (median over seeds)", "trained on", "precision")
    out: list[Block] = [Table(heads, tuple(rows))] if rows else []
    out += [
        ("p", f"‡ {r.row.failed_note()}: a step from or to it measures that failure, not size.")
        for r in ladder.rungs
        if r.row is not None and r.row.failed
    ]
    machines = {m for r in ladder.rungs if r.row is not None for m in r.machines}
    if len(machines) > 1:
        out.append(
            (
                "p",
                "These rows were trained on different machines (`trained on`): a training-time "
                "factor between two of them compares the machines as well as the models.",
            )
        )
    if any(s.mixed_precision for s in ladder.steps if s.measured):
        out.append(
            (
                "p",
                "These rows were trained in different precisions (`precision`: bf16 autocast "
                "where the CPU has native bf16, else fp32): the same seed trains other weights "
                'in each, so a step between two of them (marked "different precisions") '
                "measures the precision and the CPU's kernels as well as the models.",
            )
        )
    return out


def _steps(ladder: SizeLadder, st: Study) -> list[Block]:
    measured = [s for s in ladder.steps if s.measured]
    probe = st.latency is not None
    out: list[Block] = []
    if measured:
        rows = [
            (
                _arrow(s) + (" (different precisions)" if s.mixed_precision else ""),
                _seeds(s),
                *_test(s.accuracy, s.accuracy_holm),
                *_test(s.macro_f1, s.macro_f1_holm),
                _factor(s, "params_total", 1e6, "M", 2),
                *([_factor(s, "cpu_latency_p50_ms", 1, " ms", 3)] if probe else []),
                _factor(s, "train_s_median", 1, " s", 0)
                + (" (different machines)" if s.frm.machines != s.to.machines else ""),
            )
            for s in measured
        ]
        heads: tuple[str, ...] = ("step (larger → smaller)", "seeds", "Δ accuracy [95% CI]")
        heads += ("p", "Holm p")
        heads += ("Δ macro-F1 [95% CI]", "p", "Holm p", "parameters")
        heads += ("CPU p50 b1", "train time") if probe else ("train time",)
        out.append(Table(heads, tuple(rows)))
        out.append(("p", f"The {st.class_noun} that loses most at each step:"))
        out.append(Table(_emotion_heads(st), tuple(_emotion_row(s) for s in measured)))
    out += [("li", _missing(s, ladder.device)) for s in ladder.steps if not s.measured]
    return out


def _test(e: SeedEstimate | None, holm: float) -> tuple[str, str, str]:
    return ("—", "—", "—") if e is None else (_pts(e), p_value(e.pvalue), p_value(holm))


def _emotion_heads(st: Study) -> tuple[str, ...]:
    return ("step", st.class_noun, "Δ F1 [95% CI]", "p", "Holm p", "verdict")


def _emotion_row(s: Step) -> tuple[str, ...]:
    worst = s.worst
    if worst is None:
        return (_arrow(s), "none falls", "—", "—", "—", "no mean F1 is lower at this step")
    e, q = s.per_class[worst], s.per_class_holm[worst]
    verdict = (
        f"significant loss (Holm p < {ALPHA})"
        if q < ALPHA
        else "not significant: not shown to be a cost of the step"
    )
    return (_arrow(s), worst, _pts(e), p_value(e.pvalue), p_value(q), verdict)


def _published(anchors: Sequence[Mapping[str, str]] | None) -> list[Block]:
    out: list[Block] = [("h3", PUBLISHED_TITLE)]
    if anchors is None:
        return [*out, ("p", "No reference file was given (`--anchors`).")]
    rows = []
    for name in (*LADDER, PRETRAINED_TWIN):
        found = [a for a in anchors if a["model"] in PUBLISHED[name]]
        rows += [
            (
                name,
                a["model"],
                a["accuracy"] or "—",
                a["macro_f1"] or "—",
                a["split"] or "—",
                a["source"] or "—",
                "external, not measured here",
            )
            for a in found
        ]
        if not found:
            rows.append((name, "—", "—", "—", "—", "none in the reference file", "—"))
    heads: tuple[str, ...] = ("architecture", "published model", "accuracy", "macro-F1")
    heads += ("split", "source")
    heads += ("marked",)
    return [
        *out,
        (
            "p",
            "Pretrained checkpoints of the same architectures fine-tuned by others, as published "
            "by the sources named (transcribed in `emobench_core/report/anchors.toml`, the "
            '"Published reference numbers" section below): their own recipes, some on the '
            "validation split, no intervals. They are quoted, not measured here; the rows "
            "above are random-init models trained here, so the gap between the two is not a "
            "test result.",
        ),
        Table(heads, tuple(rows)),
    ]


def _pretraining(ladder: SizeLadder, st: Study) -> list[Block]:
    p = ladder.pretraining
    out: list[Block] = [("h3", f"What pretraining adds, measured here ({PRETRAINED_TWIN})")]
    if not p.measured:
        return [*out, ("p", _missing(p, ladder.device))]
    heads = ("comparison", "seeds", "Δ accuracy [95% CI]", "p", "Δ macro-F1 [95% CI]", "p")
    acc, f1 = p.accuracy, p.macro_f1
    assert acc is not None and f1 is not None
    row: tuple[str, ...] = (f"{PRETRAINED_TWIN}: pretrained − random init", _seeds(p))
    row += (_pts(acc), p_value(acc.pvalue), _pts(f1), p_value(f1.pvalue))
    return [
        *out,
        (
            "p",
            "Pretrained minus random init, same architecture, recipe and test, in points: the "
            "same test as the steps (one comparison per metric, so no adjustment).",
        ),
        Table(heads, (row,)),
    ]


def ladder_blocks(
    ladders: Sequence[SizeLadder], st: Study, anchors: Sequence[Mapping[str, str]] | None
) -> list[Block]:
    """The whole section as blocks (:mod:`emobench_core.report.blocks`)."""
    n = [sum(s.measured for s in lad.steps) for lad in ladders]
    probe = st.latency
    cpu = (
        "no CPU latency probe was given (`--latency`), so the CPU latency factor is not shown"
        if probe is None
        else "CPU latency is the batch-1 p50 of the CPU latency probe on "
        f"{env_value(probe.environment.get('cpu_model'))} ({probe.threads} torch thread(s)), "
        "joined by architecture, random weights"
    )
    trained = sorted(
        {
            m
            for lad in ladders
            if lad.device == "cpu"
            for r in lad.rungs
            if r.row
            for m in r.machines
        }
    )
    if probe is not None and trained and trained != [cpu_name(probe.environment)]:
        cpu += (
            f" (not the CPU the rows were trained on, {', '.join(trained)}: the latency and the "
            "training-time factors come from different machines)"
        )
    beside = "; ".join(f"{b} beside, against {a}" for a, b in BESIDE)
    out: list[Block] = [
        ("h2", TITLE),
        (
            "p",
            f"How much is lost at each step down {' → '.join(LADDER)} ({beside}), measured here "
            "on current random-init rows only: stale rows (older code or recipe) and distilled "
            "rows never enter; each rung is its architecture trained from scratch here (the "
            "published pretrained numbers are quoted apart, below). A step whose rows are "
            "missing is named as not yet measured.",
        ),
        (
            "p",
            "Each change is the smaller model minus the larger, in points: the difference of "
            'seed means with the seed as the unit, the test of "Significance / Architectures '
            f'(seeds as the unit)" below ({WELCH}; t test, two-sided, {st.n_resamples:,} '
            "resamples of the test examples; a row with one seed adds only its test-example "
            "variance, its seed variation not covered). p-values are Holm-adjusted over the "
            f"ladder's {max(n, default=0)} measured step(s) per metric, and per {st.class_noun} "
            f"over every {st.class_noun} of every measured step (the one that loses most is "
            "picked among them). Not significant is not shown to be a cost, nor shown to be "
            "equal.",
        ),
        (
            "p",
            "Factors are the larger's figure over the smaller's: parameters as each row counted "
            f"them (its results JSON, `model.params_total`); {cpu}; training time the median over "
            "seeds of each row's `training.wall_s`, on the machine named per row.",
        ),
    ]
    for lad in ladders:
        if len(ladders) > 1:
            out.append(("h3", f"On {lad.device}"))
        out += _rungs(lad, st.latency is not None)
        out += _steps(lad, st)
        out += _pretraining(lad, st)
    return [*out, *_published(anchors)]
