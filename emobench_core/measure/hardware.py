"""What this machine's CPU can do natively, asked once: bf16 arithmetic (AVX512-BF16 or AMX),
which makes bf16 autocast pay on the CPU.

    emobench run --models bert-tiny --init random   # bf16 autocast where the CPU has it
"""

from __future__ import annotations

import functools
import platform
from pathlib import Path


@functools.cache
def cpu_has_bf16() -> bool:
    """Whether the CPU computes in bf16 natively (AVX512-BF16 or AMX tiles), per torch."""
    import torch

    cpu = torch.cpu
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(cpu, name, lambda: False)()) for name in checks)


KERNEL_FAMILIES = (
    ("amx_bf16", "amx-bf16"),
    ("avx512_bf16", "avx512-bf16"),
    ("avx512f", "avx512"),
    ("avx2", "avx2"),
)
"""CPU flags (``/proc/cpuinfo``) in order of preference, and the kernel family each selects:
oneDNN and ATen pick their matmul kernels by them, so one seed can train to other weights on
another family (an AMD EPYC with AVX512-BF16 and an Intel Xeon with AMX did)."""


def kernel_family(flags: set[str], machine: str = "") -> str:
    """The kernel family of a CPU with ``flags``: the best of :data:`KERNEL_FAMILIES` it has,
    else its architecture (``machine``, e.g. ``arm64``)."""
    for flag, family in KERNEL_FAMILIES:
        if flag in flags:
            return family
    return machine.lower() or "unknown"


@functools.cache
def cpu_kernel_family() -> str:
    """This CPU's kernel family (:func:`kernel_family`; part of a trained model's cache key)."""

    flags: set[str] = set()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("flags"):
                flags = set(line.split(":", 1)[1].split())
                break
    except OSError:
        pass
    return kernel_family(flags, platform.machine())
