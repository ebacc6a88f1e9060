"""The committed RESULTS.md files, their figures and leaderboard pages (RESULTS.html) are exactly
what `emobench report` renders from the committed raw JSON: no figure typed or edited by hand,
nothing stale."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from emobench_core.cli import main

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("rendered", "argv"),
    [
        (
            "RESULTS.md",
            [
                "--no-bench",
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
                "results/perf/perf-cpu-steps.json",
                "--perf",
                "results/perf/perf-cpu-attn.json",
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
                "--no-bench",
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
    ],
    ids=["study", "cpu-profile", "frozen"],
)
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
