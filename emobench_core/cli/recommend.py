"""``emobench recommend``: the model to use within a budget: by default the cheapest of the rows
not significantly below the best mean macro-F1 (``--rank-by mean``: the highest mean).

emobench recommend --results runs/ --max-latency-ms 2 --max-params 15e6
emobench recommend --results runs/ --max-memory-mb 100 --latency results/latency-cpu.json
emobench recommend --results runs/ --max-latency-ms 2 --json   # machine-readable
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path
from typing import Any

from emobench_core.cli.options import bad_input


def count(value: str) -> int:
    """A parameter count such as ``15000000`` or ``15e6``."""
    return int(float(value))


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "recommend",
        help="the model to use under a latency / size / memory budget",
        description="The cheapest model not significantly below the best mean macro-F1 within a "
        "budget (or, with --rank-by mean, the highest mean), from saved results.",
    )
    p.add_argument(
        "--results", nargs="+", type=Path, required=True, help="results files or folders (required)"
    )
    p.add_argument("--max-latency-ms", type=float, help="p50 batch-1 latency; default: no limit")
    p.add_argument("--max-params", type=count, help="e.g. 15e6; default: no limit")
    p.add_argument(
        "--max-memory-mb",
        type=float,
        help="training peak (on CPU with --latency: inference peak); default: no limit",
    )
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="default: cpu")
    p.add_argument(
        "--latency",
        type=Path,
        help="CPU latency report (`emobench latency`): CPU latency and memory of every probed "
        "architecture, whatever device its results ran on; default: none",
    )
    p.add_argument(
        "--rank-by",
        choices=("cost", "mean"),
        default="cost",
        help="cost: the cheapest (latency, then parameters) of the rows not significantly below "
        "the best mean macro-F1 (seeds as the unit); mean: the highest mean; default: cost",
    )
    p.add_argument(
        "--include-stale",
        action="store_true",
        help="also consider rows trained by older code or another recipe; default: current only",
    )
    p.add_argument(
        "--json",
        action="store_true",
        help="print the recommendation as JSON (the budget, the chosen and runner-up models, the "
        "tied set and its p-values, what was over budget); default: text",
    )
    p.set_defaults(func=recommend, configure_logging=False)
    return p


def recommend(ns: argparse.Namespace) -> int:
    from emobench_core.schema.latency import load_latency
    from emobench_core.schema.run import load_results
    from emobench_core.study.budgets import recommend_for, recommendation_for
    from emobench_core.study.recommend import Budget
    from emobench_core.study.summaries import join_cpu_probe, summarize

    with bad_input(ValueError):  # the budget's own checks
        budget = Budget(ns.max_latency_ms, ns.max_params, ns.max_memory_mb, ns.device)
        # as many resamples as the report: the ties rest on the same tests
        summaries = summarize(load_results(list(ns.results)), include_stale=ns.include_stale)
        latency = None if ns.latency is None else load_latency(ns.latency)
        summaries = join_cpu_probe(summaries, latency)
        if not ns.json:
            print(recommend_for(summaries, budget, rank_by=ns.rank_by))
            return 0
        rec, notes = recommendation_for(summaries, budget, rank_by=ns.rank_by)
    answer = {"budget": dataclasses.asdict(budget), **rec.to_dict(), "notes": notes}
    print(json.dumps(answer, indent=2, allow_nan=False))
    return 0
