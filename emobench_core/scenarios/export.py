"""Ship a run's fine-tuned model: a folder that ``transformers.pipeline("text-classification",
model=DIR)`` loads with named labels (the SVM: a skops file), and, with the ``onnx`` extra, its
ONNX Runtime int8 variant in ``DIR/onnx-int8/``, measured on the run's test split. Each folder
gets a model card (``README.md``, written by the caller's ``card``). A results JSON names the
checkpoint-cache entry its model came from (``environment.cache_entry``); :func:`find_entry`
finds it in a cache folder.

    emobench export results/cpu/bert-tiny-random-s42-89ce31e7.json --output shipped/bert-tiny
    emobench run --models bert-tiny,tfidf-svm --save-models shipped/ --output runs/
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

import numpy as np

from emobench_core.cache import CheckpointCache
from emobench_core.data.fingerprint import fingerprint
from emobench_core.errors import ExportError
from emobench_core.measure.environment import environment
from emobench_core.measure.latency import LatencySettings, measure_latency
from emobench_core.metrics.evaluation import compute_metrics
from emobench_core.models.backends.capabilities import EXPORT, supports
from emobench_core.models.predict import onnx_variant
from emobench_core.models.registry import backend_of_kind
from emobench_core.models.tokenizer_files import ship_tokenizer
from emobench_core.outputs import Guard, check_output_dir, publish_staged, staging_for
from emobench_core.scenarios.entry_check import check_identity, check_sample, confined
from emobench_core.schema.export import CARD_FILE, INT8, INT8_DIR, MODEL, Exported
from emobench_core.schema.run import NO_INIT, RunResult


def recreate_hint(result: RunResult, cache: CheckpointCache) -> str:
    """The command that trains ``result``'s model again into ``cache`` (same seed and data)."""
    kd = result.distillation
    if kd:
        parts = [f"emobench distill --student {kd.student} --student-init {result.model.init}"]
        parts.append(f"--teacher {kd.teacher} --teacher-init {kd.teacher_init}")
        if kd.teacher_seed is not None and kd.teacher_seed != result.seed:
            parts.append(f"--teacher-seed {kd.teacher_seed}")
    else:
        parts = [f"emobench run --models {result.model.name}"]
        if result.model.init != NO_INIT:  # a kind without an init choice
            parts.append(f"--init {result.model.init}")
    parts.append(f"--seeds {result.seed} --cache-dir {cache.root} --output DIR")
    return (
        f"re-create it with `{' '.join(parts)}` on the run's data (fingerprint "
        f"{result.data.fingerprint[:12]}) and recipe, then export the new results JSON"
    )


def find_entry(result: RunResult, cache: CheckpointCache, source: str | Path = "") -> Path:
    """The intact cache entry that ``result`` names, and that trained ``result``'s run.

    Raises:
        ExportError: the result names none, or a name that is not a plain entry of ``cache``,
            or it is missing from ``cache``, fails its checksums, or records another run's
            training or test predictions (:mod:`.entry_check`); one line naming the run, the
            folder and how to re-create it.
    """
    run = f"run {result.run_id}" + (f" ({source})" if source else "")
    name = result.environment.get("cache_entry")
    if not name:
        raise ExportError(f"{run} names no checkpoint-cache entry; {recreate_hint(result, cache)}")
    folder = confined(name, cache, run)
    problem = cache.verify(str(name))
    if problem == "missing":
        raise ExportError(
            f"{run}: its model, cache entry {name}, is not in {cache.root}; pass --cache-dir "
            f"with the cache that trained it, or {recreate_hint(result, cache)}"
        )
    if problem is not None:
        raise ExportError(
            f"{run}: cache entry {folder} cannot be trusted ({problem}); "
            f"{recreate_hint(result, cache)}"
        )
    check_identity(result, folder, run, recreate_hint(result, cache))
    return folder


def _files(folder: Path) -> tuple[str, ...]:
    return tuple(str(p.relative_to(folder)) for p in sorted(folder.rglob("*")) if p.is_file())


def _as_run_measured(result: RunResult, library: str, folder: Path) -> Exported:
    e = result.efficiency
    return Exported(
        MODEL,
        "",
        library,
        _files(folder),
        result.model.size_on_disk_bytes,
        result.metrics,
        e.latency_b1,
        e.device,
        e.threads,
        str(result.environment.get("gpu_name" if e.device == "cuda" else "cpu_model") or "—"),
    )


def _check_data(result: RunResult, dsd: Any) -> None:
    got = fingerprint(dsd)
    if got != result.data.fingerprint:
        raise ExportError(
            f"the data given (fingerprint {got[:12]}) is not the data run {result.run_id} was "
            f"scored on ({result.data.fingerprint[:12]}, {result.data.source}); pass that data "
            "(--data-dir), or --no-onnx to skip the int8 variant, which is measured on it"
        )


def _measure_int8(result: RunResult, folder: Path, dsd: Any, settings: LatencySettings) -> Exported:
    texts = list(dsd["test"]["text"])
    y_true = [int(y) for y in dsd["test"]["label"]]
    threads = result.efficiency.threads
    variant = onnx_variant(folder, threads=threads)
    preds = variant.logits(texts).argmax(-1)
    reference = np.asarray(result.predictions["y_pred"])
    return Exported(
        INT8,
        INT8_DIR,
        "onnx",
        _files(folder),
        variant.size_bytes,
        compute_metrics(y_true, [int(p) for p in preds], result.labels),
        measure_latency(variant.forward_batch1(texts), **asdict(settings)),
        "cpu",
        threads,
        str(environment("cpu")["cpu_model"]),
        agreement=float(np.mean(preds == reference)),
    )


def export_model(
    result: RunResult,
    entry: Path,
    output: str | Path,
    *,
    card: Callable[[Exported, Sequence[Exported]], str],
    data: Callable[[], Any] | None = None,
    onnx: bool = True,
    settings: LatencySettings = LatencySettings(),  # noqa: B008  frozen, so safe to share
    guard: Guard | None = None,
) -> list[Exported]:
    """Write ``result``'s model from cache ``entry`` to ``output``, each folder with its card.

    Args:
        card: The model card (``README.md``) of one exported folder, given every folder
            shipped (the model's card names its variants).
        data: Returns the run's splits (checked against the run's data fingerprint): the
            shipped weights must predict a sample of its test split as the run did
            (:func:`~.entry_check.check_sample`), and the int8 variant's test metrics and
            agreement are measured on it. ``None``: neither (no int8 variant).
        onnx: Also write the int8 variant where the model kind has one (the ``onnx`` extra
            must be installed).

    The folder is built beside ``output`` and renamed into place: it is whole or absent. An
    existing ``output`` is written only under ``guard``'s rule (:mod:`emobench_core.outputs`:
    an earlier export, recognised by its marker, or ``--overwrite``; only the export's own
    files are replaced).

    Raises:
        ExportError: the data is not the run's.
        OutputError: ``output`` may not be written (a folder of something else, an input...).
        RegistryError: the model cannot be loaded as shipped (e.g. a pickled SVM entry).
        MissingExtraError, DeployError: see :func:`~emobench_core.models.export.export_onnx`.
    """
    backend = backend_of_kind(result.model.kind, f"run {result.run_id}")
    if not supports(backend, EXPORT):
        raise ExportError(
            f"run {result.run_id} is of model kind {result.model.kind!r}, which cannot be "
            "exported (it lacks the 'export' capability)"
        )
    output = Path(output)
    guard = guard or Guard("export")
    check_output_dir(output, guard)
    staging = staging_for(output)
    try:
        backend.export(entry, staging, result.labels)
        shipped = [_as_run_measured(result, backend.library_name, staging)]
        dsd = None
        if data is not None:  # the shipped weights must predict the run's test split as it did
            dsd = data()
            _check_data(result, dsd)
            shipped_model = backend.predictor(staging, result.labels)
            check_sample(
                result,
                shipped_model.scores,
                shipped_model.labels,
                list(dsd["test"]["text"]),
                f"run {result.run_id}",
                recreate_hint(result, CheckpointCache(entry.parent)),
            )
        if onnx and backend.export_int8(entry, staging / INT8_DIR, result.labels) is not None:
            if dsd is None:
                raise ExportError(
                    f"the int8 variant of run {result.run_id} is measured on the run's test "
                    "split: pass its data (--data-dir), or --no-onnx"
                )
            shipped.append(_measure_int8(result, staging / INT8_DIR, dsd, settings))
        for item in shipped:
            ship_tokenizer(staging / item.subfolder)  # the model's limit; no load-time keys
            (staging / item.subfolder / CARD_FILE).write_text(card(item, shipped), encoding="utf-8")
        publish_staged(staging, output, guard)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return shipped
