"""``emobench report``: render RESULTS.md and its figures from saved results JSON.

pytest bench/ --emobench-results-dir runs/ --benchmark-json runs/bench.json
emobench report runs/bench.json --output RESULTS.md
emobench report --no-bench --results runs/ --output RESULTS.md
emobench report runs/bench.json --latency results/latency-cpu.json
emobench report runs/bench.json --data-report results/data/data-report.json
emobench report --no-bench --results out/shard-1/results out/shard-2/results --output RESULTS.md
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emobench_core.errors import ResultsError
from emobench_core.outputs import Guard, check_output_dir, check_output_file, text_mark

if TYPE_CHECKING:
    from emobench_core.schema.run import RunResult

BENCH_HINT = "it must be the file written by `pytest bench/ --benchmark-json FILE`"
"""The same hint as :data:`emobench_core.report.render.BENCH_HINT` (a test checks it)."""


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "report",
        help="render RESULTS.md from benchmark and results JSON",
        description="RESULTS.md and its figures, rendered from saved results JSON only "
        "(never from live models).",
    )
    p.add_argument(
        "bench_json",
        nargs="*",
        type=Path,
        metavar="BENCH_JSON",
        help=f"pytest-benchmark JSON; {BENCH_HINT}; several (a study run in parts) are each "
        "rendered in their own table; default: none (give --results)",
    )
    p.add_argument(
        "--results",
        nargs="+",
        type=Path,
        help="results files or folders; default: BENCH_JSON's folder",
    )
    p.add_argument("--output", type=Path, default=Path("RESULTS.md"), help="default: RESULTS.md")
    p.add_argument("--figures-dir", type=Path, help="default: the (first) results folder")
    p.add_argument(
        "--html",
        type=Path,
        metavar="FILE",
        help="also write the leaderboard as one self-contained HTML page (sortable table, "
        "budget controls, figures inlined), e.g. RESULTS.html; default: none",
    )
    p.add_argument(
        "--anchors",
        type=Path,
        metavar="FILE",
        help="published reference numbers ([[anchor]] tables of TOML, shown for dair-ai/emotion "
        "only); default: the package's own, emobench_core/report/anchors.toml",
    )
    p.add_argument(
        "--no-bench", action="store_true", help="leave out pytest-benchmark records; default: off"
    )
    p.add_argument(
        "--bootstrap", type=int, default=9999, help="resamples of every bootstrap; default: 9999"
    )
    p.add_argument(
        "--include-stale",
        action="store_true",
        help="rank rows trained by older code or another recipe too (marked); default: shown "
        "apart, out of tiers, findings and recommendations",
    )
    p.add_argument(
        "--allow-mixed",  # study.merge.ALLOW_MIXED, named in its refusal
        action="store_true",
        help="merge results folders of different data, recipes or code revisions (as when "
        "current and stale runs are reported together); default: refuse, naming what differs",
    )
    p.add_argument(
        "--latency",
        type=Path,
        help="CPU latency report of `emobench latency --output FILE`; default: none",
    )
    p.add_argument(
        "--notes",
        type=Path,
        help="markdown run record (how the run was made) shown verbatim under 'What was run'; "
        "default: none",
    )
    p.add_argument(
        "--perf",
        type=Path,
        action="append",
        default=[],
        help="training-cost report of `emobench perf --output FILE` (repeatable); default: none",
    )
    p.add_argument(
        "--deploy",
        type=Path,
        action="append",
        default=[],
        help="deployment report of `emobench deploy --output FILE` (repeatable); default: none",
    )
    p.add_argument(
        "--data-report",
        type=Path,
        help="data report of `emobench data --output DIR` (DIR/data-report.json), rendered as "
        "the opening 'Data' section; default: none",
    )
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="replace --output / --html even when they are not earlier reports (never an "
        "input); default: refuse",
    )
    p.add_argument(
        "--mteb",
        type=Path,
        metavar="FILE",
        help="report of `emobench mteb-protocol --output FILE`, rendered as the 'MTEB "
        "EmotionClassification protocol' section; default: none",
    )
    p.add_argument(
        "--efficiency",
        type=Path,
        metavar="FILE",
        help="report of `emobench efficiency --output FILE`, rendered as the 'Data "
        "efficiency' section with its figure; default: none",
    )
    p.set_defaults(func=report, configure_logging=False)
    return p


def result_files(items: Sequence[Path], results: Sequence[RunResult]) -> list[Path]:
    """The files behind ``results``: files as given, ``<run_id>.json`` inside folders."""
    ids = {r.run_id for r in results}
    files = {p for p in items if p.is_file()}
    files |= {
        p / f"{i}.json" for p in items if p.is_dir() for i in ids if (p / f"{i}.json").is_file()
    }
    return sorted(files)


REPORT_MARK = "Generated by `emobench report`"
"""In every RESULTS.md the command writes (:mod:`emobench_core.report.markdown`)."""
PAGE_MARK = "<title>emobench results"
"""In every page ``--html`` writes (:mod:`emobench_core.report.html`)."""


def check_outputs(ns: argparse.Namespace) -> None:
    """``--output``, ``--html`` and ``--figures-dir``, before anything is read: never an
    input (a results file, the baseline...), never a folder or an unwritable place, and an
    existing file only when it is an earlier report or with ``--overwrite``."""
    inputs = [("--results", p) for p in ns.results or ()]
    inputs += [
        (option, path)
        for option, path in (
            ("--anchors", ns.anchors),
            ("--latency", ns.latency),
            ("--notes", ns.notes),
            ("--data-report", ns.data_report),
            ("--mteb", ns.mteb),
            ("--efficiency", ns.efficiency),
        )
        if path is not None
    ]
    inputs += [("--perf", p) for p in ns.perf] + [("--deploy", p) for p in ns.deploy]
    inputs += [("BENCH_JSON", p) for p in ns.bench_json]
    guard = Guard.of("report", overwrite=ns.overwrite, inputs=inputs)
    check_output_file(ns.output, guard, "--output", text_mark(REPORT_MARK))
    if ns.html is not None:
        if ns.html.expanduser().resolve() == ns.output.expanduser().resolve():
            raise ResultsError(f"--html {ns.html} is --output too; give the page its own file")
        check_output_file(ns.html, guard, "--html", text_mark(PAGE_MARK))
    if ns.figures_dir is not None:  # PNGs only (by default beside the results): no input
        check_output_dir(ns.figures_dir, Guard("report", ns.overwrite), "--figures-dir", is_png)


def is_png(path: Path) -> bool:
    """A figure: a folder holding only PNGs is an earlier ``--figures-dir``."""
    return path.suffix.lower() == ".png"


def report(ns: argparse.Namespace) -> int:
    if ns.results is None and not ns.bench_json:
        ns.command_parser.error("give BENCH_JSON, or --results DIR with --no-bench")
    if ns.bootstrap < 1:
        raise ResultsError(f"--bootstrap ({ns.bootstrap}) must be >= 1, e.g. 1000")
    check_outputs(ns)

    from emobench_core.report.render import (
        DEFAULT_ANCHORS,
        ReportInputs,
        load_anchors,
        load_bench_json,
        render_report,
    )
    from emobench_core.schema.latency import load_latency
    from emobench_core.schema.run import load_results
    from emobench_core.study.merge import merge_parts

    benches = [] if ns.no_bench else [(p, load_bench_json(p)) for p in ns.bench_json]
    bench = benches[0][1] if benches else None
    items = ns.results or [ns.bench_json[0].parent]
    # one part per folder or file given: shards of one run merge; mixed runs only when asked
    parts = [(str(item), load_results(item)) for item in items]
    results = merge_parts(parts, allow_mixed=ns.allow_mixed)
    first = items[0] if items[0].is_dir() else items[0].parent
    inputs = ReportInputs(
        results=results,
        out_path=ns.output,
        figures_dir=ns.figures_dir or first,
        bench_json=bench,
        bench_path=benches[0][0] if benches else None,
        more_bench=benches[1:],
        anchors=load_anchors(ns.anchors or DEFAULT_ANCHORS),
        sources=result_files(items, results),
        n_resamples=ns.bootstrap,
        latency=None if ns.latency is None else load_latency(ns.latency),
        latency_path=ns.latency,
        notes_path=ns.notes,
        perf_paths=ns.perf,
        deploy_paths=ns.deploy,
        include_stale=ns.include_stale,
        allow_mixed=ns.allow_mixed,
        data_report_path=ns.data_report,
        html_path=ns.html,
        mteb_path=ns.mteb,
        efficiency_path=ns.efficiency,
    )
    render_report(inputs)
    print(f"wrote {ns.output}" + ("" if ns.html is None else f" and {ns.html}"))
    return 0
