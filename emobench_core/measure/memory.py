"""A process's own peak memory, from Linux's /proc: the baseline before a model is loaded, and
the peak after it ran, so a model's inference memory is its own; :class:`OwnPeak` does the same
for a block of code (a model's training) inside a longer process.

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


CUDA_PEAK = "torch.cuda.max_memory_allocated, reset at the start (this model's own)"


class OwnPeak:
    """The peak resident memory a block of code adds above the RSS it started from, in MiB.

    On Linux the kernel's peak (``VmHWM``) is reset when the block starts, so a model trained
    after a larger one in the same process reports its own peak, not the larger one's
    (``ru_maxrss`` alone would); ``basis`` says how the figure was taken. Elsewhere the figure is
    ``ru_maxrss`` above its value at the start: a lower bound.

        with OwnPeak() as peak:
            trainer.train()
        info.peak_memory_mb, info.peak_memory_basis = peak.mb, peak.basis
    """

    RESET = "peak RSS above the RSS at the start (VmHWM reset at the start)"
    FALLBACK = "ru_maxrss above its value at the start (a lower bound)"

    def __init__(self) -> None:
        self.mb = 0.0
        self.basis = ""
        self._before = 0.0
        self._reset = False

    def __enter__(self) -> OwnPeak:
        self._before, self._reset = memory_baseline(fresh=True)
        return self

    def so_far(self) -> float:
        """The peak the block has added up to now, in MiB (what ``mb`` would be if it ended)."""
        after = (proc_status_mb("VmHWM") if self._reset else None) or peak_rss_mb()
        return max(0.0, after - self._before)

    def __exit__(self, *exc: object) -> None:
        self.mb = self.so_far()
        self.basis = self.RESET if self._reset else self.FALLBACK
