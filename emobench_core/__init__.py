"""emobench: a reproducible benchmark of compact transformer emotion classifiers.

Pipeline, one module per stage: ``config`` → ``registry`` → ``data`` → ``training`` →
``evaluation`` / ``efficiency`` → ``results`` → ``report``. ``pipeline`` wires them for one model;
``cli`` and ``pytest_plugin`` are the two front ends.

    emobench run --models bert-tiny,tfidf-svm --init random --output runs/
"""

from .cache import CheckpointCache, default_cache_dir
from .config import LABELS, NUM_LABELS, Recipe, RunConfig
from .data import DataError, fingerprint, load_emotion
from .efficiency import LatencyStats, count_parameters, measure_latency
from .evaluation import Metrics, compute_metrics
from .registry import REGISTRY, ModelSpec, RegistryError, build_model, get_spec, model_names
from .results import ResultsError, RunResult, load_result, load_results

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
