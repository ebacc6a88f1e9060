"""The page's recommender (JavaScript, report/page.js) follows the rule of
``emobench recommend``: the cheapest of the rows not significantly below the best mean (issue
27), or the best mean with ``rank_by`` "mean". Run under Node.js on a synthetic study, without a
browser (the browser test drives the whole page where Chromium is installed)."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from report_fixtures import make_results

from emobench_core.report.html import _candidates, asset
from emobench_core.study.budgets import architecture_pvalues, candidates, pvalue_of
from emobench_core.study.build import build_study
from emobench_core.study.recommend import ALPHA, Budget, recommend

NODE = shutil.which("node")
BUDGETS = [
    Budget(max_latency_ms=2.0, max_params=15_000_000),
    Budget(),
    Budget(max_latency_ms=1.0),
    Budget(device="cuda"),
]


@pytest.fixture(scope="module")
def study():
    return build_study(make_results(), n_resamples=999)


def _page_recommend(study, budget: Budget, rank_by: str) -> tuple[str | None, str | None]:
    data = {
        "candidates": _candidates(study),
        "pvalues": architecture_pvalues(study.summaries),
        "alpha": ALPHA,
    }
    js = asset("page.js")
    body = js[js.index("  var LIMITS") : js.index("  window.emobenchRecommend")]
    query = {**budget.__dict__, "rank_by": rank_by}
    script = (
        f"var data = {json.dumps(data)};\n{body}\n"
        f"var out = recommend({json.dumps(query)});\n"
        "console.log(JSON.stringify([out.best && out.best.label, "
        "out.runner_up && out.runner_up.label]));"
    )
    done = subprocess.run(
        [NODE, "-e", script], capture_output=True, text=True, check=True, timeout=60
    )
    best, runner = json.loads(done.stdout)
    return best, runner


@pytest.mark.skipif(NODE is None, reason="Node.js not installed")
@pytest.mark.parametrize("rank_by", ["cost", "mean"])
def test_the_page_recommends_what_emobench_recommend_does(study, rank_by) -> None:
    pvalue = pvalue_of(study.summaries)
    seen = set()
    for budget in BUDGETS:
        rec = recommend(candidates(study.summaries), budget, pvalue=pvalue, rank_by=rank_by)
        expected = (rec.best.label, rec.runner_up.label if rec.runner_up else None)
        assert _page_recommend(study, budget, rank_by) == expected, budget
        seen.add(rec.best.label)
    if rank_by == "cost":  # the phone budget's tie goes to the cheaper SVM, as in Python
        assert "tfidf-svm" in seen
