"""The machine's own peak: what its CPU can do natively (bf16, AMX) and how fast it multiplies
matrices in bf16 and fp32, measured at the shapes a training step uses and at large squares.

    emobench perf --models bert-tiny --steps 20 --output perf.json   # records both first
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from emobench_core.measure.hardware import cpu_has_bf16, cpuinfo_flags, cpuinfo_model
from emobench_core.schema.perf_steps import MatmulRow

CPU_FLAGS = ("avx2", "avx512f", "avx512_bf16", "amx_tile", "amx_bf16", "amx_int8")
"""The /proc/cpuinfo flags that decide bf16 and fp32 matmul speed."""


def cpu_flags(cpuinfo: str) -> dict[str, bool]:
    """Which of :data:`CPU_FLAGS` the first processor of a ``/proc/cpuinfo`` text lists."""
    have = cpuinfo_flags(cpuinfo)
    return {f: f in have for f in CPU_FLAGS}


def machine_record(cpuinfo_path: str | Path = "/proc/cpuinfo") -> dict[str, Any]:
    """The CPU model, its bf16/AMX flags, torch's CPU capability (the widest vector ISA its
    kernels dispatch to) and threads, and whether the recipe trains in bf16 here."""
    import torch

    path = Path(cpuinfo_path)
    text = path.read_text(encoding="utf-8") if path.is_file() else ""
    return {
        "cpu_model": cpuinfo_model(text),
        "flags": cpu_flags(text),
        "torch_cpu_capability": torch.backends.cpu.get_cpu_capability(),
        "native_bf16": cpu_has_bf16(),
        "threads": torch.get_num_threads(),
    }


def time_matmul(
    label: str, m: int, k: int, n: int, dtype: str, *, min_s: float = 0.2, max_repeats: int = 50
) -> MatmulRow:
    """Time ``torch.mm`` on random ``(m, k)`` and ``(k, n)`` matrices of ``dtype``
    (``"bfloat16"`` or ``"float32"``): one warm-up product, then repeats until ``min_s`` has
    passed (at least 3, at most ``max_repeats``); the median product time is kept."""
    import torch

    kind = getattr(torch, dtype)
    generator = torch.Generator().manual_seed(0)
    a = torch.randn(m, k, generator=generator).to(kind)
    b = torch.randn(k, n, generator=generator).to(kind)
    out = torch.empty(m, n, dtype=kind)
    torch.mm(a, b, out=out)
    times: list[float] = []
    start = time.perf_counter()
    while len(times) < 3 or (time.perf_counter() - start < min_s and len(times) < max_repeats):
        t0 = time.perf_counter()
        torch.mm(a, b, out=out)
        times.append(time.perf_counter() - t0)
    times.sort()
    return MatmulRow(label, m, k, n, dtype, times[len(times) // 2], len(times))


DTYPES = ("bfloat16", "float32")
SQUARE = "square"


def measured_dtypes() -> tuple[str, ...]:
    """The precisions worth a peak here: bf16 and fp32 on a CPU that computes bf16 natively,
    fp32 alone elsewhere. Without AVX512-BF16 or AMX torch emulates bf16 products (on an
    AVX2-only AMD EPYC: 0.2-2.5 GFLOP/s against 80 in fp32, 86 s for one 2048-square product),
    and the recipe trains in fp32 there, so a bf16 "peak" would only slow the run and mislead
    every share computed from it."""
    return DTYPES if cpu_has_bf16() else ("float32",)


def matmul_rows(
    shapes: list[tuple[str, tuple[int, int, int]]],
    *,
    min_s: float = 0.2,
    dtypes: tuple[str, ...] | None = None,
) -> list[MatmulRow]:
    """:func:`time_matmul` of each ``(label, (m, k, n))`` in each of ``dtypes`` (default:
    :func:`measured_dtypes`)."""
    chosen = measured_dtypes() if dtypes is None else dtypes
    return [
        time_matmul(label, *mkn, dtype, min_s=min_s) for label, mkn in shapes for dtype in chosen
    ]


def peak(timings: list[MatmulRow], dtype: str) -> float | None:
    """The fastest rate measured in ``dtype``, GFLOP/s (``None``: none measured)."""
    rates = [t.gflops for t in timings if t.dtype == dtype]
    return max(rates) if rates else None
