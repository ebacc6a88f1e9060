"""A process's own peak memory, from Linux's /proc: the baseline before a model is loaded, and
the peak after it ran, so a model's inference memory is its own.

    emobench latency --output results/latency-cpu.json   # each model in a fresh process
"""

from __future__ import annotations

from pathlib import Path

from emobench_core.measure.latency import peak_rss_mb


def proc_status_mb(key: str) -> float | None:
    """``VmRSS`` / ``VmHWM`` of this process in MiB from /proc/self/status; None off Linux."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return None


def memory_baseline(fresh: bool) -> tuple[float, bool]:
    """``(baseline MiB, whether the peak was reset)`` before the model is loaded.

    Linux's ``ru_maxrss`` outlives fork + exec, so a subprocess starts with its parent's RSS as
    its "peak" and cannot see a smaller model. In a ``fresh`` process the kernel's peak
    (``VmHWM``) is reset to the current RSS instead (``/proc/self/clear_refs``), and the
    baseline is that current RSS; elsewhere the baseline is ``ru_maxrss`` (a lower bound).
    """
    if fresh:
        try:
            Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
        except OSError:
            pass
        else:
            rss = proc_status_mb("VmRSS")
            if rss is not None:
                return rss, True
    return peak_rss_mb(), False
