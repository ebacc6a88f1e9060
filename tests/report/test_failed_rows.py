"""A row that did not train (not shown above always answering the most frequent class) is
named as a failed configuration wherever it shows, never left as a silent low score."""

from __future__ import annotations

import dataclasses

import pytest
from report_fixtures import make_results

from emobench_core.data.loading import EMOTION_LABELS as LABELS
from emobench_core.metrics.evaluation import compute_metrics
from emobench_core.report import html_leaderboard, sections_leaderboard
from emobench_core.study.build import build_study


def _constant(result, label: str = "joy"):
    truth = result.predictions["y_true"]
    pred = [LABELS.index(label)] * len(truth)
    return dataclasses.replace(
        result,
        predictions={"y_true": truth, "y_pred": pred},
        metrics=compute_metrics(truth, pred, LABELS),
    )


@pytest.fixture(scope="module")
def study():
    results = [_constant(r) if r.model.name == "distilbert" else r for r in make_results()]
    return build_study(results, n_resamples=199)


def test_only_the_row_no_better_than_a_constant_answer_failed(study) -> None:
    by_name = {s.name: s for s in study.summaries}
    distil = by_name["distilbert"]
    assert distil.constant_answer == ("joy", pytest.approx(distil.accuracy_mean))
    assert distil.failed
    assert not any(s.failed for s in study.summaries if s.name != "distilbert")
    assert "did not train" in distil.failed_note() and "'joy'" in distil.failed_note()


def test_the_leaderboard_marks_and_explains_it(study) -> None:
    lines = sections_leaderboard.leaderboard(study)
    row = next(line for line in lines if "| distilbert" in line)
    assert "‡" in row
    assert not any(
        "‡" in line
        for line in lines
        if line.startswith("|") and "distilbert" not in line and "tier" not in line
    )
    assert any(line.startswith("‡ distilbert (random init) did not train") for line in lines)
    page = html_leaderboard.leaderboard(study)
    assert page.count(">failed</span>") == 1
