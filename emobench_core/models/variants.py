"""Runnable deployment variants of one model: ``torch-fp32`` (the reference), ``onnx-fp32``,
``onnx-int8`` and ``torch-int8``, each with its size on disk, logits on raw texts and a batch-1
call for the latency rule. :func:`build_variants` writes the files (through :mod:`~.export`) and
returns the four; :mod:`~emobench_core.scenarios.deploy` measures them. Needs the optional extra:
``pip install 'emobench[onnx]'``.

    emobench deploy --checkpoint runs/bert-tiny --output results/deploy-cpu.json
"""

from __future__ import annotations

import copy
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from emobench_core.config import Recipe
from emobench_core.errors import DeployError
from emobench_core.measure.latency import dir_size_bytes
from emobench_core.models.backends.base import LATENCY_INPUTS
from emobench_core.models.export import (
    encode,
    export_onnx,
    input_names,
    ort_session,
    quantize_onnx_int8,
    torch_int8,
)
from emobench_core.schema.deploy import REFERENCE

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
            return np.asarray(self.model(**prepared).logits.float().numpy())


@dataclass
class OnnxVariant(_Runner):
    """An ONNX graph on an ONNX Runtime CPU session."""

    session: Any = None

    def _call(self, prepared: Any) -> np.ndarray:
        return np.asarray(self.session.run(["logits"], prepared)[0])


def build_variants(
    model: Any,
    tokenizer: Any,
    folder: str | Path,
    *,
    threads: int,
    max_length: int = Recipe().max_length,
) -> list[Variant]:
    """The :data:`VARIANTS` of ``model``, their files written under ``folder``."""
    import torch

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    model.eval()
    names = input_names(model)
    common = {"tokenizer": tokenizer, "names": names, "max_length": max_length}
    fp32 = export_onnx(model, tokenizer, folder / "model.onnx", max_length=max_length)
    int8 = quantize_onnx_int8(fp32, folder / "model.int8.onnx")
    qmodel = torch_int8(model)
    bf16 = copy.deepcopy(model).to(torch.bfloat16).eval()  # bf16 weights and activations
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
        TorchVariant(
            "torch-bf16",
            safetensors_size_bytes(bf16, folder / "torch-bf16"),
            model=bf16,
            **common,
        ),
    ]
