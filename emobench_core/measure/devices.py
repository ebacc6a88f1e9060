"""Which accelerator a process runs on: one per pytest-xdist worker, and the one a result records.

CPU cores are shared the same way: each of ``N`` workers gets ``cores // N`` torch threads
(:func:`share_cores_between_workers`) unless the caller set ``OMP_NUM_THREADS``.

Worker ``gwK`` of ``pytest bench -n N`` gets entry ``K mod len(devices)`` of the devices the
caller made visible (``CUDA_VISIBLE_DEVICES``, else every device torch counts), set as the
worker's own ``CUDA_VISIBLE_DEVICES`` before CUDA is initialised, so it sees only that device
(as ``cuda:0``). More workers than devices share them round-robin.

    CUDA_VISIBLE_DEVICES=0,1,2,3 pytest bench --emobench-profile gpu -n 4 --dist loadgroup
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping, MutableMapping, Sequence

from emobench_core.errors import UsageError

VISIBLE_ENV = "CUDA_VISIBLE_DEVICES"
WORKER_ENV = "PYTEST_XDIST_WORKER"
WORKER_COUNT_ENV = "PYTEST_XDIST_WORKER_COUNT"
THREADS_ENV = "OMP_NUM_THREADS"
_WORKER_ID = re.compile(r"gw(\d+)")


def parse_visible(value: str | None) -> tuple[str, ...] | None:
    """The entries of a ``CUDA_VISIBLE_DEVICES`` value (indices or UUIDs); ``None`` when unset
    (every device is visible), ``()`` when set empty (none is)."""
    if value is None:
        return None
    return tuple(d.strip() for d in value.split(",") if d.strip())


def visible_devices(env: Mapping[str, str] | None = None) -> tuple[str, ...]:
    """The devices the caller made visible: ``CUDA_VISIBLE_DEVICES`` if set, else ``0..n-1``
    for the ``n`` devices torch counts (torch is imported only then)."""
    listed = parse_visible((os.environ if env is None else env).get(VISIBLE_ENV))
    if listed is not None:
        return listed
    import torch

    return tuple(str(i) for i in range(torch.cuda.device_count()))


def worker_device(worker: str, devices: Sequence[str]) -> str:
    """The device of xdist worker ``worker`` (``"gw3"``): entry ``3 mod len(devices)``.

    Raises:
        UsageError: ``worker`` is not an xdist worker id, or ``devices`` is empty.
    """
    match = _WORKER_ID.fullmatch(worker)
    if match is None:
        raise UsageError(
            f"{WORKER_ENV}={worker!r} is not a pytest-xdist worker id (gw0, gw1, ...); "
            "start workers with `pytest -n N`"
        )
    if not devices:
        raise UsageError(
            f"worker {worker}: no accelerator is visible ({VISIBLE_ENV} is empty or no device "
            f"was found); list the devices, e.g. {VISIBLE_ENV}=0,1, or run on the CPU"
        )
    return devices[int(match.group(1)) % len(devices)]


def device_in_use(device: str, env: Mapping[str, str] | None = None) -> str:
    """The device a run used, as a result records it: ``"cpu"``, or ``"cuda:<id>"`` with the
    caller-level id (the first ``CUDA_VISIBLE_DEVICES`` entry, else 0: what ``cuda:0`` is)."""
    if device != "cuda":
        return device
    listed = parse_visible((os.environ if env is None else env).get(VISIBLE_ENV))
    return f"cuda:{listed[0] if listed else 0}"


def share_cores_between_workers(
    env: MutableMapping[str, str] | None = None, cores: int | None = None
) -> int | None:
    """In a pytest-xdist worker, give torch this worker's share of the cores: ``cores // N``
    threads (at least 1) for ``N`` workers, as ``OMP_NUM_THREADS`` (which torch reads when it
    starts, and subprocesses inherit) and, if torch is already running, ``set_num_threads``.

    Left alone, each worker's torch takes every core, and on 2 cores with 2 workers the
    busy-waiting threads made a 20 s training take 200 s. A value the caller set is kept (a
    fixed thread count is what makes a CPU training reproducible across machines: predictions
    depend on it). Returns the threads set, or ``None`` (not a worker of several, or set)."""
    env = os.environ if env is None else env
    workers = int(env.get(WORKER_COUNT_ENV) or 1)
    if workers < 2 or env.get(THREADS_ENV):
        return None
    threads = max(1, (cores or os.cpu_count() or 1) // workers)
    env[THREADS_ENV] = str(threads)
    if env is os.environ and "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(threads)
    return threads
