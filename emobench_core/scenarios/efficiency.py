"""The data-efficiency curve: test macro-F1 against labelled training rows per class.

Per seed, the training split gets seeded stratified subsets nested across sizes
(:func:`~emobench_core.data.sampling.nested_subsets`); every model is trained on each through
the usual pipeline (:func:`~emobench_core.scenarios.run.train_checkpoint`: its recipe, its
checkpoint selection on the whole validation split, the checkpoint cache) and scored on the
whole test split. ``all`` is the unchanged data, so its cache key is a plain run's; with
``full_from`` its cells are read from committed results of the same model, init, seed, data
and recipe instead of trained again. Sizes run largest first (a frozen encoder embeds the
whole split once; the subsets reuse its vectors). The report is saved after every cell, and a
re-run with the same output resumes.

    emobench efficiency --models tfidf-svm,minilm-l6-frozen,bert-tiny --init random \\
        --sizes 16,64,256,1024,all --seeds 42,43,44 --output results/efficiency/efficiency.json
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np

from emobench_core.cache import CheckpointCache
from emobench_core.config import RecipeRequest
from emobench_core.data.dataset import Dataset
from emobench_core.data.sampling import ALL, nested_subsets
from emobench_core.metrics.evaluation import compute_metrics
from emobench_core.models.recipes import resolve_recipe
from emobench_core.models.registry import backend_for
from emobench_core.models.spec import ModelSpec
from emobench_core.scenarios.provenance import data_record, now, run_environment
from emobench_core.scenarios.run import train_checkpoint
from emobench_core.schema.cheap import EfficiencyCell, EfficiencyReport
from emobench_core.schema.run import RunResult

log = logging.getLogger(__name__)

SAMPLING = (
    "per seed, each class's training rows permuted once (numpy default_rng(seed)); size k "
    "takes each class's first min(k, rows of the class), so subsets are nested across sizes "
    "and stratified; 'all' is the whole training split"
)


def subset(dsd: Dataset, rows: np.ndarray) -> Dataset:
    """``dsd`` with its training split cut to ``rows`` (validation and test unchanged)."""
    from datasets import DatasetDict

    if len(rows) == len(dsd["train"]):
        return dsd
    splits = DatasetDict({**dict(dsd.splits), "train": dsd["train"].select(rows.tolist())})
    return dsd.replace(splits=splits)


def new_report(
    dsd: Dataset,
    models: Sequence[tuple[ModelSpec, str]],
    sizes: Sequence[int | str],
    seeds: Sequence[int],
    device: str,
    command: str,
) -> EfficiencyReport:
    return EfficiencyReport(
        grid={
            "models": [[s.name, backend_for(s).init_label(i)] for s, i in models],
            "sizes": list(sizes),
            "seeds": list(seeds),
        },
        sampling=SAMPLING,
        data=data_record(dsd, dsd.source),
        labels=list(dsd.labels),
        y_true=[int(y) for y in dsd["test"]["label"]],
        environment=run_environment(device),
        command=command,
        created_at=now(),
    )


def _from_results(
    results: Sequence[tuple[str, RunResult]], spec: ModelSpec, init: str, seed: int, dsd: Dataset
) -> tuple[str, RunResult] | None:
    """A committed run of ``spec`` trained on all of ``dsd`` with ``seed`` and the recipe the
    current code resolves, if any."""
    request = RecipeRequest(seed=seed)
    recipe = resolve_recipe(spec, request).recipe.to_dict()
    for path, r in results:
        if (r.model.name, r.model.init, r.seed) == (spec.name, init, seed) and (
            r.data.fingerprint == dsd.fingerprint and r.recipe == recipe
        ):
            return path, r
    return None


def efficiency(
    models: Sequence[tuple[ModelSpec, str]],
    dsd: Dataset,
    report: EfficiencyReport,
    output: Path,
    *,
    cache: CheckpointCache,
    device: str = "cpu",
    vocab_dir: Any = None,
    quiet: bool = True,
    full_from: Sequence[tuple[str, RunResult]] = (),
) -> EfficiencyReport:
    """Train and score every (model, size, seed) cell not yet in ``report``, saving it after
    each; ``complete`` at the end."""
    sizes = sorted(report.grid["sizes"], key=lambda s: (s != ALL, -s if isinstance(s, int) else 0))
    y_true = report.y_true
    labels = tuple(report.labels)
    train_labels = list(dsd["train"]["label"])
    for spec, init in models:
        init_used = backend_for(spec).init_label(init)
        for seed in report.grid["seeds"]:
            rows_of = nested_subsets(train_labels, sizes, seed)
            for size in sizes:
                if (spec.name, init_used, size, seed) in report.done():
                    continue
                rows = rows_of[size]
                found = (
                    _from_results(full_from, spec, init_used, seed, dsd) if size == ALL else None
                )
                if found is not None:
                    path, r = found
                    y_pred = [int(p) for p in r.predictions["y_pred"]]
                    train_s, source = r.training.wall_s, path
                else:
                    entry, _, _ = train_checkpoint(
                        spec,
                        init,
                        RecipeRequest(seed=seed),
                        subset(dsd, rows),
                        cache=cache,
                        device=device,
                        vocab_dir=vocab_dir,
                        quiet=quiet,
                    )
                    outcome = json.loads((entry / "test_predictions.json").read_text())
                    y_pred = [int(p) for p in outcome["y_pred"]]
                    train_s = float(json.loads((entry / "training.json").read_text())["wall_s"])
                    source = "trained"
                m = compute_metrics(y_true, y_pred, labels)
                report.cells.append(
                    EfficiencyCell(
                        model=spec.name,
                        init=init_used,
                        size=size,
                        rows=len(rows),
                        seed=seed,
                        accuracy=m.accuracy,
                        macro_f1=m.macro_f1,
                        train_s=train_s,
                        y_pred=y_pred,
                        source=source,
                    )
                )
                log.info("%s size %s seed %s: macro-F1 %.4f", spec.name, size, seed, m.macro_f1)
                report.save(output)
    report.complete = True
    report.save(output)
    return report
