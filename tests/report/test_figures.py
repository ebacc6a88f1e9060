"""The report's figures are readable: Pareto labels never overlap, a broken row is noted instead of
squashing the axis, intervals are error bars, distilled rows point back to their twin, stale
rows look different, and every figure is closed once saved (and the same study gives the same
PNG bytes)."""

from __future__ import annotations

import dataclasses
import itertools
from pathlib import Path

import pytest
from matplotlib.container import ErrorbarContainer
from matplotlib.patches import FancyArrowPatch
from matplotlib.text import Text
from report_fixtures import make_result

from emobench_core.report import figures
from emobench_core.study.build import build_study

# name, init, kind, seeds, base error rate, params, latency p50 ms: BERT-Tiny and its distilled
# twin share a parameter count, a latency and nearly a score (their labels land on each other
# when drawn naively); distilbert is broken (macro-F1 about 0.2), and minilm-l6 is stale.
ROWS = (
    ("bert-tiny", "random", "transformer", (42, 43, 44), 0.10, 4_390_000, 0.95),
    ("bert-tiny ← minilm-l6 (KD)", "random", "transformer", (42, 43, 44), 0.096, 4_390_000, 0.93),
    ("bert-mini", "random", "transformer", (42, 43, 44), 0.09, 11_170_000, 2.1),
    ("tfidf-svm", "n/a", "sklearn", (42,), 0.12, 750_000, 0.14),
    ("distilbert", "random", "transformer", (42,), 0.9, 66_960_000, 3.5),
    ("minilm-l6", "pretrained", "transformer", (42, 43, 44), 0.05, 22_700_000, 2.4),
)
OLD_RECIPE = {"epochs": 10, "optimizer": "adamw_torch", "early_stopping_patience": 2}


def _results() -> list:
    out = []
    for i, (name, init, kind, seeds, err, params, lat) in enumerate(ROWS):
        for seed in seeds:
            r = make_result(
                name, init, kind, "cpu", seed, err, params, lat, 100, 500, model_index=i
            )
            if name == "minilm-l6":  # trained by older code: a stale row
                r = dataclasses.replace(r, recipe={**r.recipe, **OLD_RECIPE}, recipe_request=None)
            out.append(r)
    return out


@pytest.fixture(scope="module")
def study():
    st = build_study(_results(), n_resamples=200)
    assert [s.label for s in st.stale] == ["minilm-l6"]
    return st


@pytest.fixture
def drawn(monkeypatch):
    """Figures handed to ``figures._save``, kept open (not written) so they can be inspected."""
    kept = []
    monkeypatch.setattr(figures, "_save", lambda fig, path: kept.append(fig))
    return kept


def _boxes(ax):
    """Each label's text box in pixels (an annotation's own extent also spans its leader)."""
    renderer = ax.figure.canvas.get_renderer()
    return [(t.get_text(), Text.get_window_extent(t, renderer)) for t in ax.texts if t.get_text()]


@pytest.mark.parametrize("axis", ["latency_p50_ms", "params_total"])
def test_pareto_labels_do_not_overlap(study, drawn, axis, tmp_path):
    figures.pareto_scatter(study, axis, tmp_path / "p.png")
    (fig,) = drawn
    fig.canvas.draw()
    (ax,) = fig.axes
    boxes = _boxes(ax)
    assert len(boxes) >= 5  # every row on the axis is labelled
    for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
        assert not box_a.overlaps(box_b), f"labels {a!r} and {b!r} overlap"
    frame = ax.get_window_extent(fig.canvas.get_renderer())
    for text, box in boxes:
        assert frame.x0 <= box.x0 and box.x1 <= frame.x1, f"label {text!r} leaves the axes"


def test_a_broken_row_is_noted_not_allowed_to_squash_the_axis(study, drawn, tmp_path):
    figures.pareto_scatter(study, "params_total", tmp_path / "p.png")
    (ax,) = drawn[0].axes
    low, high = ax.get_ylim()
    broken = next(s for s in study.summaries if s.name == "distilbert")
    assert broken.macro_f1_mean < low
    assert "distilbert (random init)" in ax.get_title()
    others = [s.macro_f1_mean for s in study.summaries if s is not broken]
    assert high - low < 3 * (max(others) - min(others)) + 0.2  # the rest fill the axis


def test_intervals_are_error_bars_and_stale_rows_look_different(study, drawn, tmp_path):
    figures.pareto_scatter(study, "latency_p50_ms", tmp_path / "p.png")
    (ax,) = drawn[0].axes
    spans = {
        (round(float(min(seg[:, 1])), 6), round(float(max(seg[:, 1])), 6))
        for c in ax.containers
        if isinstance(c, ErrorbarContainer)
        for lines in c.lines[2]
        for seg in lines.get_segments()
    }
    for s in study.summaries:
        if s.name != "distilbert":
            assert (round(s.macro_f1_ci.low, 6), round(s.macro_f1_ci.high, 6)) in spans, s.label
    styles = {t.get_text(): t.get_fontstyle() for t in ax.texts}
    assert styles["minilm-l6"] == "italic"
    assert styles["bert-mini (random init)"] == "normal"
    hollow = [ln for ln in ax.lines if ln.get_markerfacecolor() == "white"]
    stale = study.stale[0]
    assert [list(ln.get_ydata()) for ln in hollow] == [[stale.macro_f1_mean]]


def test_a_distilled_row_points_back_to_its_twin(study, drawn, tmp_path):
    figures.pareto_scatter(study, "params_total", tmp_path / "p.png")
    (ax,) = drawn[0].axes
    arrows = [p for p in ax.patches if isinstance(p, FancyArrowPatch)]
    assert len(arrows) == 1
    f1 = {s.name: s.macro_f1_mean for s in study.summaries}
    (start, end) = arrows[0]._posA_posB  # data coordinates, twin -> distilled
    assert start[1] == f1["bert-tiny"] and end[1] == f1["bert-tiny ← minilm-l6 (KD)"]


def test_figures_are_closed_after_saving_and_deterministic(study, monkeypatch, tmp_path):
    saved = []
    save = figures._save

    def spy(fig, path):
        save(fig, path)
        saved.append(fig)

    monkeypatch.setattr(figures, "_save", spy)
    written = [figures.render_figures(study, tmp_path / name) for name in ("a", "b")]
    assert saved and all(not fig.axes and not fig.texts for fig in saved)
    for key, path in written[0].items():
        assert Path(path).read_bytes() == Path(written[1][key]).read_bytes(), key


ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "axis", ["latency_p50_ms", "params_total", "cpu_latency_p50_ms", "cpu_inference_mb"]
)
def test_committed_study_labels_do_not_overlap(drawn, axis, tmp_path):
    """The committed study (current CPU rows, stale GPU rows, the CPU probe) as RESULTS.md
    draws it: BERT-Tiny, BERT-Mini and their distilled rows share costs there."""
    from emobench_core.schema.latency import load_latency
    from emobench_core.schema.run import load_results

    results = load_results([ROOT / "results" / "cpu", ROOT / "results" / "gpu"])
    latency = load_latency(ROOT / "results" / "latency-cpu.json")
    st = build_study(results, n_resamples=200, latency=latency)
    figures.pareto_scatter(st, axis, tmp_path / "p.png")
    (fig,) = drawn
    fig.canvas.draw()
    for ax in fig.axes:
        boxes = _boxes(ax)
        for (a, box_a), (b, box_b) in itertools.combinations(boxes, 2):
            assert not box_a.overlaps(box_b), f"{ax.get_title()}: {a!r} and {b!r} overlap"


GRID = [(n, "random") for n in ("bert-tiny", "bert-mini", "bert-small", "distilbert", "minilm-l6")]
GRID += [("minilm-l6", "pretrained"), ("bert-tiny", "pretrained")]


def _study_of(n: int):
    """A study of ``n`` current rows (one seed each)."""
    rows = [
        make_result(
            name,
            init,
            "transformer",
            "cpu",
            42,
            0.05 + 0.02 * i,
            10**6 * (i + 1),
            0.5 + i,
            100,
            500,
            model_index=i,
        )
        for i, (name, init) in enumerate(GRID[:n])
    ]
    st = build_study(rows, n_resamples=50)
    assert len(st.summaries) == n
    return st


@pytest.mark.parametrize("n", [4, 5, 7])
def test_the_confusion_grid_leaves_no_empty_place(drawn, n, tmp_path):
    """Each row of matrices spans most of the figure's width: 4 models are 2 x 2 (not 3 + 1,
    a third of the image blank), a shorter last row is centred."""
    figures.confusion_grid(_study_of(n), tmp_path / "c.png")
    (fig,) = drawn
    boxes = [ax.get_position() for ax in fig.axes]
    assert len(boxes) == n
    left, right = min(b.x0 for b in boxes), max(b.x1 for b in boxes)
    rows: dict[float, list] = {}
    for b in boxes:
        rows.setdefault(round(b.y0, 3), []).append(b)
    for row in rows.values():
        span = max(b.x1 for b in row) - min(b.x0 for b in row)
        assert span >= 0.6 * (right - left), f"a row of {len(row)} of {n} leaves places empty"
        middle = (max(b.x1 for b in row) + min(b.x0 for b in row)) / 2
        assert abs(middle - (left + right) / 2) < 0.05 * (right - left)  # centred


def test_the_per_class_colour_scale_spans_the_data(study, drawn, tmp_path):
    """The heatmap's colours run from the lowest to the highest F1 shown, not over 0-1."""
    figures.per_class_heatmap(study, tmp_path / "h.png")
    (image,) = drawn[0].axes[0].images
    values = [s.per_class_f1[e] for s in study.summaries for e in study.labels]
    assert (image.norm.vmin, image.norm.vmax) == (min(values), max(values))
