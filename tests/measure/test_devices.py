"""One accelerator and a share of the cores per pytest-xdist worker (a fake device list: no GPU
needed), and the device a result records."""

from __future__ import annotations

import pytest

from emobench_core.errors import UsageError
from emobench_core.measure.devices import (
    device_in_use,
    parse_visible,
    share_cores_between_workers,
    visible_devices,
    worker_device,
)

pytest_plugins = ["pytester"]


def test_each_worker_gets_its_own_device_of_those_made_visible() -> None:
    devices = ("2", "3", "5", "7")
    assert [worker_device(f"gw{i}", devices) for i in range(4)] == ["2", "3", "5", "7"]


def test_more_workers_than_devices_share_them_round_robin() -> None:
    assert [worker_device(f"gw{i}", ("0", "1")) for i in range(5)] == ["0", "1", "0", "1", "0"]


def test_uuids_pass_through() -> None:
    assert worker_device("gw1", ("GPU-aaaa", "GPU-bbbb")) == "GPU-bbbb"


@pytest.mark.parametrize(
    ("worker", "devices", "message"),
    [
        ("master", ("0",), "not a pytest-xdist worker id"),
        ("gw", ("0",), "not a pytest-xdist worker id"),
        ("gw0", (), "no accelerator is visible"),
    ],
)
def test_bad_input_says_what_and_how_to_fix(
    worker: str, devices: tuple[str, ...], message: str
) -> None:
    with pytest.raises(UsageError, match=message):
        worker_device(worker, devices)


def test_visible_devices_come_from_the_callers_list() -> None:
    assert parse_visible(None) is None
    assert parse_visible("") == ()
    assert visible_devices({"CUDA_VISIBLE_DEVICES": "4, 6"}) == ("4", "6")


def test_a_result_records_the_device_it_ran_on() -> None:
    assert device_in_use("cpu", {"CUDA_VISIBLE_DEVICES": "3"}) == "cpu"
    assert device_in_use("cuda", {"CUDA_VISIBLE_DEVICES": "3"}) == "cuda:3"
    assert device_in_use("cuda", {}) == "cuda:0"


WHERE = """
import os

import pytest


@pytest.mark.parametrize("i", range(4))
def test_where(worker_id, i):
    print("DEVICE", worker_id, os.environ.get("CUDA_VISIBLE_DEVICES"))
"""


def _devices_seen(result: pytest.RunResult) -> dict[str, set[str]]:
    seen: dict[str, set[str]] = {}
    for line in result.outlines:
        if line.startswith("DEVICE "):
            _, worker, device = line.split()
            seen.setdefault(worker, set()).add(device)
    return seen


@pytest.mark.parametrize("profile", ["gpu", "smoke"])
def test_xdist_workers_see_one_device_each_in_a_cuda_run(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, profile: str
) -> None:
    """The plugin's hooks in a real `-n 2` run: with the caller's fake list "5,7", worker gw0
    sees only device 5 and gw1 only 7 in the gpu profile; a CPU profile leaves the list alone."""
    pytest.importorskip("xdist")
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    pytester.makepyfile(test_where=WHERE)
    monkeypatch.setenv("CUDA_VISIBLE_DEVICES", "5,7")
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)  # when these tests run under -n
    result = pytester.runpytest_subprocess("-n", "2", "--emobench-profile", profile, "-rA")
    result.assert_outcomes(passed=4)
    seen = _devices_seen(result)
    if profile == "gpu":
        assert seen == {"gw0": {"5"}, "gw1": {"7"}}, seen
    else:
        assert seen == {"gw0": {"5,7"}, "gw1": {"5,7"}}, seen


@pytest.mark.parametrize(
    ("env", "cores", "threads"),
    [
        ({"PYTEST_XDIST_WORKER_COUNT": "2"}, 2, 1),
        ({"PYTEST_XDIST_WORKER_COUNT": "4"}, 16, 4),
        ({"PYTEST_XDIST_WORKER_COUNT": "8"}, 2, 1),  # never 0 threads
    ],
)
def test_each_xdist_worker_gets_its_share_of_the_cores(env, cores, threads) -> None:
    assert share_cores_between_workers(env, cores) == threads
    assert env["OMP_NUM_THREADS"] == str(threads)


@pytest.mark.parametrize(
    "env",
    [
        {},  # not under xdist
        {"PYTEST_XDIST_WORKER_COUNT": "1"},
        {"PYTEST_XDIST_WORKER_COUNT": "2", "OMP_NUM_THREADS": "3"},  # the caller's choice
    ],
)
def test_the_cores_are_left_alone_outside_workers_or_when_set(env) -> None:
    before = dict(env)
    assert share_cores_between_workers(env, 2) is None
    assert env == before
