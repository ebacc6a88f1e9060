"""The machine record and the matmul microbenchmark (measure/matmul.py) on tiny shapes; no
timing assertions (timing belongs to `emobench perf`, not to pass/fail tests)."""

from __future__ import annotations

from pathlib import Path

import pytest

from emobench_core.measure.hardware import cpuinfo_model
from emobench_core.measure.matmul import (
    CPU_FLAGS,
    DTYPES,
    cpu_flags,
    machine_record,
    matmul_rows,
    peak,
    time_matmul,
)
from emobench_core.measure.profiling import KINDS, kernel_kind, kernel_shares

CPUINFO = """processor\t: 0
model name\t: AMD EPYC 9B14
flags\t\t: fpu sse avx2 avx512f avx512_bf16 avx512vl
processor\t: 1
model name\t: AMD EPYC 9B14
flags\t\t: fpu sse avx2 avx512f avx512_bf16 avx512vl amx_tile
"""


def test_cpu_flags_and_model_come_from_the_first_processor() -> None:
    flags = cpu_flags(CPUINFO)
    assert set(flags) == set(CPU_FLAGS)
    assert flags["avx512_bf16"] and flags["avx2"]
    assert not flags["amx_tile"] and not flags["amx_bf16"]
    assert cpuinfo_model(CPUINFO) == "AMD EPYC 9B14"
    assert not any(cpu_flags("").values()) and cpuinfo_model("") is None


def test_machine_record_reads_the_given_cpuinfo(tmp_path: Path) -> None:
    (tmp_path / "cpuinfo").write_text(CPUINFO)
    record = machine_record(tmp_path / "cpuinfo")
    assert record["cpu_model"] == "AMD EPYC 9B14"
    assert record["flags"]["avx512_bf16"] is True
    assert record["torch_cpu_capability"]  # e.g. AVX512, AVX2, DEFAULT
    assert record["threads"] >= 1 and isinstance(record["native_bf16"], bool)


@pytest.mark.parametrize("dtype", DTYPES)
def test_time_matmul_counts_two_flops_per_multiply_add(dtype: str) -> None:
    row = time_matmul("tiny", 4, 3, 2, dtype, min_s=0.0)
    assert (row.label, row.m, row.k, row.n, row.dtype) == ("tiny", 4, 3, 2, dtype)
    assert row.flops == 2 * 4 * 3 * 2
    assert row.repeats == 3 and row.seconds > 0
    assert row.gflops == row.flops / row.seconds / 1e9


def test_time_matmul_stops_at_max_repeats() -> None:
    assert time_matmul("tiny", 2, 2, 2, "float32", min_s=60.0, max_repeats=5).repeats == 5


def test_matmul_rows_time_every_shape_in_both_precisions_and_peak_takes_the_fastest() -> None:
    rows = matmul_rows([("a", (2, 3, 4)), ("b", (3, 3, 3))], min_s=0.0, dtypes=DTYPES)
    assert [(r.label, r.dtype) for r in rows] == [
        ("a", "bfloat16"),
        ("a", "float32"),
        ("b", "bfloat16"),
        ("b", "float32"),
    ]
    assert peak(rows, "float32") == max(r.gflops for r in rows if r.dtype == "float32")
    assert peak(rows, "float16") is None


@pytest.mark.parametrize(("native", "dtypes"), [(True, DTYPES), (False, ("float32",))])
def test_bf16_is_timed_only_where_the_cpu_computes_it(
    monkeypatch: pytest.MonkeyPatch, native: bool, dtypes: tuple[str, ...]
) -> None:
    """Emulated bf16 (no AVX512-BF16 or AMX) is no peak of this machine: 86 s for one
    2048-square product on an AVX2-only CPU, where the recipe trains in fp32 anyway."""
    import emobench_core.measure.matmul as matmul

    monkeypatch.setattr(matmul, "cpu_has_bf16", lambda: native)
    assert matmul.measured_dtypes() == dtypes
    rows = matmul_rows([("a", (2, 3, 4))], min_s=0.0)
    assert tuple(r.dtype for r in rows) == dtypes


@pytest.mark.parametrize(
    ("name", "kind"),
    [
        ("aten::addmm", "matmul"),
        ("aten::mm", "matmul"),
        ("aten::bmm", "matmul"),
        ("mkldnn::_linear_pointwise", "matmul"),
        ("aten::_scaled_dot_product_flash_attention_for_cpu", "attention"),
        ("aten::_softmax", "attention"),
        ("aten::embedding_dense_backward", "embedding"),
        ("aten::_fused_adamw_", "optimizer"),
        ("Optimizer.step#AdamW.step", "optimizer"),
        ("aten::copy_", "copy"),
        ("aten::gelu", "other"),
    ],
)
def test_kernel_kind(name: str, kind: str) -> None:
    assert kernel_kind(name) == kind


def test_kernel_shares_sum_to_one_and_list_the_costliest_per_step() -> None:
    rows = [("aten::addmm", 0.6), ("aten::gelu", 0.1), ("aten::_fused_adamw_", 0.3)]
    shares, top = kernel_shares(rows, steps=2)
    assert list(shares) == list(KINDS)
    assert shares["matmul"] == pytest.approx(0.6) and shares["optimizer"] == pytest.approx(0.3)
    assert sum(shares.values()) == pytest.approx(1.0)
    assert top[0] == ["aten::addmm", 300.0] and len(top) == 3
