"""Unit tests for emobench_core.study.recommend: budget checks, the choice, its errors and text."""

from __future__ import annotations

import re

import pytest

from emobench_core.errors import BudgetError
from emobench_core.study.recommend import (
    Budget,
    Candidate,
    Recommendation,
    format_recommendation,
    recommend,
)


def _cand(name, f1, latency, params, memory=50.0, device="cpu", **kw) -> Candidate:
    return Candidate(name, f1, f1 + 0.04, latency, params, memory, device, **kw)


TINY = _cand("bert-tiny", 0.86, 0.9, 4_390_000, 40.0)
MINI = _cand("bert-mini", 0.88, 2.1, 11_170_000, 80.0)
DISTIL = _cand("distilbert", 0.89, 9.0, 66_960_000, None)
DISTIL_GPU = _cand("distilbert", 0.89, 1.0, 66_960_000, 500.0, device="cuda")
ALL = [TINY, MINI, DISTIL, DISTIL_GPU]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"max_latency_ms": -1.0}, r"`max_latency_ms` (-1.0) must be > 0"),
        ({"max_params": 0}, r"`max_params` (0) must be > 0"),
        ({"max_memory_mb": float("nan")}, r"`max_memory_mb` (nan) must be > 0"),
        ({"device": "tpu"}, r"`device` ('tpu') must be one of: cpu, cuda"),
    ],
)
def test_budget_validation(kwargs, message):
    with pytest.raises(ValueError, match=re.escape(message)):
        Budget(**kwargs)


def test_budget_describe():
    assert Budget().describe() == "cpu, no limits"
    assert Budget(max_latency_ms=5, max_params=30_000_000, device="cuda").describe() == (
        "cuda, latency <= 5 ms, params <= 30.00M"
    )


def test_candidate_extra_is_not_shared_and_label_shows_init():
    assert TINY.extra is not MINI.extra
    assert TINY.label == "bert-tiny"
    assert _cand("bert-tiny", 0.5, 1.0, 1, init="random").label == "bert-tiny (random)"


def test_recommend_picks_best_within_budget():
    rec = recommend(ALL, Budget(max_latency_ms=5))
    assert rec == Recommendation(MINI, TINY, 3, {"distilbert": "latency 9 ms > max_latency_ms=5"})
    assert rec.to_dict()["best"]["name"] == "bert-mini"


def test_recommend_without_limits_takes_top_macro_f1_on_device():
    assert recommend(ALL, Budget()).best == DISTIL
    rec = recommend(ALL, Budget(device="cuda"))
    assert (rec.best, rec.runner_up, rec.considered, rec.excluded) == (DISTIL_GPU, None, 1, {})


def test_recommend_excludes_unknown_measurements_only_under_a_limit():
    unmeasured = _cand("mystery", 0.95, None, 1_000, None)
    assert recommend([TINY, unmeasured], Budget()).best == unmeasured
    rec = recommend([TINY, unmeasured], Budget(max_latency_ms=10, max_memory_mb=100))
    assert rec.best == TINY
    assert rec.excluded == {
        "mystery": "latency not measured (max_latency_ms=10); memory not measured "
        "(max_memory_mb=100)"
    }


def test_recommend_records_every_violation():
    rec = recommend(ALL, Budget(max_params=30_000_000, max_memory_mb=60))
    assert rec.best == TINY
    assert rec.excluded == {
        "bert-mini": "memory 80 MB > max_memory_mb=60",
        "distilbert": "params 66.96M > max_params=30000000; memory not measured (max_memory_mb=60)",
    }


def test_recommend_tie_breaks_on_latency_then_params():
    fast = _cand("fast", 0.88, 1.0, 20_000_000)
    slow = _cand("slow", 0.88, 2.0, 1_000_000)
    small = _cand("small", 0.88, 1.0, 10_000_000)
    assert recommend([slow, fast], Budget()).best == fast
    rec = recommend([slow, fast, small], Budget())
    assert (rec.best, rec.runner_up) == (small, fast)


def test_recommend_empty_list():
    with pytest.raises(BudgetError, match=r"no results to choose from: .*`emobench run`"):
        recommend([], Budget())


def test_recommend_wrong_device_names_the_devices_with_results():
    with pytest.raises(BudgetError, match=re.escape("no results on cuda (results exist for: cpu)")):
        recommend([TINY, MINI], Budget(device="cuda"))


def test_recommend_no_fit_names_the_closest_miss():
    message = "no model meets max_latency_ms=0.1 on cpu; fastest is bert-tiny at 0.9 ms — raise "
    message += "--max-latency-ms"
    with pytest.raises(BudgetError, match=f"^{re.escape(message)}$"):
        recommend(ALL, Budget(max_latency_ms=0.1))


def test_recommend_no_fit_with_two_limits():
    expected = (
        "no model meets max_latency_ms=1, max_params=4000000 on cpu; fastest is bert-tiny at "
        "0.9 ms (within max_latency_ms); smallest is bert-tiny at 4.39M params — raise --max-params"
    )
    with pytest.raises(BudgetError, match=f"^{re.escape(expected)}$"):
        recommend(ALL, Budget(max_latency_ms=1, max_params=4_000_000))


def test_recommend_no_fit_when_nothing_measured():
    blind = _cand("blind", 0.9, 1.0, 1_000, None)
    with pytest.raises(BudgetError, match=r"no cpu result has memory measured .* --max-memory-mb"):
        recommend([blind], Budget(max_memory_mb=10))


def test_recommend_rejects_duplicate_runs_but_accepts_distinct_inits():
    with pytest.raises(BudgetError, match=r"several cpu results for \['bert-tiny'\]"):
        recommend([TINY, TINY], Budget())
    rand = _cand("bert-tiny", 0.5, 0.9, 4_390_000, init="random")
    pre = _cand("bert-tiny", 0.86, 0.9, 4_390_000, init="pretrained")
    rec = recommend([rand, pre], Budget())
    assert (rec.best, rec.runner_up) == (pre, rand)
    with pytest.raises(BudgetError, match=re.escape("fastest is bert-tiny (random) at 0.9 ms")):
        recommend([rand, pre], Budget(max_latency_ms=0.5))


def test_format_recommendation_names_choice_alternative_and_trade():
    budget = Budget(max_latency_ms=5)
    text = format_recommendation(recommend(ALL, budget), budget)
    assert text.splitlines() == [
        "Budget: cpu, latency <= 5 ms",
        "Recommended — bert-mini: macro-F1 0.880, accuracy 0.920, latency 2.1 ms, 11.17M params, "
        "peak memory 80 MB",
        "Rule: highest mean macro-F1, ties to lower latency, then fewer parameters (no tests "
        "given: every gap in the mean counts).",
        "Runner-up — bert-tiny: macro-F1 0.860, accuracy 0.900, latency 0.9 ms, 4.39M params, "
        "peak memory 40 MB",
        "  bert-tiny gives up 2.0 macro-F1 points for 2.3x lower latency, 2.5x fewer parameters "
        "and 2.0x less memory.",
        "Considered 3 model(s) on cpu; 1 over budget.",
        "  excluded distilbert: latency 9 ms > max_latency_ms=5",
    ]


def test_format_recommendation_single_model_and_no_gain():
    budget = Budget(device="cuda")
    text = format_recommendation(recommend(ALL, budget), budget)
    assert "Runner-up" not in text
    assert "peak memory 500 MB" in text
    twin = _cand("twin", 0.86, 0.9, 4_390_000, None)
    text = format_recommendation(recommend([TINY, twin], Budget()), Budget())
    assert "twin loses no mean macro-F1 and gains nothing measured." in text
    assert "peak memory unknown" in text


def test_among_ties_the_cheapest_is_recommended_and_the_rule_is_named():
    """A synthetic study: DistilBERT has the best mean, BERT-Mini is not significantly below
    it, BERT-Tiny is (Holm over the two comparisons). The cost rule picks BERT-Mini (today's
    code picked DistilBERT on a gap no test finds); ``rank_by="mean"`` keeps DistilBERT."""
    raw = {
        frozenset(("distilbert", "bert-mini")): 0.40,
        frozenset(("distilbert", "bert-tiny")): 0.001,
    }

    def pvalue(a: str, b: str) -> float:
        return raw[frozenset((a, b))]

    cands = [TINY, MINI, DISTIL]
    rec = recommend(cands, Budget(), pvalue=pvalue)
    assert rec.best == MINI and rec.top == DISTIL and rec.rank_by == "cost"
    assert rec.tied == ("distilbert", "bert-mini")
    assert rec.holm == {"bert-tiny": pytest.approx(0.002), "bert-mini": pytest.approx(0.40)}
    assert rec.runner_up == DISTIL  # the rest of the tied set, by cost
    text = format_recommendation(rec, Budget())
    assert "Rule: the cheapest (lower latency, then fewer parameters) of the rows not " in text
    assert "gives up" not in text  # not significant: never called a cost
    assert "a gap the test does not separate from noise (Holm p 0.400)" in text
    by_mean = recommend(cands, Budget(), pvalue=pvalue, rank_by="mean")
    assert by_mean.best == DISTIL and by_mean.runner_up == MINI
    assert "Rule: highest mean macro-F1 (--rank-by mean)" in format_recommendation(
        by_mean, Budget()
    )
    with pytest.raises(ValueError, match=r"`rank_by` \('price'\) must be one of: cost, mean"):
        recommend(cands, Budget(), pvalue=pvalue, rank_by="price")


def test_a_significant_gap_is_a_cost_and_breaks_the_tie():
    raw = {
        frozenset(("distilbert", "bert-mini")): 0.001,
        frozenset(("distilbert", "bert-tiny")): 0.001,
    }
    rec = recommend([TINY, MINI, DISTIL], Budget(), pvalue=lambda a, b: raw[frozenset((a, b))])
    assert rec.best == DISTIL and rec.tied == ("distilbert",)
    assert "gives up 1.0 macro-F1 points (significant, Holm p 0.002)" in format_recommendation(
        rec, Budget()
    )


def test_measured_figures_are_rounded_in_the_text():
    """A probe's latency and memory print with 3 significant digits, not their float's last
    digit (issue 30: ``0.5471510003189906``, ``0.547151 ms``, ``59.7031 MB``); a reason keeps
    the digits that show a value over its bound, and a budget's own bound prints as given."""
    tiny = _cand("bert-tiny", 0.848, 0.5471510003189906, 4_386_436, 59.703125)
    svm = _cand("tfidf-svm", 0.839, 0.08967400412075222, 749_862, 33.59375)
    budget = Budget(max_latency_ms=0.547, max_memory_mb=40.25)
    rec = recommend([tiny, svm], budget)
    assert rec.excluded == {
        "bert-tiny": "latency 0.5472 ms > max_latency_ms=0.547; "
        "memory 59.7 MB > max_memory_mb=40.25"
    }
    text = format_recommendation(recommend([tiny, svm], Budget()), Budget())
    assert "latency 0.0897 ms, 749.9k params, peak memory 33.6 MB" in text
    assert "latency 0.547 ms, 4.39M params, peak memory 59.7 MB" in text
    assert not re.findall(r"\d\.\d{5,}", text), text
    assert Budget(max_latency_ms=0.54715).describe() == "cpu, latency <= 0.54715 ms"
    with pytest.raises(BudgetError, match=r"fastest is tfidf-svm at 0.0897 ms — raise"):
        recommend([tiny, svm], Budget(max_latency_ms=0.05))
