"""The page's leaderboard and per-class heatmap (:mod:`emobench_core.report.html` assembles the
page).

The leaderboard is compact: the trade-off (model, macro-F1, parameters, latency, and at wider
widths tier, budget, device, accuracy, memory) fits 1,280 px without scrolling, and model,
macro-F1, parameters and latency fit a 390 px phone. The other columns are one click away in
the column picker (:data:`COLUMNS`: ``key`` columns always show, ``wide`` ones not on a
phone, ``more`` ones only when picked). Each latency and memory column names the machine that
measured it (:mod:`~emobench_core.report.machines`). Figures are rounded to what they can tell
apart (3 decimals for scores, 3 significant digits for costs).

    emobench report results/cpu/bench.json --results results/cpu --html results/cpu/RESULTS.html
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from html import escape

from emobench_core.report.figures import f1_range, ink
from emobench_core.report.machines import own_machines, probe_machine, row_machine
from emobench_core.study.recommend import significant
from emobench_core.study.records import ModelSummary, Study


def h(text: object) -> str:
    """``text`` escaped for HTML text and attribute values."""
    return escape(str(text), quote=True)


@dataclass(frozen=True)
class Cell:
    """A leaderboard cell: its HTML, the value it sorts by, extra classes and a tooltip."""

    html: object
    sort: object = None
    cls: str = ""
    title: str = ""

    def td(self, column: str) -> str:
        s = self.sort
        value = "" if s is None else (f"{s:.10g}" if isinstance(s, float) else str(s))
        tip = f' title="{h(self.title)}"' if self.title else ""
        klass = f"{column} {self.cls}".strip()
        return f'<td class="{klass}" data-v="{h(value)}"{tip}>{self.html}</td>'


def _bar(s: ModelSummary, lo: float, hi: float) -> str:
    def pos(v: float) -> float:
        return 100 * min(max((v - lo) / (hi - lo), 0.0), 1.0) if hi > lo else 50.0

    ci = s.macro_f1_ci
    return (
        f'<span class="bar"><span style="left:{pos(ci.low):.1f}%;width:'
        f'{pos(ci.high) - pos(ci.low):.1f}%"></span><i style="left:'
        f'calc({pos(s.macro_f1_mean):.1f}% - 1px)"></i></span>'
    )


def _score(mean: float, std: float | None) -> str:
    return f"{mean:.3f}" + ("" if std is None else f" ± {std:.3f}")


@dataclass(frozen=True)
class Column:
    """One leaderboard column: its picker key, header, what it shows and when."""

    key: str
    head: str
    cell: Callable[[ModelSummary], Cell]
    show: str = "key"
    """``key`` (always), ``wide`` (not on a phone) or ``more`` (only when picked)."""
    machine: str = ""
    """Which machine measured it (latency and memory columns), under the header."""
    left: bool = False


def columns(st: Study) -> list[Column]:
    """The leaderboard's columns for ``st`` (:data:`COLUMNS` of its page)."""
    ranked = st.summaries or st.stale
    lo = min(s.macro_f1_ci.low for s in ranked)
    hi = max(s.macro_f1_ci.high for s in ranked)
    probe = probe_machine(st)
    own = own_machines(ranked)  # the machines of the rows this table shows

    def tier(s: ModelSummary) -> Cell:
        stale = s in st.stale
        return Cell("stale" if stale else st.tier_of(s.label), 99 if stale else st.tier_of(s.label))

    def model(s: ModelSummary) -> Cell:
        badge = ' <span class="badge stale">stale</span>' if s in st.stale else ""
        if s.failed:
            badge += f' <span class="badge stale" title="{h(s.failed_note())}">failed</span>'
        return Cell(h(s.label) + badge, s.label, "l name")

    def f1(s: ModelSummary) -> Cell:
        iv = s.macro_f1_ci
        text = (
            f'<span class="sc">{_score(s.macro_f1_mean, s.macro_f1_std)}</span>{_bar(s, lo, hi)}'
            f'<small class="ci">{iv.low:.3f}–{iv.high:.3f}</small>'
        )
        return Cell(text, s.macro_f1_mean, title=f"95% interval [{iv.low:.4f}, {iv.high:.4f}]")

    def acc(s: ModelSummary) -> Cell:
        iv = s.accuracy_ci
        text = _score(s.accuracy_mean, s.accuracy_std)
        return Cell(text, s.accuracy_mean, title=f"95% interval [{iv.low:.4f}, {iv.high:.4f}]")

    def cost(value: float | None, machine: str) -> Cell:
        return Cell("—", None) if value is None else Cell(significant(value), value, title=machine)

    def own_latency(s: ModelSummary) -> Cell:
        return cost(s.latency_p50_ms, row_machine(s))

    def probe_latency(s: ModelSummary) -> Cell:
        return cost(s.cpu_latency_p50_ms, probe or "")

    def params(s: ModelSummary) -> Cell:
        return Cell(f"{s.params_total / 1e6:.2f}", s.params_total)

    out = [
        Column("tier", "tier", tier, "wide"),
        Column("model", "model", model, left=True),
        Column("budget", "budget", lambda s: Cell("", "", "l budget"), "wide", left=True),
        Column("init", "init", lambda s: Cell(h(s.init), s.init, "l"), "more", left=True),
        Column("device", "device", lambda s: Cell(h(s.device), s.device, "l"), "wide", left=True),
        Column("seeds", "seeds", lambda s: Cell(s.n_seeds, s.n_seeds), "more"),
        Column("f1", "macro-F1 ± std (95% CI)", f1),
        Column("accuracy", "accuracy ± std", acc, "wide"),
        Column("params", "params (M)", params),
    ]
    own_col = Column("latency", "p50 b1 (ms), training run", own_latency, machine=own)
    peak = Column(
        "train_peak",
        "train peak (MiB)",
        lambda s: cost(s.peak_memory_mb, row_machine(s)),
        machine=own,
    )
    if probe is None:  # one latency, one memory: the training machines'
        return [*out, own_col, dataclasses.replace(peak, show="wide")]
    probe_memory = Column(
        "cpu_memory",
        "CPU inference (MiB)",
        lambda s: cost(s.cpu_inference_mb, probe),
        "wide",
        machine=probe,
    )
    # the probe's latency (the one budgets use on cpu) is a key column, the training runs' not
    return [
        *out,
        Column("cpu_latency", "CPU p50 b1 (ms), latency probe", probe_latency, machine=probe),
        dataclasses.replace(own_col, show="wide"),
        probe_memory,
        dataclasses.replace(peak, show="more"),
    ]


def _head(c: Column) -> str:
    machine = f'<small class="machine">{h(c.machine)}</small>' if c.machine else ""
    klass = f"c-{c.key} {c.show}" + (" l" if c.left else "")
    return f'<th class="{klass}" data-col="{c.key}">{h(c.head)}{machine}</th>'


def _picker(cols: Sequence[Column]) -> str:
    boxes = "".join(
        f'<label><input type="checkbox" data-col="{c.key}"> {h(c.head)}</label>'
        for c in cols
        if c.show != "key"
    )
    return (
        '<details class="picker"><summary>Columns</summary><div class="muted">Model, macro-F1, '
        f"parameters and latency always show; pick the others:</div>{boxes}</details>"
    )


def leaderboard(st: Study) -> str:
    """The column picker and the sortable table of the ranked rows with their tier: the current
    rows (stale ones are in the archive below it), or with `--include-stale` every row, stale
    ones labelled so."""
    if not st.summaries:
        return '<p class="muted">No current rows: every result is in the archive below.</p>'
    cols = columns(st)
    body = []
    for s in st.summaries:
        stale = s in st.stale
        cells = [c.cell(s).td(f"c-{c.key} {c.show}") for c in cols]
        why = f' title="{h("; ".join(s.stale))}"' if stale else ""
        klass = ' class="stale"' if stale else ""
        body.append(f'<tr{klass} data-label="{h(s.label)}"{why}>{"".join(cells)}</tr>')
    head = "".join(_head(c) for c in cols)
    return (
        f'{_picker(cols)}<div class="wrap"><table id="leaderboard" class="sortable"><thead><tr>'
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )


def colour(share: float) -> str:
    """Viridis at ``share`` (0-1, clamped) as ``#rrggbb``."""
    from matplotlib import colormaps

    r, g, b, _ = colormaps["viridis"](min(max(share, 0.0), 1.0))
    return f"#{round(255 * r):02x}{round(255 * g):02x}{round(255 * b):02x}"


def heatmap(st: Study) -> str:
    """Per-class F1 (mean over seeds) of every row, coloured like the figure of RESULTS.md: the
    scale spans the current rows' range (:func:`~.figures.f1_range`); a stale row's value
    outside it takes the scale's end colour and is marked."""
    rows = [*st.summaries, *st.stale]
    lo, hi = f1_range([s.per_class_f1[e] for s in st.summaries or rows for e in st.labels])
    body = []
    for s in rows:
        cells = []
        for e in st.labels:
            v = s.per_class_f1[e]
            share = (v - lo) / (hi - lo)
            out = ' class="v out"' if not 0 <= share <= 1 else ' class="v"'
            iv = s.per_class_ci[e]
            cells.append(
                f'<td{out} style="background:{colour(share)};color:{ink(share)}" title="{h(e)}: '
                f'95% interval [{iv.low:.4f}, {iv.high:.4f}]">{v:.3f}</td>'
            )
        klass = ' class="stale"' if s in st.stale else ""
        body.append(f'<tr{klass}><td class="l name">{h(s.label)}</td>{"".join(cells)}</tr>')
    head = "".join(f"<th>{h(e)}</th>" for e in st.labels)
    stops = ", ".join(colour(i / 8) for i in range(9))
    scale = (
        f'<p class="scale">F1 colour scale: <span>{lo:.3f}</span><span class="grad" '
        f'style="background:linear-gradient(to right, {stops})"></span><span>{hi:.3f}</span> '
        '<span class="muted">(the range of the current rows; a value beyond it, underlined, '
        "takes the end colour)</span></p>"
    )
    return (
        f'{scale}<div class="wrap"><table class="heat"><thead><tr><th class="l">model</th>'
        f"{head}</tr></thead><tbody>{''.join(body)}</tbody></table></div>"
    )
