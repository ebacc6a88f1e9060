"""Where a step's CPU time goes, from ``torch.profiler``: each kernel's self time sorted into
matmuls, attention, embedding, optimizer and the rest.

    emobench perf --models bert-tiny --steps 20 --profile-steps 3 --output perf.json
"""

from __future__ import annotations

from collections.abc import Sequence

KINDS = ("matmul", "attention", "embedding", "optimizer", "copy", "other")
"""copy: ``aten::copy_`` and ``aten::_to_copy``, under bf16 autocast mostly the fp32 -> bf16 casts
of the weights, every step."""
COPY_OPS = frozenset({"aten::copy_", "aten::_to_copy", "aten::to"})
EMBEDDING_BACKWARD = "aten::embedding_dense_backward"
"""The dense word-embedding gradient; its self time is small, its children (zeroing the
vocabulary-sized gradient, the scatter-add) carry the cost: read with children included."""
MATMUL_OPS = frozenset(
    {"aten::mm", "aten::addmm", "aten::bmm", "aten::baddbmm", "aten::matmul", "aten::linear"}
)


def kernel_kind(name: str) -> str:
    """Which of :data:`KINDS` a profiler row belongs to (matmuls include their bf16 variants:
    the op name is the same, and oneDNN's ``mkldnn`` linear ops)."""
    if name in MATMUL_OPS or name.startswith(("mkldnn::_linear", "aten::_addmm")):
        return "matmul"
    if "scaled_dot_product" in name or "softmax" in name:
        return "attention"
    if "embedding" in name:
        return "embedding"
    if name.startswith(("aten::_fused_adam", "aten::_foreach_", "Optimizer.")):
        return "optimizer"
    return "copy" if name in COPY_OPS else "other"


def kernel_shares(rows: Sequence[tuple[str, float]], steps: int) -> tuple[dict[str, float], list]:
    """Shares of self CPU time by :func:`kernel_kind`, and the 8 costliest rows as
    ``[name, ms per step]``, from ``(name, self seconds)`` rows of ``steps`` profiled steps."""
    total = sum(s for _, s in rows) or 1.0
    shares = dict.fromkeys(KINDS, 0.0)
    for name, seconds in rows:
        shares[kernel_kind(name)] += seconds / total
    top = sorted(rows, key=lambda r: -r[1])[:8]
    return shares, [[name, round(1000 * s / steps, 3)] for name, s in top]
