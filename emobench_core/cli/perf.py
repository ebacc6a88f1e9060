"""``emobench perf``: training cost, the machine's peak and each model's share of it, the naive
Trainer pipeline against the recipe, in one run.

emobench perf --models bert-tiny,bert-mini --ladder bert-tiny --output results/perf-cpu.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from emobench_core.cli import preflight
from emobench_core.cli.options import (
    add_data_arguments,
    add_model_arguments,
    add_overwrite_argument,
    add_recipe_arguments,
    check_device,
    data_request,
    recipe_request,
)
from emobench_core.config import INITS
from emobench_core.errors import UsageError
from emobench_core.outputs import (
    check_output_dir,
    check_output_file,
    emobench_json,
    own_files,
    write_marker,
)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "perf",
        help="training cost: the machine's peak, each model's share of it, the naive pipeline "
        "against the recipe, in one run",
        description="Measure the CPU's bf16/fp32 matmul peak and time each model's training "
        "steps phase by phase against it (--steps, with --ab variants); then time the naive "
        "pipeline (Trainer defaults, padding to 128, fp32) and the project's recipe on each "
        "model, same epochs, same machine, one after the other; optionally the recipe's "
        "changes one at a time (--ladder), the recipe with each --ab field (--ab-runs) and on "
        "25%%/50%% of the training rows (--scaling). Prints the ratios; writes every row to "
        "--output.",
    )
    p.add_argument("--models", default="bert-tiny,bert-mini", help="default: bert-tiny,bert-mini")
    p.add_argument(
        "--init",
        choices=(*INITS, "auto"),
        default="random",
        help="auto: pretrained where the weights can be had, else random; default: random",
    )
    p.add_argument(
        "--ladder", default="", help="models that also get each change on its own; default: none"
    )
    p.add_argument(
        "--ladder-from",
        default=None,
        metavar="STEP",
        help="time the ladder from this step on (the earlier steps still apply); default: all",
    )
    p.add_argument(
        "--scaling", default="", help="models also timed on 25%%/50%% of the rows; default: none"
    )
    p.add_argument(
        "--select-lr",
        action="append",
        default=[],
        metavar="MODEL=LR,LR",
        help="random-init learning rates to choose from on validation macro-F1 (repeatable)",
    )
    p.add_argument("--no-naive", action="store_true", help="time the recipe alone")
    p.add_argument("--no-lean", action="store_true", help="no lean reference loop rows")
    p.add_argument(
        "--steps",
        type=int,
        default=20,
        help="training steps timed per model and variant, phase by phase, against the "
        "machine's matmul peak (measured first); 0: neither; default: 20",
    )
    p.add_argument("--warmup-steps", type=int, default=3, help="untimed first steps; default: 3")
    p.add_argument(
        "--profile-steps", type=int, default=3, help="steps run under torch.profiler; default: 3"
    )
    p.add_argument(
        "--ab",
        action="append",
        default=[],
        metavar="FIELD=VALUE",
        help="a variant of the recipe timed beside it: a recipe field (compile=true, "
        "attn_implementation=sdpa, cpu_bf16=false, batch_size=64, sparse_embeddings=true, "
        "also written embeddings=sparse), threads=N, or, timed only (no recipe field), "
        "weights=bf16 (bf16 weights, fp32 master copies); several joined by commas are "
        "applied together (repeatable)",
    )
    p.add_argument(
        "--ab-runs",
        default="",
        help="models that also get a whole fine-tuning per recipe-field --ab; default: none",
    )
    p.add_argument(
        "--embedding-cost",
        default=None,
        help="models whose steps are also timed with the word embeddings frozen; "
        "default: bert-tiny where in --models",
    )
    p.add_argument(
        "--squares",
        default="1024,2048",
        help="sizes of the square matmuls of the peak; default: 1024,2048",
    )
    p.add_argument(
        "--steps-only",
        action="store_true",
        help="the peak and the step benchmark only: no fine-tuning rows",
    )
    p.add_argument("--seed", type=int, default=42, help="default: 42")
    p.add_argument("--output", required=True, type=Path, help="the perf JSON to write")
    p.add_argument(
        "--workdir", type=Path, default=None, help="scratch folder; default: a temporary one"
    )
    add_overwrite_argument(p)
    add_data_arguments(p)
    add_model_arguments(p, init=False)
    add_recipe_arguments(p)
    p.set_defaults(epochs=3, func=perf)
    return p


def lr_candidates(values: list[str], names: list[str]) -> dict[str, list[float]]:
    """The learning rates of each ``--select-lr MODEL=LR,LR``, checked against ``names``."""
    out = {}
    for value in values:
        model, _, lrs = value.partition("=")
        if model not in names:
            raise UsageError(
                f"--select-lr {value!r}: {model!r} is not in --models ({', '.join(names)})"
            )
        try:
            out[model] = [float(x) for x in lrs.split(",") if x.strip()]
        except ValueError:
            out[model] = []
        if not out[model] or min(out[model]) <= 0:
            raise UsageError(
                f"--select-lr {value!r} must be MODEL=LR,LR with positive rates, "
                "e.g. distilbert=1e-4,2e-4"
            )
    return out


def step_options(ns: argparse.Namespace, names: list[str], r: Any) -> dict[str, Any]:
    """The step benchmark's part of the plan, checked (``--ab`` parsed against the recipe)."""
    from emobench_core.scenarios.perf_step import parse_ab

    for option in ("steps", "warmup_steps", "profile_steps"):
        if getattr(ns, option) < 0:
            raise UsageError(f"--{option.replace('_', '-')} must be >= 0")
    for spec in ns.ab:
        try:
            parse_ab(spec, r)
        except ValueError as exc:
            raise UsageError(str(exc)) from exc
    try:
        squares = tuple(int(x) for x in ns.squares.split(",") if x.strip())
    except ValueError:
        squares = (0,)
    if any(n < 1 for n in squares):
        raise UsageError(f"--squares {ns.squares!r} must be sizes >= 1, e.g. 1024,2048")
    cost = ns.embedding_cost
    return {
        "fine_tune": not ns.steps_only,
        "steps": ns.steps,
        "warmup": ns.warmup_steps,
        "profile_steps": ns.profile_steps,
        "ab": list(ns.ab),
        "ab_runs": [m for m in ns.ab_runs.split(",") if m],
        "embedding_cost": [m for m in (cost if cost is not None else "bert-tiny").split(",") if m],
        "squares": squares,
    }


def perf(ns: argparse.Namespace) -> int:
    import shlex
    import tempfile

    from emobench_core.config import Recipe
    from emobench_core.models.backends.capabilities import RANDOM_INIT, supports
    from emobench_core.models.registry import backend_for, parse_models, resolve_init
    from emobench_core.schema.perf import PerfReport, ladder_steps

    specs = [s for s in parse_models(ns.models) if supports(backend_for(s), RANDOM_INIT)]
    if not specs:
        raise UsageError(f"--models {ns.models!r} names no transformer model to fine-tune")
    request_data = data_request(ns)
    guard = preflight.guard(ns, "perf", data=request_data, inputs=preflight.model_inputs(specs))
    check_output_file(ns.output, guard, "--output", emobench_json(PerfReport.SCHEMA_NAME))
    if ns.workdir is not None:
        check_output_dir(ns.workdir, guard, "--workdir")
        ns.workdir.mkdir(parents=True, exist_ok=True)
        write_marker(ns.workdir, "perf", own_files(ns.workdir, "perf") or ())
    preflight.check_device(ns.device)
    preflight.check_data(request_data)
    names = [s.name for s in specs]
    for option in ("ladder", "scaling", "ab_runs", "embedding_cost"):
        extra = [m for m in (getattr(ns, option) or "").split(",") if m and m not in names]
        if extra:
            flag = option.replace("_", "-")
            raise UsageError(f"--{flag} names {extra}, which --models does not include")
    check_device(ns.device)
    steps = ladder_steps(ns.device)
    if ns.ladder_from is not None and ns.ladder_from not in steps:
        raise UsageError(f"--ladder-from {ns.ladder_from!r} must be one of {', '.join(steps)}")
    request = recipe_request(ns).replace(seed=ns.seed)
    r = Recipe(**request)
    from emobench_core.scenarios.perf import PerfPlan

    plan = PerfPlan(
        models=[(s, resolve_init(s, ns.init)) for s in specs],
        ladder=[m for m in ns.ladder.split(",") if m],
        ladder_from=ns.ladder_from,
        scaling=[m for m in ns.scaling.split(",") if m],
        lr_candidates=lr_candidates(ns.select_lr, names),
        naive=not ns.no_naive,
        lean=not ns.no_lean,
        **step_options(ns, names, r),
    )
    preflight.check_weights([(s, init) for s, init in plan.models], ns.vocab_dir)

    from emobench_core.data.loading import load_data
    from emobench_core.report.perf import summary_lines
    from emobench_core.scenarios.perf import execute, new_report

    dsd = load_data(request_data, max_train_rows=ns.max_train_rows)
    argv = sys.argv[1:]
    command = "emobench perf " + shlex.join(
        argv[argv.index("perf") + 1 :] if "perf" in argv else []
    )
    report = new_report(dsd, r, ns.device, dsd.source, command)
    with tempfile.TemporaryDirectory(prefix="emobench-perf-") as tmp:
        workdir = ns.workdir or Path(tmp)
        execute(
            plan,
            r,
            dsd,
            report,
            ns.output,
            workdir=workdir,
            device=ns.device,
            vocab_dir=ns.vocab_dir,
            quiet=ns.quiet,
            request=request,
        )
    print("\n\n".join(summary_lines(report)))
    print(f"\nwrote {ns.output}")
    return 0
