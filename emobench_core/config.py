"""Typed configuration: the one fine-tuning recipe shared by every model, and what a run asks of it.

The label set is not configuration: it travels with the data (its ``ClassLabel``, read by
:func:`emobench_core.data.fingerprint.label_names`).

Everything that determines a fine-tuned checkpoint is in :class:`Recipe`; its
:meth:`Recipe.to_dict` feeds the checkpoint-cache key, so changing any field retrains.

Front ends (the command line, the pytest harness, a profile, the Python API) record only what
was asked, as a :class:`RecipeRequest`; one function,
:func:`emobench_core.models.recipes.resolve_recipe`, turns a request and a model's registry
entry into the effective :class:`Recipe` and the source of each field.

    emobench run --models bert-tiny --epochs 5 --output runs/
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any, Literal

Init = Literal["pretrained", "random"]
INITS: tuple[str, ...] = ("pretrained", "random")
SHARED_LEARNING_RATE_RANDOM = 5e-4
"""The random-init rate of an architecture without its own choice in the registry."""
ADDED_LATER: dict[str, Any] = {
    "compile": False,
    "attn_implementation": None,
    "cpu_attn_implementation": None,
    "sparse_embeddings": False,
}
"""Recipe fields added after results files began to record the recipe, each with the value
those older files implied (what the code of their time did). :meth:`Recipe.to_dict` leaves such
a field out while it holds that value, so cache keys, recorded recipes and the staleness check
of older rows stay as they were; :meth:`Recipe.from_dict` reads a missing one as that value."""
ATTN_IMPLEMENTATIONS = (None, "eager", "sdpa")


def _positive(value: float) -> bool:
    """A finite number above 0 (``inf`` and ``nan`` are not learning rates)."""
    return math.isfinite(value) and value > 0


@dataclass(frozen=True)
class Recipe:
    """The fine-tuning recipe shared by all transformer models.

    Model selection uses the validation split only: evaluate after every epoch and keep the
    checkpoint with the best validation macro-F1. The linear schedule (with warm-up) spans
    ``epochs``, so the last epoch ends annealed.

    Distillation (students only): ``kd_alpha`` weighs the gold-label cross-entropy against the
    teacher term and ``kd_temperature`` softens both distributions (Hinton et al. 2015; alpha 0.5
    and T 3 as in the published BERT-Tiny KD row of ANCHORS.md).

    Learning rates: ``learning_rate`` applies to pretrained weights (the usual BERT
    fine-tuning range); ``learning_rate_random`` to randomly initialised weights, which need a
    larger step to learn from scratch. Both were chosen on the validation split (see README,
    "Recipe") and each result records the one it used.
    """

    max_length: int = 128
    batch_size: int = 32
    eval_batch_size: int = 256
    epochs: int = 4
    """The epoch budget; the learning-rate schedule is fitted to it and ends where training
    ends (no early stopping). Chosen with the learning rate on validation (``emobench tune``);
    an architecture's own choice is in the registry."""
    epochs_random: int | None = None
    """The budget for randomly initialised weights where it differs from ``epochs`` (an
    architecture's own choice, see ``ModelSpec.epochs_random``); ``None``: ``epochs``."""
    learning_rate: float = 5e-5
    learning_rate_random: float | None = None
    """The random-init rate; ``None``: the architecture's own choice (registry), else
    :data:`SHARED_LEARNING_RATE_RANDOM`. A value given here always wins, even one equal to a
    default (``recipe_for`` resolves it and records where it came from)."""
    weight_decay: float = 0.01
    warmup_ratio: float = 0.1
    lr_scheduler: str = "linear"
    optimizer: str = "adamw_torch_fused"
    early_stopping_patience: int | None = None
    """Stop after this many epochs without a better validation macro-F1; ``None`` (the
    recipe): train the whole budget, so the schedule anneals to zero, and keep the best epoch."""
    seed: int = 42
    max_train_rows: int | None = None
    group_by_length: bool = True
    cuda_bf16: bool = False
    """bf16 autocast on CUDA. Off: on an H100 the recipe's steps were slower with it
    (results/perf, run 1 against run 2), likely because such small models are bound by kernel
    launches and autocast adds casts; TF32 matmuls stay on."""
    cpu_bf16: bool = True
    """bf16 autocast on a CPU that computes bf16 natively (AVX512-BF16 or AMX); fp32 on other
    CPUs. Each result records the precision it trained in (``training.precision``)."""
    padded_batches: bool = True
    """Train on pre-padded, length-grouped batches (:mod:`emobench_core.training.batches`)
    instead of padding every batch in Python."""
    kd_alpha: float = 0.5
    kd_temperature: float = 3.0
    compile: bool = False
    """``torch.compile`` the model for training (the Trainer's ``torch_compile``): pays only in
    runs long enough to repay the compile time (``emobench perf --ab compile=true``)."""
    attn_implementation: str | None = None
    """The attention kernel on every device, ``"sdpa"`` or ``"eager"``; ``None``:
    ``cpu_attn_implementation`` on a CPU, transformers' own choice on CUDA (sdpa for BERT and
    DistilBERT in transformers 5). See :meth:`attention`."""
    cpu_attn_implementation: str | None = None
    """The attention kernel when training on a CPU and ``attn_implementation`` is ``None``;
    ``None``: transformers' own choice. The registry sets it per architecture where it was
    measured faster (:attr:`~emobench_core.models.spec.ModelSpec.cpu_attn_implementation`)."""
    sparse_embeddings: bool = False
    """Train the word embeddings with a sparse gradient (the rows of the batch's tokens),
    updated by ``torch.optim.SparseAdam`` (lazy moments, no weight decay on them), every other
    weight by the recipe's AdamW, one norm clipping both (:mod:`emobench_core.training.sparse`).
    Off: the dense gradient and AdamW over the whole table."""

    def __post_init__(self) -> None:
        checks: list[tuple[str, Any, bool, str]] = [
            ("max_length", self.max_length, 8 <= self.max_length <= 512, "be in [8, 512]"),
            ("batch_size", self.batch_size, self.batch_size >= 1, "be >= 1"),
            ("eval_batch_size", self.eval_batch_size, self.eval_batch_size >= 1, "be >= 1"),
            ("epochs", self.epochs, self.epochs >= 1, "be >= 1"),
            (
                "epochs_random",
                self.epochs_random,
                self.epochs_random is None or self.epochs_random >= 1,
                "be >= 1 or None",
            ),
            ("learning_rate", self.learning_rate, _positive(self.learning_rate), "be finite, > 0"),
            (
                "learning_rate_random",
                self.learning_rate_random,
                self.learning_rate_random is None or _positive(self.learning_rate_random),
                "be finite, > 0, or None",
            ),
            ("weight_decay", self.weight_decay, self.weight_decay >= 0, "be >= 0"),
            ("warmup_ratio", self.warmup_ratio, 0 <= self.warmup_ratio < 1, "be in [0, 1)"),
            (
                "early_stopping_patience",
                self.early_stopping_patience,
                self.early_stopping_patience is None or self.early_stopping_patience >= 1,
                "be >= 1 or None",
            ),
            ("seed", self.seed, self.seed >= 0, "be >= 0"),
            ("kd_alpha", self.kd_alpha, 0 <= self.kd_alpha <= 1, "be in [0, 1]"),
            (
                "kd_temperature",
                self.kd_temperature,
                _positive(self.kd_temperature),
                "be finite, > 0",
            ),
            (
                "max_train_rows",
                self.max_train_rows,
                self.max_train_rows is None or self.max_train_rows >= 1,
                "be >= 1 or None",
            ),
        ]
        attn, attn_ok = self.attn_implementation, self.attn_implementation in ATTN_IMPLEMENTATIONS
        checks.append(("attn_implementation", attn, attn_ok, "be sdpa, eager or None"))
        cpu_attn = self.cpu_attn_implementation
        cpu_ok = cpu_attn in ATTN_IMPLEMENTATIONS
        checks.append(("cpu_attn_implementation", cpu_attn, cpu_ok, "be sdpa, eager or None"))
        for name, value, ok, rule in checks:
            if not ok:
                raise ValueError(f"`recipe.{name}` ({value!r}) must {rule}")

    def attention(self, device: str) -> str | None:
        """The attention kernel this recipe trains with on ``device`` (``None``: transformers'
        own choice): ``attn_implementation`` where set, else ``cpu_attn_implementation`` on a
        CPU."""
        if self.attn_implementation is not None:
            return self.attn_implementation
        return self.cpu_attn_implementation if device == "cpu" else None

    def lr_for(self, init: str) -> float:
        """The learning rate this recipe uses for weights initialised as ``init``."""
        if init not in INITS:
            raise ValueError(f"`init` ({init!r}) must be one of {', '.join(INITS)}")
        if init == "pretrained":
            return self.learning_rate
        if self.learning_rate_random is None:
            return SHARED_LEARNING_RATE_RANDOM
        return self.learning_rate_random

    def epochs_for(self, init: str) -> int:
        """The epoch budget this recipe uses for weights initialised as ``init``."""
        if init not in INITS:
            raise ValueError(f"`init` ({init!r}) must be one of {', '.join(INITS)}")
        if init == "random" and self.epochs_random is not None:
            return self.epochs_random
        return self.epochs

    def replace(self, **changes: Any) -> Recipe:
        """A copy with ``changes`` applied (validated again)."""
        return dataclasses.replace(self, **changes)

    def to_dict(self) -> dict[str, Any]:
        """Every field, less those of :data:`ADDED_LATER` that hold their implied value."""
        data = dataclasses.asdict(self)
        return {k: v for k, v in data.items() if k not in ADDED_LATER or v != ADDED_LATER[k]}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Recipe:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown recipe field(s) {unknown}; known: {sorted(known)}")
        return cls(**{**ADDED_LATER, **data})


RECIPE_FIELDS: tuple[str, ...] = tuple(f.name for f in dataclasses.fields(Recipe))


class RecipeRequest(Mapping[str, Any]):
    """What a run asked of the recipe: the fields given (``None`` = not asked), nothing else.

    A request is immutable and validated on construction (unknown names and bad values raise
    ``ValueError`` naming the field). Asking for a value equal to a default still counts as
    asking: the registry's choice for a model never overrides it. ``epochs`` is the budget of
    both inits; ``epochs_random`` (random init only) wins over it.

        RecipeRequest(epochs=4, max_train_rows=2000)
    """

    __slots__ = ("_asked",)
    _asked: dict[str, Any]

    def __init__(self, **asked: Any) -> None:
        asked = {k: v for k, v in asked.items() if v is not None}
        unknown = sorted(set(asked) - set(RECIPE_FIELDS))
        if unknown:
            raise ValueError(f"unknown recipe field(s) {unknown}; known: {sorted(RECIPE_FIELDS)}")
        Recipe(**asked)  # each value checked by the recipe's own rules
        object.__setattr__(self, "_asked", {k: asked[k] for k in RECIPE_FIELDS if k in asked})

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> RecipeRequest:
        """The request a results file recorded (``recipe_request``); ``None``: nothing asked."""
        return cls(**dict(data or {}))

    def __getitem__(self, name: str) -> Any:
        return self._asked[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._asked)

    def __len__(self) -> int:
        return len(self._asked)

    def __setattr__(self, name: str, value: Any) -> None:
        raise AttributeError(f"a RecipeRequest is immutable; use .replace({name}=...)")

    def __eq__(self, other: object) -> bool:
        if isinstance(other, RecipeRequest):
            return self._asked == other._asked
        return NotImplemented

    def __hash__(self) -> int:
        return hash(tuple(self._asked.items()))

    def __repr__(self) -> str:
        return f"RecipeRequest({', '.join(f'{k}={v!r}' for k, v in self._asked.items())})"

    def replace(self, **changes: Any) -> RecipeRequest:
        """A copy with ``changes`` asked on top (a ``None`` value leaves a field as it was)."""
        return RecipeRequest(
            **{**self._asked, **{k: v for k, v in changes.items() if v is not None}}
        )

    def to_dict(self) -> dict[str, Any]:
        """The asked fields, as a results file records them (``recipe_request``)."""
        return dict(self._asked)


RECIPE_OPTIONS: tuple[tuple[str, type, str], ...] = (
    (
        "epochs",
        int,
        "the epoch budget, for both inits; default: {epochs}, or the model's own "
        "random-init budget (registry)",
    ),
    (
        "epochs_random",
        int,
        "the budget for random init only (wins over --epochs there); "
        "default: --epochs, else the model's own (registry), else {epochs}",
    ),
    ("batch_size", int, "default: {batch_size}"),
    ("max_length", int, "default: {max_length}"),
    ("learning_rate", float, "for pretrained weights; default: {learning_rate}"),
    (
        "learning_rate_random",
        float,
        "for random init; default: the model's own (registry), "
        "else {shared_random}; a value given here always wins",
    ),
    ("max_train_rows", int, "train on a seeded sample of this many rows; default: all"),
)
"""The recipe options every front end offers, as ``(field, type, help)``: the command line as
``--epochs``, the pytest harness as ``--emobench-epochs``. An option left out is not asked for
(``None``), so the model's registry entry or the shared default fills it
(:func:`emobench_core.models.recipes.resolve_recipe`)."""


def recipe_option_help(template: str) -> str:
    """An option's help with the shared recipe's defaults filled in."""
    return template.format(**Recipe().to_dict(), shared_random=SHARED_LEARNING_RATE_RANDOM)
