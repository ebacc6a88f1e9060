"""Option groups and option-reading helpers shared by several ``emobench`` commands.

Nothing here imports torch, transformers, datasets or the pipeline at module level: building
the parser (``emobench --help``) must stay fast. Readers that need them import on use.
"""

from __future__ import annotations

import argparse
import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from emobench_core.config import INITS, RECIPE_OPTIONS, RecipeRequest, recipe_option_help
from emobench_core.errors import EmobenchError, UsageError

if TYPE_CHECKING:
    from emobench_core.cache import CheckpointCache
    from emobench_core.data.source import DataRequest
    from emobench_core.measure.latency import LatencySettings

LATENCY_RULE_DEFAULTS: dict[str, Any] = {"warmup": 20, "min_iters": 200, "min_seconds": 2.0}
"""The defaults of :class:`~emobench_core.measure.latency.LatencySettings`, spelled out here so
that building the parser does not import the pipeline (a test checks that they agree)."""


# ---------------------------------------------------------------------------- option groups


def add_recipe_arguments(p: argparse.ArgumentParser) -> None:
    """The training recipe: --epochs, --batch-size, --max-length, learning rates, row cap."""
    g = p.add_argument_group("recipe (defaults: the shared recipe, see docs)")
    for name, kind, text in RECIPE_OPTIONS:
        g.add_argument(
            "--" + name.replace("_", "-"), type=kind, default=None, help=recipe_option_help(text)
        )


def add_data_arguments(p: argparse.ArgumentParser, *, filters: bool = True) -> None:
    """The data options every command that reads data offers (the pytest harness has the same
    as ``--emobench-*``): --dataset, --data-dir, --text-column, --label-column and, unless a
    command takes them from elsewhere (``filters=False``), the optional filters
    (--dedupe-train, --drop-test-overlap); :func:`data_request` reads them back."""
    p.add_argument(
        "--dataset",
        default=None,
        metavar="ID[:CONFIG]",
        help="hub dataset of single-label text classification; with --data-dir, the dataset "
        "that folder is a copy of; default: $EMOBENCH_DATA_DIR, else dair-ai/emotion",
    )
    p.add_argument(
        "--data-dir",
        default=None,
        help="folder with train, test and (else carved from train) validation as "
        ".jsonl/.csv/.parquet, and optionally labels.txt (class names in id order); default: "
        "$EMOBENCH_DATA_DIR, else the hub dataset",
    )
    p.add_argument("--text-column", default="text", help="column of the texts; default: text")
    p.add_argument("--label-column", default="label", help="column of the labels; default: label")
    if filters:
        p.add_argument(
            "--dedupe-train",
            action="store_true",
            help="keep one row of each repeated training text and drop texts whose copies "
            "disagree on the label (changes the data fingerprint); default: off",
        )
        p.add_argument(
            "--drop-test-overlap",
            action="store_true",
            help="drop validation and test rows whose text occurs in training (changes the "
            "data fingerprint); default: off",
        )


def add_model_arguments(p: argparse.ArgumentParser, *, init: bool = True) -> None:
    """--init (unless the command has its own), --vocab-dir, --device, --cache-dir."""
    if init:
        p.add_argument(
            "--init",
            choices=INITS,
            default="pretrained",
            help="pretrained weights, or the same architecture randomly initialised; "
            "default: pretrained",
        )
    p.add_argument(
        "--vocab-dir",
        default=None,
        help="folder with the bert-base-uncased vocab.txt, for random init; "
        "default: $EMOBENCH_VOCAB_DIR, else the hub",
    )
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="default: cpu")
    p.add_argument(
        "--cache-dir",
        default=None,
        help="checkpoint cache; default: $EMOBENCH_CACHE_DIR or ~/.cache/emobench",
    )


def add_latency_rule_arguments(p: argparse.ArgumentParser) -> None:
    """``--warmup``, ``--min-iters``, ``--min-seconds`` (the ``LatencySettings`` rule);
    :func:`latency_rule` reads them back."""
    d = LATENCY_RULE_DEFAULTS
    p.add_argument("--warmup", type=int, default=d["warmup"], help=f"default: {d['warmup']}")
    p.add_argument(
        "--min-iters", type=int, default=d["min_iters"], help=f"default: {d['min_iters']}"
    )
    p.add_argument(
        "--min-seconds",
        type=float,
        default=d["min_seconds"],
        help=f"default: {d['min_seconds']}",
    )


def add_overwrite_argument(p: argparse.ArgumentParser) -> None:
    """``--overwrite``: write into an output this command did not write (emobench_core.outputs)."""
    p.add_argument(
        "--overwrite",
        action="store_true",
        help="write into an existing output this command did not write: a non-empty folder "
        "(only files of the same names are replaced, nothing else is removed) or a file; never "
        "an input, the data or the cache; default: refuse",
    )


# ---------------------------------------------------------------------------- readers


def latency_rule(ns: argparse.Namespace) -> LatencySettings:
    """The ``LatencySettings`` of options added by :func:`add_latency_rule_arguments`."""
    from emobench_core.measure.latency import LatencySettings

    return LatencySettings(ns.warmup, ns.min_iters, ns.min_seconds)


def recipe_request(ns: argparse.Namespace) -> RecipeRequest:
    """The :class:`RecipeRequest` of options added by :func:`add_recipe_arguments`: only the
    options given."""
    try:
        return RecipeRequest(**{name: getattr(ns, name, None) for name, _, _ in RECIPE_OPTIONS})
    except ValueError as exc:
        raise UsageError(str(exc).replace("`recipe.", "`--").replace("_", "-")) from exc


def data_request(ns: argparse.Namespace) -> DataRequest:
    """The :class:`DataRequest` of options added by :func:`add_data_arguments`."""
    from emobench_core.data.source import DataRequest

    return DataRequest(
        getattr(ns, "dataset", None),
        ns.data_dir,
        text_column=getattr(ns, "text_column", "text"),
        label_column=getattr(ns, "label_column", "label"),
        dedupe_train=getattr(ns, "dedupe_train", False),
        drop_test_overlap=getattr(ns, "drop_test_overlap", False),
    )


def check_device(device: str) -> None:
    """A :class:`UsageError` for ``--device cuda`` on a machine without a usable CUDA device."""
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise UsageError(
                "--device cuda was given but this machine has no CUDA device "
                "torch can use; drop --device (CPU is the default)"
            )


def checkpoint_cache(ns: argparse.Namespace) -> CheckpointCache:
    """The checkpoint cache of ``--cache-dir`` (default: ``$EMOBENCH_CACHE_DIR`` or ~/.cache)."""
    from emobench_core.cache import CheckpointCache, default_cache_dir

    return CheckpointCache(ns.cache_dir or default_cache_dir())


@contextlib.contextmanager
def bad_input(*types: type[Exception]) -> Iterator[None]:
    """Re-raise ``types`` (e.g. the ``ValueError`` of a library argument check) as
    :class:`UsageError`, so that the command line reports them as bad input (exit 2)."""
    try:
        yield
    except EmobenchError:
        raise
    except types as exc:
        raise UsageError(str(exc)) from exc
