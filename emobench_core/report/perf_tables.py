"""The tables of one perf report (``emobench perf``): naive against recipe, rows no other table
shows, the learning-rate choice, the optimisation ladder and the scaling with training rows.
:mod:`emobench_core.report.perf` puts them together, as plain text or as markdown.

    emobench perf --models bert-tiny --ladder bert-tiny --output results/perf/perf-cpu.json
"""

from __future__ import annotations

from collections.abc import Sequence

from emobench_core.schema.perf import (
    AB_PREFIX,
    PerfReport,
    PerfRow,
    comparisons,
    ladder_rows,
    scaling_rows,
)


def f4(value: float | None) -> str:
    """A score with 4 decimals, or — for none."""
    return "—" if value is None else f"{value:.4f}"


def fmt_rows(rows: Sequence[PerfRow]) -> list[list[str]]:
    """Cells of the full row table (:data:`ROW_HEADERS`)."""
    return [
        [
            r.model,
            r.setup,
            f"{r.total_s:.1f}",
            f"{r.build_s:.1f}",
            f"{r.train_s:.1f}",
            f"{r.tokenize_s:.2f}",
            f"{r.test_s:.2f}",
            str(r.steps),
            f4(r.accuracy),
            f4(r.macro_f1),
        ]
        for r in rows
    ]


ROW_HEADERS = [
    "model",
    "setup",
    "total s",
    "build s",
    "train s",
    "tokenize s",
    "test s",
    "steps",
    "accuracy",
    "macro-F1",
]


def comparison_table(report: PerfReport, *, markdown: bool = True) -> list[str]:
    """Naive against recipe per model, and over all of them (``markdown``: else plain text)."""
    from tabulate import tabulate

    def ratio(value: float) -> str:
        return f"**{value:.2f}×**" if markdown else f"{value:.2f}×"

    comps = comparisons(report)
    if not comps:
        return []
    rows = [
        [
            c.model,
            c.init,
            f"{c.naive.total_s:.1f}",
            f"{c.recipe.total_s:.1f}",
            ratio(c.speedup),
            f4(c.naive.accuracy),
            f4(c.recipe.accuracy),
            f"{c.accuracy_delta:+.2f}",
            f4(c.naive.macro_f1),
            f4(c.recipe.macro_f1),
        ]
        for c in comps
    ]
    naive = sum(c.naive.total_s for c in comps)
    recipe = sum(c.recipe.total_s for c in comps)
    rows.append(["all", "", f"{naive:.1f}", f"{recipe:.1f}", ratio(naive / recipe)] + [""] * 5)
    headers = [
        "model",
        "init",
        "naive s",
        "recipe s",
        "speed-up",
        "naive accuracy",
        "recipe accuracy",
        "Δ accuracy (points)",
        "naive macro-F1",
        "recipe macro-F1",
    ]
    fmt = "github" if markdown else "simple"
    return [tabulate(rows, headers=headers, tablefmt=fmt, disable_numparse=True)]


def unpaired_table(report: PerfReport) -> list[str]:
    """Rows that no other table of the section shows (a recipe timed without its naive
    counterpart, a lone ladder step)."""
    from tabulate import tabulate

    shown = {id(r) for c in comparisons(report) for r in (c.naive, c.recipe)}
    for model in {r.model for r in report.rows}:
        ladder_part = ladder_rows(report, model)
        shown |= {id(r) for r in (ladder_part if len(ladder_part) > 1 else [])}
        shown |= {id(r) for r in scaling_rows(report, model)}
    shown |= {id(r) for r in report.rows if not r.selected}
    shown |= {id(r) for r in report.rows if r.setup.startswith(AB_PREFIX)}
    rest = [r for r in report.rows if id(r) not in shown]
    if not rest:
        return []
    return [tabulate(fmt_rows(rest), headers=ROW_HEADERS, tablefmt="github", disable_numparse=True)]


def ladder_table(report: PerfReport, model: str) -> list[str]:
    from tabulate import tabulate

    rows = ladder_rows(report, model)
    if len(rows) < 2:
        return []
    naive = next((r for r in rows if r.setup == "naive"), None)
    body = []
    for prev, row in zip([None, *rows], rows, strict=False):
        body.append(
            [
                row.setup,
                row.change,
                f"{row.total_s:.1f}",
                f"{row.train_s:.1f}",
                f"{row.test_s:.2f}",
                "—" if prev is None else f"{prev.total_s / row.total_s:.2f}×",
                "—" if naive is None else f"{naive.total_s / row.total_s:.2f}×",
                f4(row.accuracy),
            ]
        )
    headers = [
        "step",
        "change (cumulative)",
        "total s",
        "train s",
        "test s",
        "× previous step",
        "× naive",
        "accuracy",
    ]
    return [
        f"Each change on its own, {model} ({rows[0].init}):",
        "",
        tabulate(body, headers=headers, tablefmt="github", disable_numparse=True),
    ]


def scaling_table(report: PerfReport, model: str) -> list[str]:
    from tabulate import tabulate

    rows = scaling_rows(report, model)
    if not rows:
        return []
    full = max(r.train_rows for r in rows)
    small = rows[0]
    body = [
        [
            f"{r.train_rows:,}",
            f"{r.train_rows / full:.0%}",
            f"{r.train_s:.1f}",
            f"{1000 * r.train_s / r.train_rows:.2f}",
            f"{r.train_s / small.train_s:.2f}",
            f4(r.accuracy),
        ]
        for r in rows
    ]
    headers = [
        "training rows",
        "share",
        "train s",
        "train s per 1,000 rows",
        "train s / smallest",
        "accuracy",
    ]
    return [
        f"Training time against training rows, recipe, {model} ({rows[0].init}) "
        "(train s includes the per-epoch validation, a fixed cost):",
        "",
        tabulate(body, headers=headers, tablefmt="github", disable_numparse=True),
    ]


def lr_table(report: PerfReport) -> list[str]:
    from tabulate import tabulate

    models = {r.model for r in report.rows if not r.selected}
    rows = [
        r
        for r in report.rows
        if r.model in models and (r.setup == "recipe" or r.setup.startswith("recipe lr="))
    ]
    if not rows:
        return []
    body = [
        [
            r.model,
            f"{r.learning_rate:g}",
            f"{r.val_macro_f1:.4f}" if r.val_macro_f1 is not None else "—",
            "chosen" if r.selected else "",
            f4(r.accuracy),
        ]
        for r in rows
    ]
    return [
        "Random-init learning rate chosen on validation macro-F1 (test accuracy shown, not used):",
        "",
        tabulate(
            body,
            headers=["model", "learning rate", "val macro-F1", "", "test accuracy"],
            tablefmt="github",
            disable_numparse=True,
        ),
    ]
