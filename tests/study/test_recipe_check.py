"""scripts/recipe_check.py: two tune reports of one cell compared seed by seed; "equal" only when
the 90% interval of the paired difference lies within the base's seed spread (TOST), never from
a non-significant difference alone."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from emobench_core.config import Recipe
from emobench_core.schema.tune import TuneCell, TuneReport

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "recipe_check.py"


def _report(scores: list[float], recipe: Recipe, epochs: int = 6) -> TuneReport:
    cells = [
        TuneCell("bert-tiny", "random", epochs, 1e-3, 42 + i, f, f, epochs, 100.0 + i, "fp32")
        for i, f in enumerate(scores)
    ]
    grid = {"epochs": [epochs], "learning_rates": [1e-3], "seeds": [c.seed for c in cells]}
    env = {"cpu_model": "Test CPU"}
    return TuneReport(grid, recipe.to_dict(), {}, env, "emobench tune", cells, complete=True)


def _run(tmp_path: Path, base: TuneReport, cand: TuneReport) -> tuple[int, str, dict | None]:
    base.save(tmp_path / "base.json")
    cand.save(tmp_path / "cand.json")
    out = tmp_path / "out" / "summary.md"
    done = subprocess.run(
        [
            sys.executable,
            str(SCRIPT),
            str(tmp_path / "base.json"),
            str(tmp_path / "cand.json"),
            "--output",
            str(out),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    summary = json.loads(out.with_suffix(".json").read_text()) if out.exists() else None
    return done.returncode, done.stderr, summary


BASE = [0.84, 0.86, 0.85, 0.83, 0.87]  # seed std 1.58 points


def test_a_small_consistent_difference_is_equal_within_the_seed_spread(tmp_path: Path) -> None:
    cand = [b + d for b, d in zip(BASE, [0.002, -0.001, 0.001, 0.0, 0.003], strict=True)]
    rc, _, s = _run(
        tmp_path, _report(BASE, Recipe()), _report(cand, Recipe(sparse_embeddings=True))
    )
    assert rc == 0 and s is not None
    assert s["change"] == {"sparse_embeddings": True}
    assert s["margin"] == pytest.approx(0.0158, abs=1e-4)
    assert s["equal_within_margin"] and 0 < s["p_two_sided"] <= 1
    assert s["ci95"][0] < s["mean_difference"] < s["ci95"][1]
    assert "equal within the seed spread" in (tmp_path / "out" / "summary.md").read_text()


def test_a_noisy_non_significant_difference_is_not_called_equal(tmp_path: Path) -> None:
    cand = [b + d for b, d in zip(BASE, [0.04, -0.05, 0.03, -0.04, 0.02], strict=True)]
    rc, _, s = _run(
        tmp_path, _report(BASE, Recipe()), _report(cand, Recipe(sparse_embeddings=True))
    )
    assert rc == 0 and s is not None
    assert s["p_two_sided"] > 0.05 and not s["equal_within_margin"]


def test_reports_of_different_cells_are_refused_in_one_line(tmp_path: Path) -> None:
    rc, err, s = _run(tmp_path, _report(BASE, Recipe()), _report(BASE, Recipe(), epochs=3))
    assert rc == 2 and s is None and len(err.strip().splitlines()) == 1
    assert "different cells" in err


def test_an_existing_summary_is_never_overwritten(tmp_path: Path) -> None:
    rc, _, first = _run(tmp_path, _report(BASE, Recipe()), _report(BASE, Recipe()))
    assert rc == 0 and first is not None
    before = (tmp_path / "out" / "summary.md").read_bytes()
    rc, err, _ = _run(tmp_path, _report(BASE, Recipe()), _report(BASE, Recipe(compile=True)))
    assert rc == 2 and "exists" in err
    assert (tmp_path / "out" / "summary.md").read_bytes() == before
