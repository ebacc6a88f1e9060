"""Is a row current: would the current code, asked for the same run, train what the row recorded?

Each result records its effective recipe (every field the writing code had) and the recipe it
was asked for (``RunResult.recipe_request``: the fields asked, by the profile or the command
line; files from before requests were recorded as asked hold the fields that differed from the
defaults of the time). The current code resolves that same request with the one resolver
training uses (:func:`~emobench_core.models.recipes.resolve_recipe`: today's defaults, the
registry's tuned rates and budgets) and compares field by field, over the fields that change
what the model's kind trains. A field the row lacks (written by older code) or holds at
another value makes the row stale; the reasons say what changed.

    emobench report bench.json --results results/gpu   # stale rows shown apart, with reasons
"""

from __future__ import annotations

from typing import Any

from emobench_core.config import ADDED_LATER, RECIPE_FIELDS, RecipeRequest
from emobench_core.errors import RegistryError
from emobench_core.models.recipes import resolve_recipe
from emobench_core.models.registry import backend_for, get_spec
from emobench_core.schema.run import RunResult


def architecture(name: str) -> str:
    """The architecture of a row's model name: a distilled row's student
    (``"bert-tiny ← minilm-l6 (KD)"`` -> ``"bert-tiny"``), else the name itself."""
    return name.split(" ← ", 1)[0]


def request_of(result: RunResult) -> dict[str, Any]:
    """The recipe ``result`` was asked for; files from before it was recorded asked for the
    defaults, with their seed and row cap."""
    if result.recipe_request is not None:
        return dict(result.recipe_request)
    asked: dict[str, Any] = {"seed": result.seed}
    if result.recipe.get("max_train_rows") is not None:
        asked["max_train_rows"] = result.recipe["max_train_rows"]
    return asked


def current_recipe(result: RunResult) -> dict[str, Any]:
    """The effective recipe the current code would run for ``result``'s request."""
    spec = get_spec(architecture(result.model.name))
    known = set(RECIPE_FIELDS)
    asked = {k: v for k, v in request_of(result).items() if k in known}
    return resolve_recipe(spec, RecipeRequest(**asked)).recipe.to_dict()


def _show(value: Any) -> str:
    return "not recorded" if value is _MISSING else repr(value)


_MISSING = object()


def _recorded(result: RunResult, key: str) -> Any:
    """The value ``result`` trained with: as recorded, else (a field added to the recipe later)
    the value older files implied (:data:`~emobench_core.config.ADDED_LATER`)."""
    return result.recipe.get(key, ADDED_LATER.get(key, _MISSING))


def stale_reasons(result: RunResult) -> tuple[str, ...]:
    """Why ``result`` is not what the current code would produce (empty: it is current).

    One reason per differing field, ``"epochs: 10 (now 4)"``, in field order; a model the
    registry no longer knows is stale too.
    """
    try:
        spec = get_spec(architecture(result.model.name))
        current = current_recipe(result)
    except (RegistryError, TypeError, ValueError) as exc:
        return (f"the current code cannot resolve its recipe ({exc})",)
    fields = backend_for(spec).recipe_fields or tuple(current)
    return tuple(
        f"{key}: {_show(_recorded(result, key))} (now {current[key]!r})"
        for key in fields
        if _recorded(result, key) != current[key]
    )
