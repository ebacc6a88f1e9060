"""Every recorded environment carries the load average beside its timings."""

from __future__ import annotations

import os

import pytest

from emobench_core.measure import environment as env_mod


def test_environment_records_the_load_average(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(os, "getloadavg", lambda: (1.234, 0.5, 0.25))
    assert env_mod.environment("cpu")["load_average"] == [1.23, 0.5, 0.25]


def test_a_platform_without_a_load_average_records_none(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(os, "getloadavg")
    assert env_mod.environment("cpu")["load_average"] is None
