"""Results as versioned, typed data: one :class:`RunResult` per model, init and seed.

A result holds everything needed to trust and reproduce a figure: the config, model, init,
seed, data fingerprint, environment and git commit, the metrics, the costs, and the
per-example test predictions from which every metric can be recomputed. Files are written
atomically (temporary file, then rename), so a crash never leaves a truncated result.

    emobench run --models bert-tiny --output results/   # writes results/<run_id>.json
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emobench_core.errors import ResultsError
from emobench_core.schema.base import ResultFile
from emobench_core.schema.checks import check_run
from emobench_core.schema.records import LatencyStats, Metrics, TrainingInfo

SCHEMA_VERSION = 1
SCHEMA_NAME = "emobench.run-result"
NO_INIT = "n/a"
"""The init a result records for a model kind without a pretrained/random choice."""


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
    filters: list[str] = field(default_factory=list)
    """The optional data filters on (``dedupe-train``, ``drop-test-overlap``); empty: the
    published splits (and in files written before filters existed)."""
    dataset: str = "dair-ai/emotion"
    """The dataset's name: a hub id (``ID:CONFIG``), or a local folder's own name; files
    written before it was recorded held dair-ai/emotion, the only dataset then read."""
    labels_source: str = "known names of dair-ai/emotion"
    """Where the class names came from: ``ClassLabel``, ``labels.txt``, ``sorted distinct
    string labels`` or ``known names of DATASET``."""
    validation: str = "split"
    """``split``: the data's own validation split; else how it was carved from training."""
    labels: list[str] | None = None
    """The class names, in label-id order (``None`` in files written before they were recorded:
    :attr:`RunResult.label_names` then reads them from the per-class metrics' order)."""


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
class Distillation:
    """How a distilled student was taught (Hinton loss weights, the teacher it learnt from)."""

    teacher: str
    teacher_init: str
    student: str
    alpha: float
    temperature: float
    teacher_seed: int | None = None
    """The seed the teacher was fine-tuned with (``None``: written before it was recorded, when
    it was the student's)."""
    teacher_train_s: float | None = None
    """The teacher's fine-tuning wall time: a cost of this row on top of the student's own
    (shared by every student of that teacher, seed and recipe); ``None``: not recorded."""
    teacher_logits_s: float | None = None
    """Computing the teacher's logits on the training split (once, cached)."""


@dataclass(frozen=True)
class RunResult(ResultFile):
    """One model, one init, one seed, through the whole pipeline."""

    SCHEMA_NAME = SCHEMA_NAME
    SCHEMA_VERSION = SCHEMA_VERSION
    WHAT = "run result"
    WRITTEN_BY = "emobench run --output DIR"

    run_id: str
    model: ModelInfo
    seed: int
    recipe: dict[str, Any]
    """The effective recipe, every field as the writing code had it (a file from older code
    keeps exactly its fields, so a report can tell it from the current recipe)."""
    data: DataInfo
    environment: dict[str, Any]
    """Versions, hardware, git commit, cache entry and what was seeded; keys vary by writer
    (``emobench_core.measure.environment.environment`` plus the pipeline's own)."""
    training: TrainingInfo
    metrics: Metrics
    efficiency: Efficiency
    predictions: dict[str, list[int]]
    """``{"y_true": [...], "y_pred": [...]}`` on the test split, in dataset order."""
    created_at: str
    tags: dict[str, Any] = field(default_factory=dict)
    distillation: Distillation | None = None
    """For a distilled student: teacher, teacher_init, student, alpha, temperature."""
    recipe_request: dict[str, Any] | None = None
    """The recipe as asked for: the fields that differed from the defaults (a profile's or the
    command line's choices), before the registry filled in a model's own; the current code
    resolves it again to tell a stale row (:mod:`emobench_core.study.staleness`). ``None`` in
    files written before it was recorded."""
    recipe_sources: dict[str, str] = field(default_factory=dict)
    """Where the random-init rate and epoch budget of ``recipe`` came from: ``"option"``,
    ``"registry (FILE)"`` (the tuning run the registry cites) or ``"shared default"``; empty in
    files written before it was recorded."""

    @classmethod
    def _check(cls, data: dict[str, Any]) -> None:
        check_run(data, cls)

    @classmethod
    def _from_fields(cls, data: dict[str, Any]) -> RunResult:
        eff = data["efficiency"]
        kd = data.get("distillation")
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
                "distillation": None if kd is None else Distillation(**kd),
            }
        )

    def save(self, folder: str | Path) -> Path:
        """Write ``folder/<run_id>.json`` atomically and return its path."""
        return super().save(Path(folder) / f"{self.run_id}.json")

    @property
    def label(self) -> str:
        """Row label: model name, with the init when it is not pretrained."""
        if self.model.init in ("pretrained", NO_INIT):
            return self.model.name
        return f"{self.model.name} ({self.model.init})"

    @property
    def labels(self) -> tuple[str, ...]:
        """The class names of the data this run was scored on, in label-id order (as recorded;
        older files: the per-class metrics' order, which followed them)."""
        if self.data.labels is not None:
            return tuple(self.data.labels)
        return tuple(self.metrics.per_class)


def load_result(path: str | Path) -> RunResult:
    """Read one run result written by :meth:`RunResult.save`."""
    return RunResult.load(path)


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
    except RecursionError:  # absurd nesting: no results file; load_result words it
        return True
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ResultsError(
            f"{path} is not valid JSON ({exc}); it may be a truncated result — delete it and "
            "re-run, or move it out of the results folder"
        ) from exc
    return isinstance(head, dict) and head.get("schema") == SCHEMA_NAME
