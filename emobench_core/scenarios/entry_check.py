"""Is this checkpoint-cache entry the one a results JSON's run trained? Checked before
``emobench export`` ships it or ``emobench predict`` answers with it.

The entry's name must be a plain entry of the cache (no ``..``, no absolute path, no link out
of it); what the entry records of its training (``key.json``: model, init, recipe and seed,
data fingerprint) must be the run's; its recorded test predictions must be the run's; and where
the run's data is at hand, the weights themselves must predict a sample of the test split as the
run did. Anything else is refused in one line: another machine, code or dataset trained it.

    emobench export results/cpu/bert-tiny-random-s42-89ce31e7.json --output shipped/bert-tiny
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from emobench_core.cache import CheckpointCache
from emobench_core.errors import ExportError
from emobench_core.schema.checks import ENTRY_NAME
from emobench_core.schema.run import RunResult

SAMPLE = 64
"""Test rows re-predicted by the exported weights."""
MAX_FLIPS = SAMPLE // 20
"""How many of them may differ from the run's: batching changes float rounding, so a borderline
example may flip; other weights differ on many more (8% of a test split did)."""


def confined(name: Any, cache: CheckpointCache, run: str) -> Path:
    """The folder of entry ``name`` in ``cache``: a plain name, not a path or a link out."""
    if not isinstance(name, str) or not ENTRY_NAME.fullmatch(name):
        raise ExportError(
            f"{run}: its environment.cache_entry {name!r} is not a checkpoint-cache entry name "
            f"(a path or a name with '/' or '..' is never followed); export the results JSON "
            "that `emobench run` wrote"
        )
    folder = cache.entry(name)
    links = [folder] if folder.is_symlink() else []
    if folder.is_dir() and not links:
        links = [p for p in folder.rglob("*") if p.is_symlink()]
    if links:
        raise ExportError(
            f"{run}: cache entry {folder} holds a link ({links[0]}); an entry is a plain "
            "folder of the cache and links are never followed: remove it and re-create the entry"
        )
    return folder


def _expected(result: RunResult) -> dict[str, Any]:
    model = result.distillation.student if result.distillation else result.model.name
    return {
        "model": model,
        "init": result.model.init,
        "seed": result.seed,
        "data": result.data.fingerprint,
        "recipe": json.loads(json.dumps(result.recipe, default=str)),
    }


def check_identity(result: RunResult, folder: Path, run: str, fix: str) -> None:
    """The entry's recorded training (``key.json``) and test predictions are the run's."""
    try:
        key = json.loads((folder / "key.json").read_text(encoding="utf-8"))
        recorded = json.loads((folder / "test_predictions.json").read_text(encoding="utf-8"))
        y_pred = recorded["y_pred"]
        got = {**key, "seed": key["recipe"]["seed"]}
    except (OSError, ValueError, KeyError, TypeError) as exc:
        raise ExportError(
            f"{run}: cache entry {folder} does not record what trained it ({exc}); {fix}"
        ) from None
    for field, want in _expected(result).items():
        if got.get(field) != want:
            shown = "differs" if field == "recipe" else f"is {got.get(field)!r}, not {want!r}"
            raise ExportError(
                f"{run}: cache entry {folder.name} was trained for another run (its {field} "
                f"{shown}); {fix}"
            )
    mine = result.predictions["y_pred"]
    if y_pred != mine:
        n = len(mine)
        differ = n if len(y_pred) != n else sum(a != b for a, b in zip(y_pred, mine, strict=True))
        raise ExportError(
            f"{run}: cache entry {folder.name} holds other weights than the run's: its test "
            f"predictions differ on {differ} of {n} examples (trained on another machine, "
            f"precision or code under the same name); {fix}"
        )


def check_sample(
    result: RunResult,
    scores: Callable[[list[str]], Any],
    labels: Sequence[str],
    texts: Sequence[str],
    run: str,
    fix: str,
) -> None:
    """The weights (``scores``, naming ``labels``) predict the first :data:`SAMPLE` test
    ``texts`` as the run did (up to :data:`MAX_FLIPS`), with the run's number of classes."""
    check_labels(result, labels, run, fix)
    sample = list(texts[:SAMPLE])
    preds = np.asarray(scores(sample)).argmax(-1)
    reference = np.asarray(result.predictions["y_pred"][: len(sample)])
    flips = int((preds != reference).sum())
    if flips > MAX_FLIPS:
        raise ExportError(
            f"{run}: the weights in its cache entry predict {flips} of the first {len(sample)} "
            f"test rows otherwise than the run did (at most {MAX_FLIPS} may differ); {fix}"
        )


def check_labels(result: RunResult, labels: Sequence[str], run: str, fix: str) -> None:
    """The model (naming ``labels``) has the run's number of classes."""
    if len(labels) != len(result.labels):
        shown = ", ".join(result.labels[:12]) + (", ..." if len(result.labels) > 12 else "")
        raise ExportError(
            f"{run}: the model in its cache entry has {len(labels)} classes, the run "
            f"{len(result.labels)} ({shown}); {fix}"
        )
