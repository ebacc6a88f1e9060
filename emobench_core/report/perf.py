"""Training-cost tables: a perf report as plain text (the end of ``emobench perf``) and as the
"Training cost" section of RESULTS.md, drawn from saved
:class:`~emobench_core.schema.perf.PerfReport` s only; the tables of one report are in
:mod:`emobench_core.report.perf_tables` (fine-tuning rows) and
:mod:`emobench_core.report.perf_steps` (peak, share, breakdown, padding, A/B), the newest rows
across runs here.

    emobench perf --models bert-tiny --ladder bert-tiny --output results/perf/perf-cpu.json
    emobench report bench.json --results runs/ --perf results/perf/perf-cpu.json
"""

from __future__ import annotations

from collections.abc import Sequence

from emobench_core.measure.environment import cpu_name
from emobench_core.report.perf_steps import step_blocks
from emobench_core.report.perf_tables import (
    ROW_HEADERS,
    comparison_table,
    f4,
    fmt_rows,
    ladder_table,
    lr_table,
    scaling_table,
    unpaired_table,
)
from emobench_core.schema.perf import NAIVE_CHANGE, PerfReport, PerfRow, selected_recipe_rows


def summary_lines(report: PerfReport) -> list[str]:
    """Plain-text tables of a report: the comparison, the ladder, the scaling."""
    from tabulate import tabulate

    lines = comparison_table(report, markdown=False)
    recipes = selected_recipe_rows(report)
    if recipes:
        total = sum(r.total_s for r in recipes)
        lines.append(f"recipe, {len(recipes)} model(s), {report.epochs} epochs: {total:.1f} s")
    if report.rows:
        lines.append(tabulate(fmt_rows(report.rows), headers=ROW_HEADERS))
    return lines + ["\n".join(block) for block in step_blocks(report, markdown=False)]


# ---------------------------------------------------------------------------- markdown


def _where(report: PerfReport) -> str:
    env = report.environment
    stack = f"torch {env.get('torch')}, transformers {env.get('transformers')}"
    machine = env.get("gpu_name") or (cpu_name(env) if env.get("cpu_model") else report.device)
    commit = str(env.get("git_commit") or "unknown")[:7]
    return (
        f"{report.device.upper()}: {machine}, {report.threads} threads; {stack}; commit {commit}; "
        f"data {str(report.data.get('fingerprint', ''))[:12]} "
        f"({report.data.get('rows', {}).get('train', '?')} training rows); seed {report.seed}; "
        + (f"{report.epochs} epochs" if report.rows else "step benchmark only, no fine-tuning")
    )


def _machine(report: PerfReport) -> str:
    env = report.environment
    return f"{report.device.upper()}: {env.get('gpu_name') or cpu_name(env)}"


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
                    f4(r.accuracy),
                    "—" if n is None else f4(n.accuracy),
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
            comparison_table(report),
            unpaired_table(report),
            lr_table(report),
            *(ladder_table(report, m) for m in sorted({r.model for r in report.rows})),
            *(scaling_table(report, m) for m in sorted({r.model for r in report.rows})),
            *step_blocks(report),
        ):
            if block:
                out += [*block, ""]
    return out + _across_runs(reports)
