"""``emobench data``: the data-understanding report (data.md, data-report.json and its PNGs).

emobench data --output runs/data
emobench data --dedupe-train --drop-test-overlap --output runs/data-filtered
"""

from __future__ import annotations

import argparse
import dataclasses
from pathlib import Path
from typing import Any

from emobench_core.cli import preflight
from emobench_core.cli.options import add_data_arguments, add_overwrite_argument, data_request
from emobench_core.config import Recipe
from emobench_core.outputs import check_output_dir, publish_dir


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "data", help="the data-understanding report (markdown + JSON + PNG)"
    )
    p.add_argument(
        "--output",
        required=True,
        type=Path,
        help="folder for data.md, data-report.json and PNGs (new or empty, or an earlier "
        "data report, replaced)",
    )
    add_overwrite_argument(p)
    p.add_argument(
        "--max-length",
        type=int,
        default=Recipe().max_length,
        help=f"default: {Recipe().max_length}",
    )
    p.add_argument(
        "--vocab-dir",
        default=None,
        help="folder with the bert-base-uncased vocab.txt; default: "
        "$EMOBENCH_VOCAB_DIR, else the hub",
    )
    add_data_arguments(p)
    p.set_defaults(func=data)
    return p


def data(ns: argparse.Namespace) -> int:
    request = data_request(ns)
    guard = dataclasses.replace(
        preflight.guard(ns, "data", data=request, cache=False), legacy=earlier_data_report
    )
    check_output_dir(ns.output, guard)
    preflight.check_data(request)

    from emobench_core.data.loading import load_data
    from emobench_core.models.loading import load_tokenizer, resolve_vocab_dir
    from emobench_core.report.data_report import data_report

    dsd = load_data(request)
    tok = load_tokenizer(resolve_vocab_dir(ns.vocab_dir))
    written: list[Path] = []

    def fill(staging: Path) -> None:
        report = data_report(dsd, tok, staging, max_length=ns.max_length, source=dsd.source)
        written.append(ns.output / report.relative_to(staging))

    publish_dir(ns.output, guard, fill)
    path = written[0]
    print(f"wrote {path} and {path.with_name('data-report.json')}")
    return 0


DATA_REPORT_FILES = frozenset(
    {"data.md", "data-report.json", "class_distribution.png", "lengths.png"}
)
"""What ``emobench data`` writes: a folder of these alone is an earlier data report."""


def earlier_data_report(path: Path) -> bool:
    """A file of an earlier ``emobench data --output`` (from before markers)."""
    return path.name in DATA_REPORT_FILES
