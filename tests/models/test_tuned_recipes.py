"""The registry's per-architecture recipe choices come from committed tune reports, and the
choice each report makes is the one the registry records."""

from __future__ import annotations

from pathlib import Path

import pytest

from emobench_core.config import Recipe, RecipeRequest
from emobench_core.models.recipes import recipe_for, resolve_recipe
from emobench_core.models.registry import REGISTRY
from emobench_core.models.spec import CPU_ATTENTION_SOURCE
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


EAGER = [s for s in REGISTRY.values() if s.cpu_attn_implementation is not None]


def _step_seconds(run: str) -> dict[tuple[str, str], float]:
    """A committed step benchmark's seconds per step, by (model, variant)."""
    import json

    steps = json.loads((ROOT / run).read_text(encoding="utf-8"))["steps"]
    return {(r["model"], r["variant"]): r["step_s"] for r in steps}


def test_the_cpu_attention_choices_are_the_faster_kernels_of_their_benchmarks() -> None:
    """The registry trains an architecture with eager attention on a CPU exactly where its step
    was faster with it than with transformers' own kernel in both committed step benchmarks
    (two idle runs), BERT-Tiny apart (its ci baselines keep sdpa)."""
    faster = set()
    for run in ("results/perf/perf-cpu-steps.json", CPU_ATTENTION_SOURCE):
        step_s = _step_seconds(run)
        models = {m for m, _ in step_s}
        won = {
            m for m in models if step_s[(m, "attn_implementation='eager'")] < step_s[(m, "recipe")]
        }
        faster = won if not faster else faster & won
    assert {s.name for s in EAGER} == faster - {"bert-tiny"}
    assert {s.name for s in EAGER} == {"bert-mini", "bert-small", "distilbert"}
    assert all(s.cpu_attn_implementation == "eager" for s in EAGER)


def test_the_interleaved_step_benchmark_finds_eager_faster_where_the_registry_sets_it() -> None:
    """The idle re-run whose variants' timed steps interleave (results/perf/perf-cpu.json, where
    the recipe's row is eager for these architectures and sdpa is the variant) agrees with the
    registry's choices; a change of kernel in the registry must be measured again."""
    step_s = _step_seconds("results/perf/perf-cpu.json")
    for spec in EAGER:
        assert step_s[(spec.name, "recipe")] < step_s[(spec.name, "cpu_attn_implementation='sdpa'")]


@pytest.mark.parametrize("spec", EAGER, ids=lambda s: s.name)
def test_the_cpu_attention_choice_is_resolved_cited_and_a_request_wins(spec) -> None:
    resolved = resolve_recipe(spec, RecipeRequest())
    assert resolved.recipe.attention("cpu") == "eager"
    assert resolved.recipe.attention("cuda") is None  # measured on the CPU only
    assert CPU_ATTENTION_SOURCE in resolved.sources["cpu_attn_implementation"]
    asked = resolve_recipe(spec, RecipeRequest(cpu_attn_implementation="sdpa")).recipe
    assert asked.attention("cpu") == "sdpa"
    assert recipe_for(REGISTRY["bert-tiny"]).attention("cpu") is None  # its baselines: sdpa
