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

This module plans a run (:class:`PerfPlan`, :func:`ladder`) and saves each row as it comes;
the timed runs are in :mod:`~.perf_runs`, the rows and their JSON in
:mod:`~emobench_core.schema.perf`, the tables in :mod:`~emobench_core.report.perf`.

    emobench perf --models bert-tiny,bert-mini --init random --ladder bert-tiny \\
        --scaling bert-tiny --output results/perf/perf-cpu.json
"""

from __future__ import annotations

import dataclasses
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emobench_core.cache import CheckpointCache
from emobench_core.config import Recipe, RecipeRequest
from emobench_core.data.loading import sample_train_rows
from emobench_core.measure.matmul import SQUARE, machine_record, matmul_rows
from emobench_core.models.recipes import recipe_for
from emobench_core.models.spec import ModelSpec
from emobench_core.scenarios import (  # called as perf_runs.run_*: tests stub them there
    perf_runs,
    perf_step,
)
from emobench_core.scenarios.perf_runs import Setup
from emobench_core.scenarios.provenance import data_record, now, run_environment
from emobench_core.schema.perf import AB_PREFIX, NAIVE_CHANGE, PerfReport, PerfRow, ladder_steps

log = logging.getLogger(__name__)

NAIVE = Setup("naive", NAIVE_CHANGE)


def ladder(device: str, recipe: Recipe) -> list[Setup]:
    """The naive setup, then the recipe's changes added one at a time (cumulative), in the
    order of :func:`~emobench_core.schema.perf.ladder_steps` (the names the report reads back)."""
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
        "padded-batches": (
            "pre-padded batches, sampler on stored lengths (no per-batch padding in Python)",
            {"padded_batches": True},
        ),
        "cpu-bf16": ("bf16 autocast on a CPU with native bf16", {"cpu_bf16": True}),
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


def subset(dsd: Any, fraction: float) -> Any:
    """``dsd`` with ``fraction`` of its training rows, drawn as ``load_data`` draws them."""
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
    lean: bool = True
    """Also time the lean reference loop (:func:`~.perf_runs.run_lean`)."""
    fine_tune: bool = True
    """Time the fine-tuning rows (recipe, lean, naive, ladder, scaling); off: the peak and the
    step benchmark only."""
    steps: int = 0
    """Training steps timed per model and variant (:mod:`~.perf_step`); 0: no step benchmark
    and no matmul peak."""
    warmup: int = 3
    profile_steps: int = 3
    ab: list[str] = field(default_factory=list)
    """``FIELD=VALUE`` (a recipe field) or ``threads=N``: each a step-benchmark variant."""
    ab_runs: list[str] = field(default_factory=list)
    """Models that also get a recipe row (a whole fine-tuning) per recipe-field ``ab``."""
    embedding_cost: list[str] = field(default_factory=list)
    """Models whose step benchmark also runs with the word embeddings frozen."""
    squares: tuple[int, ...] = (1024, 2048)
    """Sizes of the square matmuls of the peak."""


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
    request: RecipeRequest | None = None,
) -> PerfReport:
    """Run ``plan``, saving ``report`` (atomically) after every row; ``complete`` at the end.

    ``recipe`` is the shared recipe of the run; each model trains with ``request`` (what was
    asked; default: ``recipe``'s seed) resolved against its own registry entry."""
    request = request if request is not None else RecipeRequest(seed=recipe.seed)
    token_cache = CheckpointCache(workdir / "tokens")
    common = {"workdir": workdir, "device": device, "vocab_dir": vocab_dir, "quiet": quiet}

    def add(row: PerfRow) -> None:
        report.rows.append(row)
        report.save(output)
        log.info("%s %s %s: %.1f s", row.model, row.init, row.setup, row.total_s)

    if plan.steps and device == "cpu":
        report.machine = machine_record()
        report.matmuls += matmul_rows([(SQUARE, (n, n, n)) for n in plan.squares])
        report.save(output)
    for spec, init in plan.models:
        if plan.steps:
            _steps(plan, spec, init, recipe_for(spec, request), dsd, report, token_cache, common)
            report.save(output)
        if plan.fine_tune:
            _fine_tune(plan, spec, init, (recipe, request), dsd, add, token_cache, common)
    report.complete = True
    report.save(output)
    return report


def _steps(
    plan: PerfPlan,
    spec: ModelSpec,
    init: str,
    recipe: Recipe,
    dsd: Any,
    report: PerfReport,
    token_cache: CheckpointCache,
    common: dict[str, Any],
) -> None:
    """The step benchmark of one model, and the matmul rates at its step's shapes (CPU)."""
    chosen = perf_step.variants(recipe, plan.ab, embedding_cost=spec.name in plan.embedding_cost)
    padding, shape, rows = perf_step.step_rows(
        spec,
        init,
        recipe,
        dsd,
        chosen,
        token_cache=token_cache,
        steps=plan.steps,
        warmup=plan.warmup,
        profile_steps=plan.profile_steps,
        device=common["device"],
        vocab_dir=common["vocab_dir"],
    )
    report.padding += padding
    report.steps += rows
    if common["device"] == "cpu":
        pad = next(p for p in padding if p.batch_size == recipe.batch_size)
        tokens = pad.padded_tokens // pad.batches  # a mean batch's token slots
        shapes = shape.matmul_shapes(tokens).items()
        report.matmuls += matmul_rows([(f"{spec.name} {role}", mkn) for role, mkn in shapes])
    for row in rows:
        log.info("%s %s: %.1f ms a step", row.model, row.variant, 1000 * row.step_s)


def _fine_tune(
    plan: PerfPlan,
    spec: ModelSpec,
    init: str,
    recipes: tuple[Recipe, RecipeRequest],
    dsd: Any,
    add: Any,
    token_cache: CheckpointCache,
    common: dict[str, Any],
) -> None:
    """The fine-tuning rows of one model: recipe (its learning rate chosen where asked), lean,
    naive, ladder, the recipe's A/B rows, scaling. ``recipes``: the run's shared recipe and
    what was asked (resolved against the model's registry entry)."""
    recipe, request = recipes
    kw = {"token_cache": token_cache, **common}
    lrs = plan.lr_candidates.get(spec.name, []) if init == "random" else []
    if lrs:
        candidates = [
            perf_runs.run_recipe(
                spec,
                init,
                recipe.replace(learning_rate_random=lr),
                dsd,
                setup=f"recipe lr={lr:g}",
                **kw,
            )
            for lr in lrs
        ]
        best = max(candidates, key=lambda r: r.val_macro_f1 or 0.0)
        for row in candidates:
            chosen_row = row is best
            setup = "recipe" if chosen_row else row.setup
            add(dataclasses.replace(row, setup=setup, selected=chosen_row))
        chosen = recipe.replace(learning_rate_random=best.learning_rate)
    else:
        chosen = recipe_for(spec, request)
        add(perf_runs.run_recipe(spec, init, chosen, dsd, **kw))
    if plan.lean:
        add(perf_runs.run_lean(spec, init, chosen, dsd, **kw))
    if plan.naive:
        add(perf_runs.run_setup(NAIVE, spec, init, chosen, dsd, **common))
    if spec.name in plan.ladder:
        steps = ladder(common["device"], chosen)
        first = [s.name for s in steps].index(plan.ladder_from) if plan.ladder_from else 1
        for step in steps[max(first, 1) :]:
            add(perf_runs.run_setup(step, spec, init, chosen, dsd, **common))
    if spec.name in plan.ab_runs:
        for variant in perf_step.variants(chosen, plan.ab, embedding_cost=False)[1:]:
            if not variant.steps_only:  # no recipe field says it: timed by the steps only
                setup = f"{AB_PREFIX}{variant.name}"
                add(perf_runs.run_recipe(spec, init, variant.recipe, dsd, setup=setup, **kw))
    for fraction in plan.fractions if spec.name in plan.scaling else ():
        setup = f"recipe {fraction:.0%} rows"
        add(perf_runs.run_recipe(spec, init, chosen, subset(dsd, fraction), setup=setup, **kw))


def new_report(dsd: Any, recipe: Recipe, device: str, data_source: str, command: str) -> PerfReport:
    import torch

    return PerfReport(
        device=device,
        threads=torch.get_num_threads(),
        epochs=recipe.epochs,
        seed=recipe.seed,
        data=data_record(dsd, data_source),
        environment=run_environment(device),
        command=command,
        created_at=now(),
    )
