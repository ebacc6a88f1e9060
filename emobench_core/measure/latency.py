"""Cost measurements: latency statistics, parameter counts, size on disk, peak memory.

The latency tracker keeps warm-up calls apart from timed ones and runs until both a minimum
number of calls *and* a minimum duration are reached, so p99 rests on enough samples
(at the defaults, at least 200 timed calls). On CUDA each call is bracketed by
``torch.cuda.synchronize()`` so the wall clock sees the kernels, not just their launch.

    emobench run --models bert-tiny --output runs/   # latency is part of every result
"""

from __future__ import annotations

import os
import resource
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emobench_core.schema.records import LatencyStats


@dataclass(frozen=True)
class LatencySettings:
    """The latency rule: warm-up calls, then at least ``min_iters`` calls and ``min_seconds``."""

    warmup: int = 20
    min_iters: int = 200
    min_seconds: float = 2.0


def measure_latency(
    fn: Callable[[int], Any],
    *,
    warmup: int = 10,
    min_iters: int = 200,
    min_seconds: float = 1.0,
    max_iters: int = 100_000,
    sync: Callable[[], None] | None = None,
    clock: Callable[[], float] = time.perf_counter,
    keep_samples: bool = False,
) -> LatencyStats:
    """Time ``fn(i)`` call by call (``keep_samples``: record every call's time too).

    Rule: ``warmup`` untimed calls, then timed calls until at least ``min_iters`` calls *and*
    ``min_seconds`` of timed work are done (or ``max_iters`` is reached).

    Args:
        fn: The call to time; receives the call index (to cycle through inputs).
        sync: Called before starting and before stopping the clock (``torch.cuda.synchronize``
            on GPU), so asynchronous work is inside the measured interval.
        clock: Seconds as a float; injectable for tests.
    """
    if warmup < 0 or min_iters < 1 or min_seconds < 0 or max_iters < min_iters:
        raise ValueError(
            f"bad latency settings: warmup={warmup} (>= 0), min_iters={min_iters} (>= 1), "
            f"min_seconds={min_seconds} (>= 0), max_iters={max_iters} (>= min_iters)"
        )
    for i in range(warmup):
        fn(i)
    if sync:
        sync()
    samples: list[float] = []
    elapsed = 0.0
    i = 0
    while (i < min_iters or elapsed < min_seconds) and i < max_iters:
        if sync:
            sync()
        start = clock()
        fn(warmup + i)
        if sync:
            sync()
        dt = clock() - start
        samples.append(dt)
        elapsed += dt
        i += 1
    return LatencyStats.from_samples(samples, warmup=warmup, keep=keep_samples)


def count_parameters(model: Any) -> tuple[int, int]:
    """``(total, without_embeddings)`` trainable-or-not parameters of a torch model.

    Embedding parameters are those of ``torch.nn.Embedding`` modules (word, position and
    token-type embeddings), the part whose size depends on the vocabulary, not the depth.
    """
    import torch

    total = sum(p.numel() for p in model.parameters())
    embedding = sum(
        p.numel()
        for m in model.modules()
        if isinstance(m, torch.nn.Embedding)
        for p in m.parameters(recurse=False)
    )
    return total, total - embedding


def dir_size_bytes(path: str | Path) -> int:
    """Bytes of all files under ``path`` (or of the file itself).

    Raises:
        FileNotFoundError: ``path`` does not exist (rather than reporting 0 bytes).
    """
    path = Path(path)
    if not path.exists():
        raise FileNotFoundError(f"cannot measure the size of {path}: no such file or folder")
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file())


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far, in MiB (ru_maxrss)."""
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return peak / (1024 * 1024) if sys.platform == "darwin" else peak / 1024


def cpu_threads() -> int:
    import torch

    return int(torch.get_num_threads())


def cpu_count() -> int:
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1
