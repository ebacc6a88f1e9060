"""What this machine's CPU can do natively, asked once: bf16 arithmetic (AVX512-BF16 or AMX),
which makes bf16 autocast pay on the CPU.

    emobench run --models bert-tiny --init random   # bf16 autocast where the CPU has it
"""

from __future__ import annotations

import functools


@functools.cache
def cpu_has_bf16() -> bool:
    """Whether the CPU computes in bf16 natively (AVX512-BF16 or AMX tiles), per torch."""
    import torch

    cpu = torch.cpu
    checks = ("_is_avx512_bf16_supported", "_is_amx_tile_supported")
    return any(bool(getattr(cpu, name, lambda: False)()) for name in checks)
