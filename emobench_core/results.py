"""Results as versioned, typed data: one :class:`RunResult` per model, init and seed.

A result holds everything needed to trust and reproduce a figure: the config, model, init,
seed, data fingerprint, environment and git commit, the metrics, the costs, and the
per-example test predictions from which every metric can be recomputed. Files are written
atomically (temporary file, then rename), so a crash never leaves a truncated result.

    emobench run --models bert-tiny --output results/   # writes results/<run_id>.json
"""

from __future__ import annotations

import json
import os
import platform
import subprocess
import tempfile
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .efficiency import LatencyStats
from .evaluation import Metrics
from .training import TrainingInfo

SCHEMA_VERSION = 1
SCHEMA_NAME = "emobench.run-result"


class ResultsError(ValueError):
    """A results file that cannot be read, or was written by an incompatible schema."""


@dataclass(frozen=True)
class ModelInfo:
    name: str
    source: str
    init: str
    kind: str
    description: str
    params_total: int
    params_non_embedding: int
    size_on_disk_bytes: int


@dataclass(frozen=True)
class DataInfo:
    source: str
    fingerprint: str
    rows: dict[str, int]
    max_train_rows: int | None = None


@dataclass(frozen=True)
class Efficiency:
    """Inference costs on ``device``; latency is of the model call on tokenized input, and
    the tokenizer (or TF-IDF vectorizer) is timed separately."""

    device: str
    threads: int
    latency_b1: LatencyStats
    tokenizer_b1: LatencyStats
    throughput_b32: float
    """Samples per second at batch 32, model call only."""


@dataclass(frozen=True)
class RunResult:
    """One model, one init, one seed, through the whole pipeline."""

    run_id: str
    model: ModelInfo
    seed: int
    recipe: dict[str, Any]
    data: DataInfo
    environment: dict[str, Any]
    training: TrainingInfo
    metrics: Metrics
    efficiency: Efficiency
    predictions: dict[str, list[int]]
    """``{"y_true": [...], "y_pred": [...]}`` on the test split, in dataset order."""
    created_at: str
    tags: dict[str, Any] = field(default_factory=dict)
    distillation: dict[str, Any] | None = None
    """For a distilled student: teacher, teacher_init, student, alpha, temperature."""
    schema: str = SCHEMA_NAME
    schema_version: int = SCHEMA_VERSION

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any], *, origin: str = "<dict>") -> RunResult:
        if not isinstance(data, dict):
            raise ResultsError(
                f"{origin} holds a JSON {type(data).__name__}, not an emobench run result; "
                "re-create it with `emobench run`"
            )
        version = data.get("schema_version")
        if data.get("schema") != SCHEMA_NAME or version != SCHEMA_VERSION:
            raise ResultsError(
                f"{origin} is not an emobench run result of schema version {SCHEMA_VERSION} "
                f"(found schema={data.get('schema')!r}, version={version!r}); re-create it with "
                "this version's `emobench run`, or read it with the emobench release that wrote it"
            )
        try:
            eff = data["efficiency"]
            return cls(
                **{
                    **data,
                    "model": ModelInfo(**data["model"]),
                    "data": DataInfo(**data["data"]),
                    "training": TrainingInfo.from_dict(data["training"]),
                    "metrics": Metrics.from_dict(data["metrics"]),
                    "efficiency": Efficiency(
                        **{
                            **eff,
                            "latency_b1": LatencyStats(**eff["latency_b1"]),
                            "tokenizer_b1": LatencyStats(**eff["tokenizer_b1"]),
                        }
                    ),
                }
            )
        except (KeyError, TypeError) as exc:
            raise ResultsError(
                f"{origin} has a malformed run result ({exc}); re-create it with `emobench run`"
            ) from exc

    def save(self, folder: str | Path) -> Path:
        """Write ``folder/<run_id>.json`` atomically and return its path."""
        path = Path(folder) / f"{self.run_id}.json"
        write_json_atomic(path, self.to_dict())
        return path

    @property
    def label(self) -> str:
        """Row label: model name, with the init when it is not pretrained."""
        if self.model.init in ("pretrained", "n/a"):  # n/a: the SVM has no init
            return self.model.name
        return f"{self.model.name} ({self.model.init})"


def write_json_atomic(path: str | Path, data: Any) -> None:
    """Write JSON to a temporary file beside ``path``, fsync it, then rename over ``path``.

    A crash at any point leaves ``path`` absent or as it was, never truncated; at worst a
    temporary ``.NAME.*.tmp`` stays behind, which :func:`load_results` ignores.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes it 0600; give it a normal file's mode
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def read_json(path: Path, *, missing: str, remake: str) -> Any:
    """JSON from ``path``; a missing or unreadable file is a :class:`ResultsError`: ``missing``
    is the whole message for an absent file, ``remake`` says how to re-create a broken one."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ResultsError(missing) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ResultsError(
            f"{path} is not valid JSON ({exc}); it may be truncated — {remake}"
        ) from exc


def load_result(path: str | Path) -> RunResult:
    """Read one run result written by :meth:`RunResult.save`."""
    path = Path(path)
    data = read_json(
        path,
        missing=f"no results file at {path}; run `emobench run --output DIR` first",
        remake="delete it and re-run",
    )
    return RunResult.from_dict(data, origin=str(path))


def load_results(paths: str | Path | list[str | Path]) -> list[RunResult]:
    """Run results from files and/or folders (every ``*.json`` in a folder that is a result)."""
    items = paths if isinstance(paths, list) else [paths]
    out: list[RunResult] = []
    for item in items:
        p = Path(item)
        if p.is_dir():
            # dot-files are never results: write_json_atomic's temporaries (.NAME.*.tmp) and
            # the like; only the renamed, complete file counts
            files = sorted(
                f for f in p.glob("*.json") if not f.name.startswith(".") and _is_run_result(f)
            )
            if not files:
                raise ResultsError(
                    f"no run results (*.json) in {p}; run `emobench run --output {p}` first"
                )
            out.extend(load_result(f) for f in files)
        else:
            out.append(load_result(p))
    return out


def _is_run_result(path: Path) -> bool:
    """Whether a ``*.json`` in a results folder is a run result; a file that is not valid
    JSON (a truncated result, say) raises rather than being silently left out."""
    try:
        head = json.loads(path.read_text(encoding="utf-8"))
    except OSError:  # e.g. a folder named *.json
        return False
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ResultsError(
            f"{path} is not valid JSON ({exc}); it may be a truncated result — delete it and "
            "re-run, or move it out of the results folder"
        ) from exc
    return isinstance(head, dict) and head.get("schema") == SCHEMA_NAME


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
        "cpu_model": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "torch_threads": torch.get_num_threads(),
        "device": device,
        "gpu_name": torch.cuda.get_device_name(0) if torch.cuda.is_available() else None,
    }
    return env


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


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
