"""The emobench pytest plugin (options, fixtures, markers) comes from the installed package, as
the ``pytest11`` entry point ``emobench``; with plugin autoloading off, this file enables it."""

import os

pytest_plugins = (
    ["emobench_core.plugin.plugin"] if os.environ.get("PYTEST_DISABLE_PLUGIN_AUTOLOAD") else []
)
