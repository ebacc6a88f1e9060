"""Training-cost results: the rows ``emobench perf`` writes, reading them back, and pairing them.

A :class:`PerfReport` is data only (saved as JSON, schema ``emobench.perf``): timed fine-tunings
(:class:`PerfRow`) and, from schema 4, the machine's matmul peak (:class:`MatmulRow`), training
steps timed phase by phase (:class:`StepRow`) and the padding work (:class:`PaddingRow`). The runs
that fill it live in :mod:`emobench_core.scenarios.perf`, the tables in
:mod:`emobench_core.report.perf`.

    emobench perf --models bert-tiny,bert-mini --init random --ladder bert-tiny \\
        --scaling bert-tiny --output results/perf/perf-cpu.json
    emobench report --perf results/perf/perf-cpu.json
"""

from __future__ import annotations

import dataclasses
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, ClassVar

from emobench_core.schema.base import ResultFile
from emobench_core.schema.perf_steps import MatmulRow, PaddingRow, StepRow, known_fields

MISORDERED = frozenset({"length-grouping", "recipe-batch-lr", "eval-batch", "tf32", "bf16"})
"""Ladder steps whose test accuracy schema 1 got wrong: it compared length-grouped predictions
with the labels in dataset order. Read from a schema-1 file, their scores are dropped."""
LEGACY_KIND = "emobench-perf"
"""How schemas 1 and 2 named the kind (with ``schema`` the version number)."""
NAIVE_CHANGE = (
    "Trainer defaults (batch 8, lr 5e-5, no warm-up, a checkpoint every 500 steps, "
    "eval batch 8); every example padded to 128 tokens; fp32"
)
"""What the naive setup is (``perf.NAIVE.change``), as the report describes it."""
LADDER_STEPS: tuple[str, ...] = (
    "naive",
    "no-mid-checkpoints",
    "dynamic-padding",
    "length-grouping",
    "recipe-batch-lr",
    "eval-batch",
    "padded-batches",
    "cpu-bf16",
    "tf32",
    "bf16",
)
"""The ladder's setups in order (``perf.ladder`` builds them from this list)."""
CUDA_ONLY_STEPS = frozenset({"tf32", "bf16"})
"""Ladder steps that exist only on CUDA."""
CPU_ONLY_STEPS = frozenset({"cpu-bf16"})
"""Ladder steps that exist only on the CPU."""
AB_PREFIX = "recipe + "
"""The setup of a recipe row with one recipe field changed (``emobench perf --ab-runs``)."""


def ladder_steps(device: str) -> tuple[str, ...]:
    """Names of the ladder's setups on ``device``, in order: :data:`LADDER_STEPS`, less the
    CUDA-only ones on the CPU and the CPU-only ones on CUDA."""
    other = CPU_ONLY_STEPS if device == "cuda" else CUDA_ONLY_STEPS
    return tuple(s for s in LADDER_STEPS if s not in other)


@dataclass(frozen=True)
class PerfRow:
    """One timed fine-tuning of one model."""

    model: str
    init: str
    setup: str
    change: str
    train_rows: int
    epochs: int
    steps: int
    learning_rate: float
    batch_size: int
    optim: str
    build_s: float
    tokenize_s: float
    train_s: float
    test_s: float
    accuracy: float | None
    """``None``: not valid (a ladder step read from a schema-1 report, see ``MISORDERED``)."""
    macro_f1: float | None
    val_macro_f1: float | None = None
    token_cache_hit: bool | None = None
    selected: bool = True
    """False for a learning-rate candidate that validation did not choose."""

    @property
    def total_s(self) -> float:
        return self.build_s + self.tokenize_s + self.train_s + self.test_s

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "total_s": self.total_s}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PerfRow:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class PerfReport(ResultFile):
    """Every row of one ``emobench perf`` run, with what it ran on."""

    SCHEMA_NAME = "emobench.perf"
    SCHEMA_VERSION = 4
    WHAT = "perf report"
    WRITTEN_BY = "emobench perf --output FILE"

    device: str
    threads: int
    epochs: int
    seed: int
    data: dict[str, Any]
    environment: dict[str, Any]
    command: str
    rows: list[PerfRow] = field(default_factory=list)
    complete: bool = False
    created_at: str = ""
    machine: dict[str, Any] = field(default_factory=dict)
    """The CPU's model, bf16/AMX flags and torch capability (schema 4; empty before)."""
    matmuls: list[MatmulRow] = field(default_factory=list)
    steps: list[StepRow] = field(default_factory=list)
    padding: list[PaddingRow] = field(default_factory=list)

    LISTS: ClassVar[dict[str, type]] = {
        "rows": PerfRow,
        "matmuls": MatmulRow,
        "steps": StepRow,
        "padding": PaddingRow,
    }

    def to_dict(self) -> dict[str, Any]:
        lists = {name: [r.to_dict() for r in getattr(self, name)] for name in self.LISTS}
        return {**super().to_dict(), **lists}

    @classmethod
    def _upgrade(cls, data: dict[str, Any]) -> dict[str, Any] | None:
        """Schema 3 lacks the schema-4 lists (read as empty). Schemas 1 and 2
        (``{"kind": "emobench-perf", "schema": N}``) have schema 3's fields; schema 1's scores of
        the length-grouped steps were misordered and are dropped."""
        if (data.get("schema"), data.get("schema_version")) == (cls.SCHEMA_NAME, 3):
            return data
        if data.get("kind") != LEGACY_KIND or data.get("schema") not in (1, 2):
            return None
        rows = data.get("rows", [])
        if data["schema"] == 1:
            rows = [
                {**r, "accuracy": None, "macro_f1": None} if r["setup"] in MISORDERED else r
                for r in rows
            ]
        return {k: v for k, v in data.items() if k != "kind"} | {"rows": rows}

    @classmethod
    def _from_fields(cls, data: dict[str, Any]) -> PerfReport:
        fields = {f.name for f in dataclasses.fields(cls)} - set(cls.LISTS)
        lists: dict[str, Any] = {
            name: [kind(**known_fields(kind, r)) for r in data.get(name, [])]
            for name, kind in cls.LISTS.items()
        }
        lists["rows"] = [PerfRow.from_dict(r) for r in data["rows"]]
        return cls(**{k: data[k] for k in fields if k in data}, **lists)


def load_perf(path: str | Path) -> PerfReport:
    """Read a report written by :meth:`PerfReport.save` (``emobench perf --output``)."""
    return PerfReport.load(path)


@dataclass(frozen=True)
class Comparison:
    """Naive against recipe for one model, from one report."""

    model: str
    init: str
    naive: PerfRow
    recipe: PerfRow

    @property
    def speedup(self) -> float:
        return self.naive.total_s / self.recipe.total_s

    @property
    def accuracy_delta(self) -> float:
        """Recipe minus naive, in points."""
        return 100 * (_score(self.recipe.accuracy) - _score(self.naive.accuracy))


def _score(value: float | None) -> float:
    if value is None:
        raise ValueError("a naive or recipe row without test scores")
    return value


def comparisons(report: PerfReport) -> list[Comparison]:
    out = []
    for row in report.rows:
        if row.setup != "recipe" or not row.selected:
            continue
        naive = [r for r in report.rows if r.setup == "naive" and r.model == row.model]
        if naive:
            out.append(Comparison(row.model, row.init, naive[0], row))
    return out


def selected_recipe_rows(report: PerfReport) -> list[PerfRow]:
    return [r for r in report.rows if r.setup == "recipe" and r.selected]


def ladder_rows(report: PerfReport, model: str) -> list[PerfRow]:
    names = ladder_steps(report.device)
    rows = {r.setup: r for r in report.rows if r.model == model and r.setup in names}
    return [rows[n] for n in names if n in rows]


def scaling_rows(report: PerfReport, model: str) -> list[PerfRow]:
    rows = [
        r
        for r in report.rows
        if r.model == model
        and r.selected
        and (r.setup == "recipe" or r.setup.startswith("recipe ") and r.setup.endswith("rows"))
    ]
    return sorted(rows, key=lambda r: r.train_rows) if len(rows) > 1 else []


def ab_rows(report: PerfReport, model: str) -> list[PerfRow]:
    """``model``'s recipe rows with one field changed (``--ab`` with ``--ab-runs``)."""
    return [r for r in report.rows if r.model == model and r.setup.startswith(AB_PREFIX)]
