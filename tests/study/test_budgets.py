"""Unit tests for emobench_core.study.budgets: candidates and recommendations from summaries."""

from __future__ import annotations

import pytest

from emobench_core.errors import BudgetError
from emobench_core.study.budgets import candidates, recommend_for, typical_recommendations
from emobench_core.study.recommend import Budget


def test_candidates_and_recommendations(study):
    cands = candidates(study.summaries)
    assert [c.label for c in cands] == [s.label for s in study.summaries]
    phone = Budget(max_latency_ms=2.0, max_params=15_000_000)
    # bert-tiny has the best mean within budget, but the SVM is not significantly below it
    # (seeds as the unit) and is 3x faster: the cost rule recommends the SVM
    text = recommend_for(study.summaries, phone)
    assert "Recommended — tfidf-svm:" in text
    assert "Rule: the cheapest (lower latency, then fewer parameters)" in text
    assert ": bert-tiny, tfidf-svm." in text  # the tied set, named
    assert "gives up" not in text  # a gap the test does not find is no cost
    assert "Recommended — bert-tiny:" in recommend_for(study.summaries, phone, rank_by="mean")
    with pytest.raises(BudgetError, match=r"raise --max-latency-ms"):
        recommend_for(study.summaries, Budget(max_latency_ms=0.01))
    outcomes = {o.name: o for o in study.recommendations}
    assert outcomes["phone-class CPU"].ok and outcomes["GPU"].ok
    cpu_only = [s for s in study.summaries if s.device == "cpu"]
    gpu = {o.name: o for o in typical_recommendations(cpu_only)}["GPU"]
    assert not gpu.ok and gpu.text == "no results on that device (cuda)"
