"""The "Stale rows" section of RESULTS.md, and the archive of the leaderboard page: rows trained
by older code or another recipe than the current code would run, shown with what changed and
kept out of the leaderboard, tiers, findings, fronts and recommendations
(:mod:`emobench_core.study.staleness`). One set of blocks, rendered both ways.

    emobench report --results results/cpu results/gpu --allow-mixed --output RESULTS.md
    emobench report --results results/gpu --include-stale   # rank them anyway, marked
"""

from __future__ import annotations

from emobench_core.report import blocks
from emobench_core.report.tables import score
from emobench_core.study.records import Study

TITLE = "Stale rows (not current)"
"""The heading in RESULTS.md."""
ARCHIVE_TITLE = "Archive: stale rows (not current)"
"""The heading on the leaderboard page, below the leaderboard of current rows."""


def stale_blocks(st: Study, title: str = TITLE) -> list[blocks.Block]:
    """The section as blocks; nothing when every row is current (or the study ranks the stale
    ones)."""
    if not st.stale:
        return []
    rows = tuple(
        (
            f"{s.label} ‡" if s.failed else s.label,
            s.init,
            s.device,
            ", ".join(map(str, s.seeds)),
            score(s.accuracy_mean, s.accuracy_std, s.accuracy_ci),
            score(s.macro_f1_mean, s.macro_f1_std, s.macro_f1_ci),
            "; ".join(s.stale),
        )
        for s in st.stale
    )
    return [
        ("h2", title),
        (
            "p",
            "These rows were trained by older code or under another recipe than the current code "
            "would run for the same request, so they are shown apart and left out of the tiers, "
            "significance tests, findings, Pareto fronts and recommendations "
            "(`emobench report --include-stale` ranks them, marked). What changed: each recipe "
            "field whose recorded value differs from what the current code would use (`not "
            "recorded`: the field did not exist when the row was trained).",
        ),
        blocks.Table(
            ("model", "init", "device", "seeds", "accuracy", "macro-F1", "what changed"), rows
        ),
        *(("p", f"‡ {s.failed_note()}.") for s in st.stale if s.failed),
    ]


def stale_rows(st: Study) -> list[str]:
    """The section of RESULTS.md; nothing when every row is current."""
    return blocks.markdown_lines(stale_blocks(st))


def archive_html(st: Study) -> str:
    """The page's archive of stale rows, under the leaderboard; empty when every row is current."""
    return blocks.html(stale_blocks(st, ARCHIVE_TITLE))
