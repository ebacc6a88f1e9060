"""Scale-out of a bench run with the engines people already run: pytest-xdist within a machine
(one accelerator per worker, the cases of one checkpoint on one worker, no timing in a worker),
pytest-split across machines (docs/scaling.md). The checkpoint cache's per-entry file
lock is what makes a checkpoint train once, whichever process asks first; the grouping only
saves the waiting. Registered by :mod:`emobench_core.plugin.plugin` when a run asks for the
harness (``enable``), never in another project's run.

    CUDA_VISIBLE_DEVICES=0,1,2,3 pytest bench --emobench-profile gpu -n 4 --dist loadgroup
    pytest bench --emobench-profile cpu --splits 4 --group 2 --emobench-results-dir out/shard-2
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from emobench_core.errors import UsageError
from emobench_core.measure.devices import VISIBLE_ENV, visible_devices, worker_device
from emobench_core.plugin.profiles import Case, get_profile

DEVICES_KEY = "emobench_devices"
"""Key of the xdist ``workerinput``: the devices the controller's caller made visible."""
ACTIVE_KEY = "emobench_active"
"""Key of the xdist ``workerinput``: the controller's run asked for the harness, so its workers
are in it too (this plugin is registered only then)."""

NOT_TIMED = (
    "latency is never timed under pytest-xdist (the workers share the machine, so the timings "
    "would measure each other); time it serially on an idle device: pass 2 of "
    "scripts/run_profile.sh, or pytest without -n"
)


def checkpoint_group(case: Case, seed: int) -> str:
    """The ``xdist_group`` of every case that uses the checkpoint of ``case`` at ``seed``:
    what tells its cache key apart from the others of one session (model, init, teacher,
    seed); recipe, data, device kind and library versions are the session's own. Worker,
    shard and device index are in neither. No ``@``: xdist reads a group name after the
    last ``@`` of a node id (``bert-tiny@random`` -> ``bert-tiny:random-s42``)."""
    return f"{case.id}-s{seed}".replace("@", ":")


def _device(config: pytest.Config) -> str:
    """The session's device kind (the profile's, or ``--emobench-device``)."""
    return (
        config.getoption("--emobench-device")
        or get_profile(config.getoption("--emobench-profile")).device
    )


def pytest_configure(config: pytest.Config) -> None:
    # pytest-xdist registers it too; declared here so --strict-markers holds without xdist
    config.addinivalue_line("markers", "xdist_group(name): the cases of one checkpoint")
    assign_worker_device(config, _device(config))


def pytest_unconfigure(config: pytest.Config) -> None:
    restore_device(config)


@pytest.hookimpl(optionalhook=True)
def pytest_configure_node(node: Any) -> None:
    """pytest-xdist controller: tell each worker the harness is on, and hand it the devices
    the caller made visible."""
    node.workerinput[ACTIVE_KEY] = True
    devices = devices_for_workers(_device(node.config))
    if devices is not None:
        node.workerinput[DEVICES_KEY] = devices


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: pytest.Item) -> None:
    skip_timing_in_worker(item)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """In a ``--dist loadgroup`` worker, make sure each grouped item's node id ends in
    ``@<group>``, which is how the controller's scheduler reads the group. pytest-xdist 3.8
    appends it through ``item._nodeid``, which pytest 9.2 no longer reads (its node ids are
    structured, ``item._id``), so grouping silently stops (pytest-xdist issue 1386); this does
    the same on the structured id, and nothing where xdist's suffix is already there."""
    if worker_id(config) is None or not config.getvalue("loadgroup"):
        return
    try:
        from _pytest.nodeid import NodeId  # pytest >= 9.2
    except ImportError:  # an older pytest reads the suffix xdist wrote
        return
    for item in items:
        names = {
            str(m.args[0] if m.args else m.kwargs.get("name", "default"))
            for m in item.iter_markers("xdist_group")
        }
        suffix = "@" + "_".join(sorted(names))
        if names and not item.nodeid.endswith(suffix) and hasattr(item, "_id"):
            item._id = NodeId.parse(item.nodeid + suffix)


def worker_id(config: pytest.Config) -> str | None:
    """The xdist worker id (``"gw3"``) of this process, or ``None`` outside a worker."""
    workerinput = getattr(config, "workerinput", None)
    return None if workerinput is None else str(workerinput["workerid"])


def devices_for_workers(device: str) -> list[str] | None:
    """On the xdist controller: the devices to hand the workers (``None``: not a CUDA run)."""
    return list(visible_devices()) if device == "cuda" else None


def assign_worker_device(config: pytest.Config, device: str) -> str | None:
    """In an xdist worker of a CUDA run: make only this worker's device visible, before CUDA
    is initialised (nothing imports torch before ``pytest_configure``). Returns the device
    set, or ``None`` (not a worker, or not a CUDA run)."""
    worker = worker_id(config)
    if worker is None or device != "cuda":
        return None
    devices = config.workerinput.get(DEVICES_KEY)  # type: ignore[attr-defined]
    if devices is None:  # a controller without this plugin's hook: the inherited environment
        devices = list(visible_devices())
    if not devices:  # no accelerator here: the cases skip ("needs CUDA"), as without -n
        return None
    try:
        chosen = worker_device(worker, devices)
    except UsageError as exc:
        raise pytest.UsageError(str(exc)) from exc
    config.stash[_SAVED] = os.environ.get(VISIBLE_ENV)
    os.environ[VISIBLE_ENV] = chosen
    return chosen


def restore_device(config: pytest.Config) -> None:
    """Undo :func:`assign_worker_device` (for in-process runs; a worker process just ends)."""
    if _SAVED not in config.stash:
        return
    saved = config.stash[_SAVED]
    if saved is None:
        os.environ.pop(VISIBLE_ENV, None)
    else:
        os.environ[VISIBLE_ENV] = saved
    del config.stash[_SAVED]


def skip_timing_in_worker(item: pytest.Item) -> None:
    """A latency case in an xdist worker is skipped, with why and what to run instead (and
    fails under ``--emobench-strict``, like every skipped case)."""
    if item.get_closest_marker("emobench_latency") and worker_id(item.config) is not None:
        pytest.skip(NOT_TIMED)


def group_mark(case: Case, seed: int) -> Any:
    """The ``xdist_group`` mark of ``case`` at ``seed`` (``--dist loadgroup`` honours it)."""
    return pytest.mark.xdist_group(checkpoint_group(case, seed))


_SAVED = pytest.StashKey[str | None]()
