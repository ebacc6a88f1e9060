"""Distillation gains: a distilled row against its no-teacher baseline on common seeds."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from report_fixtures import make_result

from emobench_core.metrics.seeds import WELCH
from emobench_core.schema.run import Distillation
from emobench_core.study.distillation import distillation_gains

KD_NAME = "bert-tiny ← minilm-l6 (KD)"


def _kd(result, name=KD_NAME):
    return dataclasses.replace(
        result,
        model=dataclasses.replace(result.model, name=name),
        distillation=Distillation(
            teacher="minilm-l6",
            teacher_init="pretrained",
            student="bert-tiny",
            alpha=0.5,
            temperature=3.0,
            teacher_seed=42,
            teacher_train_s=600.0,
            teacher_logits_s=30.0,
        ),
    )


def _runs(error_base: float, error_kd: float, seeds=(42, 43)):
    base = [
        make_result(
            "bert-tiny",
            "random",
            "transformer",
            "cuda",
            s,
            error_base,
            4_390_000,
            1.0,
            10.0,
            100.0,
            model_index=1,
        )
        for s in seeds
    ]
    kd = [
        _kd(
            make_result(
                "bert-tiny",
                "random",
                "transformer",
                "cuda",
                s,
                error_kd,
                4_390_000,
                1.0,
                10.0,
                100.0,
                model_index=2,
            )
        )
        for s in seeds
    ]
    return base, kd


def test_gain_equals_difference_of_seed_means_and_is_significant_when_large() -> None:
    base, kd = _runs(0.30, 0.05, seeds=(42, 43, 44))
    (gain,) = distillation_gains(base + kd, n_resamples=200)
    expected = np.mean(
        [k.metrics.accuracy - b.metrics.accuracy for k, b in zip(kd, base, strict=True)]
    )
    assert gain.seeds == (42, 43, 44)
    assert gain.gain_accuracy.estimate == pytest.approx(expected)
    assert gain.gain_accuracy.low <= gain.gain_accuracy.estimate <= gain.gain_accuracy.high
    assert gain.gain_macro_f1.low > 0  # a 25-point error drop is far outside test-set noise
    assert 0 < gain.pvalue_macro_f1 < 0.01 and 0 < gain.pvalue_accuracy < 0.01
    assert gain.gain_macro_f1.method == WELCH  # seeds as the unit, like the leaderboard
    assert (gain.teacher, gain.alpha, gain.temperature) == ("minilm-l6", 0.5, 3.0)
    assert set(gain.per_class_gain) == {"sadness", "joy", "love", "anger", "fear", "surprise"}


def test_identical_predictions_give_zero_gain_and_p_one() -> None:
    base, _ = _runs(0.2, 0.2)
    kd = [_kd(b) for b in base]
    (gain,) = distillation_gains(base + kd, n_resamples=100)
    assert gain.gain_accuracy.estimate == 0 and gain.gain_macro_f1.estimate == 0
    assert gain.pvalue_macro_f1 == 1.0 and gain.pvalue_accuracy == 1.0


def test_only_common_seeds_count_and_rows_without_baseline_are_skipped() -> None:
    base, kd = _runs(0.3, 0.1, seeds=(42, 43))
    extra_kd = _kd(
        make_result(
            "bert-tiny",
            "random",
            "transformer",
            "cuda",
            44,
            0.1,
            4_390_000,
            1.0,
            10.0,
            100.0,
            model_index=2,
        )
    )
    orphan = _kd(
        make_result(
            "bert-mini",
            "random",
            "transformer",
            "cuda",
            42,
            0.1,
            11_000_000,
            1.0,
            10.0,
            100.0,
            model_index=3,
        ),
        name="bert-mini ← minilm-l6 (KD)",
    )
    orphan = dataclasses.replace(
        orphan, distillation=dataclasses.replace(orphan.distillation, student="bert-mini")
    )
    gains = distillation_gains([*base, *kd, extra_kd, orphan], n_resamples=50)
    assert [g.label for g in gains] == [KD_NAME]
    assert gains[0].seeds == (42, 43)


def test_spread_is_ddof_1_like_the_leaderboard() -> None:
    base, kd = _runs(0.30, 0.10, seeds=(42, 43, 44))
    (gain,) = distillation_gains(base + kd, n_resamples=50)
    per_seed = [k.metrics.accuracy - b.metrics.accuracy for k, b in zip(kd, base, strict=True)]
    assert gain.gain_accuracy_std == pytest.approx(np.std(per_seed, ddof=1))
    assert gain.gain_accuracy_std != pytest.approx(np.std(per_seed))  # the old ddof=0


def test_p_values_are_holm_adjusted_over_the_distilled_rows() -> None:
    from emobench_core.metrics.ranking import holm

    base, kd = _runs(0.20, 0.17)
    mini_base = [
        dataclasses.replace(b, model=dataclasses.replace(b.model, name="bert-mini")) for b in base
    ]
    mini_kd = [
        _kd(
            dataclasses.replace(k, model=dataclasses.replace(k.model, name="bert-mini")),
            name="bert-mini ← minilm-l6 (KD)",
        )
        for k in kd
    ]
    mini_kd = [
        dataclasses.replace(
            k, distillation=dataclasses.replace(k.distillation, student="bert-mini")
        )
        for k in mini_kd
    ]
    gains = distillation_gains(base + kd + mini_base + mini_kd, n_resamples=200)
    assert len(gains) == 2
    assert [g.pvalue_macro_f1_holm for g in gains] == holm([g.pvalue_macro_f1 for g in gains])
    assert [g.pvalue_accuracy_holm for g in gains] == holm([g.pvalue_accuracy for g in gains])


def test_the_training_cost_includes_the_teacher() -> None:
    from emobench_core.report.sections_distillation import distillation

    base, kd = _runs(0.30, 0.10)
    (gain,) = distillation_gains(base + kd, n_resamples=50)
    assert (gain.train_s, gain.teacher_train_s, gain.teacher_logits_s) == (10.0, 600.0, 30.0)
    assert gain.total_train_s == 640.0
    text = "\n".join(distillation([gain], None))
    assert " 10 + 600 + 30 = 640 " in text
