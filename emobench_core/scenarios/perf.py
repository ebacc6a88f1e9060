"""Training cost: the naive ``Trainer`` pipeline against the project's recipe, timed in one run.

The naive pipeline is what a first script does: ``TrainingArguments(output_dir)`` with every
default (batch 8, learning rate 5e-5, no warm-up, a checkpoint every 500 steps, evaluation batch
8), every example padded to 128 tokens, fp32, then ``trainer.predict`` on the test split. The
recipe is :func:`~.training.fine_tune` as the benchmark runs it (dynamic padding, length-grouped
batches, tokenization cached, TF32 on CUDA, the best validation epoch kept),
then the test split. Both run the same number of epochs on the same machine in the same process,
one after the other; each row's wall time covers building the model, tokenizing, training
(with the recipe's per-epoch validation) and predicting the test split.

A *ladder* adds the recipe's changes to the naive pipeline one at a time, so each is measured on
its own. (Fused AdamW is not a step: it is ``TrainingArguments``' default optimizer in
transformers 5, so both sides use it; each row records its optimizer.) *Scaling* rows time the
recipe on 25%, 50% (and 100%) of the training rows.

The rows and their JSON live in :mod:`~.perf_results`, the tables in :mod:`~.perf_markdown`.

    emobench perf --models bert-tiny,bert-mini --init random --ladder bert-tiny \\
        --scaling bert-tiny --output results/perf/perf-cpu.json
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import logging
import shutil
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emobench_core.cache import CheckpointCache
from emobench_core.config import Recipe
from emobench_core.data.loading import fingerprint, sample_train_rows
from emobench_core.measure.environment import environment, git_commit
from emobench_core.metrics.evaluation import compute_metrics
from emobench_core.models.registry import ModelSpec, build_model, recipe_for
from emobench_core.schema.perf import NAIVE_CHANGE, PerfReport, PerfRow, ladder_steps

log = logging.getLogger(__name__)


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


NAIVE = Setup("naive", NAIVE_CHANGE)


def ladder(device: str, recipe: Recipe) -> list[Setup]:
    """The naive setup, then the recipe's changes added one at a time (cumulative), in the
    order of :func:`~.perf_results.ladder_steps` (the names the report reads back)."""
    steps: dict[str, tuple[str, dict[str, Any]]] = {
        "no-mid-checkpoints": ("no checkpoint every 500 steps", {"save_checkpoints": False}),
        "dynamic-padding": (
            "each batch padded to its longest tweet, not to 128",
            {"pad_to_max_length": False},
        ),
        "length-grouping": ("batches of similar length", {"group_by_length": True}),
        "recipe-batch-lr": (
            f"batch {recipe.batch_size} with the recipe's learning rate, "
            f"{recipe.warmup_ratio:.0%} warm-up, weight decay {recipe.weight_decay}",
            {"recipe_hyperparameters": True},
        ),
        "eval-batch": (
            f"evaluation batch {recipe.eval_batch_size}",
            {"eval_batch_size": recipe.eval_batch_size},
        ),
        "tf32": ("TF32 matmuls", {"tf32": True}),
        "bf16": ("bf16 autocast (not in the recipe)", {"bf16": True}),
    }
    first, *rest = ladder_steps(device)
    assert first == NAIVE.name, f"the ladder starts at {NAIVE.name!r}, not {first!r}"
    out = [NAIVE]
    for name in rest:
        change, knobs = steps[name]
        out.append(dataclasses.replace(out[-1], name=name, change=change, **knobs))
    return out


def _sync(device: str) -> None:
    if device == "cuda":
        import torch

        torch.cuda.synchronize()


def _build(spec: ModelSpec, init: str, seed: int, vocab_dir: Any, device: str) -> Any:
    from transformers import set_seed

    set_seed(seed)
    model, tokenizer, _ = build_model(spec, init, vocab_dir=vocab_dir, seed=seed)
    model.to(device)
    _sync(device)
    return model, tokenizer


def _scores(logits: Any, labels: Any) -> tuple[float, float]:
    m = compute_metrics([int(y) for y in labels], logits.argmax(-1).tolist())
    return m.accuracy, m.macro_f1


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

    from emobench_core.training.trainer import tokenize_splits

    start = time.perf_counter()
    model, tokenizer = _build(spec, init, recipe.seed, vocab_dir, device)
    built = time.perf_counter()
    if setup.pad_to_max_length:
        tokenized = tokenize_padded(dsd, tokenizer, recipe.max_length)
    else:
        tokenized = tokenize_splits(dsd, tokenizer, recipe.max_length)
    tokenized_at = time.perf_counter()
    out = workdir / f"trainer-{spec.name}-{setup.name}"
    args = _setup_arguments(setup, recipe, init, out, device, quiet)
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=tokenized["train"],
        data_collator=default_data_collator
        if setup.pad_to_max_length
        else DataCollatorWithPadding(tokenizer),
    )
    if quiet:
        trainer.remove_callback(PrinterCallback)
    trainer.train()
    _sync(device)
    trained = time.perf_counter()
    prediction = trainer.predict(tokenized["test"])
    _sync(device)
    done = time.perf_counter()
    shutil.rmtree(out, ignore_errors=True)
    # With length-grouped batches, transformers 5 groups the evaluation batches by length too:
    # predictions come back in that order, not the dataset's; label_ids come in the same order.
    accuracy, macro_f1 = _scores(prediction.predictions, prediction.label_ids)
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

    from emobench_core.training.trainer import group_by_length_argument

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
    from emobench_core.scenarios.run import predict_logits
    from emobench_core.training.trainer import fine_tune

    start = time.perf_counter()
    model, tokenizer = _build(spec, init, recipe.seed, vocab_dir, device)
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
    _sync(device)
    trained = time.perf_counter()
    logits = predict_logits(
        model,
        tokenizer,
        list(dsd["test"]["text"]),
        max_length=recipe.max_length,
        batch_size=recipe.eval_batch_size,
        device=device,
    )
    _sync(device)
    done = time.perf_counter()
    shutil.rmtree(out, ignore_errors=True)
    accuracy, macro_f1 = _scores(logits, dsd["test"]["label"])
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


def subset(dsd: Any, fraction: float) -> Any:
    """``dsd`` with ``fraction`` of its training rows, drawn as ``load_emotion`` draws them."""
    return sample_train_rows(dsd, max(1, round(len(dsd["train"]) * fraction)))


@dataclass(frozen=True)
class PerfPlan:
    """What one ``emobench perf`` run times."""

    models: list[tuple[ModelSpec, str]]
    """``(spec, init)`` pairs; each gets a naive and a recipe row."""
    ladder: list[str] = field(default_factory=list)
    """Models that also get every ladder step (from ``ladder_from`` on)."""
    ladder_from: str | None = None
    """The first ladder step to time (the earlier ones still shape it); ``None``: all."""
    scaling: list[str] = field(default_factory=list)
    """Models whose recipe is also timed on each of ``fractions`` of the training rows."""
    fractions: tuple[float, ...] = (0.25, 0.5)
    lr_candidates: dict[str, list[float]] = field(default_factory=dict)
    """Random-init learning rates to choose from on validation macro-F1, per model."""
    naive: bool = True


def execute(
    plan: PerfPlan,
    recipe: Recipe,
    dsd: Any,
    report: PerfReport,
    output: Path,
    *,
    workdir: Path,
    device: str = "cpu",
    vocab_dir: Any = None,
    quiet: bool = True,
) -> PerfReport:
    """Run ``plan``, saving ``report`` (atomically) after every row; ``complete`` at the end."""
    token_cache = CheckpointCache(workdir / "tokens")
    common = {"workdir": workdir, "device": device, "vocab_dir": vocab_dir, "quiet": quiet}

    def add(row: PerfRow) -> None:
        report.rows.append(row)
        report.save(output)
        log.info("%s %s %s: %.1f s", row.model, row.init, row.setup, row.total_s)

    for spec, init in plan.models:
        lrs = plan.lr_candidates.get(spec.name, []) if init == "random" else []
        if lrs:
            candidates = [
                run_recipe(
                    spec,
                    init,
                    recipe.replace(learning_rate_random=lr),
                    dsd,
                    token_cache=token_cache,
                    setup=f"recipe lr={lr:g}",
                    **common,
                )
                for lr in lrs
            ]
            best = max(candidates, key=lambda r: r.val_macro_f1 or 0.0)
            for row in candidates:
                chosen_row = row is best
                add(
                    dataclasses.replace(
                        row, setup="recipe" if chosen_row else row.setup, selected=chosen_row
                    )
                )
            chosen = recipe.replace(learning_rate_random=best.learning_rate)
        else:
            chosen = recipe_for(spec, recipe)
            add(run_recipe(spec, init, chosen, dsd, token_cache=token_cache, **common))
        if plan.naive:
            add(run_setup(NAIVE, spec, init, chosen, dsd, **common))
        if spec.name in plan.ladder:
            steps = ladder(device, chosen)
            first = [s.name for s in steps].index(plan.ladder_from) if plan.ladder_from else 1
            for setup in steps[max(first, 1) :]:
                add(run_setup(setup, spec, init, chosen, dsd, **common))
        if spec.name in plan.scaling:
            for fraction in plan.fractions:
                add(
                    run_recipe(
                        spec,
                        init,
                        chosen,
                        subset(dsd, fraction),
                        token_cache=token_cache,
                        setup=f"recipe {fraction:.0%} rows",
                        **common,
                    )
                )
    report.complete = True
    report.save(output)
    return report


def new_report(dsd: Any, recipe: Recipe, device: str, data_source: str, command: str) -> PerfReport:
    import torch

    env = environment(device)
    env["git_commit"] = git_commit(Path(__file__).parent)
    return PerfReport(
        device=device,
        threads=torch.get_num_threads(),
        epochs=recipe.epochs,
        seed=recipe.seed,
        data={
            "source": data_source,
            "fingerprint": fingerprint(dsd),
            "rows": {k: len(v) for k, v in dsd.items()},
        },
        environment=env,
        command=command,
        created_at=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    )
