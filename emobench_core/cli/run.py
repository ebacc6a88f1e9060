"""``emobench run``: every model and seed through the whole pipeline, one results JSON each.

emobench run --models bert-tiny,tfidf-svm --init random --output runs/
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from emobench_core.cli.export import describe, save_model
from emobench_core.cli.options import (
    add_data_arguments,
    add_model_arguments,
    add_recipe_arguments,
    check_device,
    checkpoint_cache,
    data_filters,
    data_source,
    recipe,
)
from emobench_core.errors import UsageError

log = logging.getLogger("emobench")

HEADERS = [
    "model",
    "seed",
    "accuracy",
    "macro-F1",
    "params",
    "p50 ms (b1)",
    "train s",
    "results file",
]


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "run",
        help="the main job: every model through the whole pipeline",
        description="Fine-tune (or reuse from the cache), evaluate and measure "
        "each model and seed; write one results JSON per run.",
    )
    p.add_argument(
        "--models",
        default="bert-tiny,bert-mini,tfidf-svm",
        help="comma-separated registry names, hub ids or folders; "
        "default: bert-tiny,bert-mini,tfidf-svm",
    )
    p.add_argument("--seeds", default="42", help="comma-separated seeds; default: 42")
    p.add_argument("--output", required=True, type=Path, help="folder for the results JSON")
    p.add_argument(
        "--save-models",
        type=Path,
        default=None,
        metavar="DIR",
        help="also export each run's model to DIR/<run id> with its model card and ONNX int8 "
        "variant, as `emobench export` does; default: off",
    )
    add_data_arguments(p, filters=True)
    add_model_arguments(p)
    add_recipe_arguments(p)
    p.set_defaults(func=run)
    return p


def seeds(value: str) -> list[int]:
    """The integers of ``--seeds 42,43,44``."""
    try:
        out = [int(s) for s in value.split(",") if s.strip()]
    except ValueError as exc:
        raise UsageError(
            f"--seeds {value!r} must be comma-separated integers, e.g. 42,43,44"
        ) from exc
    if not out:
        raise UsageError("--seeds is empty; give at least one, e.g. --seeds 42")
    return out


def run(ns: argparse.Namespace) -> int:
    """``emobench run`` and ``emobench distill`` (which adds ``ns.teacher``)."""
    from tabulate import tabulate

    from emobench_core.data.filters import load_filtered
    from emobench_core.data.loading import source_label
    from emobench_core.models.registry import backend_for, get_spec, parse_models
    from emobench_core.scenarios.run import run_model
    from emobench_core.scenarios.teacher import Teacher

    specs = parse_models(ns.models)
    teacher = None
    if getattr(ns, "teacher", None):
        teacher = Teacher(get_spec(ns.teacher), ns.teacher_init, getattr(ns, "teacher_seed", None))
    seed_list = seeds(ns.seeds)
    check_device(ns.device)
    recipes = [recipe(ns, s) for s in seed_list]
    dsd = load_filtered(data_source(ns), max_train_rows=ns.max_train_rows, filters=data_filters(ns))
    source = source_label(data_source(ns))
    cache = checkpoint_cache(ns)
    rows = []
    for spec in specs:
        for r in recipes if backend_for(spec).seed_sensitive else recipes[:1]:
            log.info("== %s (%s), seed %d", spec.name, ns.init, r.seed)
            result = run_model(
                spec,
                ns.init,
                r,
                dsd,
                cache=cache,
                device=ns.device,
                data_source=source,
                vocab_dir=ns.vocab_dir,
                quiet=ns.quiet,
                teacher=teacher,
            )
            path = result.save(ns.output)
            if getattr(ns, "save_models", None):  # `emobench distill` has no such option
                folder = ns.save_models / result.run_id
                shipped = save_model(result, cache, folder, source=path, data=lambda: dsd)
                log.info("%s", "; ".join(describe(folder, shipped)))
            m, e = result.metrics, result.efficiency
            rows.append(
                [
                    result.label,
                    result.seed,
                    f"{m.accuracy:.4f}",
                    f"{m.macro_f1:.4f}",
                    f"{result.model.params_total / 1e6:.2f}M",
                    f"{e.latency_b1.p50_ms:.2f}",
                    f"{result.training.wall_s:.0f}",
                    path.name,
                ]
            )
    print(tabulate(rows, headers=HEADERS))
    return 0
