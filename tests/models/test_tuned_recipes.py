"""The registry's per-architecture recipe choices come from committed tune reports, and the
choice each report makes is the one the registry records."""

from __future__ import annotations

from pathlib import Path

import pytest

from emobench_core.config import Recipe, RecipeRequest
from emobench_core.models.recipes import recipe_for
from emobench_core.models.registry import REGISTRY
from emobench_core.schema.tune import TuneReport

ROOT = Path(__file__).resolve().parents[2]
TUNED = [s for s in REGISTRY.values() if s.recipe_source is not None]


def test_some_architecture_has_a_tuned_choice() -> None:
    assert TUNED


@pytest.mark.parametrize("spec", TUNED, ids=lambda s: s.name)
def test_registry_choice_is_what_its_tune_report_chose(spec) -> None:
    report = TuneReport.load(ROOT / spec.recipe_source)
    assert report.complete
    epochs, lr, _ = report.choice(spec.name, "random")
    assert (spec.epochs_random, spec.learning_rate_random) == (epochs, lr)


@pytest.mark.parametrize("spec", TUNED, ids=lambda s: s.name)
def test_the_choice_applies_to_random_init_and_an_explicit_value_wins(spec) -> None:
    chosen = recipe_for(spec, RecipeRequest())
    assert chosen.epochs_for("random") == spec.epochs_random
    assert chosen.lr_for("random") == spec.learning_rate_random
    assert chosen.epochs_for("pretrained") == Recipe().epochs  # pretrained keeps the shared
    explicit = recipe_for(spec, RecipeRequest(epochs=2, learning_rate_random=3e-4))
    assert (explicit.epochs_for("random"), explicit.lr_for("random")) == (2, 3e-4)
