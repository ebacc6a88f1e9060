"""Deployment variants for CPU-only devices: ONNX Runtime and dynamic int8, with their costs.

Each model is run five ways on the CPU: ``torch-fp32`` (the reference), ``onnx-fp32`` (the
model exported to ONNX, run with ONNX Runtime), ``onnx-int8`` (that graph after ONNX Runtime's
dynamic int8 quantization), ``torch-int8`` (torch's dynamic int8 quantization of every
``nn.Linear``) and ``torch-bf16`` (bf16 weights and activations). For each: size on disk,
batch-1 latency of the model call on pre-tokenized test
tweets (the rule of ``emobench run``), and test accuracy / macro-F1 with their change against
``torch-fp32`` in points. Needs the optional extra: ``pip install 'emobench[onnx]'``.

    emobench deploy --checkpoint runs/bert-tiny --data-dir ../shared/data/emotion \\
        --output results/deploy-cpu.json
    emobench deploy --models bert-tiny --vocab-dir VOCAB --output deploy.json

The variants are made in :mod:`~.deploy_export`; the rows and report are in
:mod:`~.deploy_results`. This module measures them; its command line is ``emobench deploy``
(:mod:`emobench_core.cli.deploy`).
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Sequence
from dataclasses import asdict, replace
from pathlib import Path
from typing import Any

import numpy as np

from emobench_core.config import Recipe
from emobench_core.data.fingerprint import fingerprint, label_names
from emobench_core.data.loading import load_data
from emobench_core.data.source import DataRequest
from emobench_core.errors import (
    DeployError,
    MissingExtraError,
    RegistryError,
)
from emobench_core.measure.environment import environment, git_commit
from emobench_core.measure.hardware import int8_reduce_range
from emobench_core.measure.latency import LatencySettings, measure_latency
from emobench_core.metrics.evaluation import compute_metrics
from emobench_core.models.backends.capabilities import EXPORT, RANDOM_INIT, supports
from emobench_core.models.backends.transformer import load_checkpoint
from emobench_core.models.export import (
    OPSET,
    export_onnx,
    quantize_onnx_int8,
    require_extra,
    torch_int8,
)
from emobench_core.models.loading import build_model
from emobench_core.models.registry import backend_for, parse_models
from emobench_core.models.variants import OnnxVariant, TorchVariant, Variant, build_variants
from emobench_core.schema.deploy import (
    FINE_TUNED,
    RANDOM,
    VARIANTS,
    DeployReport,
    DeployRow,
    load_deploy,
    with_deltas,
)
from emobench_core.schema.records import LatencyStats

__all__ = [
    "VARIANTS",
    "DeployError",
    "DeployReport",
    "DeployRow",
    "MissingExtraError",
    "OnnxVariant",
    "TorchVariant",
    "Variant",
    "build_variants",
    "evaluate_variants",
    "export_onnx",
    "load_deploy",
    "measure_deployments",
    "quantize_onnx_int8",
    "torch_int8",
    "with_deltas",
]


def _measure(
    variant: Variant,
    texts: Sequence[str],
    labels: Sequence[int] | None,
    settings: LatencySettings,
) -> tuple[LatencyStats, np.ndarray | None]:
    stats = measure_latency(variant.forward_batch1(texts), **asdict(settings))
    preds = None if labels is None else variant.logits(texts).argmax(-1)
    return stats, preds


def evaluate_variants(
    source: str | Path | tuple[Any, Any],
    texts: Sequence[str],
    labels: Sequence[int] | None = None,
    *,
    threads: int = 2,
    workdir: str | Path,
    settings: LatencySettings = LatencySettings(),  # noqa: B008  frozen, so safe to share
    with_accuracy: bool = True,
    name: str | None = None,
    init: str | None = None,
    max_length: int = Recipe().max_length,
) -> list[DeployRow]:
    """Measure the :data:`VARIANTS` of one model on the test ``texts``.

    Args:
        source: A fine-tuned checkpoint folder (as ``emobench train --output`` writes it), or
            ``(model, tokenizer)``.
        texts: Test tweets; the first :data:`LATENCY_INPUTS` are timed at batch 1.
        labels: Their label ids, needed when ``with_accuracy``.
        threads: torch threads and ONNX Runtime intra-op threads.
        workdir: Where the exported files go (``workdir/<name>/``).
        with_accuracy: Predict all ``texts`` with every variant; ``False`` for random weights,
            where only latency and size mean anything.
        name, init: Row labels; default: the folder name (or model type) and
            ``fine-tuned`` for a folder, ``random`` for a model object.

    Raises:
        FileNotFoundError: ``source`` is not a checkpoint folder.
        MissingExtraError, DeployError: see :func:`export_onnx`.
    """
    import torch

    require_extra()
    if with_accuracy and (labels is None or len(labels) != len(texts)):
        raise ValueError(
            f"with_accuracy needs one label per text ({len(texts)} texts, "
            f"{'no' if labels is None else len(labels)} labels); pass labels or "
            "with_accuracy=False"
        )
    if threads < 1:
        raise ValueError(f"`threads` ({threads}) must be >= 1")
    checkpoint = None
    if isinstance(source, tuple):
        model, tokenizer = source
        name = name or str(model.config.model_type)
        init = init or RANDOM
    else:
        model, tokenizer = load_checkpoint(Path(source))
        name = name or checkpoint_name(Path(source))
        init = init or FINE_TUNED
        checkpoint = checkpoint_name(Path(source))
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        variants = build_variants(
            model, tokenizer, Path(workdir) / name, threads=threads, max_length=max_length
        )
        rows, reference = [], None
        for v in variants:
            stats, preds = _measure(v, texts, labels if with_accuracy else None, settings)
            row = DeployRow(
                name, init, v.name, v.size_bytes / 1e6, stats, threads, checkpoint=checkpoint
            )
            if preds is not None and labels is not None:
                reference = preds if reference is None else reference
                names = [str(model.config.id2label[i]) for i in range(model.config.num_labels)]
                m = compute_metrics(list(labels), preds.tolist(), names)
                agree = float(np.mean(preds == reference))
                row = replace(row, accuracy=m.accuracy, macro_f1=m.macro_f1, agreement=agree)
            rows.append(row)
    finally:
        torch.set_num_threads(previous)
    return with_deltas(rows)


# ---------------------------------------------------------------------------- orchestration


def checkpoint_name(path: Path) -> str:
    """Row name of a checkpoint folder: its name (its parent's for a ``.../model`` folder)."""
    path = path.resolve()
    return path.parent.name if path.name == "model" else path.name


def parse_checkpoint(arg: str | Path) -> tuple[str | None, Path]:
    """``NAME=DIR`` (a row name for a folder named otherwise, e.g. a cache entry) or ``DIR``."""
    text = str(arg)
    name, sep, folder = text.partition("=")
    if sep and name and "/" not in name:
        return name, Path(folder)
    return None, Path(text)


def check_checkpoint(path: str | Path) -> Path:
    """``path`` if it holds a checkpoint as
    :func:`~emobench_core.models.backends.transformer.load_checkpoint`
    reads it (``config.json`` there or in ``model/``); else :class:`FileNotFoundError`."""
    path = Path(path)
    folder = path / "model" if (path / "model").is_dir() else path
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(
            f"no fine-tuned checkpoint in {path} (expected config.json there or in model/); "
            "pass the folder written by `emobench train --output DIR`"
        )
    return path


def _export_info() -> dict[str, Any]:
    import onnx
    import onnxruntime

    return {
        "exporter": "torch.onnx.export(dynamo=True)",
        "opset": OPSET,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
        "onnx_int8": "onnxruntime.quantization.quantize_dynamic(weight_type=QInt8, "
        f"per_channel=False, reduce_range={int8_reduce_range()})",
        "torch_int8": "torch.ao.quantization.quantize_dynamic({nn.Linear}, dtype=qint8)",
        "ort_session": "CPUExecutionProvider, intra_op=threads, inter_op=1, ORT_ENABLE_ALL",
    }


def measure_deployments(
    *,
    checkpoints: Sequence[str | Path] = (),
    models: str | Sequence[str] = (),
    data_dir: DataRequest | str | Path | None = None,
    vocab_dir: str | Path | None = None,
    threads: int = 2,
    settings: LatencySettings = LatencySettings(),  # noqa: B008  frozen, so safe to share
    workdir: str | Path | None = None,
) -> DeployReport:
    """Every variant of each fine-tuned ``checkpoints`` folder (with test accuracy) and of
    each registry architecture in ``models`` (random weights: latency and size only).

    Every input is checked before anything is exported. Files go to ``workdir`` (kept), or to
    a temporary folder deleted afterwards.

    Raises:
        MissingExtraError, FileNotFoundError, RegistryError, DataError, DeployError.
    """
    require_extra()
    folders = [(name, check_checkpoint(path)) for name, path in map(parse_checkpoint, checkpoints)]
    specs = parse_models(models) if models else []
    for spec in specs:
        backend = backend_for(spec)
        if (
            not (supports(backend, RANDOM_INIT) and supports(backend, EXPORT))
            or spec.config is None
        ):
            raise RegistryError(
                f"{spec.name!r} cannot be exported with random weights: --models takes "
                "transformer architectures of the registry; pass a fine-tuned folder with "
                "--checkpoint instead"
            )
    if not folders and not specs:
        raise ValueError("nothing to deploy: pass --checkpoint DIR and/or --models NAMES")
    if threads < 1:
        raise ValueError(f"`threads` ({threads}) must be >= 1, e.g. 2")
    dsd = load_data(data_dir)
    texts, labels = list(dsd["test"]["text"]), list(dsd["test"]["label"])
    rows: list[DeployRow] = []
    with contextlib.ExitStack() as stack:
        work = Path(
            workdir or stack.enter_context(tempfile.TemporaryDirectory(prefix="emobench-deploy-"))
        )
        for name, folder in folders:
            rows += evaluate_variants(
                folder, texts, labels, threads=threads, workdir=work, settings=settings, name=name
            )
        for spec in specs:
            model, tokenizer, _ = build_model(spec, "random", label_names(dsd), vocab_dir=vocab_dir)
            rows += evaluate_variants(
                (model, tokenizer),
                texts,
                threads=threads,
                workdir=work,
                settings=settings,
                with_accuracy=False,
                name=spec.name,
                init=RANDOM,
            )
    env = environment("cpu")
    env["torch_threads"] = threads
    env["git_commit"] = git_commit(Path(__file__).parent)
    env["load_average_1m"] = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    return DeployReport(
        threads=threads,
        environment=env,
        rule=asdict(settings),
        data_fingerprint=fingerprint(dsd) if folders else None,
        export=_export_info(),
        rows=rows,
    )
