"""``emobench train``: fine-tune one model (or reuse it from the cache), copy it to --output.

emobench train --model bert-tiny --init random --output runs/bert-tiny
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path
from typing import Any

from emobench_core.cli import preflight
from emobench_core.cli.options import (
    add_data_arguments,
    add_model_arguments,
    add_overwrite_argument,
    add_recipe_arguments,
    check_device,
    checkpoint_cache,
    data_request,
    recipe_request,
)
from emobench_core.outputs import check_output_dir, publish_dir


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "train",
        help="fine-tune one model and save its checkpoint",
        description="Fine-tune one model (or reuse it from the cache) and copy "
        "the checkpoint to --output.",
    )
    p.add_argument("--model", required=True, help="registry name, hub id or folder")
    p.add_argument("--seed", type=int, default=42, help="default: 42")
    p.add_argument(
        "--output",
        required=True,
        type=Path,
        help="folder for the checkpoint (new or empty, or an earlier train output, replaced)",
    )
    add_overwrite_argument(p)
    add_data_arguments(p)
    add_model_arguments(p)
    add_recipe_arguments(p)
    p.set_defaults(func=train)
    return p


def train(ns: argparse.Namespace) -> int:
    from emobench_core.models.registry import get_spec

    spec = get_spec(ns.model)
    request = data_request(ns)
    guard = preflight.guard(ns, "train", data=request, inputs=preflight.model_inputs([spec]))
    check_output_dir(ns.output, guard)
    preflight.check_device(ns.device)
    r = recipe_request(ns).replace(seed=ns.seed)
    preflight.check_data(request)
    preflight.check_weights(preflight.resolved_inits([(spec, ns.init)]), ns.vocab_dir)

    from emobench_core.data.loading import load_data
    from emobench_core.models.registry import backend_for
    from emobench_core.scenarios.run import train_checkpoint

    check_device(ns.device)
    dsd = load_data(request, max_train_rows=ns.max_train_rows)
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
    src = backend.model_dir(entry)
    publish_dir(ns.output, guard, lambda staging: _copy_into(src, staging))
    init = backend.init_label(ns.init)
    print(f"{'reused' if hit else 'trained'} {spec.name} ({init}); checkpoint in {ns.output}")
    return 0


def _copy_into(src: Path, staging: Path) -> None:
    """Copy the files of ``src`` into the (empty) folder ``staging``."""
    shutil.copytree(src, staging, dirs_exist_ok=True)
