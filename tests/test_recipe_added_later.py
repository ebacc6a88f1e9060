"""Recipe fields added after results files began to record the recipe (``config.ADDED_LATER``):
an older file, which lacks them, reads as having the value that reproduces what it did, so its
cache key, its recorded recipe and its staleness are unchanged."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from emobench_core.config import ADDED_LATER, Recipe, RecipeRequest
from emobench_core.schema.run import RunResult
from emobench_core.study.staleness import stale_reasons

ROOT = Path(__file__).resolve().parents[1]
CURRENT_ROW = ROOT / "results/baseline/ci/bert-tiny-random-s42-37a3838a.json"
"""A committed row, written before ``compile`` and ``attn_implementation`` existed, that the
current code reproduces (not stale)."""


def test_added_later_fields_are_the_last_fields_with_defaults_that_change_nothing() -> None:
    names = [f.name for f in dataclasses.fields(Recipe)]
    assert names[-len(ADDED_LATER) :] == list(ADDED_LATER)
    assert {k: getattr(Recipe(), k) for k in ADDED_LATER} == ADDED_LATER


def test_to_dict_leaves_out_a_later_field_only_at_its_implied_value() -> None:
    assert not set(ADDED_LATER) & set(Recipe().to_dict())
    assert Recipe(compile=True).to_dict()["compile"] is True
    assert Recipe(attn_implementation="eager").to_dict()["attn_implementation"] == "eager"
    assert Recipe(compile=True).to_dict() != Recipe().to_dict()  # a different cache key


def test_from_dict_reads_a_missing_later_field_as_its_implied_value() -> None:
    old = {k: v for k, v in dataclasses.asdict(Recipe()).items() if k not in ADDED_LATER}
    assert Recipe.from_dict(old) == Recipe()
    assert Recipe.from_dict(Recipe(compile=True).to_dict()) == Recipe(compile=True)


def test_a_request_asks_for_a_later_field_like_any_other() -> None:
    asked = RecipeRequest(compile=True, attn_implementation="sdpa")
    assert asked.to_dict() == {"compile": True, "attn_implementation": "sdpa"}
    assert RecipeRequest.from_dict(asked.to_dict()) == asked
    assert Recipe(**asked) == Recipe(compile=True, attn_implementation="sdpa")


def test_a_row_written_before_the_later_fields_is_still_current() -> None:
    result = RunResult.load(CURRENT_ROW)
    assert not set(ADDED_LATER) & set(result.recipe)
    assert stale_reasons(result) == ()


def test_a_row_asked_for_a_later_field_is_current_only_if_it_recorded_it() -> None:
    result = RunResult.load(CURRENT_ROW)
    asked = {**(result.recipe_request or {}), "compile": True}
    compiled = dataclasses.replace(
        result, recipe={**result.recipe, "compile": True}, recipe_request=asked
    )
    assert stale_reasons(compiled) == ()
    not_compiled = dataclasses.replace(result, recipe_request=asked)
    assert stale_reasons(not_compiled) == ("compile: False (now True)",)


@pytest.mark.parametrize("value", ["flash", "EAGER", ""])
def test_attn_implementation_must_be_sdpa_eager_or_none(value: str) -> None:
    with pytest.raises(ValueError, match="recipe.attn_implementation"):
        Recipe(attn_implementation=value)
