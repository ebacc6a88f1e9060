"""Smaller faults of the report (issue 33): a model name with ``|`` in a markdown table, an HTML
bar when every interval is one point, and the mode of the files the report writes."""

from __future__ import annotations

import os
import stat
from pathlib import Path
from types import SimpleNamespace

from emobench_core.metrics.stats import Interval
from emobench_core.report.html_leaderboard import _bar
from emobench_core.report.render import write_text_atomic
from emobench_core.report.tables import table


def test_a_pipe_in_a_cell_stays_in_its_cell() -> None:
    lines = table(["model", "F1"], [["a|b", "0.9"], ["c\\|d", "0.8"]]).splitlines()
    assert len(lines) == 4
    for line in lines:  # an unescaped | separates cells: three per row (two cells)
        assert len(line.replace("\\|", "").split("|")) == 4, line
    assert "a\\|b" in lines[2] and "c\\|d" in lines[3]


def test_the_html_bar_of_single_point_intervals_is_drawn() -> None:
    s = SimpleNamespace(macro_f1_ci=Interval(0.5, 0.5, 0.5), macro_f1_mean=0.5)
    bar = _bar(s, 0.5, 0.5)  # type: ignore[arg-type]
    assert "left:50.0%" in bar and "width:0.0%" in bar


def test_a_report_file_gets_the_usual_mode_not_owner_only(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        write_text_atomic(tmp_path / "RESULTS.md", "# r\n")
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "RESULTS.md").stat().st_mode) == 0o644
