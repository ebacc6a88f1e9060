"""The leaderboard page of ``emobench report --html``: self-contained, deterministic, carrying the
recommendation candidates of ``emobench recommend`` (stale rows left out) and the report's
figures. Its behaviour in a browser is tested in test_html_browser.py."""

from __future__ import annotations

import base64
import dataclasses
import json
import re

import pytest
from report_fixtures import make_results

from emobench_core.cli import main
from emobench_core.report.html import markdown_html
from emobench_core.report.render import ReportInputs, render_report
from emobench_core.study.budgets import architecture_pvalues, candidates
from emobench_core.study.build import build_study

RESAMPLES = 50
OLD_RECIPE = {"epochs": 10, "optimizer": "adamw_torch", "early_stopping_patience": 2}


def with_stale_distilbert() -> list:
    """The report fixtures, distilbert trained by older code (a stale row)."""
    return [
        dataclasses.replace(r, recipe={**r.recipe, **OLD_RECIPE}, recipe_request=None)
        if r.model.name == "distilbert"
        else r
        for r in make_results()
    ]


def render(folder, results=None):
    results = results or with_stale_distilbert()
    render_report(
        ReportInputs(
            results=results,
            bench_json=None,
            out_path=folder / "RESULTS.md",
            figures_dir=folder / "figures",
            n_resamples=RESAMPLES,
            html_path=folder / "RESULTS.html",
        )
    )
    return (folder / "RESULTS.html").read_text(encoding="utf-8")


def page_data(html: str) -> dict:
    blob = re.search(r'<script type="application/json" id="emobench-data">(.*?)</script>', html)
    assert blob is not None
    return json.loads(blob.group(1))


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    folder = tmp_path_factory.mktemp("page")
    return folder, render(folder)


def test_the_page_loads_nothing(page):
    _, html = page
    assert "<link" not in html and "@import" not in html and "url(" not in html
    sources = re.findall(r"""\bsrc\s*=\s*["']([^"']*)""", html)
    assert sources and all(s.startswith("data:image/png;base64,") for s in sources)
    assert not re.search(r"<script[^>]*\ssrc=", html)
    assert "default-src 'none'" in html  # and the browser is told to load nothing else


def test_the_page_carries_the_candidates_and_rule_of_emobench_recommend(page):
    _, html = page
    data = page_data(html)
    st = build_study(with_stale_distilbert(), n_resamples=RESAMPLES)
    expected = [
        [c.label, c.device, c.macro_f1, c.latency_ms, c.params, c.peak_memory_mb]
        for c in candidates(st.summaries)
    ]
    got = [
        [c["label"], c["device"], c["macro_f1"], c["latency_ms"], c["params"], c["memory_mb"]]
        for c in data["candidates"]
    ]
    assert got == expected
    assert "distilbert (random init)" not in {c["label"] for c in data["candidates"]}
    assert data["rule"].startswith("emobench recommend: ")
    assert "not significantly below it (architecture test, seeds as the unit" in data["rule"]
    # the page's recommender ties rows on the same architecture-test p-values as Python
    assert data["pvalues"] == architecture_pvalues(st.summaries) and data["alpha"] == 0.05


def test_stale_rows_leave_the_leaderboard_for_the_archive(page):
    _, html = page
    start = html.index('id="leaderboard"')
    board = html[start : html.index("</table>", start)]
    assert "distilbert" not in board and 'class="stale"' not in board
    assert board.count('<tr data-label="') == 4  # the current rows
    archive = html.split("<h2>Archive: stale rows (not current)</h2>", 1)[1].split("<h2>", 1)[0]
    assert '<td class="l">distilbert (random init)</td>' in archive
    assert "epochs: 10 (now" in archive  # what changed


def test_the_page_inlines_the_figures_of_results_md(page):
    folder, html = page
    images = {
        base64.b64decode(src) for src in re.findall(r'src="data:image/png;base64,([^"]+)"', html)
    }
    for name in (
        "results_confusion.png",
        "results_pareto_latency.png",
        "results_pareto_params.png",
    ):
        assert (folder / "figures" / name).read_bytes() in images, name


def test_the_page_is_the_same_bytes_every_time(tmp_path, page):
    _, html = page
    assert render(tmp_path) == html


def test_report_html_option_writes_the_page_and_names_it_in_the_command(tmp_path):
    runs = tmp_path / "runs"
    for r in make_results():
        r.save(runs)
    argv = ["report", "--no-bench", "--results", str(runs), "--bootstrap", str(RESAMPLES)]
    argv += ["--output", str(tmp_path / "RESULTS.md"), "--html", str(tmp_path / "RESULTS.html")]
    assert main(argv) == 0
    html = (tmp_path / "RESULTS.html").read_text(encoding="utf-8")
    assert "--html RESULTS.html" in (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "--html RESULTS.html" in html and 'id="leaderboard"' in html


def test_the_run_record_markdown_becomes_html():
    text = "- Current rows: `results/cpu/`, see\n  [`RUN.md`](results/cpu/RUN.md)\n\na <b> & **c**"
    assert markdown_html(text) == (
        '<ul><li>Current rows: <code>results/cpu/</code>, see <a href="results/cpu/RUN.md">'
        "<code>RUN.md</code></a></li></ul><p>a &lt;b&gt; &amp; <strong>c</strong></p>"
    )
