"""Tests for emobench_core.measure.latency: the latency tracker (on a fake clock), parameter counts
and sizes on disk. No figure here depends on the speed of the machine running the tests."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
import torch

from emobench_core.measure.latency import (
    count_parameters,
    cpu_count,
    dir_size_bytes,
    measure_latency,
    peak_rss_mb,
)
from emobench_core.schema.records import LatencyStats


class FakeClock:
    """A clock that only moves when a call says how long it took; records every event."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.events: list[str] = []

    def __call__(self) -> float:
        self.events.append("clock")
        return self.now

    def work(self, cost_s: Callable[[int], float]) -> Callable[[int], None]:
        """``fn`` for measure_latency: call ``i`` advances the clock by ``cost_s(i)``."""

        def fn(i: int) -> None:
            self.events.append(f"call{i}")
            self.now += cost_s(i)

        return fn

    def sync(self) -> None:
        self.events.append("sync")


def test_warmup_calls_are_not_timed() -> None:
    clock = FakeClock()
    fn = clock.work(lambda i: 100.0 if i < 5 else 0.001)
    stats = measure_latency(fn, warmup=5, min_iters=20, min_seconds=0, clock=clock)
    assert (stats.n, stats.warmup) == (20, 5)
    assert stats.p50_ms == pytest.approx(1.0)
    assert stats.max_ms == pytest.approx(1.0)
    assert stats.total_s == pytest.approx(0.020)
    assert [e for e in clock.events if e.startswith("call")] == [f"call{i}" for i in range(25)]


def test_percentiles_of_known_durations() -> None:
    clock = FakeClock()
    # the 100 timed calls take 1, 2, ..., 100 ms, in a shuffled order (37 is coprime to 100)
    fn = clock.work(lambda i: ((i * 37) % 100 + 1) / 1000)
    stats = measure_latency(fn, warmup=0, min_iters=100, max_iters=100, min_seconds=0, clock=clock)
    assert stats.n == 100
    # numpy "linear" percentiles of 1..100
    assert stats.p50_ms == pytest.approx(50.5)
    assert stats.p90_ms == pytest.approx(90.1)
    assert stats.p99_ms == pytest.approx(99.01)
    assert stats.mean_ms == pytest.approx(50.5)
    assert (stats.min_ms, stats.max_ms) == pytest.approx((1.0, 100.0))
    assert stats.total_s == pytest.approx(5.050)


def test_min_iters_honoured_when_calls_are_slow() -> None:
    clock = FakeClock()
    stats = measure_latency(
        clock.work(lambda i: 2.0), warmup=0, min_iters=7, min_seconds=1.0, clock=clock
    )
    assert stats.n == 7  # 14 s of timed work, far past min_seconds, yet 7 calls


def test_min_seconds_honoured_when_min_iters_is_small() -> None:
    clock = FakeClock()
    # 1/64 s per call (exact in binary): 0.5 s is reached after exactly 32 calls
    stats = measure_latency(
        clock.work(lambda i: 1 / 64), warmup=3, min_iters=1, min_seconds=0.5, clock=clock
    )
    assert stats.n == 32
    assert stats.total_s == pytest.approx(0.5)


def test_max_iters_caps_the_calls() -> None:
    clock = FakeClock()
    stats = measure_latency(
        clock.work(lambda i: 0.001),
        warmup=0,
        min_iters=5,
        min_seconds=1e9,
        max_iters=20,
        clock=clock,
    )
    assert stats.n == 20


def test_sync_brackets_each_timed_call() -> None:
    clock = FakeClock()
    measure_latency(
        clock.work(lambda i: 0.001),
        warmup=2,
        min_iters=2,
        min_seconds=0,
        sync=clock.sync,
        clock=clock,
    )
    timed = ["sync", "clock", "call{}", "sync", "clock"]
    assert clock.events == [
        "call0",
        "call1",
        "sync",  # after the warm-up, before any timing
        *(e.format(2) for e in timed),
        *(e.format(3) for e in timed),
    ]


def test_default_clock_measures_real_calls() -> None:
    stats = measure_latency(lambda i: None, warmup=1, min_iters=3, min_seconds=0)
    assert stats.n == 3
    assert 0 <= stats.min_ms <= stats.p50_ms <= stats.max_ms


@pytest.mark.parametrize(
    ("kwargs", "shown"),
    [
        ({"warmup": -1}, "warmup=-1"),
        ({"min_iters": 0}, "min_iters=0"),
        ({"min_seconds": -0.5}, "min_seconds=-0.5"),
        ({"min_iters": 10, "max_iters": 5}, "max_iters=5"),
    ],
)
def test_bad_settings_raise(kwargs: dict[str, float], shown: str) -> None:
    calls: list[int] = []
    with pytest.raises(ValueError, match="bad latency settings") as err:
        measure_latency(calls.append, **kwargs)  # type: ignore[arg-type]
    assert shown in str(err.value)
    assert calls == []


def test_from_samples_known_values() -> None:
    stats = LatencyStats.from_samples([0.001, 0.002, 0.003], warmup=4)
    assert (stats.p50_ms, stats.mean_ms, stats.min_ms, stats.max_ms) == pytest.approx(
        (2.0, 2.0, 1.0, 3.0)
    )
    assert stats.std_ms == pytest.approx((2 / 3) ** 0.5)  # population std of 1, 2, 3
    assert (stats.n, stats.warmup) == (3, 4)
    assert stats.total_s == pytest.approx(0.006)
    assert LatencyStats(**stats.to_dict()) == stats


def test_from_samples_empty() -> None:
    with pytest.raises(ValueError, match="no latency samples"):
        LatencyStats.from_samples([])


class TinyModel(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.embed = torch.nn.Embedding(10, 4)  # 40 embedding parameters
        self.body = torch.nn.Linear(4, 3)  # 12 + 3
        self.frozen = torch.nn.Linear(3, 2, bias=False)  # 6, counted though not trainable
        self.frozen.weight.requires_grad_(False)


def test_count_parameters_by_hand() -> None:
    assert count_parameters(TinyModel()) == (40 + 15 + 6, 15 + 6)


def test_count_parameters_counts_tied_weights_once() -> None:
    model = torch.nn.Module()
    model.embed = torch.nn.Embedding(10, 4)
    model.head = torch.nn.Linear(4, 10, bias=False)
    model.head.weight = model.embed.weight
    assert count_parameters(model) == (40, 0)


def test_dir_size_bytes(tmp_path: Path) -> None:
    (tmp_path / "a.bin").write_bytes(b"x" * 100)
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.bin").write_bytes(b"y" * 23)
    (tmp_path / "empty").mkdir()
    assert dir_size_bytes(tmp_path) == 123
    assert dir_size_bytes(tmp_path / "sub" / "b.bin") == 23
    assert dir_size_bytes(tmp_path / "empty") == 0


def test_dir_size_bytes_missing_path(tmp_path: Path) -> None:
    with pytest.raises(FileNotFoundError, match="model.safetensors"):
        dir_size_bytes(tmp_path / "model.safetensors")


def test_process_figures_are_plausible() -> None:
    assert peak_rss_mb() > 1.0  # a Python process with torch loaded holds far more than 1 MiB
    assert cpu_count() >= 1
