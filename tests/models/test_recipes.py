"""The recipe settled once: what a front end asked (a RecipeRequest) resolved against a model's
registry entry, the same way for the command line, the pytest harness and the Python API."""

from __future__ import annotations

import pytest

from emobench_core.cli import build_parser
from emobench_core.cli.run import benchmark_config
from emobench_core.config import SHARED_LEARNING_RATE_RANDOM, Recipe, RecipeRequest
from emobench_core.models.recipes import recipe_for, resolve_recipe
from emobench_core.models.registry import REGISTRY, get_spec
from emobench_core.plugin.plugin import effective_profile

TRANSFORMERS = [s for s in REGISTRY.values() if s.config is not None]


class _Options:
    """A pytest config as far as the plugin's option reading goes."""

    def __init__(self, **given: object) -> None:
        self.given = {f"--emobench-{k.replace('_', '-')}": v for k, v in given.items()}

    def getoption(self, name: str) -> object:
        if name == "--emobench-profile":
            return self.given.get(name, "cpu")
        return self.given.get(name)


def _cli_request(*argv: str) -> RecipeRequest:
    ns = build_parser().parse_args(["run", "--models", "bert-tiny", "--output", "x", *argv])
    return benchmark_config(ns).recipe


def _harness_request(**given: object) -> RecipeRequest:
    return effective_profile(_Options(**given)).recipe  # type: ignore[arg-type]


@pytest.mark.parametrize("epochs", range(1, 9))
def test_harness_and_cli_train_the_same_budget_for_every_n(epochs: int) -> None:
    """``pytest bench --emobench-epochs N`` and ``emobench run --epochs N`` train N epochs, for
    every model and init (the old harness trained BERT-Tiny 6 epochs at N = 4, the default)."""
    cli = _cli_request("--epochs", str(epochs))
    harness = _harness_request(epochs=epochs)
    for spec in TRANSFORMERS:
        for init in ("pretrained", "random"):
            mine = resolve_recipe(spec, cli).recipe.epochs_for(init)
            theirs = resolve_recipe(spec, harness).recipe.epochs_for(init)
            assert mine == theirs == epochs, (spec.name, init)


@pytest.mark.parametrize("rate", [1e-5, 5e-5, 1e-4, SHARED_LEARNING_RATE_RANDOM, 1e-3])
def test_harness_and_cli_train_the_same_rates(rate: float) -> None:
    """The same for both learning rates, including values equal to a default."""
    cli = _cli_request("--learning-rate", str(rate), "--learning-rate-random", str(rate))
    harness = _harness_request(learning_rate=rate, learning_rate_random=rate)
    for spec in TRANSFORMERS:
        for init in ("pretrained", "random"):
            mine = resolve_recipe(spec, cli).recipe.lr_for(init)
            assert mine == resolve_recipe(spec, harness).recipe.lr_for(init) == rate


def test_nothing_asked_gives_each_model_its_registry_choice() -> None:
    for request in (_cli_request(), _harness_request()):
        assert request == RecipeRequest()
        tiny = resolve_recipe(get_spec("bert-tiny"), request)
        assert tiny.recipe.epochs_for("random") == 6
        assert tiny.recipe.lr_for("random") == 1e-3
        assert tiny.sources["epochs_random"].startswith("registry (results/tune/")
        assert tiny.recipe.epochs_for("pretrained") == Recipe().epochs


def test_a_profile_request_and_an_option_on_top() -> None:
    ci = _harness_request(profile="ci")
    assert ci == RecipeRequest(epochs=3)
    assert _harness_request(profile="ci", max_train_rows=100) == RecipeRequest(
        epochs=3, max_train_rows=100
    )
    assert _harness_request(profile="ci", epochs=5) == RecipeRequest(epochs=5)


def test_distilbert_keeps_its_own_rate_unless_one_is_asked() -> None:
    distilbert = get_spec("distilbert")
    assert recipe_for(distilbert).lr_for("random") == distilbert.learning_rate_random == 5e-5
    assert recipe_for(distilbert).epochs_for("random") == distilbert.epochs_random == 4
    assert recipe_for(distilbert).lr_for("pretrained") == Recipe().learning_rate
    equal = resolve_recipe(distilbert, RecipeRequest(learning_rate_random=5e-4))
    assert (
        equal.recipe.lr_for("random") == 5e-4 and equal.sources["learning_rate_random"] == "option"
    )
    assert resolve_recipe(distilbert).sources["learning_rate_random"] == (
        "registry (results/tune/distilbert-random-bf16.json)"
    )
    minilm = resolve_recipe(get_spec("minilm-l6"))
    assert minilm.recipe.lr_for("random") == 1e-4 and minilm.recipe.epochs_for("random") == 4
    assert minilm.recipe.lr_for("pretrained") == Recipe().learning_rate  # tuned for random only
    assert minilm.sources["learning_rate_random"].startswith("registry (results/tune/")


def test_epochs_random_wins_over_epochs_for_random_init_only() -> None:
    r = recipe_for(get_spec("bert-tiny"), RecipeRequest(epochs=2, epochs_random=7))
    assert (r.epochs_for("pretrained"), r.epochs_for("random")) == (2, 7)


def test_a_request_records_only_what_was_asked_and_is_validated() -> None:
    assert RecipeRequest(epochs=4, batch_size=None).to_dict() == {"epochs": 4}
    assert RecipeRequest(epochs=4) != RecipeRequest()  # asking for the default is asking
    with pytest.raises(ValueError, match="epochs"):
        RecipeRequest(epochs=0)
    with pytest.raises(ValueError, match="unknown recipe field"):
        RecipeRequest(epoch=3)
    with pytest.raises(AttributeError):
        RecipeRequest().epochs = 3  # type: ignore[attr-defined]
    assert RecipeRequest.from_dict({"seed": 43}).replace(epochs=2) == RecipeRequest(
        seed=43, epochs=2
    )


def test_a_bad_cli_value_is_a_usage_error_naming_the_option() -> None:
    from emobench_core.errors import UsageError

    with pytest.raises(UsageError, match="--epochs"):
        _cli_request("--epochs", "0")
