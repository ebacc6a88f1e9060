"""Unit tests for emobench_core.study.build: the comparisons, tiers, fronts, per-emotion gaps and
findings of a study built from synthetic results."""

from __future__ import annotations

import numpy as np
import pytest

from emobench_core.data.loading import EMOTION_LABELS as LABELS
from emobench_core.errors import ResultsError
from emobench_core.metrics.ranking import tiers
from emobench_core.metrics.significance import mcnemar
from emobench_core.study.build import build_study


def test_pairwise_tests_on_first_common_seed(study, runs_of):
    k = len(study.summaries)
    assert len(study.comparisons) == k * (k - 1) // 2
    c = next(c for c in study.comparisons if (c.a, c.b) == ("bert-mini", "bert-tiny"))
    assert (c.seed_a, c.seed_b) == (42, 42)
    t = np.asarray(runs_of("bert-mini", "pretrained")[0].predictions["y_true"])
    mini = np.asarray(runs_of("bert-mini", "pretrained")[0].predictions["y_pred"])
    tiny = np.asarray(runs_of("bert-tiny", "pretrained")[0].predictions["y_pred"])
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


def test_per_class_drop_hardest_and_confusions(results, study, runs_of):
    best = study.summaries[0]
    assert all(v == 0 for v in study.per_class_drop[best.label].values())
    per_model = [
        [np.mean([r.metrics.per_class[e].f1 for r in runs_of(n, i)]) for e in LABELS]
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


def test_no_results_is_an_error():
    with pytest.raises(ResultsError, match="no run results"):
        build_study([])


def test_study_is_deterministic(results):
    assert build_study(results, n_resamples=50) == build_study(results, n_resamples=50)
