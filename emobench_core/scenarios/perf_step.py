"""Where a training step's time goes, against the machine's own peak (``emobench perf --steps``).

For each architecture: the recipe's batches (pre-padded, length-grouped) are drawn for one epoch,
which gives the padding work (:class:`~emobench_core.schema.perf_steps.PaddingRow`); then ``steps``
of them, spread over the epoch, are trained one at a time with the forward pass, the backward pass
and the optimizer step (clipping, fused AdamW, zeroing) each timed, after ``warmup`` untimed steps
(which absorb ``torch.compile``'s compile time), and a few more run under ``torch.profiler`` to
split the time by kind of kernel. Each *variant* repeats this with one thing changed: a recipe
field (``compile=true``, ``attn_implementation=sdpa``, ``cpu_bf16=false``, ``batch_size=64``),
the thread count (``threads=1``), the word embeddings' gradient made sparse and updated by
``torch.optim.SparseAdam`` (``embeddings=sparse``, the recipe field ``sparse_embeddings``), the
weights held in bf16 with fp32 master copies in the optimizer instead of autocast
(``weights=bf16``), or the word embeddings frozen (what their dense gradient and update cost).
The last two and ``threads`` are timed here only: no recipe field says them. All variants are
built and warmed up first, then their timed steps interleave
(:mod:`emobench_core.scenarios.perf_timing`). The FLOP count is
:mod:`emobench_core.measure.flops`'s; the peak is :mod:`emobench_core.measure.matmul`'s.

    emobench perf --models bert-tiny,bert-small --steps 20 --ab compile=true --output perf.json
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import Any

import numpy as np

from emobench_core.cache import CheckpointCache
from emobench_core.config import Recipe
from emobench_core.data.fingerprint import label_names
from emobench_core.measure.flops import EncoderShape
from emobench_core.models.spec import ModelSpec
from emobench_core.scenarios.perf_runs import build_for_perf
from emobench_core.scenarios.perf_timing import (
    BF16_NOTE,
    FROZEN_NOTE,
    SPARSE_NOTE,
    Variant,
    epoch_batches,
    time_variants,
)
from emobench_core.schema.perf_steps import FROZEN, RECIPE, PaddingRow, StepRow
from emobench_core.training.batches import PaddedSplit
from emobench_core.training.trainer import cached_tokenize

THREADS = "threads"
EMBEDDINGS = "embeddings"
WEIGHTS = "weights"
SPARSE_EMBEDDINGS = "embeddings=sparse"
BF16_WEIGHTS = "weights=bf16"
STEP_ONLY = {EMBEDDINGS: ("sparse", SPARSE_EMBEDDINGS), WEIGHTS: ("bf16", BF16_WEIGHTS)}


def _value(text: str) -> Any:
    lowered = text.strip().lower()
    if lowered in ("true", "false"):
        return lowered == "true"
    if lowered == "none":
        return None
    for kind in (int, float):
        try:
            return kind(text)
        except ValueError:
            pass
    return text.strip()


def parse_ab(spec: str, recipe: Recipe, option: str = "--ab") -> Variant:
    """A variant from ``FIELD=VALUE`` (a recipe field), ``threads=N``, ``embeddings=sparse`` or
    ``weights=bf16``, or several of them joined by commas (applied together, in order:
    ``attn_implementation=eager,embeddings=sparse``); ``option`` names the command-line option
    in the errors.

    Raises:
        ValueError: Not ``FIELD=VALUE``, an unknown field, or a value the recipe refuses.
    """
    parts = [p for p in spec.split(",") if p.strip()]
    if len(parts) < 2:
        return _parse_one(spec, recipe, option)
    singles: list[Variant] = []
    joined = Variant(RECIPE, recipe)
    for part in parts:
        one = _parse_one(part, joined.recipe, option)
        singles.append(one)
        joined = Variant(
            " + ".join(v.name for v in singles),
            one.recipe,
            threads=one.threads or joined.threads,
            bf16_weights=one.bf16_weights or joined.bf16_weights,
            parts=tuple(singles),
        )
    return joined


def _parse_one(spec: str, recipe: Recipe, option: str) -> Variant:
    name, sep, raw = spec.partition("=")
    name = name.strip().replace("-", "_")
    if not sep or not name:
        raise ValueError(f"{option} {spec!r} must be FIELD=VALUE, e.g. compile=true or threads=1")
    value = _value(raw)
    if name == THREADS:
        if not isinstance(value, int) or value < 1:
            raise ValueError(f"{option} {spec!r}: threads must be a whole number >= 1")
        return Variant(f"threads={value}", recipe, threads=value)
    if name in STEP_ONLY:
        allowed, variant_name = STEP_ONLY[name]
        if value != allowed:
            raise ValueError(f"{option} {spec!r}: {name} takes one value, {allowed}")
        if name == EMBEDDINGS:  # the recipe field, by the name of the first runs that timed it
            return Variant(variant_name, recipe.replace(sparse_embeddings=True), note=SPARSE_NOTE)
        return Variant(variant_name, recipe, bf16_weights=True, note=BF16_NOTE)
    known = [f.name for f in dataclasses.fields(Recipe)]
    if name not in known:
        raise ValueError(
            f"{option} {spec!r}: {name!r} is not a recipe field ({', '.join(known)}), "
            f"nor {THREADS}, {EMBEDDINGS} or {WEIGHTS}"
        )
    try:
        changed = recipe.replace(**{name: value})
    except ValueError as e:
        raise ValueError(f"{option} {spec!r}: {e}") from None
    return Variant(f"{name}={value!r}", changed)


def variants(recipe: Recipe, specs: Sequence[str], *, embedding_cost: bool) -> list[Variant]:
    """The recipe, each of ``specs`` (:func:`parse_ab`), then the word embeddings frozen."""
    out = [Variant(RECIPE, recipe), *(parse_ab(s, recipe) for s in specs)]
    if embedding_cost:
        out.append(Variant(FROZEN, recipe, frozen_embeddings=True, note=FROZEN_NOTE))
    return out


def padding_row(model: str, lengths: np.ndarray, batches: Sequence[np.ndarray]) -> PaddingRow:
    """The token slots of ``batches`` (each padded to its longest row) against the real
    tokens, and against batches of the same size cut from the rows sorted by length."""
    size = max(len(b) for b in batches)
    ordered = np.sort(lengths)
    cuts = [ordered[i : i + size] for i in range(0, len(ordered), size)]
    return PaddingRow(
        model=model,
        batch_size=size,
        batches=len(batches),
        real_tokens=int(lengths.sum()),
        padded_tokens=sum(len(b) * int(lengths[b].max()) for b in batches),
        sorted_padded_tokens=sum(len(c) * int(c.max()) for c in cuts),
    )


def train_split(
    spec: ModelSpec, init: str, recipe: Recipe, dsd: Any, token_cache: CheckpointCache, vocab: Any
) -> tuple[PaddedSplit, EncoderShape]:
    """The recipe's pre-padded training split for ``spec`` (tokenization cached) and the
    encoder's shape."""
    model, tokenizer = build_for_perf(spec, init, recipe.seed, vocab, "cpu", label_names(dsd))
    tokenized, _ = cached_tokenize(dsd, tokenizer, recipe.max_length, token_cache)
    names, pad = tokenizer.model_input_names, tokenizer.pad_token_id
    split = PaddedSplit(tokenized["train"], names, pad)
    return split, EncoderShape.from_config(model.config.to_dict())


def step_rows(
    spec: ModelSpec,
    init: str,
    recipe: Recipe,
    dsd: Any,
    chosen: Sequence[Variant],
    *,
    token_cache: CheckpointCache,
    steps: int,
    warmup: int = 3,
    profile_steps: int = 3,
    device: str = "cpu",
    vocab_dir: Any = None,
) -> tuple[list[PaddingRow], EncoderShape, list[StepRow]]:
    """The padding work of each batch size the variants use, the encoder's shape, and one
    :class:`StepRow` per variant."""
    split, shape = train_split(spec, init, recipe, dsd, token_cache, vocab_dir)
    sizes = sorted({v.recipe.batch_size for v in chosen})
    padding = [
        padding_row(spec.name, split.lengths, epoch_batches(split.lengths, size, recipe.seed))
        for size in sizes
    ]
    rows = time_variants(
        spec,
        init,
        chosen,
        split,
        label_names(dsd),
        steps=steps,
        warmup=warmup,
        profile_steps=profile_steps,
        device=device,
        vocab_dir=vocab_dir,
    )
    return padding, shape, rows
