"""``emobench predict``: label and scores of each text, one JSON line per text.

emobench predict --checkpoint runs/bert-tiny "i feel happy"
emobench predict --checkpoint shipped/bert-tiny/onnx-int8 "i feel happy"
emobench predict --checkpoint results/cpu/bert-tiny-random-s42-89ce31e7.json "i feel happy"
cat tweets.txt | emobench predict --checkpoint shipped/bert-tiny
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emobench_core.cli.options import checkpoint_cache
from emobench_core.errors import UsageError

if TYPE_CHECKING:
    from emobench_core.models.backends.base import Predictor


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "predict",
        help="label and probabilities for texts",
        description="Texts come as arguments, or one per line on stdin.",
    )
    p.add_argument(
        "--checkpoint",
        required=True,
        type=Path,
        metavar="PATH",
        help="the model: a folder written by `emobench train` or `emobench export` (or its "
        "onnx-int8/ subfolder), a checkpoint-cache entry, or a run's results JSON (its model "
        "looked up in --cache-dir); required",
    )
    p.add_argument(
        "--cache-dir",
        default=None,
        help="for a results JSON: the checkpoint cache that holds its model; default: "
        "$EMOBENCH_CACHE_DIR or ~/.cache/emobench",
    )
    p.add_argument("texts", nargs="*", help="texts to classify; default: read stdin")
    p.set_defaults(func=predict)
    return p


def load(ns: argparse.Namespace) -> Predictor:
    """The model ``--checkpoint`` names: a folder, or the cache entry a results JSON names."""
    from emobench_core.models.predict import load_predictor

    path = ns.checkpoint
    if path.is_file():
        from emobench_core.scenarios.entry_check import check_labels
        from emobench_core.scenarios.export import find_entry
        from emobench_core.schema.run import load_result

        result = load_result(path)
        model = load_predictor(find_entry(result, checkpoint_cache(ns), path), result.labels)
        check_labels(result, model.labels, f"run {result.run_id} ({path})", "export another run")
        return model
    if not path.is_dir():
        raise FileNotFoundError(
            f"--checkpoint {path} does not exist; pass a model folder or a run's results JSON"
        )
    return load_predictor(path)


def predict(ns: argparse.Namespace) -> int:
    texts = ns.texts or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    if not texts:
        raise UsageError("no texts given: pass them as arguments or one per line on stdin")
    model = load(ns)
    for text, row in zip(texts, model.scores(texts), strict=True):
        values = {n: round(float(v), 4) for n, v in zip(model.labels, row, strict=True)}
        best = model.labels[int(row.argmax())]
        print(json.dumps({"text": text, "label": best, model.score_name: values}))
    return 0
