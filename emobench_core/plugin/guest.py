"""The plugin as a guest: installed through its ``pytest11`` entry point it loads in every pytest
run of the environment, so it stays inert unless the run asks for it (:func:`active`); then
:func:`enable` switches it on. Its markers are namespaced (:data:`MARKERS`), so a project's own
``latency`` marker is never taken for one of its cases.

    pytest bench/ --emobench-profile smoke       # asks (any --emobench-* option)
    [pytest] emobench = true                      # asks (the ini setting)
    def pytest_configure(config): enable(config)  # asks (a conftest; this repository's)
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from typing import Any

import pytest

from emobench_core.plugin import scaleout

ENABLE_INI = "emobench"
"""The ini setting that turns the harness on in a project (``emobench = true``)."""
MARKERS = {
    "emobench_quality": "an emobench bench case: a model's minimum test accuracy",
    "emobench_latency": "an emobench bench case: times a model's forward pass",
    "emobench_claim": "an emobench bench case: a claim of the report, tested on the run",
}
"""The harness's markers, namespaced: a project's own ``latency`` marker is not ours."""

_ACTIVE = pytest.StashKey[bool]()
_DEFAULTS: dict[str, Any] = {}
"""Each ``--emobench-*`` option's destination and default (filled by ``pytest_addoption``): an
option whose value differs from its default was asked for."""


def enable(config: pytest.Config) -> None:
    """Turn the harness on for this run (a project's conftest calls it from its
    ``pytest_configure``): the header, the bench cases' parametrization, and the pytest-xdist
    / pytest-split support."""
    config.stash[_ACTIVE] = True
    if not config.pluginmanager.is_registered(scaleout):
        config.pluginmanager.register(scaleout, "emobench-scaleout")


def active(config: pytest.Config) -> bool:
    """Whether the run asked for the harness: :func:`enable` was called (in an xdist worker:
    on the controller), the ini setting ``emobench`` is true, or an ``--emobench-*`` option
    was given (on the command line, in ``addopts`` or ``PYTEST_ADDOPTS``, even at its
    default, or set to another value than its default)."""
    if config.stash.get(_ACTIVE, False) or config.getini(ENABLE_INI):
        return True
    if getattr(config, "workerinput", {}).get(scaleout.ACTIVE_KEY):
        return True
    given = [
        *map(str, config.invocation_params.args),
        *config.getini("addopts"),
        *os.environ.get("PYTEST_ADDOPTS", "").split(),
    ]
    if any(arg.startswith("--emobench-") for arg in given):
        return True
    return any(
        getattr(config.option, dest, default) != default for dest, default in _DEFAULTS.items()
    )


def remember_options(options: Iterable[Any]) -> None:
    """Record each ``--emobench-*`` option's destination and default (``pytest_addoption``'s
    option group), so that :func:`active` sees one set to another value."""
    _DEFAULTS.update({o.dest: o.default for o in options})
