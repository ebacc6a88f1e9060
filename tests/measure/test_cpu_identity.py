"""A CPU is named by its model and its kernel family: "AMD EPYC" alone was an AVX512-BF16 machine
in one session and an AVX2-only one (no native bf16: it trains in fp32) in another."""

from __future__ import annotations

import dataclasses

import pytest
from report_fixtures import make_result

from emobench_core.measure import environment as env_mod
from emobench_core.measure.environment import cpu_distance, cpu_name
from emobench_core.measure.hardware import cpu_kernel_family
from emobench_core.study.gate import same_precision


def test_every_environment_records_the_cpus_kernel_family() -> None:
    assert env_mod.environment("cpu")["cpu_kernel_family"] == cpu_kernel_family()


@pytest.mark.parametrize(
    ("env", "name"),
    [
        ({"cpu_model": "AMD EPYC", "cpu_kernel_family": "avx2"}, "AMD EPYC (avx2)"),
        ({"cpu_model": "AMD EPYC", "cpu_kernel_family": "avx512-bf16"}, "AMD EPYC (avx512-bf16)"),
        ({"cpu_model": "AMD EPYC"}, "AMD EPYC"),  # files from before the family was recorded
        ({}, "CPU not recorded"),
    ],
)
def test_a_cpu_is_named_with_its_kernel_family_where_recorded(env: dict, name: str) -> None:
    assert cpu_name(env) == name


def _run(model: str, family: str | None):
    run = make_result("bert-tiny", "random", "transformer", "cpu", 42, 0.1, 4, 1.0, 10, 100)
    env = {**run.environment, "cpu_model": model, "cpu_kernel_family": family}
    if family is None:
        del env["cpu_kernel_family"]
    return dataclasses.replace(run, environment=env)


def test_the_gate_prefers_the_baseline_of_the_same_cpu_kind_not_only_the_same_name() -> None:
    avx512, avx2 = _run("AMD EPYC", "avx512-bf16"), _run("AMD EPYC", "avx2")
    assert same_precision([avx512, avx2], _run("AMD EPYC", "avx2")) == [avx2, avx512]
    assert same_precision([avx2, avx512], _run("AMD EPYC", "avx512-bf16")) == [avx512, avx2]


def test_a_baseline_from_before_the_family_was_recorded_still_matches_by_model_name() -> None:
    """The committed baselines record no family: an AMD EPYC run must still be gated against
    the AMD EPYC baseline, not the Intel one listed first."""
    intel, epyc = _run("Intel(R) Xeon(R) Processor", None), _run("AMD EPYC", None)
    assert same_precision([intel, epyc], _run("AMD EPYC", "avx512-bf16")) == [epyc, intel]
    assert same_precision([epyc, intel], _run("Intel(R) Xeon(R) Processor", "amx-bf16"))[0] is intel
    assert cpu_distance(epyc.environment, _run("AMD EPYC", "avx2").environment) == 1
    assert cpu_distance(intel.environment, epyc.environment) == 2
