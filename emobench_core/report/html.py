"""The leaderboard as one self-contained HTML page: ``emobench report ... --html FILE``.

Styles, script, data and figures (inline SVG) are inlined; the page loads nothing. It shows the
size ladder, the budget controls with the recommended model and runner-up, the leaderboard of
current rows as a compact sortable table with a column picker (tiers, intervals, each latency and
memory column naming its machine: :mod:`~emobench_core.report.html_leaderboard`), the archive of
stale rows with what changed (never ranked or recommended), the per-emotion F1 as a heatmap over
the data's range, the confusion matrices and Pareto views of RESULTS.md
(:mod:`~emobench_core.report.html_figures`), the deployment rows and the run record (what was
run, and the ``--notes`` file, whose markdown subset is turned into HTML by
:func:`markdown_html`). It reads at 1,280 px without sideways scrolling and on a 390 px phone.
Same study, same bytes: nothing reads the clock.

The style sheet and the script are files beside this module (``page.css``, ``page.js``, package
data), inlined as they are. The script sorts the leaderboard by a clicked column and applies the
budget controls by a port of :func:`emobench_core.study.recommend.recommend` (:data:`RULE`) over
the page's data: the candidates and the architecture-test p-values of
:func:`emobench_core.study.budgets.architecture_pvalues`. ``tests/report/
test_html_recommender.py`` checks the port under Node.js, ``test_html_browser.py`` the page.

    emobench report results/cpu/bench.json --results results/cpu --output results/cpu/RESULTS.md \
        --figures-dir results/cpu/figures --html results/cpu/RESULTS.html
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Mapping, Sequence
from html import escape
from pathlib import Path

from emobench_core.measure.environment import cpu_name
from emobench_core.report.deploy import markdown_rows
from emobench_core.report.html_figures import confusion_svgs, pareto_svgs
from emobench_core.report.html_leaderboard import h, heatmap, leaderboard
from emobench_core.report.sections_stale import archive_html
from emobench_core.schema.deploy import DeployReport
from emobench_core.study.budgets import (
    CPU_PROBE_NOTE,
    TYPICAL_BUDGETS,
    architecture_pvalues,
    candidates,
)
from emobench_core.study.recommend import DEVICES
from emobench_core.study.records import ALPHA, Study

RULE = (
    "emobench recommend: on the budget's device, the current rows within every limit (an "
    "unmeasured quantity under a limit excludes the row); the best mean macro-F1 and every row "
    "not significantly below it (architecture test, seeds as the unit, Holm, α 0.05) are tied, "
    "and the cheapest of them (latency, then parameters) is recommended, the next cheapest tied "
    "row (else the next by mean) is the runner-up; rank by mean: the best mean instead."
)
"""Which rule the page's budget controls apply (written into the page's data)."""


LEFT = ' class="l"'
"""A left-aligned cell (text columns)."""


def _candidates(st: Study) -> list[dict[str, object]]:
    return [
        {
            "label": c.label,
            "device": c.device,
            "macro_f1": c.macro_f1,
            "accuracy": c.accuracy,
            "latency_ms": c.latency_ms,
            "params": c.params,
            "memory_mb": c.peak_memory_mb,
        }
        for c in candidates(st.summaries)
    ]


def _control(limit: str, label: str, values: Sequence[float]) -> str:
    known = [v for v in values if v is not None and v > 0]
    lo, hi = (min(known) / 2, max(known) * 2) if known else (0.1, 1000.0)
    return (
        f'<div><label for="{limit}">{h(label)}</label>'
        f'<input type="range" id="{limit}-range" min="0" max="1000" value="1000" '
        f'data-lo="{lo:.6g}" data-hi="{hi:.6g}" aria-label="{h(label)} (slider)">'
        f'<input type="number" id="{limit}" min="0" step="any" placeholder="no limit"> '
        '<span class="muted">empty: no limit</span></div>'
    )


def budget_controls(st: Study, cands: Sequence[Mapping[str, object]]) -> str:
    """The budget form, the typical budgets as presets, and the recommendation box."""
    probe = any(s.cpu_latency_p50_ms is not None for s in st.summaries)
    memory = "max inference memory (MB, CPU probe)" if probe else "max memory (MB, training peak)"

    def vals(key: str) -> list[float]:
        return [float(v) for c in cands if isinstance(v := c[key], int | float)]

    devices = "".join(f'<option value="{d}">{d}</option>' for d in DEVICES)
    presets = " ".join(
        f'<button type="button" data-budget="{h(json.dumps(dataclasses.asdict(b)))}">'
        f"{h(name)}</button>"
        for name, b in TYPICAL_BUDGETS
    )
    return (
        '<div id="budget">'
        f'<div><label for="device">device</label><select id="device">{devices}</select>'
        '<label for="rank_by">rank by</label><select id="rank_by"><option value="cost">cost '
        'among ties</option><option value="mean">mean</option></select>'
        f'<div class="muted">typical budgets: {presets}</div></div>'
        + _control("max_latency_ms", "max latency (ms, batch-1 p50)", vals("latency_ms"))
        + _control("max_params", "max parameters", vals("params"))
        + _control("max_memory_mb", memory, vals("memory_mb"))
        + "</div>"
        '<div id="rec"><div>Recommended: <strong id="rec-best"></strong>'
        '<span id="rec-best-detail"></span></div><div>Runner-up: <strong id="rec-runner-up">'
        '</strong><span id="rec-runner-up-detail"></span></div>'
        '<div id="rec-note" class="muted"></div></div>'
        f'<p class="note">Rule: {h(RULE)}{" " + h(CPU_PROBE_NOTE) if probe else ""}</p>'
    )


def _deploy(deploy: Sequence[tuple[str, DeployReport, Mapping[str, str]]]) -> str:
    out = []
    for label, report, runs in deploy:
        heads, rows = markdown_rows(report, runs)
        left = {0, 1, len(heads) - 1}  # model, variant, checkpoint
        body = "".join(
            "<tr>"
            + "".join(
                f"<td{LEFT if i in left else ''}>{h(c.replace('`', ''))}</td>"
                for i, c in enumerate(row)
            )
            + "</tr>"
            for row in rows
        )
        head = "".join(f"<th{LEFT if i in left else ''}>{h(x)}</th>" for i, x in enumerate(heads))
        out.append(
            f'<h3>{h(label)}</h3><p class="note">CPU: {h(cpu_name(report.environment))}'
            f', {report.threads} threads.</p><div class="wrap"><table><thead><tr>{head}</tr>'
            f"</thead><tbody>{body}</tbody></table></div>"
        )
    return "".join(out) or '<p class="muted">No deployment report was given.</p>'


# ---------------------------------------------------------------------------- run record

_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")


def inline(text: str) -> str:
    """Escaped ``text`` with its code spans, bold and links as HTML."""
    out = escape(text, quote=True)
    out = _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', out)
    out = _CODE.sub(r"<code>\1</code>", out)
    return _BOLD.sub(r"<strong>\1</strong>", out)


def markdown_html(text: str) -> str:
    """Blocks of a simple markdown text: headings, ``-`` lists (continuation lines indented),
    paragraphs; anything else is kept as text."""
    blocks: list[str] = []
    para: list[str] = []
    items: list[list[str]] = []

    def flush() -> None:
        if para:
            blocks.append(f"<p>{inline(' '.join(para))}</p>")
            para.clear()
        if items:
            lis = "".join(f"<li>{inline(' '.join(i))}</li>" for i in items)
            blocks.append(f"<ul>{lis}</ul>")
            items.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif heading := re.match(r"(#{1,6})\s+(.*)", line):
            flush()
            level = min(len(heading.group(1)) + 2, 6)
            blocks.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
        elif line.startswith(("- ", "* ")):
            if para:
                flush()
            items.append([line[2:]])
        elif items and raw.startswith(" "):
            items[-1].append(line)
        else:
            if items:
                flush()
            para.append(line)
    flush()
    return "".join(blocks)


def notes_html(st: Study, notes: tuple[str, str] | None) -> str:
    """The "Run record" section's body: the study's facts, the recipe table, then the notes
    file."""
    facts = [
        f"Profile(s): {', '.join(st.profiles) or 'not tagged'}",
        f"Devices: {', '.join(st.devices) or '—'}",
        f"Data: {', '.join(st.data_sources)}; fingerprint(s) "
        + ", ".join(f"`{fp}`" for fp in st.fingerprints),
        f"Rows per split: {', '.join(f'{k} {v:,}' for k, v in st.rows.items())}",
        f"Seeds: {', '.join(map(str, st.seeds))}",
        *[f"Left out, superseded by a later run: `{r}`" for r in st.superseded],
        *[f"Recipe differs: `{r}` has {k} = {v}" for r, k, v in st.recipe_differences],
    ]
    recipe = "".join(
        f'<tr><td class="l">{escape(k)}</td><td class="l"><code>{escape(json.dumps(v))}</code>'
        "</td></tr>"
        for k, v in st.recipe.items()
    )
    out = [
        "<ul>" + "".join(f"<li>{inline(f)}</li>" for f in facts) + "</ul>",
        "<details><summary>Recipe (of the first run)</summary><table><thead><tr>"
        f'<th class="l">field</th><th class="l">value</th></tr></thead><tbody>{recipe}'
        "</tbody></table></details>",
    ]
    if notes is not None:
        out.append(f"<h3>Notes (<code>{escape(notes[0])}</code>)</h3>")
        out.append(markdown_html(notes[1]))
    return "".join(out)


# ---------------------------------------------------------------------------- page


def asset(name: str) -> str:
    """A file of the page shipped beside this module: ``page.css`` or ``page.js``."""
    return Path(__file__).with_name(name).read_text(encoding="utf-8")


def page(
    st: Study,
    *,
    title: str,
    command: str,
    deploy: Sequence[tuple[str, DeployReport, Mapping[str, str]]] = (),
    notes: tuple[str, str] | None = None,
    ladder: str = "",
) -> str:
    """The whole page; its figures are drawn from ``st`` as inline SVG
    (:mod:`~emobench_core.report.html_figures`); ``ladder``: the size ladder's HTML."""
    cands = _candidates(st)
    data = {"rule": RULE, "candidates": cands, "alpha": ALPHA}
    data["pvalues"] = architecture_pvalues(st.summaries)
    blob = json.dumps(data, ensure_ascii=False, allow_nan=False).replace("</", "<\\/")
    confusion = confusion_svgs(st) if st.summaries else ""
    pareto = pareto_svgs(st) if st.summaries else ""
    best = st.summaries[0] if st.summaries else None
    n_test = "" if best is None else f" of the {best.n_test:,} test examples"
    return "\n".join(
        [
            "<!DOCTYPE html>",
            '<html lang="en"><head><meta charset="utf-8">',
            '<meta name="viewport" content="width=device-width, initial-scale=1">',
            '<meta http-equiv="Content-Security-Policy" content="default-src \'none\'; '
            "img-src data:; style-src 'unsafe-inline'; script-src 'unsafe-inline'\">",
            f"<title>{h(title)}</title><style>\n{asset('page.css')}</style></head><body>",
            f"<h1>{h(title)}</h1>",
            f'<p class="note">Rendered by <code>{h(command)}</code> from saved results JSON; '
            "self-contained (nothing is loaded from the network).</p>",
            ladder,
            "<h2>Budget</h2>",
            budget_controls(st, cands),
            "<h2>Leaderboard</h2>",
            leaderboard(st),
            f'<p class="note">Click a column to sort. Scores: mean ± std over seeds [95% interval '
            f"of the seed mean{n_test}]; the bar shows the interval and the mean. Tiers: rows "
            "not significantly below their tier's leader on seed-mean macro-F1 (the architecture "
            "test, seeds as the unit, Holm-adjusted).</p>",
            archive_html(st),
            f"<h2>Per-{escape(st.class_noun)} F1</h2>",
            heatmap(st),
            "<h2>Confusion matrices</h2>",
            '<p class="note">Share of each true class (row) predicted as each class (column), '
            "summed over seeds.</p>",
            confusion,
            "<h2>Pareto views</h2>",
            '<p class="note">A figure wider than the screen scrolls sideways in its box.</p>',
            f'<div class="figs">{pareto}</div>',
            "<h2>Deployment</h2>",
            _deploy(deploy),
            "<h2>Run record</h2>",
            notes_html(st, notes),
            f'<script type="application/json" id="emobench-data">{blob}</script>',
            f"<script>\n{asset('page.js')}</script>",
            "</body></html>",
            "",
        ]
    )
