"""Training-cost tables: a perf report as plain text (the end of ``emobench perf``) and as the
"Training cost" section of RESULTS.md, drawn from saved :class:`~.perf_results.PerfReport` s only.

    emobench perf --models bert-tiny --ladder bert-tiny --output results/perf/perf-cpu.json
    emobench report --perf results/perf/perf-cpu.json
"""

from __future__ import annotations

from collections.abc import Sequence

from emobench_core.schema.perf import (
    NAIVE_CHANGE,
    PerfReport,
    PerfRow,
    comparisons,
    ladder_rows,
    scaling_rows,
    selected_recipe_rows,
)


def _f4(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def _fmt_rows(rows: Sequence[PerfRow]) -> list[list[str]]:
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
            _f4(r.accuracy),
            _f4(r.macro_f1),
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


def summary_lines(report: PerfReport) -> list[str]:
    """Plain-text tables of a report: the comparison, the ladder, the scaling."""
    from tabulate import tabulate

    lines = _comparison_table(report, markdown=False)
    recipes = selected_recipe_rows(report)
    if recipes:
        total = sum(r.total_s for r in recipes)
        lines.append(f"recipe, {len(recipes)} model(s), {report.epochs} epochs: {total:.1f} s")
    lines.append(tabulate(_fmt_rows(report.rows), headers=ROW_HEADERS))
    return lines


# ---------------------------------------------------------------------------- markdown


def _where(report: PerfReport) -> str:
    env = report.environment
    stack = f"torch {env.get('torch')}, transformers {env.get('transformers')}"
    machine = env.get("gpu_name") or env.get("cpu_model") or report.device
    commit = str(env.get("git_commit") or "unknown")[:7]
    return (
        f"{report.device.upper()}: {machine}, {report.threads} threads; {stack}; commit {commit}; "
        f"data {str(report.data.get('fingerprint', ''))[:12]} "
        f"({report.data.get('rows', {}).get('train', '?')} training rows); seed {report.seed}; "
        f"{report.epochs} epochs"
    )


def _comparison_table(report: PerfReport, *, markdown: bool = True) -> list[str]:
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
            _f4(c.naive.accuracy),
            _f4(c.recipe.accuracy),
            f"{c.accuracy_delta:+.2f}",
            _f4(c.naive.macro_f1),
            _f4(c.recipe.macro_f1),
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


def _unpaired_table(report: PerfReport) -> list[str]:
    """Rows that no other table of the section shows (a recipe timed without its naive
    counterpart, a lone ladder step)."""
    from tabulate import tabulate

    shown = {id(r) for c in comparisons(report) for r in (c.naive, c.recipe)}
    for model in {r.model for r in report.rows}:
        ladder_part = ladder_rows(report, model)
        shown |= {id(r) for r in (ladder_part if len(ladder_part) > 1 else [])}
        shown |= {id(r) for r in scaling_rows(report, model)}
    shown |= {id(r) for r in report.rows if not r.selected}
    rest = [r for r in report.rows if id(r) not in shown]
    if not rest:
        return []
    return [
        tabulate(_fmt_rows(rest), headers=ROW_HEADERS, tablefmt="github", disable_numparse=True)
    ]


def _ladder_table(report: PerfReport, model: str) -> list[str]:
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
                _f4(row.accuracy),
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


def _scaling_table(report: PerfReport, model: str) -> list[str]:
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
            _f4(r.accuracy),
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


def _lr_table(report: PerfReport) -> list[str]:
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
            _f4(r.accuracy),
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


def _machine(report: PerfReport) -> str:
    env = report.environment
    return f"{report.device.upper()}: {env.get('gpu_name') or env.get('cpu_model')}"


def _across_runs(reports: Sequence[tuple[str, PerfReport]]) -> list[str]:
    """Per model, the newest recipe row and the newest naive row of the same machine, whichever
    run each came from (for studies split over several runs on one kind of machine)."""
    from tabulate import tabulate

    out: list[str] = []
    for machine in sorted({_machine(r) for _, r in reports}):
        group = sorted(
            ((label, r) for label, r in reports if _machine(r) == machine),
            key=lambda lr: lr[1].created_at,
        )
        if len(group) < 2:
            continue
        recipe: dict[str, tuple[str, PerfRow]] = {}
        naive: dict[str, tuple[str, PerfRow]] = {}
        for label, report in group:  # oldest first: later runs overwrite
            for row in report.rows:
                if row.setup == "recipe" and row.selected:
                    recipe[row.model] = (label, row)
                elif row.setup == "naive":
                    naive[row.model] = (label, row)
        body = []
        for model, (r_label, r) in recipe.items():
            n_label, n = naive.get(model, ("—", None))
            body.append(
                [
                    model,
                    r.init,
                    f"{r.total_s:.1f}",
                    f"`{r_label}`",
                    "—" if n is None else f"{n.total_s:.1f}",
                    n_label if n is None else f"`{n_label}`",
                    "—" if n is None else f"**{n.total_s / r.total_s:.2f}×**",
                    _f4(r.accuracy),
                    "—" if n is None else _f4(n.accuracy),
                ]
            )
        paired = [(recipe[m][1], naive[m][1]) for m in recipe if m in naive]
        total = sum(r.total_s for _, r in recipe.values())
        out += [
            f"### {machine}: newest recipe and naive rows across runs",
            "",
            tabulate(
                body,
                headers=[
                    "model",
                    "init",
                    "recipe s",
                    "recipe run",
                    "naive s",
                    "naive run",
                    "speed-up",
                    "recipe accuracy",
                    "naive accuracy",
                ],
                tablefmt="github",
                disable_numparse=True,
            ),
            "",
            f"Recipe, {len(recipe)} models, one seed, evaluation included: {total:.1f} s in all.",
        ]
        if paired:
            r_sum = sum(r.total_s for r, _ in paired)
            n_sum = sum(n.total_s for _, n in paired)
            out.append(
                f"Models timed both ways ({', '.join(r.model for r, _ in paired)}): recipe "
                f"{r_sum:.1f} s, naive {n_sum:.1f} s, {n_sum / r_sum:.2f}× (rows from different "
                "runs on the same kind of machine)."
            )
        out.append("")
    return out


def markdown_lines(reports: Sequence[tuple[str, PerfReport]]) -> list[str]:
    """The "Training cost" section of RESULTS.md from perf reports (label = file path)."""
    if not reports:
        return []
    out = [
        "## Training cost: the naive pipeline against the recipe (`emobench perf`)",
        "",
        "Naive: " + NAIVE_CHANGE + ". Recipe: the benchmark's `fine_tune` (dynamic padding, "
        "length-grouped batches, batch 32, evaluation batch 256, tokenization cached, TF32 on "
        "CUDA, validation after every epoch with the best epoch kept), then the test "
        "split. Both sides: the same epochs and seed, one after the other in one process; wall "
        "time covers building the model, tokenizing, training and predicting the test split. "
        "Speed-up = naive s / recipe s; Δ = recipe − naive.",
        "",
    ]
    for label, report in reports:
        out += [f"### {report.device.upper()} (`{label}`)", "", _where(report), ""]
        if not report.complete:
            out += ["**This run did not finish: only the rows below were measured.**", ""]
        if any(r.accuracy is None for r in report.rows):
            out += [
                "—: no valid test score. This run's code compared the length-grouped "
                "predictions of those ladder steps with labels in dataset order (fixed since: "
                "perf schema 2); their times stand.",
                "",
            ]
        out += [f"Command: `{report.command}`", ""]
        for block in (
            _comparison_table(report),
            _unpaired_table(report),
            _lr_table(report),
            *(_ladder_table(report, m) for m in sorted({r.model for r in report.rows})),
            *(_scaling_table(report, m) for m in sorted({r.model for r in report.rows})),
        ):
            if block:
                out += [*block, ""]
    return out + _across_runs(reports)
