"""The leaderboard's footnote on rows with fewer seeds says what is missing: every such row has
a less certain mean, and only a one-seed row has no std (a 3-seed row shows its std)."""

from __future__ import annotations

from report_fixtures import make_results

from emobench_core.report.sections_leaderboard import leaderboard
from emobench_core.study.build import build_study


def _note(results) -> str:
    lines = leaderboard(build_study(results, n_resamples=99))
    return next(line for line in lines if line.startswith("† "))


def test_the_fewer_seeds_note_names_no_std_only_where_a_row_has_one_seed() -> None:
    results = make_results()  # rows of 3, 2 and 1 seeds
    assert _note(results).endswith("a less certain mean (with one seed, no std).")
    several = [r for r in results if r.model.name in ("bert-mini", "bert-tiny")]  # 3 and 2 seeds
    note = _note(several)
    assert note == "† Fewer seeds than the 3 of other rows: a less certain mean."
