"""``emobench distill``: students taught by a fine-tuned teacher (knowledge distillation).

emobench distill --teacher minilm-l6 --student bert-tiny --output runs/
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from emobench_core.cli import run
from emobench_core.cli.options import (
    add_data_arguments,
    add_model_arguments,
    add_overwrite_argument,
    add_recipe_arguments,
)
from emobench_core.config import INITS


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "distill",
        help="students taught by a fine-tuned teacher (knowledge distillation)",
        description="Fine-tune (or reuse) the teacher, cache its logits on the training split, "
        "then train each student on the Hinton objective (Recipe.kd_alpha, kd_temperature); "
        "one results JSON per student and seed, as rows '<student> ← <teacher> (KD)'.",
    )
    p.add_argument("--teacher", default="minilm-l6", help="default: minilm-l6")
    p.add_argument(
        "--teacher-init", choices=INITS, default="pretrained", help="default: pretrained"
    )
    p.add_argument(
        "--teacher-seed",
        type=int,
        default=None,
        help="fine-tune one teacher with this seed for every student seed (its logits cached "
        "once); default: a teacher per student seed, of that seed",
    )
    p.add_argument(
        "--student",
        dest="models",
        default="bert-tiny",
        help="comma-separated student models; default: bert-tiny",
    )
    p.add_argument(
        "--student-init", dest="init", choices=INITS, default="random", help="default: random"
    )
    p.add_argument("--seeds", default="42", help="comma-separated seeds; default: 42")
    p.add_argument("--output", required=True, type=Path, help="folder for the results JSON")
    add_overwrite_argument(p)
    add_data_arguments(p)
    add_model_arguments(p, init=False)
    add_recipe_arguments(p)
    p.set_defaults(func=distill)
    return p


def distill(ns: argparse.Namespace) -> int:
    """``emobench run`` with a teacher: ``ns.teacher``, ``ns.teacher_init``."""
    return run.run(ns)
