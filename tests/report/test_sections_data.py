"""The "Data" section of RESULTS.md (``emobench report --data-report``) and its per-emotion line."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from quality_fixtures import make_data_report
from report_fixtures import make_results

from emobench_core.cli import main
from emobench_core.report.render import ReportInputs, render_report
from emobench_core.report.sections_data import emotion_note
from emobench_core.schema.data_report import LabelConflicts

RESAMPLES = 50


@pytest.fixture(scope="module")
def results():
    return make_results()


def _render(results, folder, data_report):
    path = folder / "data" / "data-report.json"
    data_report.save(path)
    text = render_report(
        ReportInputs(
            results=results,
            bench_json=None,
            out_path=folder / "RESULTS.md",
            figures_dir=folder / "figures",
            n_resamples=RESAMPLES,
            data_report_path=path,
        )
    )
    return text


def _section(text: str, heading: str) -> str:
    start = text.index(heading)
    end = text.find("\n## ", start + len(heading))
    return text[start : end if end > 0 else None]


def _row(section: str, first_cell: str) -> list[str]:
    line = next(ln for ln in section.splitlines() if ln.startswith(f"| {first_cell} "))
    return [c.strip() for c in line.strip("|").split("|")][1:]


def test_data_section_opens_the_study(tmp_path, results):
    text = _render(results, tmp_path, make_data_report())
    assert text.index("## Data") < text.index("## What was run") < text.index("## Leaderboard")
    assert "- `data/data-report.json`" in text
    assert "--data-report data/data-report.json" in text
    chart = tmp_path / "figures" / "data_class_distribution.png"
    assert "](figures/data_class_distribution.png)" in text
    assert chart.read_bytes().startswith(b"\x89PNG")
    data = _section(text, "## Data")
    assert "filters: none (the published splits)" in data
    assert "not of the data the results below" not in data
    # classes: 3 of the 9 train rows are sadness
    assert _row(data, "sadness")[:2] == ["3", "33.3"]
    assert _row(data, "total") == ["9", "100.0", "2", "100.0", "4", "100.0"]
    assert "truncated at the recipe's max_length (128): 25.00% of training texts" in data
    assert _row(data, "elongated") == ["50.00", "0.00", "0.00"]


def test_duplicate_conflict_overlap_counts_and_the_bound(tmp_path, results):
    text = _render(results, tmp_path, make_data_report())
    data = _section(text, "### Duplicates, label conflicts and overlap")
    assert _row(data, "train")[:7] == ["9", "2", "4 (44.44%)", "1", "2 (22.22%)", "1", "2 (22.22%)"]
    assert _row(data, "test in train") == ["2 (50.00%)", "2", "1", "1 (25.00%)"]
    assert _row(data, "validation in train") == ["1 (50.00%)", "1", "0", "0 (0.00%)"]
    assert (
        "2 of the 4 test texts (50.00%) also occur in training, 1 of them with a different label "
        "there" in data
    )
    assert "at most 2 predictions, 50.00 accuracy points" in data
    assert "would lose 1 of them (25.00 points)" in data
    assert _row(data, "sadness")[-4:] == ["4", "1", "2", "50.00"]  # rows, texts, rows, %


def test_other_data_and_other_max_length_are_flagged(tmp_path, results):
    report = make_data_report(fingerprint="0" * 64, max_length=64)
    data = _section(_render(results, tmp_path, report), "## Data")
    assert "not of the data the results below were measured on" in data
    assert "max_length 64 (the recipe of the results uses 128)" in data


def test_per_emotion_section_says_whether_hardest_are_most_conflicted(tmp_path, results):
    text = _render(results, tmp_path, make_data_report())
    emotions = _section(text, "## Per emotion")
    hardest = emotions.index("Hardest emotions")
    note = emotions.index("Label conflicts (data report)")
    assert hardest < note < emotions.index("![per-emotion F1]")


def _study(*hardest: str):
    return SimpleNamespace(hardest=tuple((e, 0.5) for e in hardest), class_nouns="emotions")


def _report(**shares: float):
    conflicts = tuple(LabelConflicts(k, 1000, round(1000 * v), 1) for k, v in shares.items())
    return SimpleNamespace(quality=SimpleNamespace(by_label=conflicts))


SHARES = {"love": 0.02, "surprise": 0.01, "joy": 0.004, "fear": 0.001}
LISTED = "love 2.00%, surprise 1.00%, joy 0.40%"


@pytest.mark.parametrize(
    ("hardest", "expect", "listed"),
    [
        (("love", "surprise", "joy"), "love and surprise, are also the two", LISTED),
        (("love", "joy", "surprise"), "love and joy: only love is one of the two", LISTED),
        (
            ("joy", "fear", "love", "surprise"),
            "joy and fear, are not the two",
            f"{LISTED}, fear 0.10%",
        ),
    ],
)
def test_emotion_note_verdicts(hardest, expect, listed):
    (line,) = emotion_note(_study(*hardest), _report(**SHARES))
    assert expect in line
    assert line.endswith(f"({listed}).")


def test_report_command_takes_data_report(tmp_path, results, capsys):
    runs = tmp_path / "runs"
    for r in results:
        r.save(runs)
    make_data_report().save(tmp_path / "data-report.json")
    argv = ["report", "--no-bench", "--results", str(runs), "--bootstrap", str(RESAMPLES)]
    argv += ["--output", str(tmp_path / "RESULTS.md")]
    assert main([*argv, "--data-report", str(tmp_path / "data-report.json")]) == 0
    assert "## Data" in (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    (tmp_path / "bad.json").write_text('{"schema": "emobench.run-result"}', encoding="utf-8")
    assert main([*argv, "--data-report", str(tmp_path / "bad.json")]) == 2
    assert "not an emobench data report" in capsys.readouterr().err
