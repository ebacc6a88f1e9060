"""One way through: a frozen :class:`BenchmarkConfig` and :func:`run_benchmark`, which runs it.

The command line (``emobench run``, ``emobench distill``), the pytest harness and Python callers
all build a config and hand it here; none assembles a run of its own. The config records only
what was asked (a :class:`~emobench_core.config.RecipeRequest`, a
:class:`~emobench_core.data.source.DataRequest`); each run resolves the recipe once against its
model's registry entry (:func:`~emobench_core.models.recipes.resolve_recipe`).

    from emobench_core import BenchmarkConfig, DataRequest, RecipeRequest, run_benchmark
    config = BenchmarkConfig(models=("tfidf-svm",), data=DataRequest(data_dir="my-data/"))
    for result in run_benchmark(config):
        print(result.label, result.metrics.macro_f1)
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emobench_core.cache import CheckpointCache, default_cache_dir
from emobench_core.config import RecipeRequest
from emobench_core.data.source import DataRequest
from emobench_core.errors import UsageError
from emobench_core.models.backends.capabilities import DISTILLATION, supports
from emobench_core.models.registry import backend_for, get_spec, resolve_init

if TYPE_CHECKING:
    from emobench_core.data.dataset import Dataset
    from emobench_core.measure.latency import LatencySettings
    from emobench_core.schema.run import RunResult

log = logging.getLogger(__name__)

AUTO = "auto"
"""An init: pretrained weights where they can be had, else the same architecture at random."""
INIT_CHOICES: tuple[str, ...] = ("pretrained", "random", AUTO)
DEVICES: tuple[str, ...] = ("cpu", "cuda")


def _check_seeds(seeds: Any, what: str) -> None:
    if isinstance(seeds, int | str) or not seeds:
        raise UsageError(f"{what} ({seeds!r}) must be a non-empty tuple of integers")
    for seed in seeds:
        if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
            raise UsageError(f"seed {seed!r} must be an integer >= 0")


@dataclass(frozen=True)
class Case:
    """One row of a benchmark: a model, how to initialise it, and its teacher if distilled.

    Attributes:
        model: A registry name, hub id or local folder.
        init: ``pretrained``, ``random`` or ``auto``.
        teacher: The teacher of a distilled student (registry name, hub id or folder).
        teacher_init: The teacher's init (``auto`` by default).
        teacher_seed: Fine-tune the teacher with this seed for every student seed (``None``:
            each student seed gets a teacher of its own seed).
        seeds: This row's own seeds (``None``: the benchmark's), for a study that runs more
            seeds of its cheap rows than of its costly ones.
    """

    model: str
    init: str = AUTO
    teacher: str | None = None
    teacher_init: str = AUTO
    teacher_seed: int | None = None
    seeds: tuple[int, ...] | None = None

    def __post_init__(self) -> None:
        if self.seeds is not None:
            _check_seeds(self.seeds, f"`seeds` of {self.model!r}")
        for what, value in (("init", self.init), ("teacher_init", self.teacher_init)):
            if value not in INIT_CHOICES:
                raise UsageError(
                    f"`{what}` ({value!r}) of {self.model!r} must be one of "
                    f"{', '.join(INIT_CHOICES)}"
                )

    @property
    def id(self) -> str:
        """Test id: the model, with ``@init`` when the init is pinned and ``-kd-<teacher>`` for a
        distilled student."""
        base = self.model if self.init == AUTO else f"{self.model}@{self.init}"
        return f"{base}-kd-{self.teacher}" if self.teacher else base


@dataclass(frozen=True)
class BenchmarkConfig:
    """Everything one benchmark run is asked to do; validated on construction (cheap checks
    only: names, seeds, device; nothing is loaded).

    Attributes:
        models: Model names (registry names, hub ids or folders), each run with ``init`` and
            ``teacher``; or :class:`Case` objects, each with its own.
        init: ``pretrained`` (default), ``random`` or ``auto``, for the names in ``models``.
        seeds: One run per seed (models that ignore the seed run once, with the first).
        data: Which data (:class:`~emobench_core.data.source.DataRequest`).
        recipe: What the recipe was asked for (:class:`~emobench_core.config.RecipeRequest`).
        device: ``cpu`` or ``cuda``.
        cache_dir: The checkpoint cache (default ``$EMOBENCH_CACHE_DIR`` or ~/.cache/emobench).
        vocab_dir: The bert-base-uncased vocab for random init (default ``$EMOBENCH_VOCAB_DIR``,
            else the hub).
        teacher: The teacher of every name in ``models`` (a distilled run), or ``None``.
        teacher_init: That teacher's init.
        teacher_seed: That teacher's one seed (``None``: the student's).
        quiet: No progress bars.
    """

    models: tuple[str | Case, ...]
    init: str = "pretrained"
    seeds: tuple[int, ...] = (42,)
    data: DataRequest = field(default_factory=DataRequest)
    recipe: RecipeRequest = field(default_factory=RecipeRequest)
    device: str = "cpu"
    cache_dir: str | Path | None = None
    vocab_dir: str | None = None
    teacher: str | None = None
    teacher_init: str = AUTO
    teacher_seed: int | None = None
    quiet: bool = False

    def __post_init__(self) -> None:
        if isinstance(self.models, str) or not self.models:
            raise UsageError(
                f"`models` ({self.models!r}) must be a non-empty tuple of model names, "
                "e.g. ('bert-tiny', 'tfidf-svm')"
            )
        _check_seeds(self.seeds, "`seeds`")
        if self.device not in DEVICES:
            raise UsageError(f"`device` ({self.device!r}) must be one of {', '.join(DEVICES)}")
        if not isinstance(self.recipe, RecipeRequest):
            raise UsageError("`recipe` must be a RecipeRequest, e.g. RecipeRequest(epochs=4)")
        if "seed" in self.recipe:
            raise UsageError("give seeds through `seeds`, not the recipe request")
        for case in self.cases:
            student = get_spec(case.model)  # a name no registry, folder or hub id matches fails
            if case.teacher:
                teacher = get_spec(case.teacher)
                for spec in (student, teacher):
                    if not supports(backend_for(spec), DISTILLATION):
                        raise UsageError(
                            f"{spec.name!r} (kind {spec.kind!r}) cannot distil: a teacher and "
                            "its student need kinds with the 'distillation' capability, e.g. "
                            "transformers"
                        )

    @property
    def cases(self) -> tuple[Case, ...]:
        """The rows to run: each :class:`Case` as given, each name with this config's init
        and teacher."""
        return tuple(
            m
            if isinstance(m, Case)
            else Case(m, self.init, self.teacher, self.teacher_init, self.teacher_seed)
            for m in self.models
        )


class Benchmark:
    """A config being run: the data loaded once, the cache opened once, one run per call.

    :func:`run_benchmark` iterates it; the pytest harness calls :meth:`run` per test case.
    """

    def __init__(self, config: BenchmarkConfig, data: Dataset | None = None) -> None:
        self.config = config
        self._data = data
        self.cache = CheckpointCache(config.cache_dir or default_cache_dir())

    @property
    def data(self) -> Dataset:
        """The config's data, loaded (and filtered, and capped) on first use."""
        if self._data is None:
            from emobench_core.data.loading import load_data

            self._data = load_data(
                self.config.data, max_train_rows=self.config.recipe.get("max_train_rows")
            )
        return self._data

    def check_device(self) -> None:
        """A :class:`UsageError` for ``cuda`` on a machine without a usable CUDA device."""
        if self.config.device == "cuda":
            import torch

            if not torch.cuda.is_available():
                raise UsageError(
                    "device cuda was asked for but this machine has no CUDA device torch can "
                    "use; run on cpu (the default)"
                )

    def seeds_of(self, case: Case) -> tuple[int, ...]:
        """The seeds ``case`` runs with: its own or the config's, or only the first of them for
        a seed-blind model."""
        seeds = case.seeds or self.config.seeds
        return seeds if backend_for(get_spec(case.model)).seed_sensitive else seeds[:1]

    def init_of(self, case: Case) -> str:
        """The init ``case`` runs with (``auto`` resolved)."""
        return resolve_init(get_spec(case.model), case.init)

    def run(
        self, case: Case | str, seed: int, *, latency: LatencySettings | None = None
    ) -> RunResult:
        """Fine-tune (or reuse), evaluate and measure one case with one seed."""
        from emobench_core.scenarios.run import run_model
        from emobench_core.scenarios.teacher import Teacher

        if isinstance(case, str):
            case = Case(case, self.config.init)
        spec = get_spec(case.model)
        teacher = None
        if case.teacher:
            t_spec = get_spec(case.teacher)
            teacher = Teacher(t_spec, resolve_init(t_spec, case.teacher_init), case.teacher_seed)
        log.info("== %s (%s), seed %d", spec.name, case.init, seed)
        return run_model(
            spec,
            self.init_of(case),
            self.config.recipe.replace(seed=seed),
            self.data,
            cache=self.cache,
            device=self.config.device,
            vocab_dir=self.config.vocab_dir,
            quiet=self.config.quiet,
            latency=latency,
            teacher=teacher,
        )

    def __iter__(self) -> Iterator[RunResult]:
        self.check_device()
        for case in self.config.cases:
            for seed in self.seeds_of(case):
                yield self.run(case, seed)


def run_benchmark(config: BenchmarkConfig) -> Iterator[RunResult]:
    """Run every case of ``config`` with every seed, yielding each result as it is ready
    (results are not saved: ``result.save(folder)`` writes one)."""
    return iter(Benchmark(config))
