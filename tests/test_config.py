"""Tests for emobench_core.config (Recipe validation) and the emotion label set."""

from __future__ import annotations

import dataclasses

import pytest

from emobench_core.config import ADDED_LATER, Recipe
from emobench_core.data.loading import EMOTION_LABELS


def test_labels_are_the_six_emotion_classes_in_id_order() -> None:
    assert EMOTION_LABELS == ("sadness", "joy", "love", "anger", "fear", "surprise")


def test_default_recipe_is_valid_and_frozen() -> None:
    recipe = Recipe()
    with pytest.raises(dataclasses.FrozenInstanceError):
        recipe.epochs = 3  # type: ignore[misc]


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("max_length", 4),
        ("max_length", 513),
        ("batch_size", 0),
        ("eval_batch_size", -1),
        ("epochs", 0),
        ("learning_rate", 0.0),
        ("learning_rate_random", -1e-3),
        ("weight_decay", -0.5),
        ("warmup_ratio", 1.0),
        ("warmup_ratio", -0.1),
        ("early_stopping_patience", 0),
        ("seed", -1),
        ("max_train_rows", 0),
    ],
)
def test_recipe_error_names_field_and_value(field: str, value: object) -> None:
    with pytest.raises(ValueError) as err:
        Recipe(**{field: value})
    message = str(err.value)
    assert f"`recipe.{field}`" in message
    assert f"({value!r})" in message


def test_recipe_accepts_boundary_values() -> None:
    recipe = Recipe(max_length=8, warmup_ratio=0.0, weight_decay=0.0, seed=0, max_train_rows=1)
    assert (recipe.max_length, recipe.max_train_rows) == (8, 1)
    assert Recipe(max_length=512).max_length == 512


def test_replace_validates_again() -> None:
    recipe = Recipe()
    assert recipe.replace(epochs=3).epochs == 3
    with pytest.raises(ValueError, match=r"`recipe.epochs` \(0\)"):
        recipe.replace(epochs=0)


@pytest.mark.parametrize(("init", "expected"), [("pretrained", 2e-5), ("random", 7e-4)])
def test_lr_for_each_init(init: str, expected: float) -> None:
    recipe = Recipe(learning_rate=2e-5, learning_rate_random=7e-4)
    assert recipe.lr_for(init) == expected


def test_lr_for_unknown_init_raises() -> None:
    with pytest.raises(ValueError, match="'randm'"):
        Recipe().lr_for("randm")


def test_to_dict_from_dict_round_trip() -> None:
    recipe = Recipe(epochs=3, learning_rate=3e-5, max_train_rows=500, group_by_length=False)
    data = recipe.to_dict()
    assert data["epochs"] == 3
    assert data["max_train_rows"] == 500
    # fields added later are left out at the value older files implied (test_recipe_added_later)
    assert set(data) == {f.name for f in dataclasses.fields(Recipe)} - set(ADDED_LATER)
    assert Recipe.from_dict(data) == recipe


def test_from_dict_unknown_field_is_named() -> None:
    with pytest.raises(ValueError, match=r"unknown recipe field\(s\) \['epoch'\]"):
        Recipe.from_dict({"epoch": 3})


def test_from_dict_validates_values() -> None:
    with pytest.raises(ValueError, match=r"`recipe.batch_size` \(0\)"):
        Recipe.from_dict({"batch_size": 0})
