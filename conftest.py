"""Enables the emobench pytest plugin (options, fixtures, markers) for bench/ and tests/."""

pytest_plugins = ["emobench_core.plugin.plugin"]
