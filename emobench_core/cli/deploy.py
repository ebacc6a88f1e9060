"""``emobench deploy``: ONNX Runtime and int8 variants of each model, measured on the CPU.
Needs the optional extra: ``pip install 'emobench[onnx]'``.

    emobench deploy --checkpoint runs/bert-tiny --data-dir ../shared/data/emotion \\
        --output results/deploy-cpu.json
    emobench deploy --models bert-tiny --vocab-dir VOCAB --output deploy.json
"""

from __future__ import annotations

import argparse
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
from emobench_core.outputs import (
    check_output_dir,
    check_output_file,
    emobench_json,
    own_files,
    write_marker,
)


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "deploy",
        help="ONNX Runtime and int8 variants: size, CPU latency, accuracy change",
        description="Deployment variants for CPU-only devices: ONNX Runtime and dynamic int8, "
        "with their costs.",
    )
    p.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        metavar="[NAME=]DIR",
        help="fine-tuned checkpoint folder (from `emobench train --output DIR`, or a "
        "checkpoint-cache entry, which RESULTS.md then links to the results file of the run "
        "that trained it); NAME names the row (default: the folder's name); repeatable; "
        "measured with test accuracy; default: none",
    )
    p.add_argument(
        "--models",
        default="",
        help="comma-separated registry architectures with random weights (latency and size "
        "only); default: none",
    )
    p.add_argument("--output", type=Path, required=True, help="JSON report to write (required)")
    add_overwrite_argument(p)
    add_data_arguments(p)
    p.add_argument(
        "--vocab-dir",
        help="folder with bert-base-uncased vocab.txt, for --models; default: "
        "$EMOBENCH_VOCAB_DIR, else the hub",
    )
    p.add_argument(
        "--threads", type=int, default=2, help="torch and ONNX Runtime threads; default: 2"
    )
    p.add_argument(
        "--workdir",
        type=Path,
        help="keep the exported .onnx / .pt / safetensors files here; default: a temporary "
        "folder, deleted",
    )
    add_latency_rule_arguments(p)
    p.set_defaults(func=deploy, configure_logging=False)
    return p


def deploy(ns: argparse.Namespace) -> int:
    from emobench_core.schema.deploy import SCHEMA_NAME

    request = data_request(ns)
    folders = [("--checkpoint", c.partition("=")[2] or c) for c in ns.checkpoint]
    guard = preflight.guard(ns, "deploy", data=request, cache=False, inputs=folders)
    check_output_file(ns.output, guard, "--output", emobench_json(SCHEMA_NAME))
    if ns.workdir is not None:
        check_output_dir(ns.workdir, guard, "--workdir")
        ns.workdir.mkdir(parents=True, exist_ok=True)
        write_marker(ns.workdir, "deploy", own_files(ns.workdir, "deploy") or ())
    preflight.check_data(request)
    from emobench_core.report.deploy import markdown_rows
    from emobench_core.report.tables import plain_table
    from emobench_core.scenarios.deploy import measure_deployments

    with bad_input(OSError, ValueError):  # unreadable/unwritable files, the variants' checks
        report = measure_deployments(
            checkpoints=ns.checkpoint,
            models=ns.models,
            data_dir=request,
            vocab_dir=ns.vocab_dir,
            threads=ns.threads,
            settings=latency_rule(ns),
            workdir=ns.workdir,
        )
        report.save(ns.output)
    headers, rows = markdown_rows(report)
    print(plain_table(headers, rows))
    print(f"threads: {report.threads}; latency rule: {report.rule}; wrote {ns.output}")
    return 0
