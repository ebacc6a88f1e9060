"""Deployment variants for CPU-only devices: ONNX Runtime and dynamic int8, with their costs.

Each model is run four ways on the CPU: ``torch-fp32`` (the reference), ``onnx-fp32`` (the
model exported to ONNX, run with ONNX Runtime), ``onnx-int8`` (that graph after ONNX Runtime's
dynamic int8 quantization) and ``torch-int8`` (torch's dynamic int8 quantization of every
``nn.Linear``). For each: size on disk, batch-1 latency of the model call on pre-tokenized test
tweets (the rule of ``emobench run``), and test accuracy / macro-F1 with their change against
``torch-fp32`` in points. Needs the optional extra: ``pip install 'emobench[onnx]'``.

    emobench deploy --checkpoint runs/bert-tiny --data-dir ../shared/data/emotion \\
        --output results/deploy-cpu.json
    python -m emobench_core.deploy --models bert-tiny --vocab-dir VOCAB --output deploy.json
"""

from __future__ import annotations

import argparse
import contextlib
import inspect
import io
import logging
import os
import sys
import tempfile
import warnings
from collections.abc import Callable, Iterator, Sequence
from dataclasses import asdict, dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from .config import Recipe
from .data import DataError, fingerprint, load_emotion
from .efficiency import LatencyStats, dir_size_bytes, measure_latency
from .evaluation import compute_metrics
from .pipeline import LATENCY_INPUTS, LatencySettings, load_checkpoint
from .registry import RegistryError, build_model, parse_models
from .results import ResultsError, environment, git_commit, read_json, write_json_atomic

__all__ = [
    "VARIANTS",
    "DeployError",
    "DeployReport",
    "DeployRow",
    "MissingExtraError",
    "OnnxVariant",
    "TorchVariant",
    "Variant",
    "add_arguments",
    "build_variants",
    "evaluate_variants",
    "export_onnx",
    "load_deploy",
    "main",
    "markdown_rows",
    "measure_deployments",
    "quantize_onnx_int8",
    "run",
    "torch_int8",
    "with_deltas",
]

SCHEMA_NAME = "emobench.deploy"
SCHEMA_VERSION = 1
REFERENCE = "torch-fp32"
VARIANTS: tuple[str, ...] = (REFERENCE, "onnx-fp32", "onnx-int8", "torch-int8")
EXTRA_HINT = "ONNX export needs the optional extra: pip install 'emobench[onnx]'"
OPSET = 18
"""The dynamo exporter's lowest supported opset; ONNX Runtime >= 1.16 runs it."""
INPUT_NAMES: tuple[str, ...] = ("input_ids", "attention_mask", "token_type_ids")
FINE_TUNED = "fine-tuned"
RANDOM = "random"
CHECK_TEXTS: tuple[str, ...] = (
    "i feel happy today",
    "i am so angry that nobody listened to me at the meeting again",
    "scared",
)
"""Export check batch: different lengths, so it is padded and the attention mask matters."""

# Warnings raised inside the exporter that say nothing about the exported graph (torch 2.13):
_EXPORT_NOISE: tuple[tuple[type[Warning], str], ...] = (
    # torch.export's own pytree code calls an isinstance check it has deprecated
    (FutureWarning, r"`isinstance\(treespec, LeafSpec\)` is deprecated"),
    # every input names its axes "batch"/"sequence"; the exporter merges equal names and says so
    (UserWarning, r"# The axis name: .* will not be used"),
)
# torch.ao.quantization is deprecated in favour of torchao (a GPU-first extra package), but
# still ships and works in torch 2.13; these are its deprecation notices, nothing else:
_TORCH_INT8_NOISE: tuple[tuple[type[Warning], str], ...] = (
    (DeprecationWarning, r"torch\.ao\.quantization is deprecated"),
    (UserWarning, r"torch\.quantize_per_tensor, torch\.quantize_per_channel .* deprecated"),
)


class DeployError(RuntimeError):
    """A deployment variant that cannot be trusted (e.g. ONNX logits differ from torch's)."""


class MissingExtraError(ImportError):
    """onnx / onnxruntime are not installed (the ``emobench[onnx]`` extra)."""


def require_extra() -> None:
    """Raise :class:`MissingExtraError` (with the pip command) unless onnx and ORT import."""
    try:
        import onnx  # noqa: F401
        import onnxruntime  # noqa: F401
        import onnxscript  # noqa: F401  the dynamo exporter's graph builder
    except ImportError as exc:
        raise MissingExtraError(EXTRA_HINT) from exc


@contextlib.contextmanager
def _ignoring(noise: Sequence[tuple[type[Warning], str]]) -> Iterator[None]:
    with warnings.catch_warnings():
        for category, message in noise:
            warnings.filterwarnings("ignore", message=message, category=category)
        yield


@contextlib.contextmanager
def _quiet_logger(name: str | None, level: int = logging.ERROR) -> Iterator[None]:
    """Raise ``name``'s log level for the block (library chatter such as "torchvision is not
    installed" from the exporter, or ORT quantization's pre-processing advice)."""
    logger = logging.getLogger(name)
    before = logger.level
    logger.setLevel(level)
    try:
        yield
    finally:
        logger.setLevel(before)


def _atomic_target(path: Path) -> Path:
    """A fresh temporary ``.onnx`` beside ``path`` (same folder, so ``os.replace`` is atomic)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp.onnx", dir=path.parent)
    os.close(fd)
    return Path(tmp)


@contextlib.contextmanager
def _atomic_file(path: Path) -> Iterator[Path]:
    """Yield a temporary path; on success rename it over ``path``, on any error delete it."""
    tmp = _atomic_target(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


# ---------------------------------------------------------------------------- inputs


def input_names(model: Any) -> tuple[str, ...]:
    """The tokenizer outputs ``model.forward`` takes: DistilBERT has no ``token_type_ids``."""
    params = inspect.signature(model.forward).parameters
    return tuple(n for n in INPUT_NAMES if n in params)


def encode(
    tokenizer: Any, texts: Sequence[str], names: Sequence[str], max_length: int
) -> dict[str, np.ndarray]:
    """``texts`` padded to the longest, truncated to ``max_length``: int64 arrays by name."""
    enc = tokenizer(
        list(texts), padding=True, truncation=True, max_length=max_length, return_tensors="np"
    )
    return {n: np.asarray(enc[n], dtype=np.int64) for n in names}


# ---------------------------------------------------------------------------- export


def _logits_module(model: Any, names: Sequence[str]) -> Any:
    """``model`` as a module of positional input tensors returning only the logits."""
    import torch

    class LogitsOnly(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.model = model

        def forward(self, *tensors: torch.Tensor) -> torch.Tensor:
            return self.model(**dict(zip(names, tensors, strict=True))).logits

    return LogitsOnly().eval()


def _torch_logits(model: Any, inputs: dict[str, np.ndarray]) -> np.ndarray:
    import torch

    with torch.inference_mode():
        out = model(**{k: torch.from_numpy(v) for k, v in inputs.items()}).logits
    return np.asarray(out.float().numpy())


def _onnx_logits(path: Path, inputs: dict[str, np.ndarray]) -> np.ndarray:
    return np.asarray(ort_session(path, threads=1).run(["logits"], inputs)[0])


def _check_export(
    model: Any, path: Path, batches: Sequence[dict[str, np.ndarray]], atol: float
) -> None:
    for inputs in batches:
        ref, got = _torch_logits(model, inputs), _onnx_logits(path, inputs)
        diff = float(np.max(np.abs(ref - got))) if ref.shape == got.shape else float("inf")
        if not diff <= atol:
            raise DeployError(
                f"the ONNX export of {type(model).__name__} disagrees with torch on a batch of "
                f"shape {inputs['input_ids'].shape}: max |logit difference| {diff:.3g} > {atol:g} "
                f"(shapes {ref.shape} vs {got.shape}); the graph was not written. Check the "
                "onnxruntime / torch versions, or report the model"
            )


def export_onnx(
    model: Any,
    tokenizer: Any,
    path: str | Path,
    *,
    max_length: int = Recipe().max_length,
    check_texts: Sequence[str] = CHECK_TEXTS,
    atol: float = 1e-4,
) -> Path:
    """Export a sequence classifier to one ONNX file with dynamic batch and sequence axes.

    Uses the ``torch.export``-based exporter (``dynamo=True``, opset :data:`OPSET`): the
    TorchScript exporter is deprecated in torch 2.13 and its tracer freezes the Python
    branches transformers takes on the attention mask (it warns "might not generalize"),
    while ``torch.export`` captures them with shape guards. Inputs are ``input_ids``,
    ``attention_mask`` and (if the model takes them) ``token_type_ids``, int64
    ``[batch, sequence]``; the output is ``logits`` ``[batch, num_labels]``. Weights are stored
    inside the file (models under 2 GB).

    Before the file appears, ONNX Runtime's logits are compared with torch's on a padded batch
    of ``check_texts`` and on one text alone; the file is written to a temporary name and
    renamed, so a failed export or check leaves nothing behind.

    Raises:
        MissingExtraError: onnx / onnxruntime / onnxscript are not installed.
        DeployError: ONNX Runtime's logits differ from torch's by more than ``atol``.
    """
    import torch

    require_extra()
    path = Path(path)
    model.eval()
    names = input_names(model)
    batches = [encode(tokenizer, check_texts, names, max_length)]
    batches.append(encode(tokenizer, check_texts[:1], names, max_length))
    example = tuple(torch.from_numpy(batches[0][n]) for n in names)
    axes = {0: "batch", 1: "sequence"}
    with _atomic_file(path) as tmp:
        with _ignoring(_EXPORT_NOISE), _quiet_logger("torch.onnx"):
            torch.onnx.export(
                _logits_module(model, names),
                example,
                str(tmp),
                input_names=list(names),
                output_names=["logits"],
                dynamic_shapes=(tuple(axes for _ in names),),  # one entry: the *tensors
                opset_version=OPSET,
                dynamo=True,
                external_data=False,
                verbose=False,
            )
        _check_export(model, tmp, batches, atol)
    return path


def quantize_onnx_int8(src: str | Path, dst: str | Path, *, per_channel: bool = False) -> Path:
    """ONNX Runtime dynamic quantization of ``src``: int8 weights (``MatMul``, ``Gather``),
    activations quantized at run time; written atomically to ``dst``.

    ``per_channel`` is off: on a fine-tuned bert-tiny (random init, 3 epochs) it left the
    agreement with fp32 at 99.9 % of test predictions, moved accuracy by 0.1 points (down)
    and added 12 KB. Signed int8 weights with unsigned activations can saturate on x86
    CPUs without VNNI; the accuracy change in the report shows whether it mattered.
    """
    require_extra()
    from onnxruntime.quantization import QuantType, quantize_dynamic

    dst = Path(dst)
    with _atomic_file(dst) as tmp, _quiet_logger(None):  # root: "consider pre-processing"
        quantize_dynamic(Path(src), tmp, weight_type=QuantType.QInt8, per_channel=per_channel)
    return dst


def torch_int8(model: Any) -> Any:
    """A copy of ``model`` with every ``nn.Linear`` replaced by a dynamically quantized int8
    one (weights int8, activations quantized per call); embeddings stay fp32.

    Uses ``torch.ao.quantization.quantize_dynamic``, which torch deprecates in favour of the
    separate ``torchao`` package but still ships and runs in torch 2.13. Its two deprecation
    notices (the module's, and that of the quantized tensor types it creates) are silenced
    here by their exact text; any other warning passes through.
    """
    import torch

    with _ignoring(_TORCH_INT8_NOISE):
        from torch.ao.quantization import quantize_dynamic

        return quantize_dynamic(model.eval(), {torch.nn.Linear}, dtype=torch.qint8, inplace=False)


# ---------------------------------------------------------------------------- sizes


def onnx_size_bytes(path: str | Path) -> int:
    """Bytes of an ONNX model on disk: the ``.onnx`` file and any external data files."""
    import onnx
    from onnx.external_data_helper import ExternalDataInfo, uses_external_data

    path = Path(path)
    proto = onnx.load(str(path), load_external_data=False)
    extra = {ExternalDataInfo(t).location for t in proto.graph.initializer if uses_external_data(t)}
    return dir_size_bytes(path) + sum(dir_size_bytes(path.parent / name) for name in extra)


def safetensors_size_bytes(model: Any, folder: Path) -> int:
    """Bytes of the ``*.safetensors`` weights ``model.save_pretrained(folder)`` writes."""
    model.save_pretrained(str(folder))
    files = list(folder.glob("*.safetensors"))
    if not files:
        raise DeployError(f"save_pretrained wrote no *.safetensors file in {folder}")
    return sum(f.stat().st_size for f in files)


def state_dict_size_bytes(model: Any, path: Path) -> int:
    """Bytes of ``torch.save(model.state_dict())`` (how a torch-int8 model is stored)."""
    import torch

    buffer = io.BytesIO()
    torch.save(model.state_dict(), buffer)
    path.write_bytes(buffer.getvalue())
    return path.stat().st_size


# ---------------------------------------------------------------------------- variants


class Variant(Protocol):
    """One way to run a model: its name, size on disk and logits on raw texts."""

    name: str
    size_bytes: int

    def logits(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray: ...

    def forward_batch1(self, texts: Sequence[str]) -> Callable[[int], Any]: ...


@dataclass
class _Runner:
    """Shared tokenization and batching; subclasses run one encoded batch."""

    name: str
    size_bytes: int
    tokenizer: Any
    names: tuple[str, ...]
    max_length: int

    def _prepare(self, inputs: dict[str, np.ndarray]) -> Any:
        return inputs

    def _call(self, prepared: Any) -> np.ndarray:
        raise NotImplementedError

    def logits(self, texts: Sequence[str], *, batch_size: int = 64) -> np.ndarray:
        """Logits of ``texts`` in input order (batched by length, padded per batch)."""
        order = np.argsort([len(t) for t in texts], kind="stable")
        out: list[np.ndarray] = [np.empty(0)] * len(texts)
        for start in range(0, len(texts), batch_size):
            idx = order[start : start + batch_size]
            enc = encode(self.tokenizer, [texts[i] for i in idx], self.names, self.max_length)
            for i, row in zip(idx, self._call(self._prepare(enc)), strict=True):
                out[i] = row
        return np.stack(out).astype(np.float32)

    def forward_batch1(self, texts: Sequence[str]) -> Callable[[int], Any]:
        """``f(i)`` for :func:`measure_latency`: the model call alone on the i-th of the first
        :data:`LATENCY_INPUTS` texts (cycled), each tokenized beforehand, as ``emobench run``."""
        sample = list(texts[:LATENCY_INPUTS])
        if not sample:
            raise ValueError("no texts to time the model on")
        inputs = [
            self._prepare(encode(self.tokenizer, [t], self.names, self.max_length)) for t in sample
        ]
        return lambda i: self._call(inputs[i % len(inputs)])


@dataclass
class TorchVariant(_Runner):
    """A torch model (fp32 or dynamically quantized) under ``torch.inference_mode``."""

    model: Any = None

    def _prepare(self, inputs: dict[str, np.ndarray]) -> Any:
        import torch

        return {k: torch.from_numpy(v) for k, v in inputs.items()}

    def _call(self, prepared: Any) -> np.ndarray:
        import torch

        with torch.inference_mode():
            return np.asarray(self.model(**prepared).logits.numpy())


@dataclass
class OnnxVariant(_Runner):
    """An ONNX graph on an ONNX Runtime CPU session."""

    session: Any = None

    def _call(self, prepared: Any) -> np.ndarray:
        return np.asarray(self.session.run(["logits"], prepared)[0])


def ort_session(path: str | Path, *, threads: int) -> Any:
    """A CPU session with ``threads`` intra-op threads, one inter-op thread and every graph
    optimization on (as a CPU deployment would run it)."""
    import onnxruntime as ort

    opts = ort.SessionOptions()
    opts.intra_op_num_threads = threads
    opts.inter_op_num_threads = 1
    opts.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    opts.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    opts.log_severity_level = 3  # errors only: no notes on removed initializers
    return ort.InferenceSession(str(path), opts, providers=["CPUExecutionProvider"])


def build_variants(
    model: Any,
    tokenizer: Any,
    folder: str | Path,
    *,
    threads: int,
    max_length: int = Recipe().max_length,
) -> list[Variant]:
    """The four :data:`VARIANTS` of ``model``, their files written under ``folder``."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.eval()
    names = input_names(model)
    common = {"tokenizer": tokenizer, "names": names, "max_length": max_length}
    fp32 = export_onnx(model, tokenizer, folder / "model.onnx", max_length=max_length)
    int8 = quantize_onnx_int8(fp32, folder / "model.int8.onnx")
    qmodel = torch_int8(model)
    return [
        TorchVariant(
            REFERENCE, safetensors_size_bytes(model, folder / REFERENCE), model=model, **common
        ),
        OnnxVariant(
            "onnx-fp32", onnx_size_bytes(fp32), session=ort_session(fp32, threads=threads), **common
        ),
        OnnxVariant(
            "onnx-int8", onnx_size_bytes(int8), session=ort_session(int8, threads=threads), **common
        ),
        TorchVariant(
            "torch-int8",
            state_dict_size_bytes(qmodel, folder / "torch-int8.pt"),
            model=qmodel,
            **common,
        ),
    ]


# ---------------------------------------------------------------------------- rows


def _points(value: float | None, reference: float | None) -> float | None:
    return None if value is None or reference is None else 100.0 * (value - reference)


@dataclass(frozen=True)
class DeployRow:
    """One model run one way: size, batch-1 latency, and test quality against torch-fp32."""

    model: str
    init: str
    """``fine-tuned`` (a checkpoint) or ``random`` (architecture only: latency and size)."""
    variant: str
    size_mb: float
    """On disk, in MB (10**6 bytes): safetensors, ``torch.save`` state dict, or ONNX files."""
    latency_b1: LatencyStats
    """The model call at batch 1 on pre-tokenized test tweets (tokenizer excluded)."""
    threads: int
    accuracy: float | None = None
    macro_f1: float | None = None
    delta_accuracy_pts: float | None = None
    """``100 * (accuracy - accuracy of torch-fp32)``: percentage points."""
    delta_macro_f1_pts: float | None = None
    agreement: float | None = None
    """Share of test predictions equal to torch-fp32's."""

    def __post_init__(self) -> None:
        if self.variant not in VARIANTS:
            raise ValueError(f"`variant` ({self.variant!r}) must be one of {', '.join(VARIANTS)}")
        if self.size_mb < 0 or self.threads < 1:
            raise ValueError(
                f"`size_mb` ({self.size_mb}) must be >= 0 and `threads` ({self.threads}) >= 1"
            )

    @property
    def label(self) -> str:
        return self.model if self.init == FINE_TUNED else f"{self.model} ({self.init})"

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DeployRow:
        return cls(**{**data, "latency_b1": LatencyStats(**data["latency_b1"])})


def with_deltas(rows: Sequence[DeployRow]) -> list[DeployRow]:
    """``rows`` with accuracy / macro-F1 deltas (points) against the same model's torch-fp32."""
    refs = {(r.model, r.init): r for r in rows if r.variant == REFERENCE}
    out = []
    for r in rows:
        ref = refs.get((r.model, r.init))
        acc = ref.accuracy if ref else None
        f1 = ref.macro_f1 if ref else None
        out.append(
            replace(
                r,
                delta_accuracy_pts=_points(r.accuracy, acc),
                delta_macro_f1_pts=_points(r.macro_f1, f1),
            )
        )
    return out


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
    """Measure the four :data:`VARIANTS` of one model on the test ``texts``.

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
    if isinstance(source, tuple):
        model, tokenizer = source
        name = name or str(model.config.model_type)
        init = init or RANDOM
    else:
        model, tokenizer = load_checkpoint(Path(source))
        name = name or checkpoint_name(Path(source))
        init = init or FINE_TUNED
    previous = torch.get_num_threads()
    torch.set_num_threads(threads)
    try:
        variants = build_variants(
            model, tokenizer, Path(workdir) / name, threads=threads, max_length=max_length
        )
        rows, reference = [], None
        for v in variants:
            stats, preds = _measure(v, texts, labels if with_accuracy else None, settings)
            row = DeployRow(name, init, v.name, v.size_bytes / 1e6, stats, threads)
            if preds is not None and labels is not None:
                reference = preds if reference is None else reference
                m = compute_metrics(list(labels), preds.tolist())
                agree = float(np.mean(preds == reference))
                row = replace(row, accuracy=m.accuracy, macro_f1=m.macro_f1, agreement=agree)
            rows.append(row)
    finally:
        torch.set_num_threads(previous)
    return with_deltas(rows)


# ---------------------------------------------------------------------------- report


@dataclass(frozen=True, kw_only=True)
class DeployReport:
    """What ``emobench deploy`` measured, on which machine, under which rule."""

    schema: str = SCHEMA_NAME
    schema_version: int = SCHEMA_VERSION
    device: str = "cpu"
    threads: int
    environment: dict[str, Any]
    rule: dict[str, float]
    """The batch-1 latency rule: ``warmup``, ``min_iters``, ``min_seconds``."""
    max_length: int = Recipe().max_length
    data_fingerprint: str | None = None
    """Of the dataset accuracy was measured on; ``None`` when no row has an accuracy."""
    export: dict[str, Any]
    """How the variants were made: exporter, opset, quantization settings."""
    rows: list[DeployRow]

    def __post_init__(self) -> None:
        if self.threads < 1:
            raise ValueError(f"`threads` ({self.threads}) must be >= 1")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Any, *, origin: str = "<dict>") -> DeployReport:
        fix = f"re-create it with `emobench deploy --output {origin}`"
        if not isinstance(data, dict):
            raise ResultsError(
                f"{origin} holds a JSON {type(data).__name__}, not a deploy report; {fix}"
            )
        if data.get("schema") != SCHEMA_NAME or data.get("schema_version") != SCHEMA_VERSION:
            raise ResultsError(
                f"{origin} is not an emobench deploy report of schema version {SCHEMA_VERSION} "
                f"(found schema={data.get('schema')!r}, version={data.get('schema_version')!r}); "
                f"{fix}, or pass the file written by `emobench deploy`"
            )
        try:
            return cls(**{**data, "rows": [DeployRow.from_dict(r) for r in data["rows"]]})
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ResultsError(f"{origin} has a malformed deploy report ({exc}); {fix}") from exc

    def save(self, path: str | Path) -> Path:
        """Write the report to ``path`` atomically and return the path."""
        write_json_atomic(path, self.to_dict())
        return Path(path)


def load_deploy(path: str | Path) -> DeployReport:
    """Read a report written by :meth:`DeployReport.save` (``emobench deploy --output``)."""
    path = Path(path)
    make = f"create it with `emobench deploy --output {path}`"
    data = read_json(path, missing=f"no deploy report at {path}; {make}", remake=f"re-{make}")
    return DeployReport.from_dict(data, origin=str(path))


MARKDOWN_HEADERS: tuple[str, ...] = (
    "model",
    "variant",
    "size (MB)",
    "p50 b1 (ms)",
    "p90 b1 (ms)",
    "p99 b1 (ms)",
    "accuracy",
    "Δ accuracy (pts)",
    "macro-F1",
    "Δ macro-F1 (pts)",
)


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def markdown_rows(report: DeployReport) -> tuple[list[str], list[list[str]]]:
    """``(headers, rows)`` for the leaderboard: one row per model and variant; quality with 4
    decimals, changes in points with 2, milliseconds with 3, ``—`` where not measured."""
    rows = [
        [
            r.label,
            r.variant,
            f"{r.size_mb:.1f}",
            f"{r.latency_b1.p50_ms:.3f}",
            f"{r.latency_b1.p90_ms:.3f}",
            f"{r.latency_b1.p99_ms:.3f}",
            _fmt(r.accuracy, ".4f"),
            _fmt(r.delta_accuracy_pts, "+.2f"),
            _fmt(r.macro_f1, ".4f"),
            _fmt(r.delta_macro_f1_pts, "+.2f"),
        ]
        for r in report.rows
    ]
    return list(MARKDOWN_HEADERS), rows


# ---------------------------------------------------------------------------- orchestration


def checkpoint_name(path: Path) -> str:
    """Row name of a checkpoint folder: its name (its parent's for a ``.../model`` folder)."""
    path = path.resolve()
    return path.parent.name if path.name == "model" else path.name


def check_checkpoint(path: str | Path) -> Path:
    """``path`` if it holds a checkpoint as :func:`~emobench_core.pipeline.load_checkpoint`
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
        "per_channel=False)",
        "torch_int8": "torch.ao.quantization.quantize_dynamic({nn.Linear}, dtype=qint8)",
        "ort_session": "CPUExecutionProvider, intra_op=threads, inter_op=1, ORT_ENABLE_ALL",
    }


def measure_deployments(
    *,
    checkpoints: Sequence[str | Path] = (),
    models: str | Sequence[str] = (),
    data_dir: str | Path | None = None,
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
    folders = [check_checkpoint(c) for c in checkpoints]
    specs = parse_models(models) if models else []
    for spec in specs:
        if not spec.is_transformer or spec.config is None:
            raise RegistryError(
                f"{spec.name!r} cannot be exported with random weights: --models takes "
                "transformer architectures of the registry; pass a fine-tuned folder with "
                "--checkpoint instead"
            )
    if not folders and not specs:
        raise ValueError("nothing to deploy: pass --checkpoint DIR and/or --models NAMES")
    if threads < 1:
        raise ValueError(f"`threads` ({threads}) must be >= 1, e.g. 2")
    dsd = load_emotion(data_dir)
    texts, labels = list(dsd["test"]["text"]), list(dsd["test"]["label"])
    rows: list[DeployRow] = []
    with contextlib.ExitStack() as stack:
        work = Path(
            workdir or stack.enter_context(tempfile.TemporaryDirectory(prefix="emobench-deploy-"))
        )
        for folder in folders:
            rows += evaluate_variants(
                folder, texts, labels, threads=threads, workdir=work, settings=settings
            )
        for spec in specs:
            model, tokenizer, _ = build_model(spec, "random", vocab_dir=vocab_dir)
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


# ---------------------------------------------------------------------------- command line


def add_arguments(p: argparse.ArgumentParser) -> None:
    """The options of ``emobench deploy`` (for a subparser of the main CLI, or :func:`main`)."""
    default = LatencySettings()
    p.add_argument(
        "--checkpoint",
        action="append",
        default=[],
        type=Path,
        metavar="DIR",
        help="fine-tuned checkpoint folder (from `emobench train --output DIR`); repeatable; "
        "measured with test accuracy; default: none",
    )
    p.add_argument(
        "--models",
        default="",
        help="comma-separated registry architectures with random weights (latency and size "
        "only); default: none",
    )
    p.add_argument("--output", type=Path, required=True, help="JSON report to write (required)")
    p.add_argument(
        "--data-dir", help="emotion splits folder; default: $EMOBENCH_DATA_DIR, else the hub"
    )
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
    p.add_argument("--warmup", type=int, default=default.warmup, help=f"default: {default.warmup}")
    p.add_argument(
        "--min-iters", type=int, default=default.min_iters, help=f"default: {default.min_iters}"
    )
    p.add_argument(
        "--min-seconds",
        type=float,
        default=default.min_seconds,
        help=f"default: {default.min_seconds}",
    )


def run(ns: argparse.Namespace) -> int:
    """Run ``emobench deploy`` for parsed options; 2 on bad input, with one line on stderr."""
    try:
        report = measure_deployments(
            checkpoints=ns.checkpoint,
            models=ns.models,
            data_dir=ns.data_dir,
            vocab_dir=ns.vocab_dir,
            threads=ns.threads,
            settings=LatencySettings(ns.warmup, ns.min_iters, ns.min_seconds),
            workdir=ns.workdir,
        )
        report.save(ns.output)
    except (
        MissingExtraError,
        DeployError,
        DataError,
        RegistryError,
        ResultsError,
        OSError,
        ValueError,
    ) as exc:
        print(f"emobench deploy: error: {exc}", file=sys.stderr)
        return 2
    from tabulate import tabulate

    headers, rows = markdown_rows(report)
    print(tabulate(rows, headers=headers, disable_numparse=True))
    print(f"threads: {report.threads}; latency rule: {report.rule}; wrote {ns.output}")
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """``emobench deploy``: ONNX Runtime and int8 variants of each model, measured."""
    p = argparse.ArgumentParser(prog="emobench deploy", description=__doc__.splitlines()[0])
    add_arguments(p)
    return run(p.parse_args(argv))


if __name__ == "__main__":
    sys.exit(main())
