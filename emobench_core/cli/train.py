"""``emobench train``: fine-tune one model (or reuse it from the cache), copy it to --output.

emobench train --model bert-tiny --init random --output runs/bert-tiny
"""

from __future__ import annotations

import argparse
import os
import shutil
from pathlib import Path
from typing import Any

from emobench_core.cli.options import (
    add_data_arguments,
    add_model_arguments,
    add_recipe_arguments,
    check_device,
    checkpoint_cache,
    data_request,
    recipe_request,
)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "train",
        help="fine-tune one model and save its checkpoint",
        description="Fine-tune one model (or reuse it from the cache) and copy "
        "the checkpoint to --output.",
    )
    p.add_argument("--model", required=True, help="registry name, hub id or folder")
    p.add_argument("--seed", type=int, default=42, help="default: 42")
    p.add_argument("--output", required=True, type=Path, help="folder for the checkpoint")
    add_data_arguments(p)
    add_model_arguments(p)
    add_recipe_arguments(p)
    p.set_defaults(func=train)
    return p


def train(ns: argparse.Namespace) -> int:
    from emobench_core.data.loading import load_data
    from emobench_core.models.registry import backend_for, get_spec
    from emobench_core.scenarios.run import train_checkpoint

    spec = get_spec(ns.model)
    check_device(ns.device)
    r = recipe_request(ns).replace(seed=ns.seed)
    dsd = load_data(data_request(ns), max_train_rows=ns.max_train_rows)
    entry, hit, _ = train_checkpoint(
        spec,
        ns.init,
        r,
        dsd,
        cache=checkpoint_cache(ns),
        device=ns.device,
        vocab_dir=ns.vocab_dir,
        quiet=ns.quiet,
    )
    backend = backend_for(spec)
    publish_copy(backend.model_dir(entry), ns.output)
    init = backend.init_label(ns.init)
    print(f"{'reused' if hit else 'trained'} {spec.name} ({init}); checkpoint in {ns.output}")
    return 0


def publish_copy(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` through a staging folder, so ``dst`` is whole or absent."""
    staging = dst.with_name(f".{dst.name}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        shutil.copytree(src, staging)
        if dst.exists():
            shutil.rmtree(dst)
        os.replace(staging, dst)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
