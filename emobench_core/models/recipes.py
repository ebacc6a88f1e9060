"""The recipe settled once: a run's :class:`~emobench_core.config.RecipeRequest` and a model's
registry entry resolved into the effective :class:`~emobench_core.config.Recipe`, with the source
of every field.

Training, the checkpoint-cache key, the results file and the staleness check all read the one
:class:`ResolvedRecipe` this module returns; nothing else compares a value with a default to
guess whether it was asked for.

    emobench run --models bert-tiny --init random --epochs 4   # 4 epochs, source "option"
    pytest bench --emobench-epochs 4                           # the same
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from emobench_core.config import (
    RECIPE_FIELDS,
    SHARED_LEARNING_RATE_RANDOM,
    Recipe,
    RecipeRequest,
)
from emobench_core.models.spec import CPU_ATTENTION_SOURCE, ModelSpec

ASKED = "option"
"""The source of a field the request gave (an option, a profile or a caller)."""
DEFAULT = "shared default"
"""The source of a field nobody asked for and the registry does not choose."""


@dataclass(frozen=True)
class ResolvedRecipe:
    """What one model trains with: the request, the effective recipe, and where each field of
    the recipe came from (:data:`ASKED`, ``"registry (FILE)"`` or :data:`DEFAULT`)."""

    request: RecipeRequest
    recipe: Recipe
    sources: Mapping[str, str]

    @property
    def recorded_sources(self) -> dict[str, str]:
        """The sources a results file records: the fields a model's registry entry may choose
        (the random-init rate and budget), as every results file has recorded them."""
        return {k: self.sources[k] for k in ("learning_rate_random", "epochs_random")}


def resolve_recipe(spec: ModelSpec, request: RecipeRequest | None = None) -> ResolvedRecipe:
    """The effective recipe of ``spec`` under ``request``.

    - Every field the request gives wins, even one equal to a default.
    - ``epochs_random`` (the random-init budget): the request's ``epochs_random``, else its
      ``epochs`` (the budget of both inits), else the registry's choice for ``spec``
      (``"registry (FILE)"``, the committed tuning run it cites), else the shared ``epochs``.
    - ``learning_rate_random``: the request's, else the registry's, else
      :data:`~emobench_core.config.SHARED_LEARNING_RATE_RANDOM`.
    - ``cpu_attn_implementation``: the request's, else the registry's for ``spec``
      (``"registry (results/perf/perf-cpu-attn.json)"``), else transformers' own choice.
    - Any other field: the request's, else :class:`~emobench_core.config.Recipe`'s default.

    The result has every field concrete: it is what trains and what a results file records.
    """
    request = request if request is not None else RecipeRequest()
    cited = f"registry ({spec.recipe_source})" if spec.recipe_source else "registry"
    values: dict[str, Any] = {}
    sources: dict[str, str] = {}
    shared = Recipe()
    for name in RECIPE_FIELDS:
        if name in request:
            values[name], sources[name] = request[name], ASKED
        else:
            values[name], sources[name] = getattr(shared, name), DEFAULT
    if "epochs_random" not in request:
        if "epochs" in request:
            values["epochs_random"], sources["epochs_random"] = request["epochs"], ASKED
        elif spec.epochs_random is not None:
            values["epochs_random"], sources["epochs_random"] = spec.epochs_random, cited
        else:
            values["epochs_random"] = shared.epochs
    if "learning_rate_random" not in request:
        if spec.learning_rate_random is not None:
            values["learning_rate_random"] = spec.learning_rate_random
            sources["learning_rate_random"] = cited
        else:
            values["learning_rate_random"] = SHARED_LEARNING_RATE_RANDOM
    if "cpu_attn_implementation" not in request and spec.cpu_attn_implementation is not None:
        values["cpu_attn_implementation"] = spec.cpu_attn_implementation
        sources["cpu_attn_implementation"] = f"registry ({CPU_ATTENTION_SOURCE})"
    return ResolvedRecipe(request, Recipe(**values), sources)


def recipe_for(spec: ModelSpec, request: RecipeRequest | None = None) -> Recipe:
    """The effective recipe of ``spec`` under ``request`` (:func:`resolve_recipe`)."""
    return resolve_recipe(spec, request).recipe
