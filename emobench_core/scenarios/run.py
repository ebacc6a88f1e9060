"""The whole pipeline for one model: build → fine-tune (or reuse from cache) → evaluate → measure.

Every step goes through the model's backend (:func:`~emobench_core.models.registry.backend_for`),
so nothing here depends on which kind of model it runs.

    emobench run --models bert-tiny,tfidf-svm --init random --output runs/
"""

from __future__ import annotations

import datetime as _dt
import json
import logging
import os
from pathlib import Path
from typing import Any

from emobench_core.cache import CheckpointCache, folder_digest
from emobench_core.config import Recipe, RecipeRequest
from emobench_core.data.dataset import Dataset
from emobench_core.data.fingerprint import as_dataset
from emobench_core.errors import RegistryError
from emobench_core.measure.environment import environment, git_commit, library_versions
from emobench_core.measure.latency import LatencySettings
from emobench_core.metrics.evaluation import compute_metrics
from emobench_core.models.backends.base import Trained, TrainJob
from emobench_core.models.backends.capabilities import DISTILLATION, supports
from emobench_core.models.loading import pin_revision
from emobench_core.models.recipes import ResolvedRecipe, resolve_recipe
from emobench_core.models.registry import backend_for
from emobench_core.models.spec import ModelSpec
from emobench_core.scenarios.teacher import Teacher, logits_seconds, teacher_logits
from emobench_core.schema.records import TrainingInfo
from emobench_core.schema.run import DataInfo, Distillation, ModelInfo, RunResult

log = logging.getLogger(__name__)

JOB_ID_ENV = "EMOBENCH_JOB_ID"
"""Set by an A/B run for both sides, so `emobench compare` may gate their latency."""

TEACHER_COST = "teacher_cost.json"
"""In a distilled student's cache entry: the teacher's fine-tuning and logits seconds."""


def cache_parts(
    spec: ModelSpec,
    init: str,
    recipe: Recipe,
    data_fp: str,
    device: str,
    extra: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """Everything that determines a fine-tuned checkpoint (the cache key). A local model
    folder is named by its content (:func:`~emobench_core.cache.folder_digest`), not its path;
    what of the machine shapes the weights comes in ``extra`` (the backend's
    :meth:`~emobench_core.models.backends.base.Backend.machine_parts`)."""
    source = spec.source
    if Path(source).is_dir():
        source = f"local folder sha256:{folder_digest(Path(source))}"
    return {
        "model": spec.name,
        "source": source,
        "config": spec.config,
        "kind": spec.kind,
        "init": init,
        "recipe": recipe.to_dict(),
        "data": data_fp,
        "device": device,
        "versions": library_versions(),
        **(extra or {}),
    }


def _write_outcome(staging: Path, trained: Trained) -> None:
    (staging / "training.json").write_text(json.dumps(trained.info.to_dict(), indent=1))
    (staging / "test_predictions.json").write_text(
        json.dumps({"source": trained.source, "y_pred": [int(p) for p in trained.test_predictions]})
    )


def train_checkpoint(
    spec: ModelSpec,
    init: str,
    request: RecipeRequest,
    dsd: Dataset,
    *,
    cache: CheckpointCache,
    device: str = "cpu",
    vocab_dir: str | Path | None = None,
    quiet: bool = False,
    teacher: Teacher | None = None,
) -> tuple[Path, bool, ResolvedRecipe]:
    """The cache entry of the fine-tuned ``spec``, training it if the cache lacks it.

    The request is resolved once, here, against ``spec``'s registry entry
    (:func:`~emobench_core.models.recipes.resolve_recipe`); training and the cache key read that
    one result. With ``teacher``, the student is distilled from that model fine-tuned under the
    same request and seed (resolved against the teacher's own entry; itself taken from, or added
    to, the cache), and its logits on the training split (computed once, cached).

    Returns:
        ``(entry, hit, resolved)``: the entry folder, whether it was reused, and the recipe.
    """
    dsd = as_dataset(dsd)
    backend = backend_for(spec)
    resolved = resolve_recipe(spec, request)
    own = resolved.recipe
    init_used = backend.init_label(init)
    if init_used == "pretrained":  # the cache key and the weights name one hub commit
        spec = pin_revision(spec)
    data_fp = dsd.fingerprint
    logits = None
    extra = None
    teacher_cost: dict[str, Any] = {}
    if teacher is not None:
        if not (
            supports(backend, DISTILLATION) and supports(backend_for(teacher.spec), DISTILLATION)
        ):
            raise RegistryError(
                "distillation needs a teacher and student whose kinds can distil, e.g. "
                f"transformers (got {teacher.spec.name!r} -> {spec.name!r})"
            )
        t_entry, _, _ = train_checkpoint(
            teacher.spec,
            teacher.init,
            request if teacher.seed is None else request.replace(seed=teacher.seed),
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
        teacher_cost = {
            "teacher_train_s": _wall_s(t_entry),
            "teacher_logits_s": logits_seconds(
                cache, t_entry, len(dsd["train"]), data_fp, max_length=own.max_length
            ),
        }
    own_parts: dict[str, Any] = {**backend.key_parts, **(extra or {})}  # e.g. the SVM's format
    machine = backend.machine_parts(own, device)
    if machine:  # kinds the machine does not shape (the SVM) keep their keys
        own_parts["machine"] = machine
    parts = cache_parts(spec, init_used, own, data_fp, device, own_parts)
    job = TrainJob(
        spec=spec,
        init=init,
        recipe=own,
        dsd=dsd,
        labels=dsd.labels,
        device=device,
        vocab_dir=vocab_dir,
        quiet=quiet,
        teacher_logits=logits,
        token_cache=cache.tokens(),
        data_fp=data_fp,
        embedding_cache=cache.embeddings(),
    )

    def build(staging: Path) -> None:
        _write_outcome(staging, backend.train(staging, job))
        if teacher is not None:  # what the student's training cost on top of its own
            (staging / TEACHER_COST).write_text(json.dumps(teacher_cost))

    entry, hit = cache.get_or_build(parts, build)
    log.info("%s %s: %s", spec.name, init_used, "reused cached checkpoint" if hit else "trained")
    return entry, hit, resolved


def run_model(
    spec: ModelSpec,
    init: str,
    request: RecipeRequest,
    dsd: Dataset,
    *,
    cache: CheckpointCache,
    device: str = "cpu",
    vocab_dir: str | Path | None = None,
    quiet: bool = False,
    latency: LatencySettings | None = None,
    teacher: Teacher | None = None,
) -> RunResult:
    """Fine-tune (or reuse) ``spec``, evaluate it on the test split and measure its costs.

    ``dsd`` must already be cut to the request's ``max_train_rows`` (``load_data`` does it).
    A distilled student (``teacher`` given) is its own row: ``"<student> ← <teacher> (KD)"``.
    Most callers go through :func:`emobench_core.scenarios.benchmark.run_benchmark`.
    """
    dsd = as_dataset(dsd)
    entry, hit, resolved = train_checkpoint(
        spec,
        init,
        request,
        dsd,
        cache=cache,
        device=device,
        vocab_dir=vocab_dir,
        quiet=quiet,
        teacher=teacher,
    )
    backend = backend_for(spec)
    init_used = backend.init_label(init)
    training = TrainingInfo.from_dict(json.loads((entry / "training.json").read_text()))
    outcome = json.loads((entry / "test_predictions.json").read_text())
    y_true = [int(y) for y in dsd["test"]["label"]]
    metrics = compute_metrics(y_true, outcome["y_pred"], dsd.labels)
    model = backend.load(entry)
    texts = list(dsd["test"]["text"])
    recipe = resolved.recipe
    efficiency = backend.measure(
        model, texts, recipe.max_length, device, latency or LatencySettings()
    )
    total, non_emb = backend.parameters(model)
    env = environment(device)
    env["git_commit"] = git_commit(Path(__file__).parent)
    env["cache_entry"] = entry.name
    env["cache_hit"] = hit
    env["seeded"] = list(backend.seeded)
    # an A/B job's id (scripts/ab_latency.sh): latency is gated only between runs of one job
    env["job_id"] = os.environ.get(JOB_ID_ENV) or None
    now = _dt.datetime.now(_dt.UTC)
    name, slug, distillation = spec.name, spec.name, None
    if teacher is not None:
        name = f"{spec.name} ← {teacher.label} (KD)"
        slug = f"{spec.name}-kd-{teacher.spec.name}-{teacher.init}"
        cost_file = entry / TEACHER_COST
        cost = json.loads(cost_file.read_text()) if cost_file.exists() else {}
        distillation = Distillation(
            teacher=teacher.spec.name,
            teacher_init=teacher.init,
            student=spec.name,
            alpha=recipe.kd_alpha,
            temperature=recipe.kd_temperature,
            teacher_seed=recipe.seed if teacher.seed is None else teacher.seed,
            teacher_train_s=cost.get("teacher_train_s"),
            teacher_logits_s=cost.get("teacher_logits_s"),
        )
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
            size_on_disk_bytes=backend.size_on_disk(entry),
        ),
        seed=recipe.seed,
        recipe=recipe.to_dict(),
        recipe_request=resolved.request.to_dict(),
        recipe_sources=dict(resolved.sources),
        data=DataInfo(
            source=dsd.source,
            fingerprint=dsd.fingerprint,
            rows={k: len(v) for k, v in dsd.items()},
            max_train_rows=recipe.max_train_rows,
            filters=list(dsd.filters),
            labels=list(dsd.labels),
            **dsd.info(),
        ),
        environment=env,
        training=training,
        metrics=metrics,
        efficiency=efficiency,
        predictions={"y_true": y_true, "y_pred": [int(p) for p in outcome["y_pred"]]},
        created_at=now.isoformat(timespec="seconds"),
    )


def load_forward(
    entry: Path, spec: ModelSpec, texts: list[str], batch_size: int, max_length: int, device: str
) -> Any:
    """The forward call (``f(i)``) of the fine-tuned model in cache ``entry``."""
    backend = backend_for(spec)
    return backend.forward(backend.load(entry), texts, batch_size, max_length, device)


def _wall_s(entry: Path) -> float | None:
    """The training wall time a cache entry recorded (``None``: not readable)."""
    try:
        return float(json.loads((entry / "training.json").read_text())["wall_s"])
    except (OSError, ValueError, KeyError):
        return None


def _safe(name: str) -> str:
    """A file-name-safe run id (hub ids carry a slash; an init may be "n/a")."""
    return "".join(c if c.isalnum() or c in "-_." else "_" for c in name)
