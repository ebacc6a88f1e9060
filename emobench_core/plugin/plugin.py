"""pytest plugin of the bench harness: options, fixtures, markers and the report header.

Registered by the installed package as the ``pytest11`` entry point ``emobench``, so it loads in
every pytest run of the environment; it is a guest there. It adds its ``--emobench-*`` options,
its ini keys, its fixtures and its namespaced markers (``emobench_quality``,
``emobench_latency``, ``emobench_claim``), and does nothing else unless the run asks for it
(:func:`~emobench_core.plugin.guest.active`): an ``--emobench-*`` option, the ini setting
``emobench = true``, or a conftest calling :func:`enable` (this repository's does). Only then
does it print its header, parametrize the bench cases and register its pytest-xdist /
pytest-split support. The bench tests stay thin: the ``emobench_runner`` fixture hands each
test its fine-tuned model's result from the checkpoint cache (training it only when the cache
lacks it), and the test asserts the threshold.

    pytest bench/ --emobench-profile cpu --emobench-data-dir ../shared/data/emotion \\
        --benchmark-json out.json
"""

from __future__ import annotations

import dataclasses
from pathlib import Path
from typing import Any

import pytest

from emobench_core.cache import default_cache_dir
from emobench_core.config import RECIPE_OPTIONS, recipe_option_help
from emobench_core.data.source import DataRequest
from emobench_core.errors import EmobenchError
from emobench_core.measure.devices import share_cores_between_workers
from emobench_core.models.backends.capabilities import RANDOM_INIT, supports
from emobench_core.models.registry import backend_for, get_spec
from emobench_core.plugin.guest import ENABLE_INI, MARKERS, active, enable, remember_options
from emobench_core.plugin.profiles import PROFILES, Case, Profile, claims, get_profile
from emobench_core.plugin.runner import BenchRunner, load_thresholds
from emobench_core.plugin.scaleout import group_mark
from emobench_core.scenarios.benchmark import Benchmark, BenchmarkConfig

DEFAULT_THRESHOLDS = "bench/thresholds.toml"
"""The thresholds file, relative to pytest's rootdir (ini value ``emobench_thresholds``)."""


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
        help="minimum accuracy / macro-F1 per profile and model (default: the ini value "
        f"emobench_thresholds, else {DEFAULT_THRESHOLDS} under the rootdir)",
    )
    parser.addini(
        "emobench_thresholds",
        help=f"thresholds file, relative to the rootdir (default: {DEFAULT_THRESHOLDS})",
        default=DEFAULT_THRESHOLDS,
    )
    g.addoption(
        "--emobench-baseline",
        action="append",
        default=[],
        help="results folder of a stored baseline, repeatable (one per training precision): "
        "each quality case also gates against its baseline run (same model, init, seed and "
        "precision) with `emobench compare`'s paired tests (default: no gate)",
    )
    g.addoption(
        "--emobench-strict",
        action="store_true",
        help="a skipped case of the profile fails the run (CI never passes on cases that did "
        "not run)",
    )
    g.addoption(
        "--emobench-seeds",
        default=None,
        help="comma-separated seeds overriding the profile's (default: the profile's)",
    )
    parser.addini(
        ENABLE_INI,
        type="bool",
        default=False,
        help="run the emobench harness in this project (default: false: the plugin stays inert "
        "unless an --emobench-* option is given or a conftest calls "
        "emobench_core.plugin.plugin.enable(config))",
    )
    remember_options(g.options)


def _add_overrides(g: Any) -> None:
    """The run's overrides of the profile: its device, and every recipe and data option of the
    command line (``--epochs`` here is ``--emobench-epochs``), which mean the same here."""
    g.addoption(
        "--emobench-device",
        default=None,
        choices=("cpu", "cuda"),
        help="run the profile on this device instead of its own (default: the "
        "profile's: cuda for gpu, else cpu)",
    )
    for name, kind, text in RECIPE_OPTIONS:
        g.addoption(
            "--emobench-" + name.replace("_", "-"),
            default=None,
            type=kind,
            help=recipe_option_help(text).replace("default: ", "default: the profile's, else "),
        )
    g.addoption(
        "--emobench-dataset",
        default=None,
        metavar="ID[:CONFIG]",
        help="hub dataset of single-label text classification; with --emobench-data-dir, the "
        "dataset that folder copies (default: $EMOBENCH_DATA_DIR, else dair-ai/emotion)",
    )
    g.addoption("--emobench-text-column", default="text", help="default: text")
    g.addoption("--emobench-label-column", default="label", help="default: label")
    g.addoption(
        "--emobench-dedupe-train",
        action="store_true",
        help="keep one row of each repeated training text, drop texts whose copies disagree "
        "(default: off)",
    )
    g.addoption(
        "--emobench-drop-test-overlap",
        action="store_true",
        help="drop validation and test rows whose text occurs in training (default: off)",
    )


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[Any]) -> Any:
    """Under ``--emobench-strict`` a skipped quality, latency or claim case is a failure (the
    placeholder of a profile with no claim to test is not a case)."""
    outcome = yield
    report = outcome.get_result()
    if not report.skipped or not item.config.getoption("--emobench-strict"):
        return
    params = getattr(getattr(item, "callspec", None), "params", {})
    claim = item.get_closest_marker("emobench_claim") and params.get("emobench_claim") is not None
    bench_case = (
        item.get_closest_marker("emobench_quality")
        or item.get_closest_marker("emobench_latency")
        or claim
    )
    if bench_case:
        reason = report.longrepr[2] if isinstance(report.longrepr, tuple) else report.longrepr
        report.outcome = "failed"
        report.longrepr = f"skipped under --emobench-strict (a profile case must run): {reason}"


def pytest_configure(config: pytest.Config) -> None:
    for name, text in MARKERS.items():  # namespaced, so declaring them is harmless anywhere
        config.addinivalue_line("markers", f"{name}: {text}")
    if active(config):  # pytest-xdist and pytest-split support: a device per worker, ...
        enable(config)


def pytest_report_header(config: pytest.Config) -> list[str]:
    if not active(config):
        return []
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


def _case_seeds(case: Case, seeds: tuple[int, ...]) -> tuple[int, ...]:
    """The seeds one case runs: its own (a study's costly rows run fewer; none when
    ``--emobench-seeds`` is given), else the run's; the first only for a seed-blind model."""
    own = case.seeds or seeds
    return own if backend_for(get_spec(case.model)).seed_sensitive else own[:1]


@pytest.fixture(scope="session")
def emobench_profile(pytestconfig: pytest.Config) -> Profile:
    """The selected profile, with any --emobench-device / -epochs / -max-train-rows override
    applied (each result records the recipe and device it actually ran with)."""
    return effective_profile(pytestconfig)


def thresholds_file(config: pytest.Config) -> Path:
    """``--emobench-thresholds``, else the ini value ``emobench_thresholds`` (default
    ``bench/thresholds.toml``) under the rootdir; never a path inside the installed package."""
    option = config.getoption("--emobench-thresholds")
    if option:
        return Path(option)
    return config.rootpath / str(config.getini("emobench_thresholds"))


def effective_profile(config: pytest.Config) -> Profile:
    """The selected profile with the run's overrides: the recipe options asked on top of the
    profile's request (only what was asked; resolved per model when it runs), and the device."""
    profile = get_profile(config.getoption("--emobench-profile"))
    asked = {
        name: config.getoption("--emobench-" + name.replace("_", "-"))
        for name, _, _ in RECIPE_OPTIONS
    }
    try:
        recipe = profile.recipe.replace(**asked)
    except ValueError as exc:
        raise pytest.UsageError(str(exc).replace("`recipe.", "`--emobench-")) from exc
    device = config.getoption("--emobench-device") or profile.device
    cases = profile.cases
    if config.getoption("--emobench-seeds"):  # the seeds asked, for every case alike
        cases = tuple(dataclasses.replace(c, seeds=None) for c in cases)
    return dataclasses.replace(profile, recipe=recipe, device=device, cases=cases)


def data_request(config: pytest.Config) -> DataRequest:
    """The data the run asks for, from the ``--emobench-*`` data options."""
    try:
        return DataRequest(
            config.getoption("--emobench-dataset"),
            config.getoption("--emobench-data-dir"),
            text_column=config.getoption("--emobench-text-column"),
            label_column=config.getoption("--emobench-label-column"),
            dedupe_train=config.getoption("--emobench-dedupe-train"),
            drop_test_overlap=config.getoption("--emobench-drop-test-overlap"),
        )
    except EmobenchError as exc:
        raise pytest.UsageError(str(exc)) from exc


_GATED = pytest.StashKey[tuple[tuple[Case, int], ...]]()
"""The session's selected quality cases, as ``(case, seed)``: the regression gate's family."""


def pytest_collection_finish(session: pytest.Session) -> None:
    if not active(session.config):
        return
    params = [
        getattr(getattr(item, "callspec", None), "params", {})
        for item in session.items
        if item.get_closest_marker("emobench_quality")
    ]
    session.config.stash[_GATED] = tuple(
        (p["emobench_case"], p["emobench_seed"]) for p in params if "emobench_seed" in p
    )


@pytest.fixture(scope="session")
def emobench_runner(
    pytestconfig: pytest.Config, emobench_profile: Profile, tmp_path_factory: pytest.TempPathFactory
) -> BenchRunner:
    """The session's runner: data loaded once, checkpoints from the on-disk cache. In an xdist
    worker torch gets the worker's share of the cores (``OMP_NUM_THREADS`` if set)."""
    share_cores_between_workers()
    results = pytestconfig.getoption("--emobench-results-dir")
    thresholds_path = thresholds_file(pytestconfig)
    thresholds = load_thresholds(thresholds_path).get(emobench_profile.name, {})
    seeds = _seeds(pytestconfig, emobench_profile)
    config = BenchmarkConfig(
        models=emobench_profile.cases,
        seeds=seeds,
        data=data_request(pytestconfig),
        recipe=emobench_profile.recipe,
        device=emobench_profile.device,
        cache_dir=_cache_dir(pytestconfig),
        vocab_dir=pytestconfig.getoption("--emobench-vocab-dir"),
        quiet=True,
    )
    return BenchRunner(
        profile=emobench_profile,
        seeds=seeds,
        bench=Benchmark(config),
        results_dir=Path(results) if results else tmp_path_factory.mktemp("emobench-results"),
        thresholds=thresholds,
        baseline_dirs=tuple(pytestconfig.getoption("--emobench-baseline")),
        gated=pytestconfig.stash.get(_GATED, ()),
    )


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    """Parametrize bench tests over the selected profile: ``case`` (and ``seed``)."""
    if not active(metafunc.config) or not {"emobench_claim", "emobench_case"} & set(
        metafunc.fixturenames
    ):
        return
    profile = effective_profile(metafunc.config)
    if "emobench_claim" in metafunc.fixturenames:
        pairs = claims(profile)
        if pairs:
            ids = [f"{a.id}-vs-{b.id}" for a, b in pairs]
            metafunc.parametrize("emobench_claim", pairs, ids=ids)
        else:
            why = f"profile {profile.name} has no distilled or pretrained/random pair to test"
            metafunc.parametrize(
                "emobench_claim", [pytest.param(None, marks=pytest.mark.skip(reason=why))]
            )
    if "emobench_case" in metafunc.fixturenames:
        cases = list(profile.cases)
        if "emobench_transformer_only" in metafunc.fixturenames:
            cases = [c for c in cases if supports(backend_for(get_spec(c.model)), RANDOM_INIT)]
        if "emobench_seed" in metafunc.fixturenames:
            seeds = _seeds(metafunc.config, profile)
            params = [
                pytest.param(c, s, marks=group_mark(c, s), id=f"{c.id}-s{s}")
                for c in cases
                for s in _case_seeds(c, seeds)
            ]
            metafunc.parametrize(("emobench_case", "emobench_seed"), params)
        else:  # a case without a seed (latency) uses the first seed's checkpoint
            first = _seeds(metafunc.config, profile)[0]
            metafunc.parametrize(
                "emobench_case",
                [pytest.param(c, marks=group_mark(c, first), id=c.id) for c in cases],
            )


@pytest.fixture
def emobench_transformer_only() -> bool:
    """Marker fixture: parametrize only over transformer cases."""
    return True


__all__ = ["active", "effective_profile", "enable", "thresholds_file"]
