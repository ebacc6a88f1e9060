"""The "Stale rows" section of RESULTS.md: rows trained by older code or another recipe than the
current code would run, shown with what changed and kept out of the tiers, findings, fronts and
recommendations (:mod:`emobench_core.study.staleness`).

    emobench report --results results/cpu results/gpu --allow-mixed --output RESULTS.md
    emobench report --results results/gpu --include-stale   # rank them anyway, marked
"""

from __future__ import annotations

from emobench_core.report.tables import score, table
from emobench_core.study.records import Study


def stale_rows(st: Study) -> list[str]:
    """The section; nothing when every row is current (or the study ranks the stale ones)."""
    if not st.stale:
        return []
    rows = [
        [
            s.label,
            s.init,
            s.device,
            ", ".join(map(str, s.seeds)),
            score(s.accuracy_mean, s.accuracy_std, s.accuracy_ci),
            score(s.macro_f1_mean, s.macro_f1_std, s.macro_f1_ci),
            "; ".join(s.stale),
        ]
        for s in st.stale
    ]
    return [
        "## Stale rows (not current)",
        "",
        "These rows were trained by older code or under another recipe than the current code "
        "would run for the same request, so they are shown apart and left out of the tiers, "
        "significance tests, findings, Pareto fronts and recommendations "
        "(`emobench report --include-stale` ranks them, marked). What changed: each recipe "
        "field whose recorded value differs from what the current code would use (`not "
        "recorded`: the field did not exist when the row was trained).",
        "",
        table(["model", "init", "device", "seeds", "accuracy", "macro-F1", "what changed"], rows),
    ]
