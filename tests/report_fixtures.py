"""Synthetic run results for the study and report tests: no model is trained.

Five rows on 300 test examples with controlled error rates: bert-mini (3 seeds, best),
bert-tiny pretrained (3 seeds) and random init (2 seeds), tfidf-svm (1 seed), all on CPU,
and distilbert random init on CUDA (1 seed). Errors are concentrated on surprise (mistaken
for fear) and love (mistaken for joy), so surprise is the hardest emotion by construction.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from emobench_core.config import RecipeRequest
from emobench_core.data.loading import EMOTION_LABELS as LABELS
from emobench_core.metrics.evaluation import compute_metrics
from emobench_core.models.recipes import recipe_for
from emobench_core.models.registry import get_spec
from emobench_core.schema.records import LatencyStats, TrainingInfo
from emobench_core.schema.run import DataInfo, Efficiency, ModelInfo, RunResult

N_TEST = 300
SHARES = (0.29, 0.35, 0.08, 0.135, 0.12, 0.025)
"""Class shares of the synthetic test set (about those of dair-ai/emotion)."""
ERROR_WEIGHT = {"sadness": 0.5, "joy": 0.5, "love": 2.5, "anger": 1.0, "fear": 1.0, "surprise": 4.0}
"""How much more often than the base rate each true class is mislabelled."""
CONFUSED_WITH = {
    "sadness": "anger",
    "joy": "love",
    "love": "joy",
    "anger": "sadness",
    "fear": "surprise",
    "surprise": "fear",
}


def current_recipe(name: str, seed: int) -> dict[str, Any]:
    """The effective recipe the current code runs for ``name`` at ``seed``: a fixture row is
    current (not stale) unless a test makes it otherwise."""
    return recipe_for(get_spec(name.split(" ← ")[0]), RecipeRequest(seed=seed)).to_dict()


# name, init, kind, device, seeds, base error rate, params, latency p50 ms, train s, peak MiB
MODELS: tuple[tuple[str, str, str, str, tuple[int, ...], float, int, float, float, float], ...] = (
    (
        "bert-mini",
        "pretrained",
        "transformer",
        "cpu",
        (42, 43, 44),
        0.04,
        11_170_000,
        2.1,
        900,
        800,
    ),
    ("bert-tiny", "pretrained", "transformer", "cpu", (42, 43, 44), 0.08, 4_390_000, 0.9, 300, 500),
    ("bert-tiny", "random", "transformer", "cpu", (42, 43), 0.25, 4_390_000, 0.95, 290, 510),
    ("tfidf-svm", "n/a", "sklearn", "cpu", (42,), 0.12, 30_006, 0.3, 20, 300),
    ("distilbert", "random", "transformer", "cuda", (42,), 0.2, 66_960_000, 1.5, 120, 2000),
)


def y_true(n: int = N_TEST) -> np.ndarray:
    """Gold labels: fixed counts per class in a fixed shuffled order."""
    counts = np.floor(np.asarray(SHARES) * n).astype(int)
    counts[1] += n - counts.sum()
    labels = np.repeat(np.arange(len(LABELS)), counts)
    return np.random.default_rng(0).permutation(labels)


def predictions(truth: np.ndarray, base_error: float, rng_seed: int) -> np.ndarray:
    """``truth`` with each example mislabelled as its class's confusable class, at the class's
    error rate (``base_error * ERROR_WEIGHT``)."""
    rng = np.random.default_rng(rng_seed)
    rate = np.array([min(0.9, base_error * ERROR_WEIGHT[e]) for e in LABELS])[truth]
    target = np.array([LABELS.index(CONFUSED_WITH[e]) for e in LABELS])[truth]
    return np.where(rng.random(truth.size) < rate, target, truth)


def _slug(text: str) -> str:
    """A file-name-safe id, as the product writes them (results files are checked on read)."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-")


def _latency(p50: float) -> LatencyStats:
    return LatencyStats(
        p50, p50 * 1.2, p50 * 1.5, p50 * 1.05, p50 * 0.1, p50 * 0.9, p50 * 2, 100, 10, p50 / 10
    )


def make_result(
    name: str,
    init: str,
    kind: str,
    device: str,
    seed: int,
    base_error: float,
    params: int,
    latency_ms: float,
    train_s: float,
    peak_mb: float,
    *,
    model_index: int = 0,
    n: int = N_TEST,
) -> RunResult:
    """One synthetic run; predictions depend only on (model_index, seed)."""
    truth = y_true(n)
    pred = predictions(truth, base_error, 1000 * model_index + seed)
    env: dict[str, Any] = {
        "python": "3.11.2",
        "platform": "Linux-test",
        "torch": "2.5.0",
        "transformers": "5.0.0",
        "datasets": "3.0.0",
        "scikit_learn": "1.5.0",
        "cpu_model": "Test CPU @ 2.0GHz",
        "cpu_count": 2,
        "torch_threads": 2,
        "device": device,
        "gpu_name": "Test GPU" if device == "cuda" else None,
        "git_commit": "0123456789abcdef0123456789abcdef01234567",
        "cache_entry": _slug(f"{name}-{init}-{seed}"),
        "cache_hit": False,
    }
    return RunResult(
        run_id=_slug(f"{name}-{init.replace('/', '')}-s{seed}-abcdef12"),
        model=ModelInfo(
            name, f"hub:{name}", init, kind, f"{name} (test)", params, params // 2, params * 4
        ),
        seed=seed,
        recipe=current_recipe(name, seed),
        recipe_request={"seed": seed},
        data=DataInfo("test:synthetic", "f" * 64, {"train": 1600, "validation": 200, "test": n}),
        environment=env,
        training=TrainingInfo(
            train_s, 1600 / train_s, 1600, 3, 2, 0.8, {"learning_rate": 5e-5}, peak_mb, device
        ),
        metrics=compute_metrics(truth.tolist(), pred.tolist(), LABELS),
        efficiency=Efficiency(device, 2, _latency(latency_ms), _latency(0.1), 1000 / latency_ms),
        predictions={"y_true": truth.tolist(), "y_pred": pred.tolist()},
        created_at=f"2025-01-01T00:00:{seed - 40:02d}+00:00",
        tags={"profile": "test", "case": name if init != "random" else f"{name}@random"},
    )


def make_results() -> list[RunResult]:
    """Every run of :data:`MODELS`."""
    return [
        make_result(name, init, kind, device, seed, err, params, lat, train, peak, model_index=i)
        for i, (name, init, kind, device, seeds, err, params, lat, train, peak) in enumerate(MODELS)
        for seed in seeds
    ]


def bench_json() -> dict[str, Any]:
    """A minimal pytest-benchmark ``--benchmark-json`` document."""
    entries = []
    for name, batch, median in (("bert-tiny", 1, 0.0009), ("bert-tiny", 32, 0.012)):
        entries.append(
            {
                "name": f"test_latency[{name}-b{batch}]",
                "extra_info": {"case": name, "batch_size": batch, "device": "cpu"},
                "stats": {
                    "median": median,
                    "iqr": median / 10,
                    "rounds": 100 if batch == 1 else 20,
                },
            }
        )
    return {
        "machine_info": {"cpu": {"brand_raw": "Test CPU @ 2.0GHz"}},
        "commit_info": {"id": "0123456789abcdef", "branch": "main", "dirty": False},
        "benchmarks": entries,
        "datetime": "2025-01-01T00:00:00",
        "version": "5.1.0",
    }
