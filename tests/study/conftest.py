"""Fixtures of the study tests: the synthetic results of ``report_fixtures`` and their study."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from report_fixtures import make_results

from emobench_core.schema.run import RunResult
from emobench_core.study.build import build_study
from emobench_core.study.records import Study

RESAMPLES = 999  # enough that Holm over 10 pairs can reject (2 / 1000 x 10)


@pytest.fixture(scope="module")
def results() -> list[RunResult]:
    return make_results()


@pytest.fixture(scope="module")
def study(results: list[RunResult]) -> Study:
    return build_study(results, n_resamples=RESAMPLES)


@pytest.fixture(scope="module")
def runs_of(results: list[RunResult]) -> Callable[[str, str], list[RunResult]]:
    """``runs_of(name, init)``: the results of one model and init, by seed."""

    def runs(name: str, init: str) -> list[RunResult]:
        return sorted(
            (r for r in results if (r.model.name, r.model.init) == (name, init)),
            key=lambda r: r.seed,
        )

    return runs
