"""``emobench compare BASELINE CANDIDATE``: the regression gate (exit 0 pass, 1 regression, 2
cannot compare).

emobench compare results/baseline/ci runs/ --markdown summary.md
emobench compare results/baseline/ci runs/ --json   # machine-readable, same exit codes
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

from emobench_core.cli.options import bad_input


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "compare",
        help="regression gate: a candidate's runs against a baseline's, paired tests",
        description="Pair the runs of two results folders by model, init, teacher and seed; "
        "test each pair on the same test examples (one-sided, Holm-adjusted) and gate "
        "parameters, size and (in an A/B run) latency. Exit 0: no regression; 1: regression; "
        "2: cannot compare (different data or label sets, bad input).",
    )
    p.add_argument("baseline", type=Path, help="baseline results folder or files")
    p.add_argument("candidate", type=Path, help="candidate results folder or files")
    p.add_argument("--alpha", type=float, default=0.01, help="family-wise level; default: 0.01")
    p.add_argument(
        "--min-effect",
        type=float,
        default=1.0,
        help="smallest quality drop that counts, in points; default: 1",
    )
    p.add_argument(
        "--latency-min-effect",
        type=float,
        default=0.10,
        help="smallest slow-down of the median that counts (A/B runs only); default: 0.10",
    )
    p.add_argument(
        "--accept-change",
        action="append",
        default=[],
        choices=("params", "size"),
        help="a deterministic cost allowed to change (repeatable); default: none",
    )
    p.add_argument("--bootstrap", type=int, default=9999, help="resamples; default: 9999")
    p.add_argument("--markdown", type=Path, help="also write the summary as markdown here")
    p.add_argument(
        "--json",
        action="store_true",
        help="print the verdict and every check as JSON instead of the markdown; default: off",
    )
    p.set_defaults(func=compare, configure_logging=False)
    return p


def compare(ns: argparse.Namespace) -> int:
    from emobench_core.report.compare import gate_dict, gate_markdown
    from emobench_core.report.render import write_text_atomic
    from emobench_core.schema.run import load_results
    from emobench_core.study.gate import GateSettings, compare_runs

    with bad_input(ValueError):
        settings = GateSettings(
            alpha=ns.alpha,
            min_effect_pts=ns.min_effect,
            latency_min_effect=ns.latency_min_effect,
            accept=frozenset(ns.accept_change),
            n_resamples=ns.bootstrap,
        )
    report = compare_runs(load_results(ns.baseline), load_results(ns.candidate), settings)
    text = gate_markdown(report, str(ns.baseline), str(ns.candidate))
    if ns.markdown is not None:
        write_text_atomic(ns.markdown, text)
    if ns.json:
        print(json.dumps(gate_dict(report, str(ns.baseline), str(ns.candidate)), indent=2))
    else:
        print(text, end="")
    return report.exit_code
