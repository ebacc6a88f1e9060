"""The page's figures as inline SVG, drawn by :mod:`emobench_core.report.figures` from the same
study as RESULTS.md's PNGs, one figure per model (confusion) or per device (Pareto) so that they
flow into the page's width.

An SVG keeps its text as text at the figure's own size (no figure text is under 7 pt, about
9.3 px): the page never shrinks a figure, a figure wider than the screen scrolls sideways in its
own box, so the text stays legible on a 390 px phone and the page itself never scrolls
sideways. Same study, same bytes: no date, fixed ids (prefixed per figure, so several figures
share a page), no font list (the page's style sheet names the font).

    emobench report results/cpu/bench.json --results results/cpu --html results/cpu/RESULTS.html
"""

from __future__ import annotations

import io
import re
from html import escape

import matplotlib
from matplotlib.figure import Figure

from emobench_core.report.figures import (
    CONFUSION_INCHES,
    confusion_figure,
    grid_rows,
    pareto_figure,
)
from emobench_core.report.pareto_points import panels
from emobench_core.study.records import AXIS_LABELS, CPU_PROBE_AXES, Study

PAGE_AXES = ("latency_p50_ms", "params_total", *CPU_PROBE_AXES)
"""The Pareto views of the page, as :func:`~.figures.render_figures` draws them for RESULTS.md
(the CPU-probe ones when the study has them)."""

_REF = re.compile(r'(href="#|url\(#)([^")]+)')


def svg(fig: Figure, key: str, label: str) -> str:
    """``fig`` as an ``<svg>`` element for the page (then cleared): ids prefixed with ``key``,
    unreferenced ones dropped, ``label`` as its accessible name."""
    buf = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": "emobench"}):
        fig.savefig(buf, format="svg", metadata={"Date": None})
    fig.clear()
    text = buf.getvalue()
    text = text[text.index("<svg ") :]
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.S)
    text = re.sub(r'\s*<style type="text/css">.*?</style>', "", text, flags=re.S)
    text = re.sub(r"font-family: [^;\"]*(; )?", "", text)
    used = {m.group(2) for m in _REF.finditer(text)}
    text = re.sub(r' id="([^"]+)"', lambda m: f' id="{key}-{m[1]}"' if m[1] in used else "", text)
    text = _REF.sub(lambda m: f"{m[1]}{key}-{m[2]}", text)
    return text.replace("<svg ", f'<svg role="img" aria-label="{escape(label)}" ', 1).strip()


def _figure(body: str) -> str:
    return f'<figure class="fig">{body}</figure>'


GAP_PX = 12
"""The gap between the page's figures (``.figs`` in ``page.css``)."""


PAGE_CM_MOST = 3
"""Confusion matrices a row on the page: 4 of them and their gaps (1,380 CSS px) are wider than
the page's text column at a 1,280 px screen (1,232 px) and at its widest (1,352 px); 3 (1,032)
fit."""


def confusion_svgs(st: Study) -> str:
    """One confusion matrix per current row, in a box as wide as the longest row of
    :func:`~.figures.grid_rows` (4 models: 2 + 2; at most :data:`PAGE_CM_MOST` a row), the
    figures centred in it: no empty place at any width that holds that row (a narrower screen
    holds fewer a row, down to one)."""
    side = round(CONFUSION_INCHES * 96)  # CSS px: the SVG's width is in points, 72 an inch
    rows = grid_rows(len(st.summaries), most=PAGE_CM_MOST)
    cols = max(rows, default=1)
    figures = [
        _figure(svg(confusion_figure(st, s), f"cm{i}", f"confusion matrix of {s.label}"))
        for i, s in enumerate(st.summaries)
    ]
    starts = [sum(rows[:k]) for k in range(len(rows))]
    body = "".join(  # one box a row of the grid, so 7 sit 3 + 2 + 2, not 3 + 3 + 1
        f'<div class="cmrow">{"".join(figures[a : a + n])}</div>'
        for a, n in zip(starts, rows, strict=True)
    )
    width = cols * side + (cols - 1) * GAP_PX
    return f'<div class="figs cm" style="max-width:{width}px">{body}</div>'


def pareto_svgs(st: Study) -> str:
    """Each Pareto view of RESULTS.md, one figure per device panel."""
    out = []
    for axis in PAGE_AXES:
        if axis in CPU_PROBE_AXES and not any(f.axis == axis for f in st.pareto):
            continue
        for device, _ in panels(st, axis):
            label = f"macro-F1 vs {AXIS_LABELS[axis]}, {device}"
            fig = pareto_figure(st, axis, [device])
            out.append(_figure(svg(fig, f"p-{axis}-{device}".replace("_", "-"), label)))
    return "".join(out)
