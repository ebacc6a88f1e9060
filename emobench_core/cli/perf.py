"""``emobench perf``: training cost, the naive Trainer pipeline against the recipe, in one run.

emobench perf --models bert-tiny,bert-mini --ladder bert-tiny --output results/perf-cpu.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from emobench_core.cli.options import (
    add_data_arguments,
    add_model_arguments,
    add_recipe_arguments,
    check_device,
    data_request,
    recipe_request,
)
from emobench_core.config import INITS
from emobench_core.errors import UsageError


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "perf",
        help="training cost: the naive Trainer pipeline against the recipe, in one run",
        description="Time the naive pipeline (Trainer defaults, padding to 128, fp32) and the "
        "project's recipe on each model, same epochs, same machine, one after the other; "
        "optionally the recipe's changes one at a time (--ladder) and the recipe on 25%%/50%% "
        "of the training rows (--scaling). Prints the ratios; writes every row to --output.",
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
    p.add_argument("--seed", type=int, default=42, help="default: 42")
    p.add_argument("--output", required=True, type=Path, help="the perf JSON to write")
    p.add_argument(
        "--workdir", type=Path, default=None, help="scratch folder; default: a temporary one"
    )
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


def perf(ns: argparse.Namespace) -> int:
    import shlex
    import tempfile

    from emobench_core.config import Recipe
    from emobench_core.data.loading import load_data
    from emobench_core.models.registry import backend_for, parse_models, resolve_init
    from emobench_core.report.perf import summary_lines
    from emobench_core.scenarios.perf import PerfPlan, execute, new_report
    from emobench_core.schema.perf import ladder_steps

    specs = [s for s in parse_models(ns.models) if backend_for(s).has_init]
    if not specs:
        raise UsageError(f"--models {ns.models!r} names no transformer model to fine-tune")
    names = [s.name for s in specs]
    for option in ("ladder", "scaling"):
        extra = [m for m in getattr(ns, option).split(",") if m and m not in names]
        if extra:
            raise UsageError(f"--{option} names {extra}, which --models does not include")
    check_device(ns.device)
    steps = ladder_steps(ns.device)
    if ns.ladder_from is not None and ns.ladder_from not in steps:
        raise UsageError(f"--ladder-from {ns.ladder_from!r} must be one of {', '.join(steps)}")
    plan = PerfPlan(
        models=[(s, resolve_init(s, ns.init)) for s in specs],
        ladder=[m for m in ns.ladder.split(",") if m],
        ladder_from=ns.ladder_from,
        scaling=[m for m in ns.scaling.split(",") if m],
        lr_candidates=lr_candidates(ns.select_lr, names),
        naive=not ns.no_naive,
    )
    request = recipe_request(ns).replace(seed=ns.seed)
    r = Recipe(**request)
    dsd = load_data(data_request(ns), max_train_rows=ns.max_train_rows)
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
