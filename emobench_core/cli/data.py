"""``emobench data``: the data-understanding report (data.md and its PNGs).

emobench data --output runs/data
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from emobench_core.cli.options import add_data_arguments
from emobench_core.config import Recipe


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "data", help="the data-understanding report (markdown + PNG)"
    )
    p.add_argument("--output", required=True, type=Path, help="folder for data.md and PNGs")
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
    from emobench_core.data.loading import load_emotion
    from emobench_core.data.report import data_report
    from emobench_core.models.loading import load_tokenizer, resolve_vocab_dir

    dsd = load_emotion(ns.data_dir)
    tok = load_tokenizer(resolve_vocab_dir(ns.vocab_dir))
    path = data_report(dsd, tok, ns.output, max_length=ns.max_length)
    print(f"wrote {path}")
    return 0
