"""pytest plugin of the bench harness: options, fixtures, markers and the report header.

Enabled by the repository's top-level ``conftest.py``. The bench tests stay thin: the
``emobench_runner`` fixture hands each test its fine-tuned model's result from the checkpoint
cache (training it only when the cache lacks it), and the test asserts the threshold.

    pytest bench/ --emobench-profile cpu --emobench-data-dir ../shared/data/emotion \\
        --benchmark-json out.json
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from emobench_core.cache import CheckpointCache, default_cache_dir
from emobench_core.errors import RegistryError, ThresholdsError
from emobench_core.models.registry import REGISTRY, get_spec, resolve_init
from emobench_core.plugin.profiles import AUTO, PROFILES, Case, Profile, get_profile
from emobench_core.schema.run import RunResult

DEFAULT_THRESHOLDS = Path(__file__).resolve().parent.parent / "bench" / "thresholds.toml"


def pytest_addoption(parser: pytest.Parser) -> None:
    g = parser.getgroup("emobench", "emobench bench harness")
    _add_overrides(g)
    g.addoption(
        "--emobench-profile",
        default="smoke",
        choices=sorted(PROFILES),
        help="which models, inits, seeds and data size to run (default: smoke)",
    )
    g.addoption(
        "--emobench-data-dir",
        default=None,
        help="folder with train/validation/test files (default: $EMOBENCH_DATA_DIR, "
        "else dair-ai/emotion from the hub)",
    )
    g.addoption(
        "--emobench-vocab-dir",
        default=None,
        help="folder with the bert-base-uncased vocab.txt for randomly initialised "
        "models (default: $EMOBENCH_VOCAB_DIR, else the hub)",
    )
    g.addoption(
        "--emobench-cache-dir",
        default=None,
        help="checkpoint cache (default: $EMOBENCH_CACHE_DIR, else ~/.cache/emobench)",
    )
    g.addoption(
        "--emobench-results-dir",
        default=None,
        help="where each run's results JSON is written (default: a folder under pytest's basetemp)",
    )
    g.addoption(
        "--emobench-thresholds",
        default=None,
        help=f"minimum accuracy / macro-F1 per profile and model "
        f"(default: {DEFAULT_THRESHOLDS.relative_to(DEFAULT_THRESHOLDS.parents[1])})",
    )
    g.addoption(
        "--emobench-seeds",
        default=None,
        help="comma-separated seeds overriding the profile's (default: the profile's)",
    )


def _add_overrides(g: Any) -> None:
    g.addoption(
        "--emobench-device",
        default=None,
        choices=("cpu", "cuda"),
        help="run the profile on this device instead of its own (default: the "
        "profile's: cuda for gpu, else cpu)",
    )
    g.addoption(
        "--emobench-epochs",
        default=None,
        type=int,
        help="override the recipe's maximum epochs (default: the profile's recipe)",
    )
    g.addoption(
        "--emobench-max-train-rows",
        default=None,
        type=int,
        help="override the training rows (default: the profile's recipe)",
    )


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "quality: asserts a model's minimum test accuracy")
    config.addinivalue_line("markers", "latency: times a model's forward pass")


def pytest_report_header(config: pytest.Config) -> list[str]:
    profile = effective_profile(config)
    return [
        f"emobench: profile {profile.name} ({profile.description})",
        f"emobench: seeds {','.join(map(str, _seeds(config, profile)))}; cache "
        f"{_cache_dir(config)}",
        f"emobench: bench runs reproduce with `pytest bench/ --emobench-profile {profile.name}"
        + (
            f" --emobench-data-dir {config.getoption('--emobench-data-dir')}"
            if config.getoption("--emobench-data-dir")
            else ""
        )
        + "`",
    ]


def _cache_dir(config: pytest.Config) -> Path:
    value = config.getoption("--emobench-cache-dir")
    return Path(value).expanduser() if value else default_cache_dir()


def _seeds(config: pytest.Config, profile: Profile) -> tuple[int, ...]:
    value = config.getoption("--emobench-seeds")
    if not value:
        return profile.seeds
    try:
        return tuple(int(s) for s in value.split(",") if s.strip())
    except ValueError as exc:
        raise pytest.UsageError(
            f"--emobench-seeds {value!r}: give integers, e.g. 42,43,44"
        ) from exc


def load_thresholds(path: Path) -> dict[str, dict[str, dict[str, float]]]:
    """``{profile: {case_id: {"accuracy": x, "macro_f1": y}}}`` from a TOML file, validated."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ThresholdsError(f"no thresholds file at {path}; pass --emobench-thresholds") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ThresholdsError(f"{path} is not valid TOML: {exc}") from exc
    for profile, cases in data.items():
        if profile not in PROFILES:
            raise ThresholdsError(
                f"{path}: unknown profile [{profile}]; profiles are {', '.join(PROFILES)}"
            )
        for case_id, limits in cases.items():
            model = case_id.split("@")[0]
            if model not in REGISTRY:
                try:
                    get_spec(model)
                except RegistryError as exc:
                    raise ThresholdsError(f"{path}: [{profile}.{case_id}]: {exc}") from exc
            bad = sorted(set(limits) - {"accuracy", "macro_f1"})
            if bad:
                raise ThresholdsError(
                    f"{path}: [{profile}.{case_id}] has unknown key(s) {bad};"
                    " allowed: accuracy, macro_f1"
                )
    return data


@dataclass
class BenchRunner:
    """Session state: data, cache and one result per (case, seed), computed on first use."""

    profile: Profile
    seeds: tuple[int, ...]
    cache: CheckpointCache
    results_dir: Path
    data_dir: str | None
    vocab_dir: str | None
    thresholds: dict[str, dict[str, float]]
    _dsd: Any = None
    _results: dict[tuple[str, int], RunResult] = field(default_factory=dict)
    _errors: dict[tuple[str, int], BaseException] = field(default_factory=dict)

    def data(self) -> Any:
        from emobench_core.data.loading import load_emotion

        if self._dsd is None:
            self._dsd = load_emotion(
                self.data_dir, max_train_rows=self.profile.recipe.max_train_rows
            )
        return self._dsd

    def init_for(self, case: Case) -> str:
        spec = get_spec(case.model)
        init = resolve_init(spec, case.init)
        return init

    def teacher_for(self, case: Case) -> Any:
        """The :class:`~.pipeline.Teacher` of a distilled case, else None."""
        from emobench_core.scenarios.run import Teacher

        if case.teacher is None:
            return None
        spec = get_spec(case.teacher)
        return Teacher(spec, resolve_init(spec, AUTO))

    def result(self, case: Case, seed: int) -> RunResult:
        """The fine-tuned, evaluated and measured result for ``case`` and ``seed``."""
        from emobench_core.data.loading import source_label
        from emobench_core.scenarios.run import run_model

        key = (case.id, seed)
        if key in self._errors:
            raise self._errors[key]
        if key not in self._results:
            spec = get_spec(case.model)
            init = self.init_for(case)
            if self.profile.device == "cuda":
                import torch

                if not torch.cuda.is_available():
                    pytest.skip(f"profile {self.profile.name} needs CUDA; none is available")
            try:
                res = run_model(
                    spec,
                    init,
                    self.profile.recipe.replace(seed=seed),
                    self.data(),
                    cache=self.cache,
                    device=self.profile.device,
                    data_source=source_label(self.data_dir),
                    teacher=self.teacher_for(case),
                    vocab_dir=self.vocab_dir,
                    quiet=True,
                )
            except RegistryError as exc:
                self._errors[key] = pytest.skip.Exception(f"{case.id}: {exc}")
                raise self._errors[key] from exc
            res = dataclasses.replace(
                res, tags={**res.tags, "profile": self.profile.name, "case": case.id}
            )
            res.save(self.results_dir)
            self._results[key] = res
        return self._results[key]

    def forward(self, case: Case, seed: int, batch_size: int) -> Any:
        """The fine-tuned model's forward call on pre-tokenized test batches of ``batch_size``."""
        from emobench_core.scenarios.run import load_forward

        result = self.result(case, seed)
        entry = self.cache.entry(result.environment["cache_entry"])
        call = load_forward(
            entry,
            get_spec(case.model),
            list(self.data()["test"]["text"]),
            batch_size,
            self.profile.recipe.max_length,
            self.profile.device,
        )
        if self.profile.device == "cuda":
            import torch

            def synced(i: int = 0) -> Any:
                out = call(i)
                torch.cuda.synchronize()
                return out

            return synced
        return lambda: call(0)

    def results_path(self, case: Case, seed: int) -> Path:
        return self.results_dir / f"{self.result(case, seed).run_id}.json"

    def threshold(self, case: Case) -> dict[str, float]:
        if case.id not in self.thresholds:
            raise ThresholdsError(
                f"no threshold for {case.id!r} in profile {self.profile.name!r}; add "
                f'[{self.profile.name}."{case.id}"] with accuracy and macro_f1 to the '
                "thresholds file"
            )
        return self.thresholds[case.id]


@pytest.fixture(scope="session")
def emobench_profile(pytestconfig: pytest.Config) -> Profile:
    """The selected profile, with any --emobench-device / -epochs / -max-train-rows override
    applied (each result records the recipe and device it actually ran with)."""
    return effective_profile(pytestconfig)


def effective_profile(config: pytest.Config) -> Profile:
    profile = get_profile(config.getoption("--emobench-profile"))
    recipe = profile.recipe
    if config.getoption("--emobench-epochs") is not None:
        recipe = recipe.replace(epochs=config.getoption("--emobench-epochs"))
    if config.getoption("--emobench-max-train-rows") is not None:
        recipe = recipe.replace(max_train_rows=config.getoption("--emobench-max-train-rows"))
    device = config.getoption("--emobench-device") or profile.device
    return dataclasses.replace(profile, recipe=recipe, device=device)


@pytest.fixture(scope="session")
def emobench_runner(
    pytestconfig: pytest.Config, emobench_profile: Profile, tmp_path_factory: pytest.TempPathFactory
) -> BenchRunner:
    """The session's runner: data loaded once, checkpoints from the on-disk cache."""
    results = pytestconfig.getoption("--emobench-results-dir")
    thresholds_path = Path(pytestconfig.getoption("--emobench-thresholds") or DEFAULT_THRESHOLDS)
    thresholds = load_thresholds(thresholds_path).get(emobench_profile.name, {})
    return BenchRunner(
        profile=emobench_profile,
        seeds=_seeds(pytestconfig, emobench_profile),
        cache=CheckpointCache(_cache_dir(pytestconfig)),
        results_dir=Path(results) if results else tmp_path_factory.mktemp("emobench-results"),
        data_dir=pytestconfig.getoption("--emobench-data-dir"),
        vocab_dir=pytestconfig.getoption("--emobench-vocab-dir"),
        thresholds=thresholds,
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize bench tests over the selected profile: ``case`` (and ``seed``)."""
    profile = get_profile(metafunc.config.getoption("--emobench-profile"))
    if "emobench_case" in metafunc.fixturenames:
        cases = list(profile.cases)
        if "emobench_transformer_only" in metafunc.fixturenames:
            cases = [c for c in cases if get_spec(c.model).is_transformer]
        if "emobench_seed" in metafunc.fixturenames:
            seeds = _seeds(metafunc.config, profile)
            params = [
                (c, s)
                for c in cases
                for s in (seeds if get_spec(c.model).is_transformer else seeds[:1])
            ]
            metafunc.parametrize(
                ("emobench_case", "emobench_seed"), params, ids=[f"{c.id}-s{s}" for c, s in params]
            )
        else:
            metafunc.parametrize("emobench_case", cases, ids=[c.id for c in cases])


@pytest.fixture
def emobench_transformer_only() -> bool:
    """Marker fixture: parametrize only over transformer cases."""
    return True


__all__ = ["AUTO", "BenchRunner", "ThresholdsError", "load_thresholds"]
