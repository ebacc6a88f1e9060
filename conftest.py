"""The emobench pytest plugin (options, fixtures, markers) comes from the installed package, as
the ``pytest11`` entry point ``emobench``; it stays inert in a run that does not ask for it, and
this repository asks: ``enable`` turns it on for every run here (``pytest bench/`` with no
option runs the smoke profile). With plugin autoloading off, this file also loads it."""

import os

import pytest

from emobench_core.plugin.plugin import enable

pytest_plugins = (
    ["emobench_core.plugin.plugin"] if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD") else []
)


def pytest_configure(config: pytest.Config) -> None:
    enable(config)
