"""Unit tests for emobench_core.study.summaries: aggregation by hand, tests and tiers, fronts, findings."""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from report_fixtures import make_result, make_results, predictions, y_true
from sklearn.metrics import f1_score

from emobench_core.config import LABELS
from emobench_core.errors import BudgetError, ResultsError
from emobench_core.metrics.stats import bootstrap_ci, mcnemar, per_class_f1_ci, tiers
from emobench_core.study.recommend import Budget
from emobench_core.study.summaries import (
    build_study,
    candidates,
    recommend_for,
    seed_mean_draws,
    summarize,
    typical_recommendations,
)

RESAMPLES = 200


@pytest.fixture(scope="module")
def results():
    return make_results()


@pytest.fixture(scope="module")
def study(results):
    return build_study(results, n_resamples=RESAMPLES)


def _runs(results, name, init):
    return sorted(
        (r for r in results if (r.model.name, r.model.init) == (name, init)), key=lambda r: r.seed
    )


@pytest.mark.parametrize(
    ("label", "name", "init"),
    [
        ("bert-mini", "bert-mini", "pretrained"),
        ("bert-tiny (random init)", "bert-tiny", "random"),
        ("tfidf-svm", "tfidf-svm", "n/a"),
    ],
)
def test_summary_means_and_stds_by_hand(results, study, label, name, init):
    runs = _runs(results, name, init)
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
    acc, f1 = seed_mean_draws(t, p[None], 300, seed=5)
    ref_acc = bootstrap_ci(t, p, "accuracy", n_resamples=300, seed=5)
    ref_f1 = bootstrap_ci(t, p, "macro_f1", n_resamples=300, seed=5)
    ref_cls = per_class_f1_ci(t, p, n_resamples=300, seed=5)
    assert np.quantile(acc, [0.025, 0.975]) == pytest.approx([ref_acc.low, ref_acc.high])
    assert np.quantile(f1.mean(axis=1), [0.025, 0.975]) == pytest.approx([ref_f1.low, ref_f1.high])
    assert np.quantile(f1[:, 5], [0.025, 0.975]) == pytest.approx([ref_cls[5].low, ref_cls[5].high])


def test_seed_mean_draws_average_the_seeds():
    t = y_true()
    preds = np.stack([predictions(t, 0.1, s) for s in (1, 2)])
    both, _ = seed_mean_draws(t, preds, 50, seed=0)
    one, _ = seed_mean_draws(t, preds[:1], 50, seed=0)
    two, _ = seed_mean_draws(t, preds[1:], 50, seed=0)
    assert both == pytest.approx((one + two) / 2)


def test_pairwise_tests_on_first_common_seed(results, study):
    k = len(study.summaries)
    assert len(study.comparisons) == k * (k - 1) // 2
    c = next(c for c in study.comparisons if (c.a, c.b) == ("bert-mini", "bert-tiny"))
    assert (c.seed_a, c.seed_b) == (42, 42)
    t = np.asarray(_runs(results, "bert-mini", "pretrained")[0].predictions["y_true"])
    mini = np.asarray(_runs(results, "bert-mini", "pretrained")[0].predictions["y_pred"])
    tiny = np.asarray(_runs(results, "bert-tiny", "pretrained")[0].predictions["y_pred"])
    assert c.mcnemar == mcnemar(mini == t, tiny == t)
    assert c.mcnemar_holm >= c.mcnemar.pvalue and c.paired_holm >= c.paired.pvalue
    assert c.paired.diff > 0


def test_tiers_follow_stats_tiers(study):
    labels = [s.label for s in study.summaries]
    p = {frozenset((c.a, c.b)): c.paired.pvalue for c in study.comparisons}
    expected = tiers(
        labels, [s.macro_f1_mean for s in study.summaries], lambda a, b: p[frozenset((a, b))]
    )
    assert [list(t) for t in study.tiers] == expected
    assert sorted(x for t in study.tiers for x in t) == sorted(labels)
    assert study.tier_of("bert-mini") == 1
    assert study.tier_of("bert-tiny (random init)") > 1


def test_pareto_fronts_per_device(study):
    fronts = {(f.axis, f.device): f.front for f in study.pareto}
    assert fronts[("latency_p50_ms", "cpu")] == {"bert-mini", "bert-tiny", "tfidf-svm"}
    assert fronts[("params_total", "cpu")] == {"bert-mini", "bert-tiny", "tfidf-svm"}
    assert fronts[("latency_p50_ms", "cuda")] == {"distilbert (random init)"}
    cpu_points = next(f for f in study.pareto if f.axis == "latency_p50_ms" and f.device == "cpu")
    assert "distilbert (random init)" not in {name for name, _, _ in cpu_points.points}


def test_pretraining_gap(study):
    (gap,) = study.pretraining
    pre, rand = study.summary("bert-tiny"), study.summary("bert-tiny (random init)")
    assert (gap.name, gap.device) == ("bert-tiny", "cpu")
    assert gap.macro_f1 == pytest.approx(pre.macro_f1_mean - rand.macro_f1_mean)
    assert gap.accuracy == pytest.approx(pre.accuracy_mean - rand.accuracy_mean)
    for e in LABELS:
        assert gap.per_class_f1[e] == pytest.approx(pre.per_class_f1[e] - rand.per_class_f1[e])


def test_per_class_drop_hardest_and_confusions(results, study):
    best = study.summaries[0]
    assert all(v == 0 for v in study.per_class_drop[best.label].values())
    per_model = [
        [np.mean([r.metrics.per_class[e].f1 for r in _runs(results, n, i)]) for e in LABELS]
        for n, i in {(r.model.name, r.model.init) for r in results}
    ]
    hardest = LABELS[int(np.argmin(np.mean(per_model, axis=0)))]
    assert hardest == "surprise" == study.hardest[0][0]
    assert "hardest emotions are surprise" in study.findings[0]
    top = study.confusion_pairs["bert-tiny (random init)"][0]
    cm = np.asarray(study.summary("bert-tiny (random init)").confusion)
    i, j = LABELS.index(top.true), LABELS.index(top.pred)
    assert top.share == pytest.approx(cm[i, j] / cm[i].sum())
    assert (top.true, top.pred) in {("surprise", "fear"), ("love", "joy")}


def test_findings_compare_with_tfidf_svm_and_sizes(study):
    text = "\n".join(study.findings)
    assert "bert-mini beats tfidf-svm" in text
    assert "bert-tiny (random init) is beaten by tfidf-svm" in text
    assert "McNemar p" in text
    assert "stepping down from bert-mini to bert-tiny (2.5x fewer parameters)" in text
    assert "Pretraining is worth" in text and "for bert-tiny on cpu" in text


def test_candidates_and_recommendations(study):
    cands = candidates(study.summaries)
    assert [c.label for c in cands] == [s.label for s in study.summaries]
    text = recommend_for(study.summaries, Budget(max_latency_ms=2.0, max_params=15_000_000))
    assert "Recommended — bert-tiny:" in text
    with pytest.raises(BudgetError, match=r"raise --max-latency-ms"):
        recommend_for(study.summaries, Budget(max_latency_ms=0.01))
    outcomes = {o.name: o for o in study.recommendations}
    assert outcomes["phone-class CPU"].ok and outcomes["GPU"].ok
    cpu_only = [s for s in study.summaries if s.device == "cpu"]
    gpu = {o.name: o for o in typical_recommendations(cpu_only)}["GPU"]
    assert not gpu.ok and gpu.text == "no results on that device (cuda)"


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


def test_no_results_is_an_error():
    with pytest.raises(ResultsError, match="no run results"):
        build_study([])


def test_study_is_deterministic(results):
    assert build_study(results, n_resamples=50) == build_study(results, n_resamples=50)
