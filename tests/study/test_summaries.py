"""Unit tests for emobench_core.study.summaries: aggregation by hand, seed-mean draws, labels."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from report_fixtures import make_result, predictions, y_true
from sklearn.metrics import f1_score

from emobench_core.errors import ResultsError
from emobench_core.metrics.stats import bootstrap_ci, per_class_f1_ci
from emobench_core.study.build import build_study
from emobench_core.study.summaries import seed_mean_draws, summarize


@pytest.mark.parametrize(
    ("label", "name", "init"),
    [
        ("bert-mini", "bert-mini", "pretrained"),
        ("bert-tiny (random init)", "bert-tiny", "random"),
        ("tfidf-svm", "tfidf-svm", "n/a"),
    ],
)
def test_summary_means_and_stds_by_hand(study, runs_of, label, name, init):
    runs = runs_of(name, init)
    acc = [np.mean(np.equal(r.predictions["y_true"], r.predictions["y_pred"])) for r in runs]
    f1 = [
        f1_score(
            r.predictions["y_true"],
            r.predictions["y_pred"],
            average="macro",
            labels=range(6),
            zero_division=0,
        )
        for r in runs
    ]
    s = study.summary(label)
    assert s.seeds == tuple(r.seed for r in runs) and s.n_seeds == len(runs)
    assert s.accuracy_mean == pytest.approx(np.mean(acc), abs=1e-12)
    assert s.macro_f1_mean == pytest.approx(np.mean(f1), abs=1e-12)
    if len(runs) > 1:
        assert s.accuracy_std == pytest.approx(np.std(acc, ddof=1), abs=1e-12)
        assert s.macro_f1_std == pytest.approx(np.std(f1, ddof=1), abs=1e-12)
    else:
        assert s.accuracy_std is None and s.macro_f1_std is None
    assert s.accuracy_ci.low <= s.accuracy_mean <= s.accuracy_ci.high
    assert s.macro_f1_ci.low <= s.macro_f1_mean <= s.macro_f1_ci.high
    cm = np.sum([r.metrics.confusion_matrix for r in runs], axis=0)
    assert np.array_equal(s.confusion, cm)
    assert s.latency_p50_ms == pytest.approx(
        np.median([r.efficiency.latency_b1.p50_ms for r in runs])
    )
    assert s.train_wall_s == pytest.approx(np.mean([r.training.wall_s for r in runs]))
    assert s.peak_memory_mb == max(r.training.peak_memory_mb for r in runs)
    assert s.environment == runs[0].environment


def test_summaries_sorted_by_macro_f1_with_labels(study):
    labels = [s.label for s in study.summaries]
    assert labels[0] == "bert-mini"
    assert "bert-tiny (random init)" in labels and "tfidf-svm" in labels
    f1s = [s.macro_f1_mean for s in study.summaries]
    assert f1s == sorted(f1s, reverse=True)


def test_seed_mean_interval_equals_stats_with_one_seed():
    t = y_true()
    p = predictions(t, 0.1, 3)
    acc, f1 = seed_mean_draws(t, p[None], 300, seed=5, num_labels=6)
    ref_acc = bootstrap_ci(t, p, "accuracy", n_resamples=300, seed=5, num_labels=6)
    ref_f1 = bootstrap_ci(t, p, "macro_f1", n_resamples=300, seed=5, num_labels=6)
    ref_cls = per_class_f1_ci(t, p, n_resamples=300, seed=5, num_labels=6)
    assert np.quantile(acc, [0.025, 0.975]) == pytest.approx([ref_acc.low, ref_acc.high])
    assert np.quantile(f1.mean(axis=1), [0.025, 0.975]) == pytest.approx([ref_f1.low, ref_f1.high])
    assert np.quantile(f1[:, 5], [0.025, 0.975]) == pytest.approx([ref_cls[5].low, ref_cls[5].high])


def test_seed_mean_draws_average_the_seeds():
    t = y_true()
    preds = np.stack([predictions(t, 0.1, s) for s in (1, 2)])
    both, _ = seed_mean_draws(t, preds, 50, seed=0, num_labels=6)
    one, _ = seed_mean_draws(t, preds[:1], 50, seed=0, num_labels=6)
    two, _ = seed_mean_draws(t, preds[1:], 50, seed=0, num_labels=6)
    assert both == pytest.approx((one + two) / 2)


def test_latest_duplicate_wins(results):
    later = dataclasses.replace(
        make_result(
            "bert-mini",
            "pretrained",
            "transformer",
            "cpu",
            42,
            0.3,
            11_170_000,
            2.1,
            900,
            800,
            model_index=9,
        ),
        run_id="bert-mini-pretrained-s42-later",
        created_at="2026-01-01T00:00:00+00:00",
    )
    st = build_study([*results, later], n_resamples=20)
    assert st.superseded == ("bert-mini-pretrained-s42-abcdef12",)
    assert "bert-mini-pretrained-s42-later" in st.summary("bert-mini").run_ids


def test_same_model_on_two_devices_gets_device_labels():
    args = ("bert-tiny", "pretrained", "transformer")
    runs = [
        make_result(*args, "cpu", 42, 0.1, 4_390_000, 1.0, 10, 10),
        make_result(*args, "cuda", 42, 0.1, 4_390_000, 0.2, 10, 10),
    ]
    assert sorted(s.label for s in summarize(runs, n_resamples=10)) == [
        "bert-tiny [cpu]",
        "bert-tiny [cuda]",
    ]


def test_seeds_scored_on_different_test_sets_are_an_error():
    a = make_result("bert-tiny", "pretrained", "transformer", "cpu", 42, 0.1, 1, 1.0, 1, 1)
    b = make_result("bert-tiny", "pretrained", "transformer", "cpu", 43, 0.1, 1, 1.0, 1, 1, n=200)
    with pytest.raises(ResultsError, match="different test sets"):
        summarize([a, b], n_resamples=10)


def test_results_of_two_datasets_are_never_summarised_together(results) -> None:
    from emobench_core.errors import ResultsError
    from emobench_core.study.summaries import summarize_all

    other = [
        dataclasses.replace(r, data=dataclasses.replace(r.data, dataset="my-reviews"))
        for r in results[:2]
    ]
    with pytest.raises(
        ResultsError,
        match=r"2 different datasets \(dair-ai/emotion: .*; "
        r"my-reviews: .*\); a leaderboard ranks one dataset's runs",
    ) as info:
        summarize_all([*results[2:], *other])
    assert "\n" not in str(info.value)
