"""``emobench evaluate``: test-split metrics of a fine-tuned checkpoint.

emobench evaluate --checkpoint runs/bert-tiny --output runs/bert-tiny-metrics.json
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from emobench_core.cli import preflight
from emobench_core.cli.options import (
    add_data_arguments,
    add_overwrite_argument,
    check_device,
    data_request,
)
from emobench_core.config import Recipe
from emobench_core.outputs import check_output_file, text_mark


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "evaluate", help="test-split metrics of a fine-tuned checkpoint"
    )
    p.add_argument(
        "--checkpoint", required=True, type=Path, help="folder written by `emobench train`"
    )
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="default: cpu")
    p.add_argument("--output", type=Path, default=None, help="write metrics JSON here")
    add_overwrite_argument(p)
    add_data_arguments(p)
    p.set_defaults(func=evaluate)
    return p


def evaluate(ns: argparse.Namespace) -> int:
    request = data_request(ns)
    if ns.output is not None:
        guard = preflight.guard(
            ns, "evaluate", data=request, cache=False, inputs=[("--checkpoint", ns.checkpoint)]
        )
        check_output_file(ns.output, guard, "--output", text_mark('"macro_f1"'))
    preflight.check_device(ns.device)
    preflight.check_data(request)
    from emobench_core.data.loading import load_data
    from emobench_core.metrics.evaluation import compute_metrics
    from emobench_core.models.backends.transformer import load_checkpoint, predict_logits
    from emobench_core.schema.base import write_json_atomic

    check_device(ns.device)
    model, tok = load_checkpoint(ns.checkpoint)
    dsd = load_data(request)
    logits = predict_logits(
        model,
        tok,
        list(dsd["test"]["text"]),
        max_length=Recipe().max_length,
        batch_size=256,
        device=ns.device,
    )
    metrics = compute_metrics(list(dsd["test"]["label"]), logits.argmax(-1).tolist(), dsd.labels)
    print(
        f"accuracy {metrics.accuracy:.4f}  macro-F1 {metrics.macro_f1:.4f}  "
        f"weighted-F1 {metrics.weighted_f1:.4f}  (n={metrics.n})"
    )
    for name, c in metrics.per_class.items():
        print(f"  {name:<9} P {c.precision:.3f}  R {c.recall:.3f}  F1 {c.f1:.3f}  n={c.support}")
    if ns.output:
        write_json_atomic(ns.output, metrics.to_dict())
    return 0
