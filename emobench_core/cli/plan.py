"""``emobench plan``: how many seeds per row a claim needs, for each adjacent pair of the
leaderboard, given the spread the saved results show.

    emobench plan --results results/cpu --effect 0.5
    emobench plan --results results/cpu results/gpu --effect 1 --include-stale
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from emobench_core.cli.options import bad_input


def points(value: str) -> float:
    """A macro-F1 difference in points (``0.5``), > 0."""
    number = float(value)
    if not number > 0:
        raise argparse.ArgumentTypeError(f"--effect ({value}) must be > 0 points, e.g. 0.5")
    return number


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "plan",
        help="seeds per row that 80%% power for a macro-F1 difference would take",
        description="For each adjacent pair of the leaderboard (mean macro-F1), the seeds per "
        "row at which the architecture test (seeds as the unit, α 0.05, two-sided) detects a "
        "true difference of --effect points with 80%% power, given the spread of the saved "
        "results.",
    )
    p.add_argument(
        "--results", nargs="+", type=Path, required=True, help="results files or folders (required)"
    )
    p.add_argument(
        "--effect",
        type=points,
        default=0.5,
        help="the smallest macro-F1 difference to detect, in points; default: 0.5",
    )
    p.add_argument(
        "--include-stale",
        action="store_true",
        help="also plan for rows trained by older code or another recipe; default: current only",
    )
    p.set_defaults(func=plan, configure_logging=False)
    return p


def plan(ns: argparse.Namespace) -> int:
    from emobench_core.report.tables import table
    from emobench_core.schema.run import load_results
    from emobench_core.study.comparisons import seed_plan
    from emobench_core.study.summaries import summarize

    with bad_input(ValueError):
        summaries = summarize(load_results(list(ns.results)), include_stale=ns.include_stale)
    rows = [
        [
            p.a,
            p.b,
            f"{p.seeds_a} / {p.seeds_b}",
            f"{100 * p.observed:+.2f}",
            f"{p.need.power_now:.0%}",
            f"{100 * p.need.floor_se:.2f}",
            f"> {p.need.cap}" if p.need.seeds is None else str(p.need.seeds),
        ]
        for p in seed_plan(summaries, ns.effect / 100)
    ]
    if not rows:
        print("fewer than two comparable rows: nothing to plan")
        return 0
    print(
        f"Seeds per row for 80% power to detect a macro-F1 difference of {ns.effect:g} points "
        "(architecture test, seeds as the unit, α 0.05, two-sided):"
    )
    heads = ["A", "B", "seeds now", "observed ΔF1 (points)", "power now"]
    heads += ["test-set SE left (points)", "seeds per row"]
    print(table(heads, rows))
    if any(r[-1].startswith(">") for r in rows):
        print("> N: no number of seeds reaches 80% power; the test set's own noise is too large.")
    return 0
