"""The committed RESULTS.md files, their figures and leaderboard pages (RESULTS.html) are exactly
what `emobench report` renders from the committed raw JSON: no figure typed or edited by hand,
nothing stale."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from emobench_core.cli import main

ROOT = Path(__file__).resolve().parents[1]


CPU_BENCH = [
    f"results/cpu/bench/{group}.json"
    for group in (
        "bert-tiny",
        "tfidf-svm",
        "minilm-l6-pretrained",
        "kd-bert-tiny",
        "bert-small",
        "kd-bert-small",
        "minilm-l6-random",
        "bert-mini",
        "kd-bert-mini",
        "distilbert",
    )
]
"""The pytest-benchmark file of each size-ladder group (results/cpu/RUN.md), in the order run."""

RENDERS = [
    (
        "RESULTS.md",
        [
            *CPU_BENCH,
            "--results",
            "results/cpu",
            "results/gpu",
            "--allow-mixed",
            "--latency",
            "results/latency-cpu.json",
            "--notes",
            "results/RUN.md",
            "--output",
            "RESULTS.md",
            "--figures-dir",
            "results/figures",
            "--perf",
            "results/perf/perf-cpu.json",
            "--perf",
            "results/perf/perf-cpu-pipeline.json",
            "--perf",
            "results/perf/perf-cpu-steps.json",
            "--perf",
            "results/perf/perf-cpu-attn.json",
            "--perf",
            "results/perf/perf-cpu-avx2.json",
            "--perf",
            "results/perf/perf-cpu-threads.json",
            "--perf",
            "results/perf/perf-gpu-1.json",
            "--perf",
            "results/perf/perf-gpu-2.json",
            "--perf",
            "results/perf/perf-gpu-2-distilbert.json",
            "--deploy",
            "results/deploy/deploy-cpu.json",
            "--data-report",
            "results/data/data-report.json",
            "--html",
            "RESULTS.html",
        ],
    ),
    (
        "results/cpu/RESULTS.md",
        [
            *CPU_BENCH,
            "--results",
            "results/cpu",
            "--notes",
            "results/cpu/RUN.md",
            "--output",
            "results/cpu/RESULTS.md",
            "--figures-dir",
            "results/cpu/figures",
            "--html",
            "results/cpu/RESULTS.html",
        ],
    ),
    (
        "results/frozen/RESULTS.md",
        [
            "--no-bench",
            "--results",
            "results/cpu",
            "results/frozen",
            "--allow-mixed",
            "--mteb",
            "results/mteb/all-minilm-l6-v2.json",
            "--efficiency",
            "results/efficiency/efficiency.json",
            "--output",
            "results/frozen/RESULTS.md",
            "--figures-dir",
            "results/frozen/figures",
            "--html",
            "results/frozen/RESULTS.html",
        ],
    ),
]
"""Each committed report and the ``emobench report`` arguments that render it (from the root)."""


@pytest.mark.parametrize(("rendered", "argv"), RENDERS, ids=["study", "cpu-profile", "frozen"])
def test_committed_report_rerenders_byte_for_byte(
    rendered: str, argv: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shutil.copytree(ROOT / "results", tmp_path / "results")
    monkeypatch.chdir(tmp_path)
    assert main(["report", *argv]) == 0
    assert (tmp_path / rendered).read_bytes() == (ROOT / rendered).read_bytes()
    page = argv[argv.index("--html") + 1]  # the leaderboard page, checked the same way
    assert (tmp_path / page).read_bytes() == (ROOT / page).read_bytes(), page
    figures = Path(argv[argv.index("--figures-dir") + 1])
    for png in sorted((ROOT / figures).glob("*.png")):
        assert (tmp_path / figures / png.name).read_bytes() == png.read_bytes(), png.name


def _report_commands(text: str) -> list[list[str]]:
    """The argv after ``emobench report`` of each such command in ``text`` (lines continued
    with a backslash joined)."""
    import shlex

    joined = text.replace("\\\n", " ")
    return [
        shlex.split(line.split("emobench report", 1)[1])
        for line in joined.splitlines()
        if line.strip().startswith("emobench report")
    ]


def _options(argv: list[str]) -> list[str]:
    """``argv`` without its pytest-benchmark files (the leading positionals) and --no-bench."""
    first = next((i for i, a in enumerate(argv) if a.startswith("--")), len(argv))
    return [a for a in argv[first:] if a != "--no-bench"]


def test_the_documented_and_tox_render_commands_are_the_committed_ones() -> None:
    """docs/results.md re-renders the reports with the arguments that rendered the committed
    ones, and tox.ini's environments render with the same options (each with the
    pytest-benchmark file of its own new run): not a missing input, not another report."""
    committed = [argv for _, argv in RENDERS]
    documented = _report_commands((ROOT / "docs" / "results.md").read_text(encoding="utf-8"))
    assert all(argv in committed for argv in documented)
    assert all(argv in documented for argv in committed)
    in_tox = _report_commands((ROOT / "tox.ini").read_text(encoding="utf-8"))
    assert in_tox and all(_options(argv) in map(_options, committed) for argv in in_tox)
