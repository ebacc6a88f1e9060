"""The whole pipeline for one model: build → fine-tune (or reuse from cache) → evaluate → measure.

emobench run --models bert-tiny,tfidf-svm --init random --output runs/
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from emobench_core.cache import CheckpointCache
from emobench_core.config import Recipe
from emobench_core.data.loading import fingerprint
from emobench_core.errors import RegistryError
from emobench_core.measure.environment import environment, git_commit
from emobench_core.measure.latency import count_parameters, dir_size_bytes, measure_latency
from emobench_core.metrics.evaluation import compute_metrics
from emobench_core.models.registry import ModelSpec, build_model, load_tokenizer, recipe_for
from emobench_core.schema.records import TrainingInfo
from emobench_core.schema.run import DataInfo, Efficiency, ModelInfo, RunResult
from emobench_core.training.distill import teacher_logits
from emobench_core.training.trainer import fine_tune

log = logging.getLogger(__name__)

LATENCY_INPUTS = 64
"""Test texts cycled through by the batch-1 latency measurement."""
SEEDED_TRANSFORMER: tuple[str, ...] = (
    "python",
    "numpy",
    "torch",
    "transformers.set_seed before the model is built (random init and classifier head)",
    "Trainer seed",
    "Trainer data_seed (training order)",
)
"""What a transformer run seeds with ``recipe.seed`` (recorded as ``environment.seeded``).
The training sample of ``max_train_rows`` is always drawn with seed 0. Same seed, same CPU,
same thread count: the same predictions. CUDA kernels are not forced to be deterministic."""
SEEDED_SVM: tuple[str, ...] = ("LinearSVC random_state",)


@dataclass(frozen=True)
class Teacher:
    """The teacher of a distilled student: a registry model and its init."""

    spec: ModelSpec
    init: str

    @property
    def label(self) -> str:
        return self.spec.name if self.init == "pretrained" else f"{self.spec.name} ({self.init})"


@dataclass(frozen=True)
class LatencySettings:
    """The latency rule: warm-up calls, then at least ``min_iters`` calls and ``min_seconds``."""

    warmup: int = 20
    min_iters: int = 200
    min_seconds: float = 2.0


def add_latency_rule_arguments(p: Any) -> None:
    """``--warmup``, ``--min-iters``, ``--min-seconds`` (the :class:`LatencySettings` rule) on
    an argparse parser; :func:`latency_rule` reads them back."""
    default = LatencySettings()
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


def latency_rule(ns: Any) -> LatencySettings:
    """The :class:`LatencySettings` of options added by :func:`add_latency_rule_arguments`."""
    return LatencySettings(ns.warmup, ns.min_iters, ns.min_seconds)


def library_versions() -> dict[str, str]:
    import datasets
    import sklearn
    import torch
    import transformers

    return {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "datasets": datasets.__version__,
        "scikit_learn": sklearn.__version__,
    }


def cache_parts(
    spec: ModelSpec,
    init: str,
    recipe: Recipe,
    data_fp: str,
    device: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything that determines a fine-tuned checkpoint (the cache key)."""
    return {
        "model": spec.name,
        "source": spec.source,
        "config": spec.config,
        "kind": spec.kind,
        "init": init,
        "recipe": recipe.to_dict(),
        "data": data_fp,
        "device": device,
        "versions": library_versions(),
        **(extra or {}),
    }


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


def _train_transformer(
    staging: Path,
    spec: ModelSpec,
    init: str,
    recipe: Recipe,
    dsd: Any,
    device: str,
    vocab_dir: str | Path | None,
    quiet: bool,
    teacher_logits: np.ndarray | None = None,
    token_cache: CheckpointCache | None = None,
    data_fp: str | None = None,
) -> None:
    from transformers import set_seed

    set_seed(recipe.seed)  # python, numpy, torch: also seeds the head of pretrained weights
    model, tokenizer, source = build_model(spec, init, vocab_dir=vocab_dir, seed=recipe.seed)
    info = fine_tune(
        model,
        tokenizer,
        dsd,
        recipe,
        init=init,
        output_dir=staging,
        device=device,
        quiet=quiet,
        teacher_logits=teacher_logits,
        token_cache=token_cache,
        data_fp=data_fp,
    )
    tokenizer.save_pretrained(str(staging / "model"))
    logits = predict_logits(
        model,
        tokenizer,
        list(dsd["test"]["text"]),
        max_length=recipe.max_length,
        batch_size=recipe.eval_batch_size,
        device=device,
    )
    _write_outcome(staging, info, logits.argmax(-1), source)


def _train_svm(staging: Path, recipe: Recipe, dsd: Any) -> None:
    import joblib

    from emobench_core.models.backends.sklearn import fit_svm

    pipe, info = fit_svm(dsd, recipe)
    joblib.dump(pipe, staging / "model.joblib")
    _write_outcome(staging, info, pipe.predict(dsd["test"]["text"]), "scikit-learn")


def _write_outcome(staging: Path, info: TrainingInfo, y_pred: np.ndarray, source: str) -> None:
    (staging / "training.json").write_text(json.dumps(info.to_dict(), indent=1))
    (staging / "test_predictions.json").write_text(
        json.dumps({"source": source, "y_pred": [int(p) for p in y_pred]})
    )


def train_checkpoint(
    spec: ModelSpec,
    init: str,
    recipe: Recipe,
    dsd: Any,
    *,
    cache: CheckpointCache,
    device: str = "cpu",
    vocab_dir: str | Path | None = None,
    quiet: bool = False,
    teacher: Teacher | None = None,
) -> tuple[Path, bool]:
    """The cache entry of the fine-tuned ``spec``, training it if the cache lacks it.

    With ``teacher``, the student is distilled from that model fine-tuned under the same recipe
    and seed (itself taken from, or added to, the cache), and its logits on the training split
    (computed once, cached).

    Returns:
        ``(entry, hit)``: the entry folder, and whether it was reused.
    """
    own = recipe_for(spec, recipe)  # the teacher gets the shared recipe, and its own rate
    init_used = init if spec.is_transformer else "n/a"
    data_fp = fingerprint(dsd)
    logits = None
    extra = None
    if teacher is not None:
        if not (spec.is_transformer and teacher.spec.is_transformer):
            raise RegistryError(
                "distillation needs a transformer teacher and student "
                f"(got {teacher.spec.name!r} -> {spec.name!r})"
            )
        t_entry, _ = train_checkpoint(
            teacher.spec,
            teacher.init,
            recipe,
            dsd,
            cache=cache,
            device=device,
            vocab_dir=vocab_dir,
            quiet=quiet,
        )
        logits = teacher_logits(
            cache,
            t_entry,
            list(dsd["train"]["text"]),
            data_fp,
            max_length=own.max_length,
            batch_size=own.eval_batch_size,
            device=device,
        )
        extra = {
            "teacher": {"model": teacher.spec.name, "init": teacher.init, "entry": t_entry.name}
        }
    parts = cache_parts(spec, init_used, own, data_fp, device, extra)
    if spec.is_transformer:
        entry, hit = cache.get_or_build(
            parts,
            lambda s: _train_transformer(
                s,
                spec,
                init,
                own,
                dsd,
                device,
                vocab_dir,
                quiet,
                logits,
                cache.tokens(),
                data_fp,
            ),
        )
    else:
        entry, hit = cache.get_or_build(parts, lambda s: _train_svm(s, own, dsd))
    log.info("%s %s: %s", spec.name, init_used, "reused cached checkpoint" if hit else "trained")
    return entry, hit


def run_model(
    spec: ModelSpec,
    init: str,
    recipe: Recipe,
    dsd: Any,
    *,
    cache: CheckpointCache,
    device: str = "cpu",
    data_source: str = "",
    vocab_dir: str | Path | None = None,
    quiet: bool = False,
    latency: LatencySettings | None = None,
    teacher: Teacher | None = None,
) -> RunResult:
    """Fine-tune (or reuse) ``spec``, evaluate it on the test split and measure its costs.

    ``dsd`` must already be cut to ``recipe.max_train_rows`` (``load_emotion`` does it).
    A distilled student (``teacher`` given) is its own row: ``"<student> ← <teacher> (KD)"``.
    """
    entry, hit = train_checkpoint(
        spec,
        init,
        recipe,
        dsd,
        cache=cache,
        device=device,
        vocab_dir=vocab_dir,
        quiet=quiet,
        teacher=teacher,
    )
    init_used = init if spec.is_transformer else "n/a"
    training = TrainingInfo.from_dict(json.loads((entry / "training.json").read_text()))
    outcome = json.loads((entry / "test_predictions.json").read_text())
    y_true = [int(y) for y in dsd["test"]["label"]]
    metrics = compute_metrics(y_true, outcome["y_pred"])
    texts = list(dsd["test"]["text"])
    settings = latency or LatencySettings()
    if spec.is_transformer:
        model, tokenizer = load_checkpoint(entry)
        efficiency = measure_transformer(
            model, tokenizer, texts, recipe.max_length, device, settings
        )
        total, non_emb = count_parameters(model)
        size = sum(dir_size_bytes(f) for f in (entry / "model").glob("*.safetensors"))
    else:
        import joblib

        pipe = joblib.load(entry / "model.joblib")
        efficiency = measure_svm(pipe, texts, settings)
        total = non_emb = int(pipe["svm"].coef_.size + pipe["svm"].intercept_.size)
        size = dir_size_bytes(entry / "model.joblib")
    env = environment(device)
    env["git_commit"] = git_commit(Path(__file__).parent)
    env["cache_entry"] = entry.name
    env["cache_hit"] = hit
    env["seeded"] = list(SEEDED_TRANSFORMER if spec.is_transformer else SEEDED_SVM)
    now = _dt.datetime.now(_dt.UTC)
    name, slug, distillation = spec.name, spec.name, None
    if teacher is not None:
        name = f"{spec.name} ← {teacher.label} (KD)"
        slug = f"{spec.name}-kd-{teacher.spec.name}-{teacher.init}"
        distillation = {
            "teacher": teacher.spec.name,
            "teacher_init": teacher.init,
            "student": spec.name,
            "alpha": recipe.kd_alpha,
            "temperature": recipe.kd_temperature,
        }
    return RunResult(
        run_id=_safe(f"{slug}-{init_used}-s{recipe.seed}-{entry.name[:8]}"),
        distillation=distillation,
        model=ModelInfo(
            name=name,
            source=outcome["source"],
            init=init_used,
            kind=spec.kind,
            description=spec.description,
            params_total=total,
            params_non_embedding=non_emb,
            size_on_disk_bytes=size,
        ),
        seed=recipe.seed,
        recipe=recipe_for(spec, recipe).to_dict(),
        data=DataInfo(
            source=data_source,
            fingerprint=fingerprint(dsd),
            rows={k: len(v) for k, v in dsd.items()},
            max_train_rows=recipe.max_train_rows,
        ),
        environment=env,
        training=training,
        metrics=metrics,
        efficiency=efficiency,
        predictions={"y_true": y_true, "y_pred": [int(p) for p in outcome["y_pred"]]},
        created_at=now.isoformat(timespec="seconds"),
    )


def _safe(name: str) -> str:
    """A file-name-safe run id (hub ids carry a slash; the SVM's init is "n/a")."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)


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
    return model.eval(), load_tokenizer(str(folder))


def _n_batches(n_texts: int, batch_size: int) -> int:
    """How many distinct input batches a forward call cycles through: 64 single tweets or 8
    batches, fewer when the test split is too small to fill them (never an empty batch)."""
    if n_texts < 1:
        raise ValueError("no test texts to time the model on")
    wanted = LATENCY_INPUTS if batch_size == 1 else 8
    return min(wanted, -(-n_texts // batch_size))


def transformer_forward(
    model: Any, tokenizer: Any, texts: list[str], batch_size: int, max_length: int, device: str
) -> Callable[[int], Any]:
    """``f(i)``: one inference-mode model call on the i-th (cycled) pre-tokenized batch."""
    import torch

    model.eval().to(device)
    n = _n_batches(len(texts), batch_size)
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


def svm_forward(pipe: Any, texts: list[str], batch_size: int) -> Callable[[int], Any]:
    """``f(i)``: the SVM's decision function on the i-th (cycled) pre-vectorized batch."""
    n = _n_batches(len(texts), batch_size)
    inputs = [
        pipe["tfidf"].transform(texts[j * batch_size : (j + 1) * batch_size]) for j in range(n)
    ]
    return lambda i: pipe["svm"].decision_function(inputs[i % n])


def load_forward(
    entry: Path, spec: ModelSpec, texts: list[str], batch_size: int, max_length: int, device: str
) -> Callable[[int], Any]:
    """The forward call of the fine-tuned model in cache ``entry``."""
    if spec.is_transformer:
        model, tokenizer = load_checkpoint(entry)
        return transformer_forward(model, tokenizer, texts, batch_size, max_length, device)
    import joblib

    return svm_forward(joblib.load(entry / "model.joblib"), texts, batch_size)


def measure_transformer(
    model: Any,
    tokenizer: Any,
    texts: list[str],
    max_length: int,
    device: str,
    settings: LatencySettings,
) -> Efficiency:
    """Batch-1 latency (model call and tokenizer apart) and batch-32 throughput."""
    import torch

    sync = torch.cuda.synchronize if device == "cuda" else None
    b1 = measure_latency(
        transformer_forward(model, tokenizer, texts, 1, max_length, device),
        sync=sync,
        warmup=settings.warmup,
        min_iters=settings.min_iters,
        min_seconds=settings.min_seconds,
    )
    b32 = measure_latency(
        transformer_forward(model, tokenizer, texts, 32, max_length, device),
        sync=sync,
        warmup=3,
        min_iters=10,
        min_seconds=settings.min_seconds / 2,
    )
    sample = texts[:LATENCY_INPUTS]
    tok = measure_latency(
        lambda i: tokenizer(
            sample[i % len(sample)], truncation=True, max_length=max_length, return_tensors="pt"
        ),
        warmup=settings.warmup,
        min_iters=settings.min_iters,
        min_seconds=settings.min_seconds / 4,
    )
    return Efficiency(
        device=device,
        threads=torch.get_num_threads(),
        latency_b1=b1,
        tokenizer_b1=tok,
        throughput_b32=32e3 / b32.p50_ms,
    )


def measure_svm(pipe: Any, texts: list[str], settings: LatencySettings) -> Efficiency:
    """The same measurements for the TF-IDF + SVM pipeline (vectorizer = "tokenizer")."""
    import torch

    b1 = measure_latency(
        svm_forward(pipe, texts, 1),
        warmup=settings.warmup,
        min_iters=settings.min_iters,
        min_seconds=settings.min_seconds / 4,
    )
    b32 = measure_latency(
        svm_forward(pipe, texts, 32), warmup=3, min_iters=10, min_seconds=settings.min_seconds / 4
    )
    sample = texts[:LATENCY_INPUTS]
    tok = measure_latency(
        lambda i: pipe["tfidf"].transform([sample[i % len(sample)]]),
        warmup=settings.warmup,
        min_iters=settings.min_iters,
        min_seconds=settings.min_seconds / 4,
    )
    return Efficiency(
        device="cpu",
        threads=torch.get_num_threads(),
        latency_b1=b1,
        tokenizer_b1=tok,
        throughput_b32=32e3 / b32.p50_ms,
    )
