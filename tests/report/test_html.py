"""The leaderboard page of ``emobench report --html``: self-contained, deterministic, carrying the
recommendation candidates of ``emobench recommend`` (stale rows left out) and the report's
figures. Its behaviour in a browser is tested in test_html_browser.py."""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path

import pytest
from report_fixtures import make_results

from emobench_core.cli import main
from emobench_core.report.html import markdown_html
from emobench_core.report.pareto_points import panels
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
    assert "<link" not in html and "@import" not in html
    assert not re.search(r"""\ssrc\s*=""", html)  # the figures are inline SVG
    assert not re.search(r"""href\s*=\s*["'](?!#)""", html)  # no notes here: no link out
    assert not re.search(r"url\((?!#)", html)  # only the figures' own clip paths
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


def test_the_figures_are_inline_svg_legible_at_their_own_size(page):
    """One confusion matrix per current row and one Pareto figure per device and view, as SVG
    with text as text: no image to blur, ids unique on the page and every reference resolved,
    no text under 7 pt (9.3 px at the figure's own size, which the page never shrinks)."""
    _, html = page
    assert "<img" not in html and "data:image/png" not in html
    st = build_study(with_stale_distilbert(), n_resamples=RESAMPLES)
    svgs = re.findall(r'<figure class="fig"[^>]*><svg .*?</svg></figure>', html, re.S)
    confusion = [s for s in svgs if 'aria-label="confusion matrix of ' in s]
    assert len(confusion) == len(st.summaries)
    pareto = [s for s in svgs if 'aria-label="macro-F1 vs ' in s]
    views = ("latency_p50_ms", "params_total")  # no CPU probe here
    assert len(pareto) == sum(len(panels(st, axis)) for axis in views) >= 2
    ids = re.findall(r' id="([^"]+)"', html)
    assert len(ids) == len(set(ids))
    refs = set(re.findall(r'(?:href="#|url\(#)([^")]+)', "".join(svgs)))
    assert refs and refs <= set(ids)
    sizes = [float(x) for x in re.findall(r"font-size: ([0-9.]+)px", "".join(svgs))]
    assert sizes and min(sizes) * 4 / 3 >= 9, min(sizes)


def test_the_per_class_heatmap_colours_span_the_data(page):
    """The lowest F1 of the current rows takes the scale's first colour, the highest its last
    (not 0-1, where every cell of a usable model looks alike)."""
    from matplotlib import colormaps

    def hex_of(share):
        return "#" + "".join(f"{round(255 * c):02x}" for c in colormaps["viridis"](share)[:3])

    _, html = page
    heat = html[html.index('<table class="heat">') :]
    heat = heat[: heat.index("</table>")]
    current = heat[: heat.index('<tr class="stale">')]
    cells = re.findall(r"background:(#[0-9a-f]{6});[^>]*>([0-9.]+)</td>", current)
    low = min(cells, key=lambda c: float(c[1]))
    high = max(cells, key=lambda c: float(c[1]))
    assert low[0] == hex_of(0.0) and high[0] == hex_of(1.0)


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


ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def committed_page():
    """The page of the committed study: cpu rows trained on an Intel Xeon, stale rows on an
    H100, the CPU probe run on an AMD EPYC (BERT-Tiny: 1.34 ms on the Xeon, 0.547 on the EPYC)."""
    from emobench_core.report import html
    from emobench_core.schema.latency import load_latency
    from emobench_core.schema.run import load_results

    results = load_results([ROOT / "results" / "cpu", ROOT / "results" / "gpu"])
    latency = load_latency(ROOT / "results" / "latency-cpu.json")
    st = build_study(results, n_resamples=RESAMPLES, latency=latency)
    return html.page(st, title="committed", command="emobench report")


def _board(html: str) -> str:
    start = html.index('<table id="leaderboard"')
    return html[start : html.index("</table>", start)]


def _heads(html: str) -> list[tuple[str, str]]:
    """The leaderboard's header cells: (class attribute, text)."""
    board = _board(html)
    head = board[board.index("<thead>") : board.index("</thead>")]
    cells = re.findall(r"<th(?=[\s>])([^>]*)>(.*?)</th>", head, re.S)
    return [
        (re.search(r'class="([^"]*)"', attrs).group(1) if "class=" in attrs else "", text)
        for attrs, text in cells
    ]


def _text(markup: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", markup).split())


def test_the_default_view_shows_the_trade_off_in_few_columns(committed_page):
    """At 1,280 px the table shows at most 10 columns (the rest one click away in the column
    picker), on a phone (``wide`` hidden under 720 px) 4: model, macro-F1, parameters and
    latency. The 13 columns all shown made the table 2,006 px wide."""
    heads = _heads(committed_page)
    shown = [_text(t) for c, t in heads if "more" not in c.split()]
    phone = [_text(t) for c, t in heads if not {"more", "wide"} & set(c.split())]
    assert len(heads) == 13 and len(shown) <= 10, shown
    assert [t.split(" (")[0].split(" ±")[0] for t in phone] == [
        "model",
        "macro-F1",
        "params",
        "CPU p50 b1",
    ], phone
    css = re.search(r"<style>(.*?)</style>", committed_page, re.S).group(1)
    assert "#leaderboard .more { display: none; }" in css
    phone_css = css[css.index("@media (max-width: 720px)") :]
    assert "#leaderboard .wide { display: none; }" in phone_css
    picker = committed_page[committed_page.index('<details class="picker">') :]
    picked = re.findall(
        r'<input type="checkbox" data-col="([^"]+)">', picker.split("</details>")[0]
    )
    assert len(picked) == len(heads) - len(phone)  # every column not always shown


def test_each_latency_column_names_the_machine_that_measured_it(committed_page):
    """BERT-Tiny's two latencies (1.44 and 0.547 ms) disagree because two runs measured them
    (its training run's benchmark, the CPU probe), on machines that may differ; each column says
    which (the issue: the headers did not)."""
    heads = [_text(t) for _, t in _heads(committed_page)]
    latency = [t for t in heads if "p50" in t or "latency" in t]
    assert len(latency) == 2, latency
    probe, own = sorted(latency, key=lambda c: "probe" not in c)
    assert "AMD EPYC, 2 threads" in probe
    # the leaderboard's rows are all current CPU rows of the AMD EPYC: the machines of the
    # archive's stale rows (an H100, an Intel Xeon) are not named over its columns
    assert "AMD EPYC, 2 threads" in own and "H100" not in own and "Intel" not in own
    memory = [t for t in heads if "MiB" in t]
    assert len(memory) == 2 and all("AMD EPYC" in t for t in memory), memory


def test_the_page_text_shows_rounded_figures(committed_page):
    """No figure the page shows has more than 4 decimals (its data blob for the script keeps
    the floats; tooltips keep 4 decimals of an interval): scores with 3 decimals, costs with 3
    significant digits."""
    visible = re.sub(r"<(script|style)\b.*?</\1>", " ", committed_page, flags=re.S)
    text = _text(visible)
    long = re.findall(r"\d+\.\d{5,}", text)
    assert not long, long[:5]
    board = _text(_board(committed_page)[_board(committed_page).index("<tbody>") :])
    assert "0.849 ± 0.010" in board and " 0.547 " in board  # BERT-Tiny (KD), the probe's
    assert " 1.1 " in board and " 59.7 " in board  # its own latency (1.095 ms), the probe's memory


def test_the_committed_figures_are_inline_svg_with_text_of_9_px_or_more(committed_page):
    """Every figure is an inline ``<svg>`` (no PNG to blur on a phone), its text as text with
    a font size of at least 9 CSS px at the figure's own size: user units are points, 4/3 px."""
    svgs = re.findall(r"<svg .*?</svg>", committed_page, re.S)
    assert len(svgs) >= 7 and "<img" not in committed_page  # 4 confusion + the Pareto views
    for s in svgs:
        assert re.match(r'<svg [^>]*width="[0-9.]+pt"', s), s[:200]
        texts = re.findall(r"<text\b[^>]*>", s)
        sizes = [float(x) for x in re.findall(r"font-size: ?([0-9.]+)px", " ".join(texts))]
        assert texts and len(sizes) == len(texts), s[:200]
        assert min(sizes) * 4 / 3 >= 9, min(sizes)


def test_the_confusion_matrices_fill_their_rows(committed_page):
    """The matrices sit in rows of ``grid_rows`` (4 sit 2 + 2: 3 + 1 left a third of the image
    blank), in a box as wide as its longest row."""
    from emobench_core.report.figures import grid_rows
    from emobench_core.report.html_figures import PAGE_CM_MOST

    block = re.search(r'<div class="figs cm" style="max-width:(\d+)px">', committed_page)
    assert block is not None
    n = committed_page.count('aria-label="confusion matrix of ')
    side = re.search(
        r'aria-label="confusion matrix of [^"]*"[^>]* width="([0-9.]+)pt"', committed_page
    )
    assert n >= 2 and side is not None  # one per current row of the committed results
    px = float(side.group(1)) * 4 / 3
    cols = (int(block.group(1)) + 12) / (px + 12)
    assert cols == pytest.approx(max(grid_rows(n, most=PAGE_CM_MOST)), abs=0.01)
    assert grid_rows(4) == [2, 2] and grid_rows(3) == [3]
    # 10 rows: 4 a row in the PNG, at most 3 on the page (4 do not fit its text column)
    assert grid_rows(10) == [4, 3, 3] and grid_rows(10, most=3) == [3, 3, 2, 2]
