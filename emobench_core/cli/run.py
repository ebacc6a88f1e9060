"""``emobench run``: every model and seed through the whole pipeline, one results JSON each.

emobench run --models bert-tiny,tfidf-svm --init random --output runs/
"""

from __future__ import annotations

import argparse
import logging
from pathlib import Path
from typing import Any

from emobench_core.cli import preflight
from emobench_core.cli.export import describe, save_model
from emobench_core.cli.options import (
    add_data_arguments,
    add_model_arguments,
    add_overwrite_argument,
    add_recipe_arguments,
    data_request,
    recipe_request,
)
from emobench_core.cli.report import PAGE_MARK, REPORT_MARK, is_png
from emobench_core.errors import UsageError
from emobench_core.outputs import (
    Guard,
    check_output_dir,
    emobench_json,
    text_mark,
    writing_into,
)

RUN_SCHEMA = "emobench.run-result"
""":data:`emobench_core.schema.run.SCHEMA_NAME`: a folder of results files alone is an
earlier output of ``emobench run`` (a test checks that they agree)."""

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
    add_overwrite_argument(p)
    add_data_arguments(p)
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


def benchmark_config(ns: argparse.Namespace) -> Any:
    """The :class:`~emobench_core.scenarios.benchmark.BenchmarkConfig` of ``emobench run`` /
    ``distill``'s options: only what was asked."""
    from emobench_core.scenarios.benchmark import BenchmarkConfig

    models = tuple(n.strip() for n in ns.models.split(",") if n.strip())
    if not models:
        raise UsageError(f"--models {ns.models!r} names no model; e.g. --models bert-tiny")
    return BenchmarkConfig(
        models=models,
        init=ns.init,
        seeds=tuple(seeds(ns.seeds)),
        data=data_request(ns),
        recipe=recipe_request(ns),
        device=ns.device,
        cache_dir=ns.cache_dir,
        vocab_dir=ns.vocab_dir,
        teacher=getattr(ns, "teacher", None),
        teacher_init=getattr(ns, "teacher_init", "pretrained"),
        teacher_seed=getattr(ns, "teacher_seed", None),
        quiet=ns.quiet,
    )


def run(ns: argparse.Namespace) -> int:
    """``emobench run`` and ``emobench distill`` (which adds ``ns.teacher``)."""
    config = benchmark_config(ns)
    guard = preflight.guard(
        ns, "run", data=config.data, inputs=preflight.model_inputs(_specs(config))
    )
    check_output_dir(ns.output, guard, legacy=earlier_run_output)
    save_models = getattr(ns, "save_models", None)  # `emobench distill` has no such option
    models_guard = Guard("run --save-models", guard.overwrite, guard.inputs, guard.protected)
    if save_models:
        check_output_dir(save_models, models_guard, "--save-models")
    preflight.check_benchmark(config)

    from tabulate import tabulate

    from emobench_core.scenarios.benchmark import Benchmark

    bench = Benchmark(config)
    bench.check_device()
    rows = []
    with writing_into(ns.output, guard, legacy=earlier_run_output) as record:
        for result in bench:
            path = result.save(ns.output)
            record(path.name)
            if save_models:
                with writing_into(save_models, models_guard, "--save-models") as saved:
                    folder = save_models / result.run_id
                    export = Guard("export", guard.overwrite, guard.inputs, guard.protected)
                    shipped = save_model(
                        result,
                        bench.cache,
                        folder,
                        source=path,
                        data=lambda: bench.data,
                        guard=export,
                    )
                    saved(result.run_id)
                log.info("%s", "; ".join(describe(folder, shipped)))
            rows.append(_row(result, path))
    print(tabulate(rows, headers=HEADERS))
    return 0


def earlier_run_output(path: Path) -> bool:
    """A file of a folder an earlier ``emobench run`` wrote before markers existed: a results
    JSON, or the report and figures rendered beside them."""
    return (
        is_png(path)
        or emobench_json(RUN_SCHEMA)(path)
        or (path.suffix.lower() == ".md" and text_mark(REPORT_MARK)(path))
        or (path.suffix.lower() == ".html" and text_mark(PAGE_MARK)(path))
    )


def _specs(config: Any) -> list[Any]:
    from emobench_core.models.registry import get_spec

    names = [c.model for c in config.cases] + [c.teacher for c in config.cases if c.teacher]
    return [get_spec(n) for n in names]


def _row(result: Any, path: Path) -> list[Any]:
    m, e = result.metrics, result.efficiency
    return [
        result.label,
        result.seed,
        f"{m.accuracy:.4f}",
        f"{m.macro_f1:.4f}",
        f"{result.model.params_total / 1e6:.2f}M",
        f"{e.latency_b1.p50_ms:.2f}",
        f"{result.training.wall_s:.0f}",
        path.name,
    ]
