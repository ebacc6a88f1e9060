"""Where a figure came from: library versions, hardware, the git commit.

emobench run --models bert-tiny --output runs/   # every result records its environment
"""

from __future__ import annotations

import os
import platform
import subprocess
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from emobench_core.measure.devices import WORKER_ENV, device_in_use
from emobench_core.measure.hardware import cpu_kernel_family, cpuinfo_model


def environment(device: str) -> dict[str, Any]:
    """Versions and hardware the figures came from."""
    import datasets
    import sklearn
    import torch
    import transformers

    env: dict[str, Any] = {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "datasets": datasets.__version__,
        "scikit_learn": sklearn.__version__,
        # the model name, and which kernels its matmuls dispatch to (avx2, avx512, avx512-bf16,
        # amx-bf16): two CPUs of one model name ("AMD EPYC") may train a seed to different
        # weights, and at another pace
        **this_cpu(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "device": device,
        "gpu_name": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
        # the device this process was given (`pytest bench -n N`: one per xdist worker)
        "device_id": device_in_use(device),
        "xdist_worker": os.environ.get(WORKER_ENV),
        # 1, 5 and 15-minute load averages when recorded: other work on the CPUs inflates every
        # time measured before this point (a 15-minute window covers most trainings here)
        "load_average": _load_average(),
    }
    return env


def cpu_name(env: Mapping[str, Any]) -> str:
    """The CPU of a recorded ``environment``, its kernel family beside its model name where
    recorded (``"AMD EPYC (avx2)"``): a model name alone does not tell an AVX2-only AMD EPYC
    from one with AVX512-BF16."""
    name = str(env.get("cpu_model") or "CPU not recorded")
    family = env.get("cpu_kernel_family")
    return f"{name} ({family})" if family else name


def cpu_distance(a: Mapping[str, Any], b: Mapping[str, Any]) -> int:
    """How far apart the CPUs of two recorded environments are: 0, one model name and one
    kernel family; 1, one model name, a family not recorded on one side (files from before it
    was); 2, different CPUs."""
    if a.get("cpu_model") != b.get("cpu_model"):
        return 2
    families = (a.get("cpu_kernel_family"), b.get("cpu_kernel_family"))
    if None in families:
        return 1
    return 0 if families[0] == families[1] else 2


def this_cpu() -> dict[str, str]:
    """This machine's CPU as :func:`environment` records it (model name and kernel family), for
    :func:`cpu_distance` and :func:`cpu_name` without importing the heavy libraries."""
    return {"cpu_model": _cpu_model(), "cpu_kernel_family": cpu_kernel_family()}


def _load_average() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except (AttributeError, OSError):  # not on every platform
        return None


def _cpu_model() -> str:
    try:
        name = cpuinfo_model(Path("/proc/cpuinfo").read_text())
    except OSError:
        name = None
    return name or platform.processor() or "unknown"


def git_commit(cwd: str | Path | None = None) -> str | None:
    """The commit of the checkout (``+dirty`` when it has changes), or None outside git."""
    if os.environ.get("EMOBENCH_GIT_COMMIT"):  # a copy of the tree without .git (remote runs)
        return os.environ["EMOBENCH_GIT_COMMIT"]
    try:
        sha = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=cwd,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=cwd,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout
    except (OSError, subprocess.SubprocessError):
        return None
    return sha + ("+dirty" if dirty.strip() else "")


def library_versions() -> dict[str, str]:
    """Versions of the libraries that decide a fine-tuned checkpoint (part of its cache key)."""
    import datasets
    import sklearn
    import torch
    import transformers

    return {
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "datasets": datasets.__version__,
        "scikit_learn": sklearn.__version__,
    }
