"""The transformer backend: fine-tune with the Hugging Face ``Trainer``, load the saved folder,
time forward passes on pre-tokenized batches, ship it as a folder ``transformers.pipeline`` loads
(and its ONNX Runtime int8 variant).

    emobench run --models bert-tiny --init random --output runs/
"""

from __future__ import annotations

import json
import shutil
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from emobench_core.config import Recipe
from emobench_core.errors import RegistryError
from emobench_core.measure.hardware import cpu_kernel_family
from emobench_core.measure.latency import (
    count_parameters,
    dir_size_bytes,
)
from emobench_core.models import loading
from emobench_core.models.backends.base import Backend, Predictor, Trained, TrainJob, n_batches
from emobench_core.models.backends.capabilities import (
    DISTILLATION,
    EXPORT,
    LATENCY_PROBE,
    RANDOM_INIT,
)
from emobench_core.models.kinds import register_kind
from emobench_core.models.spec import TRANSFORMER_KIND, ModelSpec
from emobench_core.schema.latency import RANDOM_WEIGHTS
from emobench_core.training.trainer import fine_tune, precision


def predict_logits(
    model: Any, tokenizer: Any, texts: list[str], *, max_length: int, batch_size: int, device: str
) -> np.ndarray:
    """Logits for ``texts`` (batches of similar length, returned in input order)."""
    import torch

    model.eval().to(device)
    order = np.argsort([len(t) for t in texts], kind="stable")
    out = np.zeros((len(texts), model.config.num_labels), dtype=np.float32)
    with torch.inference_mode():
        for start in range(0, len(texts), batch_size):
            idx = order[start : start + batch_size]
            enc = tokenizer(
                [texts[i] for i in idx],
                truncation=True,
                max_length=max_length,
                padding=True,
                return_tensors="pt",
            ).to(device)
            out[idx] = model(**enc).logits.float().cpu().numpy()
    return out


def load_checkpoint(entry: Path) -> tuple[Any, Any]:
    """Fine-tuned model (fp32, eval mode) and tokenizer from a cache entry or model folder."""
    import torch
    from transformers import AutoModelForSequenceClassification

    folder = entry / "model" if (entry / "model").is_dir() else entry
    if not (folder / "config.json").is_file():
        raise FileNotFoundError(
            f"no fine-tuned checkpoint in {entry} (expected config.json there or in model/); "
            "pass the folder written by `emobench train --output DIR`"
        )
    model = AutoModelForSequenceClassification.from_pretrained(str(folder), dtype=torch.float32)
    return model.eval(), loading.load_tokenizer(str(folder))


SHIPPED_FILES: tuple[str, ...] = (
    "config.json",
    "*.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "added_tokens.json",
    "vocab.txt",
    "vocab.json",
    "merges.txt",
    "*.model",  # a SentencePiece vocabulary (protobuf)
)
"""What an exported folder holds: weights, config and tokenizer. Not ``training_args.bin``, the
``Trainer``'s pickle of its arguments, nor anything else a checkpoint folder may hold."""


def copy_shipped(src: Path, dst: Path, *, weights: bool = True) -> list[Path]:
    """Copy the :data:`SHIPPED_FILES` of ``src`` into ``dst`` (``weights``: the safetensors
    too); return the copies."""
    dst.mkdir(parents=True, exist_ok=True)
    out = []
    for pattern in SHIPPED_FILES:
        if pattern == "*.safetensors" and not weights:
            continue
        for f in sorted(src.glob(pattern)):
            out.append(Path(shutil.copyfile(f, dst / f.name)))  # no modes: the umask's
    return out


def name_labels(config_file: Path, labels: Sequence[str]) -> None:
    """Set ``id2label`` / ``label2id`` of a ``config.json`` to ``labels`` (in label-id order)."""
    config = json.loads(config_file.read_text(encoding="utf-8"))
    n = config.get("num_labels") or len(config.get("id2label") or labels)
    if labels and len(labels) != n:
        raise RegistryError(
            f"{config_file} has {n} classes but the run names {len(labels)} ({list(labels)}); "
            "export the run that trained this checkpoint"
        )
    if labels:
        config["id2label"] = {str(i): name for i, name in enumerate(labels)}
        config["label2id"] = {name: i for i, name in enumerate(labels)}
    config_file.write_text(json.dumps(config, indent=2, sort_keys=True) + "\n", encoding="utf-8")


def _folder(entry: Path) -> Path:
    return entry / "model" if (entry / "model").is_dir() else entry


def transformer_forward(
    model: Any, tokenizer: Any, texts: list[str], batch_size: int, max_length: int, device: str
) -> Callable[[int], Any]:
    """``f(i)``: one inference-mode model call on the i-th (cycled) pre-tokenized batch."""
    import torch

    model.eval().to(device)
    n = n_batches(len(texts), batch_size)
    inputs = [
        tokenizer(
            texts[j * batch_size : (j + 1) * batch_size],
            truncation=True,
            max_length=max_length,
            padding=True,
            return_tensors="pt",
        ).to(device)
        for j in range(n)
    ]

    def call(i: int) -> Any:
        with torch.inference_mode():
            return model(**inputs[i % n])

    return call


class TransformerBackend(Backend):
    """A ``(model, tokenizer)`` pair from transformers."""

    kind = TRANSFORMER_KIND
    capabilities = frozenset({RANDOM_INIT, DISTILLATION, EXPORT, LATENCY_PROBE})
    seed_sensitive = True
    probe_needs_fit = False
    probe_weights = RANDOM_WEIGHTS
    library_name = "transformers"
    seeded = (
        "python",
        "numpy",
        "torch",
        "transformers.set_seed before the model is built (random init and classifier head)",
        "Trainer seed",
        "Trainer data_seed (training order)",
    )
    """The training sample of ``max_train_rows`` is always drawn with seed 0. Same seed, same
    CPU, same thread count: the same predictions. CUDA kernels are not forced to be
    deterministic."""

    def machine_parts(self, recipe: Recipe, device: str) -> dict[str, Any]:
        """The effective precision (bf16 autocast or fp32: the request meets the hardware),
        and on a CPU its kernel family and torch's thread count; on CUDA the GPU's name."""
        import torch

        parts: dict[str, Any] = {"precision": precision(recipe, device)}
        if device == "cpu":
            parts["cpu_kernels"] = cpu_kernel_family()
            parts["threads"] = torch.get_num_threads()
        elif torch.cuda.is_available():
            parts["gpu"] = torch.cuda.get_device_name()
        return parts

    def train(self, staging: Path, job: TrainJob) -> Trained:
        from transformers import set_seed

        recipe = job.recipe
        set_seed(recipe.seed)  # python, numpy, torch: also seeds the head of pretrained weights
        model, tokenizer, source = loading.build_model(
            job.spec, job.init, job.labels, vocab_dir=job.vocab_dir, seed=recipe.seed
        )
        info = fine_tune(
            model,
            tokenizer,
            job.dsd,
            recipe,
            init=job.init,
            output_dir=staging,
            device=job.device,
            quiet=job.quiet,
            teacher_logits=job.teacher_logits,
            token_cache=job.token_cache,
            data_fp=job.data_fp,
            resumable=True,  # the cache keeps a stopped build's staging folder: it resumes
        )
        tokenizer.save_pretrained(str(staging / "model"))
        # the Trainer's pickle of its arguments: nothing reads it, and no pickle is shared
        (staging / "model" / "training_args.bin").unlink(missing_ok=True)
        logits = predict_logits(
            model,
            tokenizer,
            list(job.dsd["test"]["text"]),
            max_length=recipe.max_length,
            batch_size=recipe.eval_batch_size,
            device=job.device,
        )
        return Trained(info, logits.argmax(-1), source)

    def load(self, entry: Path) -> Any:
        return load_checkpoint(entry)

    def model_dir(self, entry: Path) -> Path:
        return entry / "model"

    def holds(self, folder: Path) -> bool:
        folder = _folder(folder)
        return (folder / "config.json").is_file() and any(folder.glob("*.safetensors"))

    def export(self, entry: Path, dst: Path, labels: Sequence[str]) -> None:
        copy_shipped(_folder(entry), dst)
        name_labels(dst / "config.json", labels)

    def export_int8(self, entry: Path, dst: Path, labels: Sequence[str]) -> Path | None:
        from emobench_core.models.export import export_onnx, quantize_onnx_int8

        model, tokenizer = load_checkpoint(entry)
        copy_shipped(_folder(entry), dst, weights=False)
        name_labels(dst / "config.json", labels)
        with tempfile.TemporaryDirectory(prefix="emobench-onnx-") as tmp:
            fp32 = export_onnx(model, tokenizer, Path(tmp) / "model.fp32.onnx")
            return quantize_onnx_int8(fp32, dst / "model.onnx")

    def predictor(self, folder: Path, labels: Sequence[str] | None = None) -> Predictor:
        model, tokenizer = load_checkpoint(folder)
        id2label = model.config.id2label
        names = tuple(str(id2label[i]) for i in range(model.config.num_labels))
        if labels and all(n == f"LABEL_{i}" for i, n in enumerate(names)):
            names = tuple(labels)  # a checkpoint saved without class names

        def scores(texts: list[str]) -> np.ndarray:
            logits = predict_logits(
                model, tokenizer, texts, max_length=Recipe().max_length, batch_size=64, device="cpu"
            )
            probs = np.exp(logits - logits.max(-1, keepdims=True))
            return np.asarray(probs / probs.sum(-1, keepdims=True))

        return Predictor(names, "probabilities", scores)

    def architecture(self, spec: ModelSpec, labels: Sequence[str], **kwargs: Any) -> Any:
        model, tokenizer, _ = loading.build_model(
            spec, "random", labels, vocab_dir=kwargs.get("vocab_dir")
        )
        return model, tokenizer

    def fit_for_probe(self, dsd: Any, recipe: Recipe) -> Any:
        raise RegistryError("a transformer is timed with random weights; nothing to fit")

    def forward(
        self, model: Any, texts: list[str], batch_size: int, max_length: int, device: str
    ) -> Callable[[int], Any]:
        net, tokenizer = model
        return transformer_forward(net, tokenizer, texts, batch_size, max_length, device)

    def encode_one(self, model: Any, text: str, max_length: int) -> Any:
        return model[1](text, truncation=True, max_length=max_length, return_tensors="pt")

    def sync(self, device: str) -> Callable[[], None] | None:
        import torch

        return torch.cuda.synchronize if device == "cuda" else None

    def parameters(self, model: Any) -> tuple[int, int]:
        return count_parameters(model[0])

    def size_on_disk(self, entry: Path) -> int:
        return sum(dir_size_bytes(f) for f in (entry / "model").glob("*.safetensors"))


register_kind(TransformerBackend())
