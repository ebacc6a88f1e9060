"""``emobench mteb-protocol``: MTEB's EmotionClassification evaluation of one encoder, as MTEB
defines it (10 experiments of 16 training rows per label, logistic regression, mean test
accuracy), on the local splits.

emobench mteb-protocol --model minilm-l6 --output results/mteb/all-minilm-l6-v2.json
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path
from typing import Any

from emobench_core.cli.options import (
    add_data_arguments,
    add_model_arguments,
    check_device,
    checkpoint_cache,
    data_request,
)
from emobench_core.errors import ResultsError, UsageError


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "mteb-protocol",
        help="MTEB's EmotionClassification protocol for one pretrained encoder",
        description="Embed the training and test splits with a frozen pretrained encoder (its "
        "own pooling; cached by content), then run MTEB's classification protocol: "
        "n experiments, each fitting a logistic regression on a seeded undersample of "
        "the training split, scored on the test split; the main score is the mean accuracy.",
    )
    p.add_argument(
        "--model",
        default="minilm-l6",
        help="registered name, hub id or folder of the encoder; default: minilm-l6",
    )
    p.add_argument("--output", type=Path, required=True, help="the report (JSON) to write")
    p.add_argument("--n-experiments", type=int, default=10, help="MTEB's: default: 10")
    p.add_argument(
        "--samples-per-label", type=int, default=16, help="EmotionClassification's; default: 16"
    )
    p.add_argument("--seed", type=int, default=42, help="MTEB's; default: 42")
    add_data_arguments(p, filters=False)
    add_model_arguments(p, init=False)
    p.set_defaults(func=run_mteb)
    return p


def check_output(path: Path, kind: Any) -> None:
    """Refuse an existing ``path`` that is not a report of ``kind`` (never overwrite a file
    this command did not write); a folder is refused too."""
    if path.is_dir():
        raise UsageError(f"--output {path} is a folder; give a file name, e.g. {path}/report.json")
    if path.exists():
        try:
            kind.load(path)
        except ResultsError:
            raise UsageError(
                f"--output {path} exists and is not a {kind.WHAT}; give another file name"
            ) from None


def run_mteb(ns: argparse.Namespace) -> int:
    if ns.n_experiments < 1 or ns.samples_per_label < 1:
        raise UsageError("--n-experiments and --samples-per-label must be >= 1 (MTEB: 10, 16)")
    from emobench_core.schema.cheap import MtebReport

    check_output(ns.output, MtebReport)
    check_device(ns.device)
    from emobench_core.data.loading import load_data
    from emobench_core.models.registry import get_spec
    from emobench_core.scenarios.mteb import mteb_protocol

    spec = get_spec(ns.model)
    dsd = load_data(data_request(ns))
    report = mteb_protocol(
        spec,
        dsd,
        cache=checkpoint_cache(ns).embeddings(),
        command=shlex.join(["emobench", *sys.argv[1:]]),
        device=ns.device,
        n_experiments=ns.n_experiments,
        samples_per_label=ns.samples_per_label,
        seed=ns.seed,
    )
    report.save(ns.output)
    import numpy as np

    acc = np.asarray(report.scores("accuracy"))
    sd = float(acc.std(ddof=1)) if acc.size > 1 else 0.0
    line = (
        f"{report.task} ({spec.name}): accuracy {acc.mean():.4f} ± {sd:.4f} "
        f"(sd over {acc.size} experiments)"
    )
    published = report.published.get("accuracy")
    if published is not None:
        line += f"; MTEB published {published:.4f}"
    print(line)
    print(f"wrote {ns.output}")
    return 0
