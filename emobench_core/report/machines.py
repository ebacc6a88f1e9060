"""Which machine measured a latency or a memory figure, in words, for the page's column headers
and the Pareto figures' titles: a row's own figures come from the machine that trained it (its
CPU and thread count, or its GPU), the CPU probe's from the probe's machine. Two latency
columns that disagree 2.5x are then seen to come from two CPUs.

    emobench report bench.json --results runs/ --latency latency-cpu.json --html RESULTS.html
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from emobench_core.measure.environment import cpu_name
from emobench_core.study.records import ModelSummary, Study


def _cpu(env: Mapping[str, Any], threads: object = None) -> str:
    name = cpu_name(env)
    threads = threads if threads is not None else env.get("torch_threads")
    return f"{name}, {threads} threads" if threads else name


def row_machine(s: ModelSummary) -> str:
    """The machine of ``s``'s own latency and training peak: its GPU on ``cuda``, else its CPU
    with the threads it used (from the first run's environment)."""
    if s.device == "cpu":
        return _cpu(s.environment)
    return str(s.environment.get("gpu_name") or f"{s.device} (GPU not recorded)")


def device_machines(rows: Iterable[ModelSummary]) -> dict[str, str]:
    """Device -> its rows' machines (``" / "`` between several), in device order."""
    found: dict[str, list[str]] = {}
    for s in rows:
        names = found.setdefault(s.device, [])
        if (name := row_machine(s)) not in names:
            names.append(name)
    return {device: " / ".join(names) for device, names in sorted(found.items())}


def own_machines(rows: Iterable[ModelSummary]) -> str:
    """``"cpu: <CPU>, 2 threads; cuda: <GPU>"``, or the one machine when all rows share it."""
    machines = device_machines(rows)
    if len(set(machines.values())) == 1:
        return next(iter(machines.values()))
    return "; ".join(f"{device}: {name}" for device, name in machines.items())


def probe_machine(st: Study) -> str | None:
    """The CPU of the study's latency probe (``emobench latency``) with its threads, if any."""
    if st.latency is None:
        return None
    return _cpu(st.latency.environment, st.latency.threads)
