"""emobench: a reproducible benchmark of compact transformer emotion classifiers.

Pipeline, one module per stage: ``config`` → ``registry`` → ``data`` → ``training`` →
``evaluation`` / ``efficiency`` → ``results`` → ``report``. ``pipeline`` wires them for one model;
``cli`` and ``pytest_plugin`` are the two front ends.

    emobench run --models bert-tiny,tfidf-svm --init random --output runs/
"""

from emobench_core.cache import CheckpointCache, default_cache_dir
from emobench_core.config import LABELS, NUM_LABELS, Recipe, RunConfig
from emobench_core.data.loading import fingerprint, load_emotion
from emobench_core.errors import DataError, RegistryError, ResultsError
from emobench_core.measure.latency import count_parameters, measure_latency
from emobench_core.metrics.evaluation import compute_metrics
from emobench_core.models.registry import REGISTRY, ModelSpec, build_model, get_spec, model_names
from emobench_core.schema.records import LatencyStats, Metrics
from emobench_core.schema.run import RunResult, load_result, load_results

__version__ = "0.1.0"

__all__ = [
    "LABELS",
    "NUM_LABELS",
    "REGISTRY",
    "CheckpointCache",
    "DataError",
    "LatencyStats",
    "Metrics",
    "ModelSpec",
    "Recipe",
    "RegistryError",
    "ResultsError",
    "RunConfig",
    "RunResult",
    "__version__",
    "build_model",
    "compute_metrics",
    "count_parameters",
    "default_cache_dir",
    "fingerprint",
    "get_spec",
    "load_emotion",
    "load_result",
    "load_results",
    "measure_latency",
    "model_names",
]
