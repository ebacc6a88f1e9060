"""``emobench tune``: choose the epoch budget and learning rate together on validation.

emobench tune --models bert-tiny --init random --epochs 3,4,6 \\
    --learning-rates 5e-4,1e-3,2e-3 --seeds 42,43 --output results/tune/bert-tiny-random.json
"""

from __future__ import annotations

import argparse
import math
import shlex
import sys
from pathlib import Path
from typing import Any

from emobench_core.cli import preflight
from emobench_core.cli.options import (
    add_data_arguments,
    add_model_arguments,
    add_overwrite_argument,
    check_device,
    checkpoint_cache,
    data_request,
)
from emobench_core.errors import UsageError
from emobench_core.outputs import check_output_file, emobench_json


def _numbers(kind: type, value: str, option: str) -> list[Any]:
    try:
        out = [kind(v) for v in value.split(",") if v.strip()]
    except ValueError:
        raise UsageError(f"{option} {value!r}: give comma-separated numbers") from None
    if not out:
        raise UsageError(f"{option} is empty: give at least one value")
    return out


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "tune",
        help="choose the epoch budget and learning rate on validation macro-F1",
        description="Fine-tune each model on every (epoch budget, learning rate, seed) of the "
        "grid, the schedule fitted to the budget; keep each cell's best epoch and choose the "
        "budget and rate with the best mean validation macro-F1 over seeds. The report is "
        "saved after every cell; re-running with the same --output resumes, a stopped cell from "
        "its last epoch checkpoint (kept in the checkpoint cache).",
    )
    p.add_argument("--models", required=True, help="comma-separated registry names")
    p.add_argument("--epochs", default="3,4,6", help="epoch budgets; default: 3,4,6")
    p.add_argument(
        "--learning-rates",
        default="5e-4,1e-3,2e-3",
        help="rates for the init given; default: 5e-4,1e-3,2e-3",
    )
    p.add_argument("--seeds", default="42,43", help="default: 42,43")
    p.add_argument(
        "--recipe",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="tune under the recipe with this field changed, e.g. cpu_attn_implementation=sdpa "
        "(repeatable; recorded in the report's recipe); default: the recipe as it is",
    )
    p.add_argument(
        "--output",
        required=True,
        type=Path,
        help="the tune report (JSON; an earlier one of the same grid is resumed)",
    )
    add_overwrite_argument(p)
    add_data_arguments(p)
    add_model_arguments(p)
    p.set_defaults(func=run_tune)
    return p


def _check_grid(grid: dict[str, list[Any]]) -> None:
    """Every value of the grid usable: budgets >= 1, finite rates > 0, seeds >= 0."""
    rules = {
        "--epochs": (grid["epochs"], lambda v: v >= 1, ">= 1"),
        "--learning-rates": (grid["learning_rates"], lambda v: 0 < v < math.inf, "finite, > 0"),
        "--seeds": (grid["seeds"], lambda v: v >= 0, ">= 0"),
    }
    for option, (values, ok, rule) in rules.items():
        bad = [v for v in values if not ok(v)]
        if bad:
            raise UsageError(f"{option}: {bad[0]!r} must be {rule}")


def _recipe(changes: list[str], specs: list[Any]) -> Any:
    """The recipe each cell starts from: the shared one with each ``FIELD=VALUE`` of
    ``--recipe`` applied, in order, and the registry's CPU attention kernel of the models
    (``ModelSpec.cpu_attn_implementation``) unless ``--recipe`` gives one. The grid then sets
    the budget and the rate."""
    from emobench_core.config import Recipe
    from emobench_core.scenarios.perf_step import parse_ab

    recipe, asked = Recipe(), set()
    for change in changes:
        try:
            variant = parse_ab(change, recipe, option="--recipe")
        except ValueError as e:
            raise UsageError(str(e)) from None
        if variant.steps_only:
            name = change.partition("=")[0].strip()
            raise UsageError(f"--recipe {change!r}: {name} is not a recipe field")
        recipe = variant.recipe
        asked.add(change.partition("=")[0].strip().replace("-", "_"))
    if "cpu_attn_implementation" not in asked:
        kernels = {s.cpu_attn_implementation for s in specs}
        if len(kernels) > 1:
            raise UsageError(
                "these models train with different CPU attention kernels (registry): tune them "
                "separately, or give one with --recipe cpu_attn_implementation=KERNEL"
            )
        recipe = recipe.replace(cpu_attn_implementation=kernels.pop())
    return recipe


def _check_same_machine(output: Path, recorded: dict[str, Any], device: str) -> None:
    """A resumed tune's new cells must train where its earlier ones did: one seed trains to
    other weights on another CPU kind (and in fp32 where the CPU has no native bf16), so
    cells from two machines would not compare on the grid alone."""
    from emobench_core.measure.environment import cpu_distance, cpu_name, this_cpu

    was = recorded.get("device")
    if was is not None and was != device:
        raise UsageError(
            f"{output} was tuned on device {was!r}, not {device!r}: pass --device {was} to "
            "resume it, or another --output to tune here"
        )
    if device != "cpu" or not recorded.get("cpu_model"):
        return
    here = this_cpu()
    if cpu_distance(recorded, here) == 2:
        raise UsageError(
            f"{output} was tuned on a {cpu_name(recorded)}, this machine is a {cpu_name(here)}: "
            "resume it on that kind of CPU, or pass another --output to tune here"
        )


def run_tune(ns: argparse.Namespace) -> int:
    from emobench_core.models.registry import parse_models
    from emobench_core.schema.tune import TuneReport

    grid = {
        "epochs": _numbers(int, ns.epochs, "--epochs"),
        "learning_rates": _numbers(float, ns.learning_rates, "--learning-rates"),
        "seeds": _numbers(int, ns.seeds, "--seeds"),
    }
    _check_grid(grid)
    specs = parse_models(ns.models)
    recipe = _recipe(ns.recipe, specs)
    request = data_request(ns)
    guard = preflight.guard(ns, "tune", data=request, inputs=preflight.model_inputs(specs))
    earlier = emobench_json(TuneReport.SCHEMA_NAME)
    check_output_file(ns.output, guard, "--output", earlier)
    resume = ns.output.is_file() and earlier(ns.output)
    if resume:
        report = TuneReport.load(ns.output)  # resumed: its grid is checked before any work
        if report.grid != grid:
            raise UsageError(
                f"{ns.output} holds a tune of another grid ({report.grid}); pass another "
                "--output or the same grid to resume"
            )
        if report.recipe != recipe.to_dict():
            changed = sorted(
                k
                for k in {*report.recipe, *recipe.to_dict()}
                if report.recipe.get(k) != recipe.to_dict().get(k)
            )
            raise UsageError(
                f"{ns.output} holds a tune under another recipe (it differs in "
                f"{', '.join(changed)}); pass another --output or the same --recipe to resume"
            )
        _check_same_machine(ns.output, report.environment, ns.device)
    preflight.check_device(ns.device)
    preflight.check_data(request)
    preflight.check_weights(preflight.resolved_inits([(s, ns.init) for s in specs]), ns.vocab_dir)

    from emobench_core.data.loading import load_data
    from emobench_core.scenarios.tune import new_report, tune

    check_device(ns.device)
    dsd = load_data(request)
    if resume:
        report = TuneReport.load(ns.output)
    else:
        command = shlex.join(["emobench", *sys.argv[1:]])
        report = new_report(dsd, recipe, grid, ns.device, dsd.source, command)
    tune(
        [(s, ns.init) for s in specs],
        recipe,
        dsd,
        report,
        ns.output,
        cache=checkpoint_cache(ns),
        device=ns.device,
        vocab_dir=ns.vocab_dir,
        quiet=ns.quiet,
    )
    for spec in specs:
        choice = report.choice(spec.name, ns.init)
        if choice is not None:
            epochs, lr, score = choice
            print(
                f"{spec.name} ({ns.init}): {epochs} epochs at learning rate {lr:g} "
                f"(mean validation macro-F1 {score:.4f} over seeds {grid['seeds']})"
            )
    return 0
