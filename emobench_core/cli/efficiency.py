"""``emobench efficiency``: test macro-F1 against labelled training rows per class, per model,
on seeded stratified subsets nested across sizes.

emobench efficiency --models tfidf-svm,minilm-l6-frozen,bert-tiny --init random \\
    --sizes 16,64,256,1024,all --seeds 42,43,44 --full-from results/cpu \\
    --output results/efficiency/efficiency.json
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from emobench_core.cli.mteb import check_output
from emobench_core.cli.options import (
    add_data_arguments,
    add_model_arguments,
    check_device,
    checkpoint_cache,
    data_request,
)
from emobench_core.errors import UsageError


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "efficiency",
        help="test macro-F1 against labelled training rows per class (data-efficiency curve)",
        description="Train every model on seeded stratified subsets of the training split, "
        "nested across sizes (rows per class), with its usual recipe and the checkpoint cache; "
        "score each on the whole test split. The report is saved after every cell; re-running "
        "with the same --output resumes.",
    )
    p.add_argument("--models", required=True, help="comma-separated registry names")
    p.add_argument(
        "--sizes", default="16,64,256,1024,all", help="rows per class; default: 16,64,256,1024,all"
    )
    p.add_argument("--seeds", default="42,43,44", help="default: 42,43,44")
    p.add_argument(
        "--full-from",
        nargs="+",
        type=Path,
        default=[],
        metavar="DIR",
        help="results folders whose runs of the same model, init, seed, data and recipe stand "
        "for the 'all' cells instead of training again; default: none",
    )
    p.add_argument("--output", type=Path, required=True, help="the report (JSON) to write")
    add_data_arguments(p, filters=False)
    add_model_arguments(p)
    p.set_defaults(func=run_efficiency)
    return p


def run_efficiency(ns: argparse.Namespace) -> int:
    from emobench_core.data.sampling import parse_sizes
    from emobench_core.schema.cheap import EfficiencyReport

    try:
        sizes = parse_sizes(ns.sizes)
        seeds = [int(s) for s in ns.seeds.split(",") if s.strip()]
    except ValueError as exc:
        raise UsageError(f"--sizes / --seeds: {exc}") from None
    if not seeds:
        raise UsageError("--seeds is empty: give at least one, e.g. 42,43,44")
    check_output(ns.output, EfficiencyReport)
    check_device(ns.device)
    from emobench_core.data.loading import load_data
    from emobench_core.models.registry import backend_for, parse_models
    from emobench_core.scenarios.efficiency import efficiency, new_report
    from emobench_core.schema.run import RunResult, load_results

    specs = parse_models(ns.models)
    models = [(s, ns.init) for s in specs]
    full: list[tuple[str, RunResult]] = []
    for folder in ns.full_from:
        full += [(f"{folder}/{r.run_id}.json", r) for r in load_results(folder)]
    dsd = load_data(data_request(ns))
    grid_models = [[s.name, backend_for(s).init_label(i)] for s, i in models]
    if ns.output.is_file():
        report = EfficiencyReport.load(ns.output)
        asked = {"models": grid_models, "sizes": sizes, "seeds": seeds}
        if report.grid != asked or report.data["fingerprint"] != dsd.fingerprint:
            raise UsageError(
                f"{ns.output} holds another grid or data ({report.grid}); pass another "
                "--output, or the same models, sizes, seeds and data to resume"
            )
    else:
        command = shlex.join(["emobench", *sys.argv[1:]])
        report = new_report(dsd, models, sizes, seeds, ns.device, command)
    efficiency(
        models,
        dsd,
        report,
        ns.output,
        cache=checkpoint_cache(ns),
        device=ns.device,
        vocab_dir=ns.vocab_dir,
        quiet=ns.quiet,
        full_from=full,
    )
    print(f"wrote {ns.output} ({len(report.cells)} cells)")
    return 0
