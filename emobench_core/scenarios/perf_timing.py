"""The step benchmark's clock (``emobench perf --steps``): each variant built, warmed up, then
timed in interleaved rounds, and profiled.

Variants timed one after another drifted with their place in the order: in one run the same
recipe timed twice differed by 1.12x and 1.09x, the first-timed the slower
(``results/perf/RUN.md``). Here every variant is built and warmed up before any is timed, and the
timed steps run in rounds, one per variant, each variant taking its share of a round's steps in
turn with the order rotated one place a round, so each variant is timed first once and a drift
over the run falls on all of them alike.
"""

from __future__ import annotations

import contextlib
import dataclasses
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from emobench_core.config import Recipe
from emobench_core.measure.flops import EncoderShape
from emobench_core.measure.profiling import EMBEDDING_BACKWARD, kernel_shares
from emobench_core.models.spec import ModelSpec
from emobench_core.scenarios.perf_optim import updater
from emobench_core.scenarios.perf_runs import build_for_perf, prepared, sync_device
from emobench_core.schema.perf_steps import RECIPE, StepRow
from emobench_core.training.batches import PaddedSplit
from emobench_core.training.trainer import BF16, precision

BF16_MASTER = "bf16 weights, fp32 master weights"


SPARSE_NOTE = (
    "word embeddings with a sparse gradient (the rows of the batch's tokens), updated by "
    "torch.optim.SparseAdam (lazy moments, no weight decay); the rest by the recipe's AdamW"
)
FROZEN_NOTE = "word embeddings frozen: no dense gradient, no optimizer update for them"
BF16_NOTE = (
    "weights held in bf16 (no autocast), with fp32 master copies that AdamW updates and copies "
    "back after each step"
)


@dataclass(frozen=True)
class Variant:
    """One way to run the step: the recipe, or the recipe with one thing changed."""

    name: str
    recipe: Recipe
    threads: int | None = None
    frozen_embeddings: bool = False
    bf16_weights: bool = False
    parts: tuple[Variant, ...] = ()
    """The single changes a combined variant (``--ab a=x,b=y``) applies, in order."""
    note: str = ""
    """What the change does, where its name does not say it."""

    @property
    def steps_only(self) -> bool:
        """Timed by the step benchmark only: no recipe field says it, so no fine-tuning runs it."""
        return bool(self.threads or self.frozen_embeddings or self.bf16_weights)

    @property
    def change(self) -> str:
        if self.parts:
            return "; and ".join(part.change for part in self.parts)
        if self.note:
            return self.note
        return "the recipe" if self.name == RECIPE else f"the recipe with {self.name}"


def epoch_batches(lengths: np.ndarray, batch_size: int, seed: int) -> list[np.ndarray]:
    """One epoch's batches (row indices) as the recipe draws them: transformers'
    ``LengthGroupedSampler`` on the stored lengths, seeded."""
    import torch
    from transformers.trainer_pt_utils import LengthGroupedSampler

    generator = torch.Generator().manual_seed(seed)
    sampler = LengthGroupedSampler(batch_size, lengths=lengths.tolist(), generator=generator)
    order = np.fromiter(iter(sampler), dtype=np.int64, count=len(lengths))
    return [order[i : i + batch_size] for i in range(0, len(order), batch_size)]


def spread(batches: Sequence[np.ndarray], count: int) -> list[np.ndarray]:
    """``count`` batches spread evenly over the epoch (cycling when it has fewer)."""
    if count <= len(batches):
        picks = np.linspace(0, len(batches), count, endpoint=False).astype(int)
    else:
        picks = np.arange(count) % len(batches)
    return [batches[int(i)] for i in picks]


def _batch(split: PaddedSplit, idx: np.ndarray, device: str) -> dict[str, Any]:
    return {k: v.to(device) for k, v in split.__getitems__(idx.tolist()).items()}


@dataclass
class _Timed:
    """One variant built and ready to step, with what its timed steps have added up."""

    variant: Variant
    step: Any  # Callable[[np.ndarray], tuple[float, float, float]]
    batches: list[np.ndarray]
    shape: EncoderShape
    threads: int
    split_lengths: np.ndarray
    device: str
    phases: np.ndarray = dataclasses.field(default_factory=lambda: np.zeros(3))
    warmup_s: float = 0.0


@contextlib.contextmanager
def _threads(count: int) -> Any:
    import torch

    before = torch.get_num_threads()
    torch.set_num_threads(count)
    try:
        yield
    finally:
        torch.set_num_threads(before)


def _prepare(
    spec: ModelSpec,
    init: str,
    variant: Variant,
    split: PaddedSplit,
    labels: Sequence[str],
    *,
    steps: int,
    device: str,
    vocab_dir: Any,
) -> _Timed:
    """Build ``spec`` the ``variant`` way: its model, optimizer update and timed step."""
    import torch

    recipe = variant.recipe
    model, _ = build_for_perf(spec, init, recipe.seed, vocab_dir, device, labels)
    model.train()
    if variant.frozen_embeddings:
        model.get_input_embeddings().weight.requires_grad_(False)
    forward = prepared(model, recipe, device)
    update = updater(
        model,
        recipe,
        recipe.lr_for(init),
        bf16_weights=variant.bf16_weights,
    )
    bf16 = precision(recipe, device) == BF16 and not variant.bf16_weights
    autocast = torch.autocast(device_type=device, dtype=torch.bfloat16) if bf16 else None

    def step(idx: np.ndarray) -> tuple[float, float, float]:
        batch = _batch(split, idx, device)
        sync_device(device)
        t0 = time.perf_counter()
        with autocast or contextlib.nullcontext():
            loss = forward(**batch).loss
        sync_device(device)
        t1 = time.perf_counter()
        loss.backward()
        sync_device(device)
        t2 = time.perf_counter()
        update()
        sync_device(device)
        return t1 - t0, t2 - t1, time.perf_counter() - t2

    return _Timed(
        variant=variant,
        step=step,
        batches=spread(epoch_batches(split.lengths, recipe.batch_size, recipe.seed), steps),
        shape=EncoderShape.from_config(model.config.to_dict()),
        threads=variant.threads or torch.get_num_threads(),
        split_lengths=split.lengths,
        device=device,
    )


def _profile(timed: _Timed, profile_steps: int) -> tuple[dict[str, float], list[Any], Any]:
    """Kernel shares, top operators and the embedding backward's seconds a step, from
    ``profile_steps`` steps under ``torch.profiler`` (nothing when 0)."""
    if not profile_steps:
        return {}, [], None
    from torch.profiler import ProfilerActivity, profile

    with _threads(timed.threads), profile(activities=[ProfilerActivity.CPU]) as prof:
        for idx in timed.batches[:profile_steps]:
            timed.step(idx)
    events = prof.key_averages()
    profiled = min(profile_steps, len(timed.batches))
    shares, top = kernel_shares([(e.key, e.self_cpu_time_total / 1e6) for e in events], profiled)
    embedding_s = next(
        (e.cpu_time_total / 1e6 / profiled for e in events if e.key == EMBEDDING_BACKWARD),
        None,
    )
    return shares, top, embedding_s


def _row(spec: ModelSpec, init: str, timed: _Timed, profile_steps: int) -> StepRow:
    """The variant's row: its timed phases, its work counted from its batches, its profile."""
    variant, recipe, shape = timed.variant, timed.variant.recipe, timed.shape
    shares, top, embedding_s = _profile(timed, profile_steps)
    lengths = [timed.split_lengths[idx] for idx in timed.batches]
    return StepRow(
        model=spec.name,
        init=init,
        variant=variant.name,
        change=variant.change,
        precision=BF16_MASTER if variant.bf16_weights else precision(recipe, timed.device),
        threads=timed.threads,
        batch_size=recipe.batch_size,
        steps=len(timed.batches),
        non_embedding_params=shape.non_embedding_params,
        real_tokens=int(sum(int(x.sum()) for x in lengths)),
        padded_tokens=sum(len(x) * int(x.max()) for x in lengths),
        flops=sum(len(x) * int(x.max()) * shape.flops_per_token(int(x.max())) for x in lengths),
        useful_flops=sum(shape.sequence_flops(x.tolist()) for x in lengths),
        forward_s=float(timed.phases[0]),
        backward_s=float(timed.phases[1]),
        optimizer_s=float(timed.phases[2]),
        warmup_s=timed.warmup_s,
        kernel_shares=shares,
        top_ops=top,
        embedding_backward_s=embedding_s,
    )


def schedule(variants: int, steps: Sequence[int]) -> list[tuple[int, int]]:
    """The order of the timed steps: ``(variant, step)`` pairs in as many rounds as there are
    variants; in round ``r`` each variant runs its ``r``-th share of its ``steps`` in turn,
    starting from variant ``r``, so each variant is timed first in one round."""
    order: list[tuple[int, int]] = []
    for r in range(variants):
        for v in [*range(r, variants), *range(r)]:
            share = np.array_split(np.arange(steps[v]), variants)[r]
            order.extend((v, int(i)) for i in share)
    return order


def time_variants(
    spec: ModelSpec,
    init: str,
    chosen: Sequence[Variant],
    split: PaddedSplit,
    labels: Sequence[str],
    *,
    steps: int,
    warmup: int,
    profile_steps: int,
    device: str = "cpu",
    vocab_dir: Any = None,
) -> list[StepRow]:
    """One :class:`StepRow` per variant of ``chosen``, their timed steps interleaved.

    Every variant is built and warmed up (``warmup`` untimed steps) before any is timed; then the
    ``steps`` timed steps run in as many rounds as there are variants, each variant taking its
    share of a round's steps in turn, the order rotated one place a round, so each variant is
    timed first once. Timing them one after another instead favoured the later ones (a 1.1x
    order effect on the same recipe in one run: results/perf/RUN.md). A few more steps under
    ``torch.profiler`` follow, per variant.
    """
    import torch

    prepared_ = []
    for variant in chosen:
        with _threads(variant.threads or torch.get_num_threads()):
            prepared_.append(
                _prepare(
                    spec,
                    init,
                    variant,
                    split,
                    labels,
                    steps=steps,
                    device=device,
                    vocab_dir=vocab_dir,
                )
            )
    for timed in prepared_:
        with _threads(timed.threads):
            start = time.perf_counter()
            for idx in timed.batches[:warmup] or timed.batches[:1]:
                timed.step(idx)
            timed.warmup_s = time.perf_counter() - start
    for which, i in schedule(len(prepared_), [len(p.batches) for p in prepared_]):
        timed = prepared_[which]
        with _threads(timed.threads):
            timed.phases += np.array(timed.step(timed.batches[i]))
    return [_row(spec, init, timed, profile_steps) for timed in prepared_]
