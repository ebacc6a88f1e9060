"""emobench: a reproducible benchmark of compact transformer emotion classifiers.

The folder list is the pipeline, top to bottom; each layer imports only the ones below it
(an import-linter contract in pyproject.toml, checked by ``tox -e lint``):

* ``cli`` (the ``emobench`` command) and ``plugin`` (the pytest plugin) — the two front ends;
* ``scenarios`` (run, latency probe, perf, deploy) and ``report`` (markdown, figures);
* ``study`` (summaries, comparisons, distillation gains, recommendations, findings);
* ``models`` (registry, loading, backends, ONNX export) over ``training`` (Trainer, KD loss);
* ``data``, ``metrics``, ``measure`` (latency, environment) over ``schema`` (results files);
* ``config``, ``cache``, ``hub``, ``errors``.

    emobench run --models bert-tiny,tfidf-svm --init random --output runs/

The public names below are imported on first use (PEP 562), so importing a submodule, or
running ``emobench --help``, does not load datasets, scikit-learn or torch.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

__version__ = "0.1.0"

_SOURCES: dict[str, str] = {
    "CheckpointCache": "emobench_core.cache",
    "default_cache_dir": "emobench_core.cache",
    "Recipe": "emobench_core.config",
    "RecipeRequest": "emobench_core.config",
    "Dataset": "emobench_core.data.dataset",
    "DataRequest": "emobench_core.data.source",
    "Benchmark": "emobench_core.scenarios.benchmark",
    "BenchmarkConfig": "emobench_core.scenarios.benchmark",
    "Case": "emobench_core.scenarios.benchmark",
    "run_benchmark": "emobench_core.scenarios.benchmark",
    "resolve_recipe": "emobench_core.models.recipes",
    "fingerprint": "emobench_core.data.fingerprint",
    "label_names": "emobench_core.data.fingerprint",
    "EMOTION_LABELS": "emobench_core.data.loading",
    "load_data": "emobench_core.data.loading",
    "DataSource": "emobench_core.data.source",
    "DataError": "emobench_core.errors",
    "RegistryError": "emobench_core.errors",
    "ResultsError": "emobench_core.errors",
    "count_parameters": "emobench_core.measure.latency",
    "measure_latency": "emobench_core.measure.latency",
    "compute_metrics": "emobench_core.metrics.evaluation",
    "REGISTRY": "emobench_core.models.registry",
    "backend_for": "emobench_core.models.registry",
    "ModelSpec": "emobench_core.models.spec",
    "build_model": "emobench_core.models.loading",
    "get_spec": "emobench_core.models.registry",
    "model_names": "emobench_core.models.registry",
    "LatencyStats": "emobench_core.schema.records",
    "Metrics": "emobench_core.schema.records",
    "RunResult": "emobench_core.schema.run",
    "load_result": "emobench_core.schema.run",
    "load_results": "emobench_core.schema.run",
}
"""Each public name → the module that defines it."""

__all__ = [
    "EMOTION_LABELS",
    "REGISTRY",
    "Benchmark",
    "BenchmarkConfig",
    "Case",
    "CheckpointCache",
    "DataError",
    "DataRequest",
    "DataSource",
    "Dataset",
    "LatencyStats",
    "Metrics",
    "ModelSpec",
    "Recipe",
    "RecipeRequest",
    "RegistryError",
    "ResultsError",
    "RunResult",
    "__version__",
    "backend_for",
    "build_model",
    "compute_metrics",
    "count_parameters",
    "default_cache_dir",
    "fingerprint",
    "get_spec",
    "label_names",
    "load_data",
    "load_result",
    "load_results",
    "measure_latency",
    "model_names",
    "resolve_recipe",
    "run_benchmark",
]

if TYPE_CHECKING:  # for type checkers and IDEs; at run time __getattr__ imports on first use
    from emobench_core.cache import CheckpointCache, default_cache_dir
    from emobench_core.config import Recipe, RecipeRequest
    from emobench_core.data.dataset import Dataset
    from emobench_core.data.fingerprint import fingerprint, label_names
    from emobench_core.data.loading import EMOTION_LABELS, load_data
    from emobench_core.data.source import DataRequest, DataSource
    from emobench_core.errors import DataError, RegistryError, ResultsError
    from emobench_core.measure.latency import count_parameters, measure_latency
    from emobench_core.metrics.evaluation import compute_metrics
    from emobench_core.models.loading import build_model
    from emobench_core.models.recipes import resolve_recipe
    from emobench_core.models.registry import REGISTRY, get_spec, model_names
    from emobench_core.models.spec import ModelSpec
    from emobench_core.scenarios.benchmark import Benchmark, BenchmarkConfig, Case, run_benchmark
    from emobench_core.schema.records import LatencyStats, Metrics
    from emobench_core.schema.run import RunResult, load_result, load_results


def __getattr__(name: str) -> Any:
    """Import the module of a public ``name`` on first access, and keep the value."""
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(source), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *__all__})
