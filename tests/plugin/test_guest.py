"""The plugin is a guest in other projects (pytester): installed through its ``pytest11`` entry
point it loads in every pytest run of the environment, so it stays inert there (no header
lines, no skipped tests, its markers namespaced) unless the run asks for it: an
``--emobench-*`` option, the ini setting ``emobench = true``, or a conftest calling ``enable``.
"""

from __future__ import annotations

import pytest

pytest_plugins = ["pytester"]

FOREIGN_TESTS = """
import pytest


@pytest.mark.latency
def test_own_latency_marker():
    assert True


@pytest.mark.quality
def test_own_quality_marker():
    assert True


def test_plain():
    assert True
"""
FOREIGN_INI = """[pytest]
addopts = -p no:cacheprovider --strict-markers
markers =
    latency: this project's own latency marker
    quality: this project's own quality marker
"""


@pytest.fixture
def foreign(pytester: pytest.Pytester) -> pytest.Pytester:
    """A project of someone else's with its own ``latency`` and ``quality`` markers."""
    pytester.makeini(FOREIGN_INI)
    pytester.makepyfile(test_foreign=FOREIGN_TESTS)
    return pytester


def _header_lines(result: pytest.RunResult) -> list[str]:
    return [line for line in result.outlines if line.startswith("emobench:")]


def test_a_foreign_projects_latency_marker_runs_under_xdist(foreign: pytest.Pytester) -> None:
    """Under ``-n 2`` the old plugin skipped the project's ``@pytest.mark.latency`` test ("never
    timed under pytest-xdist") and printed its three header lines."""
    result = foreign.runpytest_subprocess("-p", "xdist", "-n", "2", "-rs")
    result.assert_outcomes(passed=3)
    assert _header_lines(result) == []
    assert "emobench: " not in result.stdout.str()  # pytest's list of plugins still names it


def test_the_plugin_is_loaded_but_inert_in_a_foreign_project(foreign: pytest.Pytester) -> None:
    result = foreign.runpytest_subprocess("--trace-config", "--collect-only", "-q")
    assert "emobench_core.plugin.plugin" in result.stdout.str()  # loaded (entry point) ...
    assert _header_lines(result) == []  # ... and silent
    markers = foreign.runpytest_subprocess("--markers").stdout.str()
    assert "@pytest.mark.emobench_latency" in markers
    assert "this project's own latency marker" in markers


@pytest.mark.parametrize(
    "ask",
    ["option", "option-at-its-default", "addopts", "ini", "conftest"],
)
def test_the_run_that_asks_for_the_harness_gets_it(foreign: pytest.Pytester, ask: str) -> None:
    args = ["--collect-only"]
    if ask == "option":
        args += ["--emobench-seeds", "42"]
    elif ask == "option-at-its-default":
        args += ["--emobench-profile", "smoke"]
    elif ask == "addopts":
        foreign.makeini(
            FOREIGN_INI.replace("--strict-markers", "--strict-markers --emobench-strict")
        )
    elif ask == "ini":
        foreign.makeini(FOREIGN_INI + "emobench = true\n")
    else:
        foreign.makeconftest(
            "from emobench_core.plugin.plugin import enable\n\n\n"
            "def pytest_configure(config):\n    enable(config)\n"
        )
    result = foreign.runpytest_subprocess(*args)
    assert len(_header_lines(result)) == 3, result.outlines
    assert result.ret == 0


def test_the_workers_of_a_run_that_asks_are_in_it_too(foreign: pytest.Pytester) -> None:
    """The controller tells its xdist workers (which collect the cases) that the harness is
    on, however it was asked for: here a plugin enables it on the controller alone."""
    foreign.makepyfile(
        controller_only="""
from emobench_core.plugin.plugin import enable


def pytest_configure(config):
    if not hasattr(config, "workerinput"):
        enable(config)
""",
        test_workers="""
from emobench_core.plugin.plugin import active


def test_active(pytestconfig):
    assert hasattr(pytestconfig, "workerinput") and active(pytestconfig)
""",
    )
    result = foreign.runpytest_subprocess(
        "-p", "controller_only", "-p", "xdist", "-n", "2", "test_workers.py"
    )
    result.assert_outcomes(passed=1)
