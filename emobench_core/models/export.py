"""The files a model is deployed as: an ONNX export (checked against torch before it is written),
its ONNX Runtime dynamic int8 quantization, torch's dynamic int8 quantization, and the ONNX
Runtime CPU session that runs a graph. Needs the optional extra: ``pip install 'emobench[onnx]'``.
:mod:`~.variants` wraps them as runnable variants; :mod:`~emobench_core.scenarios.deploy` measures
them.

    emobench deploy --checkpoint runs/bert-tiny --output results/deploy-cpu.json
"""

from __future__ import annotations

import contextlib
import inspect
import logging
import os
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from emobench_core.config import Recipe
from emobench_core.errors import DeployError, MissingExtraError
from emobench_core.measure.hardware import int8_reduce_range

EXTRA_HINT = "ONNX export needs the optional extra: pip install 'emobench[onnx]'"
OPSET = 18
"""The dynamo exporter's lowest supported opset; ONNX Runtime >= 1.16 runs it."""
INPUT_NAMES: tuple[str, ...] = ("input_ids", "attention_mask", "token_type_ids")
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
        # onnx_ir logs every initializer its passes merge (INFO): chatter, not the graph's state
        with _ignoring(_EXPORT_NOISE), _quiet_logger("torch.onnx"), _quiet_logger("onnx_ir"):
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


def quantize_onnx_int8(
    src: str | Path,
    dst: str | Path,
    *,
    per_channel: bool = False,
    reduce_range: bool | None = None,
) -> Path:
    """ONNX Runtime dynamic quantization of ``src``: int8 weights (``MatMul``, ``Gather``),
    activations quantized at run time; written atomically to ``dst``.

    ``per_channel`` is off: on a fine-tuned bert-tiny (random init, 3 epochs) it left the
    agreement with fp32 at 99.9 % of test predictions, moved accuracy by 0.1 points (down)
    and added 12 KB. ``reduce_range`` (7-bit weights): ``None`` sets it on an x86 CPU without
    VNNI (:func:`~emobench_core.measure.hardware.int8_reduce_range`), where unsigned int8
    activations times signed int8 weights saturate; the int8 variant is measured on the machine
    that quantizes it, so it is made for that machine.
    """
    require_extra()
    from onnxruntime.quantization import QuantType, quantize_dynamic

    if reduce_range is None:
        reduce_range = int8_reduce_range()
    dst = Path(dst)
    with _atomic_file(dst) as tmp, _quiet_logger(None):  # root: "consider pre-processing"
        quantize_dynamic(
            Path(src),
            tmp,
            weight_type=QuantType.QInt8,
            per_channel=per_channel,
            reduce_range=reduce_range,
        )
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


# ---------------------------------------------------------------------------- session


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
