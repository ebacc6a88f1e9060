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


def cpuinfo_flags(cpuinfo: str) -> frozenset[str]:
    """The flags of the first processor of a ``/proc/cpuinfo`` text (empty where none)."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "flags":
            return frozenset(value.split())
    return frozenset()


def cpuinfo_model(cpuinfo: str) -> str | None:
    """The model name of the first processor of a ``/proc/cpuinfo`` text (``None`` where none)."""
    for line in cpuinfo.splitlines():
        key, _, value = line.partition(":")
        if key.strip() == "model name":
            return value.strip()
    return None


@functools.cache
def cpu_flags() -> frozenset[str]:
    """This CPU's flags (``/proc/cpuinfo``; empty where there is none)."""
    try:
        return cpuinfo_flags(Path("/proc/cpuinfo").read_text())
    except OSError:
        return frozenset()


@functools.cache
def cpu_kernel_family() -> str:
    """This CPU's kernel family (:func:`kernel_family`; part of a trained model's cache key)."""
    return kernel_family(set(cpu_flags()), platform.machine())


VNNI_FLAGS = frozenset({"avx512_vnni", "avx_vnni", "amx_int8"})
"""x86 instructions that multiply uint8 by int8 into 32-bit sums without an intermediate 16-bit
sum (which, without them, saturates)."""


def int8_reduce_range(flags: frozenset[str] | None = None, machine: str | None = None) -> bool:
    """Whether ONNX Runtime's int8 quantization should use 7-bit weights (``reduce_range``) on
    a CPU with ``flags`` (default: this one's): on x86 without VNNI, where uint8 activations
    times int8 weights saturate a 16-bit intermediate (ONNX Runtime's quantization docs; a
    random-init BERT's int8 logits moved by up to 0.72 against 0.10 with 7-bit weights on an
    AVX2-only AMD EPYC)."""
    flags = cpu_flags() if flags is None else flags
    machine = (platform.machine() if machine is None else machine).lower()
    return machine in ("x86_64", "amd64", "i686", "x86") and not (flags & VNNI_FLAGS)
