"""``emobench latency``: CPU latency and inference memory of each architecture, measured on
this machine (random weights; each model in a fresh process).

    emobench latency --models bert-tiny,bert-mini,bert-small,distilbert,minilm-l6,tfidf-svm \\
        --output results/latency-cpu.json
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from emobench_core.cli import preflight
from emobench_core.cli.options import (
    add_data_arguments,
    add_latency_rule_arguments,
    add_overwrite_argument,
    bad_input,
    data_request,
    latency_rule,
)
from emobench_core.outputs import check_output_file, emobench_json


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "latency",
        help="CPU latency and inference memory of each architecture (random weights)",
        description="CPU latency and inference memory of each architecture, measured on this "
        "machine.",
    )
    # default: every registered model with a latency probe, looked up when the command runs
    p.add_argument(
        "--models", default=None, help="comma-separated; default: every one with a latency probe"
    )
    p.add_argument("--output", type=Path, required=True, help="JSON report to write (required)")
    add_overwrite_argument(p)
    p.add_argument("--threads", type=int, help="torch threads; default: the usable CPUs")
    add_data_arguments(p)
    p.add_argument(
        "--vocab-dir",
        help="folder with bert-base-uncased vocab.txt; default: $EMOBENCH_VOCAB_DIR, else the hub",
    )
    add_latency_rule_arguments(p)
    p.add_argument(
        "--in-process",
        action="store_true",
        help="measure every model in this process (memory figures become lower bounds); "
        "default: off",
    )
    p.set_defaults(func=latency, configure_logging=False)
    return p


def latency(ns: argparse.Namespace) -> int:
    from emobench_core.models.backends.capabilities import LATENCY_PROBE
    from emobench_core.models.registry import REGISTRY, kind_supports, parse_models
    from emobench_core.schema.latency import SCHEMA_NAME

    request = data_request(ns)
    guard = preflight.guard(ns, "latency", data=request, cache=False)
    check_output_file(ns.output, guard, "--output", emobench_json(SCHEMA_NAME))
    if ns.models is not None:
        parse_models(ns.models)  # an unknown name: refused before any measurement
    preflight.check_data(request)
    from emobench_core.report.latency import TABLE_HEADERS, length_note, table_rows
    from emobench_core.report.tables import plain_table
    from emobench_core.scenarios.probe import probe_models

    with bad_input(ValueError):  # the probe's own checks (threads, latency rule)
        report = probe_models(
            ",".join(n for n, s in REGISTRY.items() if kind_supports(s.kind, LATENCY_PROBE))
            if ns.models is None
            else ns.models,
            data_dir=request,
            vocab_dir=ns.vocab_dir,
            threads=ns.threads,
            settings=latency_rule(ns),
            isolate=not ns.in_process,
        )
        report.save(ns.output)
    env = report.environment
    print(plain_table(TABLE_HEADERS, table_rows(report)))
    print(f"\n{length_note(report)}.")
    print(f"CPU: {env.get('cpu_model')}; {report.threads} torch threads; rule: {report.rule}")
    load = env.get("load_average_1m")
    if load is not None and load > 0.5 * (env.get("cpu_count") or 1):
        print(
            f"warning: the machine was busy (1-minute load average {load:.2f} on "
            f"{env.get('cpu_count')} CPUs), which inflates latencies; re-run when it is idle",
            file=sys.stderr,
        )
    print(f"wrote {ns.output}")
    return 0
