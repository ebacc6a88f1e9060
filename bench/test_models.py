"""Bench cases, parametrized over the selected profile's models (ids are registry names).

pytest bench/ --emobench-profile cpu --benchmark-json out.json
"""

from __future__ import annotations

import pytest


@pytest.mark.emobench_quality
def test_quality(emobench_runner, emobench_case, emobench_seed):
    """Test accuracy and macro-F1 are at or above the model's minimum for the profile."""
    result = emobench_runner.result(emobench_case, emobench_seed)
    minimum = emobench_runner.threshold(emobench_case)
    m = result.metrics
    path = emobench_runner.results_path(emobench_case, emobench_seed)
    assert m.accuracy >= minimum["accuracy"], (
        f"{result.label} seed {emobench_seed}: accuracy {m.accuracy:.4f} < "
        f"{minimum['accuracy']} (results: {path})"
    )
    assert m.macro_f1 >= minimum["macro_f1"], (
        f"{result.label} seed {emobench_seed}: macro-F1 {m.macro_f1:.4f} < {minimum['macro_f1']}"
    )
    regression = emobench_runner.gate(emobench_case, emobench_seed)
    assert regression is None, regression


@pytest.mark.emobench_latency
@pytest.mark.parametrize("batch_size", [1, 32], ids=["b1", "b32"])
def test_latency(benchmark, emobench_runner, emobench_case, batch_size):
    """Times a real forward pass (model call on tokenized input) with pytest-benchmark."""
    seed = emobench_runner.seeds[0]
    result = emobench_runner.result(emobench_case, seed)
    call = emobench_runner.forward(emobench_case, seed, batch_size)
    benchmark.extra_info.update(
        {
            "model": result.model.name,
            "init": result.model.init,
            "case": emobench_case.id,
            "seed": seed,
            "batch_size": batch_size,
            "device": result.efficiency.device,
            "params_total": result.model.params_total,
            "accuracy": result.metrics.accuracy,
            "macro_f1": result.metrics.macro_f1,
            "per_class_f1": {n: c.f1 for n, c in result.metrics.per_class.items()},
            "train_wall_s": result.training.wall_s,
            "results_json": str(emobench_runner.results_path(emobench_case, seed)),
        }
    )
    benchmark.pedantic(
        call,
        rounds=100 if batch_size == 1 else 20,
        iterations=1,
        warmup_rounds=10 if batch_size == 1 else 3,
    )


@pytest.mark.emobench_claim
def test_claim(emobench_runner, emobench_claim):
    """What the report publishes holds on this run: a distilled student is not significantly
    worse than the same student without a teacher, a pretrained model not significantly worse
    than its random-init twin (paired one-sided tests over every seed, Holm-adjusted)."""
    case, reference = emobench_claim
    contradiction = emobench_runner.claim(case, reference)
    assert contradiction is None, contradiction
