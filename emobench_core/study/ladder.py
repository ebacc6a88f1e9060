"""The size ladder: how much is lost at each step down from DistilBERT through BERT-Small and
BERT-Mini to BERT-Tiny (MiniLM-L6 beside), among the *current* random-init rows of one device,
and the effect of pretraining measured on MiniLM-L6. Pure functions, no I/O.

Every change is the smaller model minus the larger, the difference of seed means with the seed
as the unit: :func:`~emobench_core.study.comparisons.architecture_test`, the test of the
report's "Significance / Architectures (seeds as the unit)" section, Holm-adjusted over the
ladder's measured steps (per metric; per emotion over every emotion of every step, since the
emotion that loses most is picked among them). Stale and distilled rows never enter.

    emobench report results/cpu/bench.json --results results/cpu --output results/cpu/RESULTS.md
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from emobench_core.measure.environment import cpu_name
from emobench_core.metrics.ranking import holm
from emobench_core.metrics.seeds import SeedEstimate
from emobench_core.schema.run import RunResult
from emobench_core.study.comparisons import architecture_test
from emobench_core.study.gate import precision
from emobench_core.study.records import ModelSummary, Study

LADDER: tuple[str, ...] = ("distilbert", "bert-small", "bert-mini", "bert-tiny")
"""The ladder's architectures (registry names), largest first; each step goes one down."""
BESIDE: tuple[tuple[str, str], ...] = (("bert-small", "minilm-l6"),)
"""Steps beside the ladder, ``(larger, smaller)``: MiniLM-L6 (6 layers, H-384) against
BERT-Small (4 layers, H-512), its nearest in size."""
PRETRAINED_TWIN = "minilm-l6"
"""The one architecture here with pretrained weights: its two inits measure pretraining."""
INIT = "random"
"""The ladder's init: pretrained weights of the BERT miniatures and DistilBERT are out of reach
here, so every rung is trained from scratch."""


@dataclass(frozen=True)
class Rung:
    """One architecture's current row on the ladder's device, or why there is none.

    Attributes:
        name: Registry name.
        init: The init of the row asked for.
        row: Its current summary (``None``: not yet measured here).
        train_s_median: Median over seeds of the training wall time (``training.wall_s``).
        machines: The CPU model (CPU rows) or GPU name (CUDA rows) its runs recorded, sorted.
        precisions: The precisions its runs trained in (``training.precision``: ``"bf16
            autocast"``, ``"fp32"``; ``"not recorded"`` for files from before), sorted.
        elsewhere: Without a row: what exists instead (current rows on another device, stale
            rows), for the not-measured line.
    """

    name: str
    init: str
    row: ModelSummary | None
    train_s_median: float | None = None
    machines: tuple[str, ...] = ()
    precisions: tuple[str, ...] = ()
    elsewhere: tuple[str, ...] = ()


@dataclass(frozen=True)
class Step:
    """``to`` minus ``frm`` (a ladder step: the smaller minus the larger; pretraining: the
    pretrained minus the random-init twin), seeds as the unit; ``None`` tests where a row is
    missing or the two are not comparable (different test sets)."""

    frm: Rung
    to: Rung
    kind: str
    """``"ladder"``, ``"beside"`` or ``"pretraining"``."""
    accuracy: SeedEstimate | None = None
    accuracy_holm: float = 1.0
    macro_f1: SeedEstimate | None = None
    macro_f1_holm: float = 1.0
    per_class: dict[str, SeedEstimate] = field(default_factory=dict)
    per_class_holm: dict[str, float] = field(default_factory=dict)

    @property
    def missing(self) -> tuple[Rung, ...]:
        """The rungs without a current row."""
        return tuple(r for r in (self.frm, self.to) if r.row is None)

    @property
    def measured(self) -> bool:
        return self.accuracy is not None and self.macro_f1 is not None

    @property
    def worst(self) -> str | None:
        """The class whose mean F1 changes most downward (``None``: none falls)."""
        falls = [(e.estimate, c) for c, e in self.per_class.items() if e.estimate < 0]
        return min(falls)[1] if falls else None

    @property
    def mixed_precision(self) -> bool:
        """Whether the two rows trained in different precisions (a change then measures the
        precision, and the CPU kernels behind it, as well as the models); a row whose files did
        not record it is not said to differ."""
        known = [set(r.precisions) - {NOT_RECORDED} for r in (self.frm, self.to)]
        return all(known) and known[0] != known[1]

    def factor(self, attr: str) -> float | None:
        """``frm``'s cost over ``to``'s (``params_total``, ``cpu_latency_p50_ms`` or
        ``train_s_median``); ``None`` where either is unknown or zero."""
        a, b = (cost(r, attr) for r in (self.frm, self.to))
        return None if a is None or b is None or b <= 0 else a / b


def cost(rung: Rung, attr: str) -> float | None:
    """A rung's figure for :meth:`Step.factor` (``None``: unknown)."""
    if attr == "train_s_median":
        return rung.train_s_median
    value = None if rung.row is None else getattr(rung.row, attr)
    return None if value is None else float(value)


@dataclass(frozen=True)
class SizeLadder:
    """The ladder on one device: its rungs, its steps (ladder, then beside) and the
    pretraining comparison."""

    device: str
    rungs: tuple[Rung, ...]
    steps: tuple[Step, ...]
    pretraining: Step


def _machines(runs: Sequence[RunResult], device: str) -> tuple[str, ...]:
    if device == "cpu":
        return tuple(sorted({cpu_name(r.environment) for r in runs}))
    return tuple(sorted({str(r.environment.get("gpu_name") or "not recorded") for r in runs}))


NOT_RECORDED = "not recorded"


def _precisions(runs: Sequence[RunResult]) -> tuple[str, ...]:
    return tuple(sorted({precision(r) or NOT_RECORDED for r in runs}))


def _rung(
    name: str,
    init: str,
    device: str,
    everything: Sequence[ModelSummary],
    runs: dict[str, RunResult],
) -> Rung:
    mine = [s for s in everything if s.name == name and s.init == init]
    row = next((s for s in mine if s.device == device and not s.stale), None)
    if row is None:
        other = sorted({s.device for s in mine if not s.stale and s.device != device})
        stale = sorted({s.device for s in mine if s.stale})
        elsewhere = []
        if other:
            elsewhere.append(f"current rows on {', '.join(other)}")
        if stale:
            elsewhere.append(f"stale rows on {', '.join(stale)}")
        return Rung(name, init, None, elsewhere=tuple(elsewhere))
    got = [runs[i] for i in row.run_ids if i in runs]
    median = float(np.median([r.training.wall_s for r in got])) if got else None
    return Rung(name, init, row, median, _machines(got, device), _precisions(got))


def _tested(step: Step, labels: Sequence[str]) -> Step:
    a, b = step.to.row, step.frm.row
    if a is None or b is None:
        return step
    per_class = {c: e for c in labels if (e := architecture_test(a, b, c)) is not None}
    return dataclasses.replace(
        step,
        accuracy=architecture_test(a, b, "accuracy"),
        macro_f1=architecture_test(a, b, "macro_f1"),
        per_class=per_class,
    )


def adjust(steps: Sequence[Step]) -> list[Step]:
    """``steps`` with Holm-adjusted p-values: accuracy and macro-F1 each over the measured
    steps, per-class F1 over every class of every measured step."""
    out = list(steps)
    for metric in ("accuracy", "macro_f1"):
        at = [i for i, s in enumerate(out) if getattr(s, metric) is not None]
        adjusted = holm([getattr(out[i], metric).pvalue for i in at])
        for i, q in zip(at, adjusted, strict=True):
            if metric == "accuracy":
                out[i] = dataclasses.replace(out[i], accuracy_holm=q)
            else:
                out[i] = dataclasses.replace(out[i], macro_f1_holm=q)
    keys = [(i, c) for i, s in enumerate(out) for c in s.per_class]
    adjusted = holm([out[i].per_class[c].pvalue for i, c in keys])
    per_step: dict[int, dict[str, float]] = {}
    for (i, c), q in zip(keys, adjusted, strict=True):
        per_step.setdefault(i, {})[c] = q
    return [dataclasses.replace(s, per_class_holm=per_step.get(i, {})) for i, s in enumerate(out)]


def ladder_devices(everything: Sequence[ModelSummary]) -> list[str]:
    """The devices with a current row of a ladder architecture (``["cpu"]`` when none has)."""
    names = {*LADDER, *(n for pair in BESIDE for n in pair), PRETRAINED_TWIN}
    found = {s.device for s in everything if s.name in names and not s.stale}
    return sorted(found) or ["cpu"]


def size_ladders(st: Study, results: Sequence[RunResult]) -> list[SizeLadder]:
    """One :class:`SizeLadder` per device with a current ladder row; ``results`` are the runs
    of the study (for each row's training times and machines)."""
    everything = [*st.summaries, *st.stale]
    runs = {r.run_id: r for r in results}
    out = []
    for device in ladder_devices(everything):
        names = [*LADDER, *(n for _, n in BESIDE if n not in LADDER)]
        rungs = {n: _rung(n, INIT, device, everything, runs) for n in names}
        pairs = [(a, b, "ladder") for a, b in zip(LADDER, LADDER[1:], strict=False)]
        pairs += [(a, b, "beside") for a, b in BESIDE]
        steps = adjust([_tested(Step(rungs[a], rungs[b], k), st.labels) for a, b, k in pairs])
        twin = _rung(PRETRAINED_TWIN, "pretrained", device, everything, runs)
        (pre,) = adjust([_tested(Step(rungs[PRETRAINED_TWIN], twin, "pretraining"), st.labels)])
        out.append(SizeLadder(device, tuple(rungs.values()), tuple(steps), pre))
    return out
