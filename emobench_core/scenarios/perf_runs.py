"""The timed fine-tuning runs of ``emobench perf``, each building the model, tokenizing,
training and predicting the test split, every phase timed into a
:class:`~emobench_core.schema.perf.PerfRow`: one :class:`Setup` of the naive ``Trainer`` pipeline
(:func:`run_setup`), the project's recipe (:func:`run_recipe`), and the lean reference
(:func:`run_lean`): the recipe's model, optimizer, schedule, epochs, batches and precision in a
plain eager loop with no ``Trainer``, no validation and no checkpoint, so "how close to this
machine's pace" is a measured ratio. :mod:`~.perf` plans which runs to make and saves them.

The three ways to train share the model building, the test-split scoring and the clock
boundaries, and read best side by side (``perf_lean`` was joined back into this module).

    emobench perf --models bert-tiny --ladder bert-tiny --output results/perf/perf-cpu.json
"""

from __future__ import annotations

import contextlib
import math
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emobench_core.cache import CheckpointCache
from emobench_core.config import Recipe
from emobench_core.data.fingerprint import label_names
from emobench_core.measure.hardware import cpu_has_bf16
from emobench_core.metrics.evaluation import compute_metrics
from emobench_core.models.backends.transformer import predict_logits
from emobench_core.models.loading import build_model
from emobench_core.models.spec import ModelSpec
from emobench_core.scenarios.perf_optim import lean_optimizer
from emobench_core.schema.perf import PerfRow
from emobench_core.training.batches import PaddedSplit, fast_trainer_class, whole_batch
from emobench_core.training.trainer import (
    BF16,
    cached_tokenize,
    fine_tune,
    group_by_length_argument,
    precision,
    tokenize_splits,
)


@dataclass(frozen=True)
class Setup:
    """One way to fine-tune: the naive pipeline plus zero or more of the recipe's changes."""

    name: str
    change: str
    pad_to_max_length: bool = True
    save_checkpoints: bool = True
    group_by_length: bool = False
    recipe_hyperparameters: bool = False
    eval_batch_size: int | None = None
    tf32: bool = False
    bf16: bool = False
    padded_batches: bool = False
    """The recipe's pre-padded batches and stored-length sampler (no collator work)."""
    cpu_bf16: bool = False
    """bf16 autocast on a CPU with native bf16 (fp32 elsewhere)."""


def sync_device(device: str) -> None:
    if device == "cuda":
        import torch

        torch.cuda.synchronize()


def build_for_perf(
    spec: ModelSpec, init: str, seed: int, vocab_dir: Any, device: str, labels: Any
) -> Any:
    from transformers import set_seed

    set_seed(seed)
    model, tokenizer, _ = build_model(spec, init, labels, vocab_dir=vocab_dir, seed=seed)
    model.to(device)
    sync_device(device)
    return model, tokenizer


def score_logits(logits: Any, labels: Any, names: Any) -> tuple[float, float]:
    m = compute_metrics([int(y) for y in labels], logits.argmax(-1).tolist(), names)
    return m.accuracy, m.macro_f1


def predict_and_score(
    model: Any, tokenizer: Any, recipe: Recipe, dsd: Any, device: str
) -> tuple[float, float, tuple[float, float]]:
    """End the training clock, predict the test split, score it: ``(trained_at, done_at,
    (accuracy, macro_f1))`` (with a CUDA synchronise at each boundary)."""
    sync_device(device)
    trained = time.perf_counter()
    logits = predict_logits(
        model,
        tokenizer,
        list(dsd["test"]["text"]),
        max_length=recipe.max_length,
        batch_size=recipe.eval_batch_size,
        device=device,
    )
    sync_device(device)
    done = time.perf_counter()
    return trained, done, score_logits(logits, dsd["test"]["label"], label_names(dsd))


def tokenize_padded(dsd: Any, tokenizer: Any, max_length: int) -> Any:
    """The naive tokenization: every example padded (and truncated) to ``max_length``."""
    return dsd.map(
        lambda b: tokenizer(
            b["text"], truncation=True, max_length=max_length, padding="max_length"
        ),
        batched=True,
        remove_columns=["text"],
        load_from_cache_file=False,
    ).rename_column("label", "labels")


def run_setup(
    setup: Setup,
    spec: ModelSpec,
    init: str,
    recipe: Recipe,
    dsd: Any,
    *,
    workdir: Path,
    device: str = "cpu",
    vocab_dir: Any = None,
    quiet: bool = True,
) -> PerfRow:
    """Fine-tune ``spec`` the ``setup`` way for ``recipe.epochs`` epochs, then predict the test
    split; every phase timed (with a CUDA synchronise at each boundary)."""
    from transformers import (
        DataCollatorWithPadding,
        PrinterCallback,
        Trainer,
        default_data_collator,
    )

    start = time.perf_counter()
    model, tokenizer = build_for_perf(spec, init, recipe.seed, vocab_dir, device, label_names(dsd))
    built = time.perf_counter()
    if setup.pad_to_max_length:
        tokenized = tokenize_padded(dsd, tokenizer, recipe.max_length)
    else:
        tokenized = tokenize_splits(dsd, tokenizer, recipe.max_length)
    tokenized_at = time.perf_counter()
    out = workdir / f"trainer-{spec.name}-{setup.name}"
    args = _setup_arguments(setup, recipe, init, out, device, quiet)
    trainer_cls: Any = Trainer
    train: Any = tokenized["train"]
    test: Any = tokenized["test"]
    collator: Any = (
        default_data_collator if setup.pad_to_max_length else DataCollatorWithPadding(tokenizer)
    )
    if setup.padded_batches:
        names, pad = tokenizer.model_input_names, tokenizer.pad_token_id
        train, test = PaddedSplit(train, names, pad), PaddedSplit(test, names, pad)
        collator, trainer_cls = whole_batch, fast_trainer_class(Trainer)
        args.remove_unused_columns = False
    trainer = trainer_cls(model=model, args=args, train_dataset=train, data_collator=collator)
    if quiet:
        trainer.remove_callback(PrinterCallback)
    trainer.train()
    sync_device(device)
    trained = time.perf_counter()
    prediction = trainer.predict(test)
    sync_device(device)
    done = time.perf_counter()
    shutil.rmtree(out, ignore_errors=True)
    # With length-grouped batches, transformers 5 groups the evaluation batches by length too:
    # predictions come back in that order, not the dataset's; label_ids come in the same order.
    accuracy, macro_f1 = score_logits(
        prediction.predictions, prediction.label_ids, label_names(dsd)
    )
    return PerfRow(
        model=spec.name,
        init=init,
        setup=setup.name,
        change=setup.change,
        train_rows=len(dsd["train"]),
        epochs=recipe.epochs,
        steps=trainer.state.global_step,
        learning_rate=args.learning_rate,
        batch_size=args.per_device_train_batch_size,
        optim=str(getattr(args.optim, "value", args.optim)),
        build_s=built - start,
        tokenize_s=tokenized_at - built,
        train_s=trained - tokenized_at,
        test_s=done - trained,
        accuracy=accuracy,
        macro_f1=macro_f1,
    )


def _setup_arguments(
    setup: Setup, recipe: Recipe, init: str, out: Path, device: str, quiet: bool
) -> Any:
    """``TrainingArguments`` of a ladder setup: the defaults, plus the setup's changes."""
    from transformers import TrainingArguments

    args: dict[str, Any] = {
        "output_dir": str(out),
        "num_train_epochs": recipe.epochs,
        "seed": recipe.seed,
        "report_to": "none",
        "disable_tqdm": quiet,
        "use_cpu": device == "cpu",
    }
    if not setup.save_checkpoints:
        args["save_strategy"] = "no"
    if setup.group_by_length:
        args.update(group_by_length_argument())
    if setup.recipe_hyperparameters:
        args.update(
            per_device_train_batch_size=recipe.batch_size,
            learning_rate=recipe.lr_for(init),
            warmup_steps=recipe.warmup_ratio,
            weight_decay=recipe.weight_decay,
        )
    if setup.eval_batch_size:
        args["per_device_eval_batch_size"] = setup.eval_batch_size
    if setup.tf32 and device == "cuda":
        args["tf32"] = True
    if setup.bf16 and device == "cuda":
        args["bf16"] = True
    if setup.cpu_bf16 and device == "cpu" and cpu_has_bf16():
        args["bf16"] = True
    return TrainingArguments(**args)


def run_recipe(
    spec: ModelSpec,
    init: str,
    recipe: Recipe,
    dsd: Any,
    *,
    workdir: Path,
    token_cache: CheckpointCache,
    device: str = "cpu",
    vocab_dir: Any = None,
    quiet: bool = True,
    setup: str = "recipe",
) -> PerfRow:
    """The benchmark's own path: :func:`~.training.fine_tune`, then the test split."""

    start = time.perf_counter()
    model, tokenizer = build_for_perf(spec, init, recipe.seed, vocab_dir, device, label_names(dsd))
    built = time.perf_counter()
    out = workdir / f"recipe-{spec.name}-{setup}"
    info = fine_tune(
        model,
        tokenizer,
        dsd,
        recipe,
        init=init,
        output_dir=out,
        device=device,
        quiet=quiet,
        token_cache=token_cache,
    )
    trained, done, (accuracy, macro_f1) = predict_and_score(model, tokenizer, recipe, dsd, device)
    shutil.rmtree(out, ignore_errors=True)
    tokenize_s = info.tokenize_s or 0.0
    return PerfRow(
        model=spec.name,
        init=init,
        setup=setup,
        change="the project's recipe (fine_tune), per-epoch validation, best epoch kept",
        train_rows=info.train_rows,
        epochs=info.epochs_run,
        steps=-(-info.train_rows // recipe.batch_size) * info.epochs_run,
        learning_rate=recipe.lr_for(init),
        batch_size=recipe.batch_size,
        optim=recipe.optimizer,
        build_s=built - start,
        tokenize_s=tokenize_s,
        train_s=trained - built - tokenize_s,
        test_s=done - trained,
        accuracy=accuracy,
        macro_f1=macro_f1,
        val_macro_f1=info.best_val_macro_f1,
        token_cache_hit=info.token_cache_hit,
    )


LEAN_CHANGE = (
    "plain eager loop over the recipe's pre-padded length-grouped batches: same optimizer "
    "(fused AdamW, no decay on biases and LayerNorm), schedule, epochs and precision; "
    "no Trainer, no validation, no checkpoint"
)


def prepared(model: Any, recipe: Recipe, device: str = "cpu") -> Any:
    """``model`` with the recipe's attention kernel on ``device``, compiled where the recipe
    asks: what a training loop calls (the ``Trainer`` does the same from the recipe)."""
    if (kernel := recipe.attention(device)) is not None:
        model.set_attn_implementation(kernel)
    if recipe.compile:
        import torch

        return torch.compile(model)
    return model


def run_lean(
    spec: ModelSpec,
    init: str,
    recipe: Recipe,
    dsd: Any,
    *,
    workdir: Path,
    token_cache: CheckpointCache,
    device: str = "cpu",
    vocab_dir: Any = None,
    quiet: bool = True,
) -> PerfRow:
    """Train ``spec`` the lean way for ``recipe.epochs`` epochs, then predict the test split."""
    import torch
    from transformers import get_linear_schedule_with_warmup
    from transformers.trainer_pt_utils import LengthGroupedSampler

    start = time.perf_counter()
    model, tokenizer = build_for_perf(spec, init, recipe.seed, vocab_dir, device, label_names(dsd))
    built = time.perf_counter()
    tokenized, hit = cached_tokenize(dsd, tokenizer, recipe.max_length, token_cache)
    train = PaddedSplit(tokenized["train"], tokenizer.model_input_names, tokenizer.pad_token_id)
    tokenized_at = time.perf_counter()
    per_epoch = math.ceil(len(train) / recipe.batch_size)
    total = per_epoch * recipe.epochs
    lr = recipe.lr_for(init)
    opt = lean_optimizer(model, recipe, lr)
    schedule = get_linear_schedule_with_warmup(opt, math.ceil(recipe.warmup_ratio * total), total)
    autocast = (
        torch.autocast(device_type=device, dtype=torch.bfloat16)
        if precision(recipe, device) == BF16
        else contextlib.nullcontext()
    )
    model.train().to(device)
    forward = prepared(model, recipe, device)
    for _ in range(recipe.epochs):
        order = list(LengthGroupedSampler(recipe.batch_size, lengths=train.lengths.tolist()))
        for i in range(0, len(order), recipe.batch_size):
            batch = {
                k: v.to(device)
                for k, v in train.__getitems__(order[i : i + recipe.batch_size]).items()
            }
            with autocast:
                loss = forward(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # the Trainer's default
            opt.step()
            schedule.step()
            opt.zero_grad(set_to_none=True)
    trained, done, (accuracy, macro_f1) = predict_and_score(model, tokenizer, recipe, dsd, device)
    return PerfRow(
        model=spec.name,
        init=init,
        setup="lean",
        change=LEAN_CHANGE,
        train_rows=len(train),
        epochs=recipe.epochs,
        steps=total,
        learning_rate=lr,
        batch_size=recipe.batch_size,
        optim=recipe.optimizer,
        build_s=built - start,
        tokenize_s=tokenized_at - built,
        train_s=trained - tokenized_at,
        test_s=done - trained,
        accuracy=accuracy,
        macro_f1=macro_f1,
        token_cache_hit=hit,
    )
