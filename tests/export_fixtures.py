"""Two finished runs to export (``scenarios/test_export.py``, ``cli/test_export.py``): BERT-Tiny
(random init, one epoch on 300 rows) and the TF-IDF SVM, on the first rows of the real splits,
each with its results JSON and its checkpoint-cache entry. No hub; a few seconds of training."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emobench_core.cache import CheckpointCache
from emobench_core.config import RecipeRequest
from emobench_core.data.loading import load_data
from emobench_core.measure.latency import LatencySettings
from emobench_core.models.registry import get_spec
from emobench_core.scenarios.run import run_model
from emobench_core.schema.run import RunResult

FAST = LatencySettings(warmup=1, min_iters=3, min_seconds=0.01)
"""A latency rule that takes milliseconds: these tests check what is written, not the speed."""


@dataclass(frozen=True)
class Runs:
    data: Path
    dsd: Any
    cache: CheckpointCache
    bert: RunResult
    bert_json: Path
    svm: RunResult
    svm_json: Path


def first_rows(emotion_dir: Path, folder: Path) -> Path:
    """The first 300 / 100 / 100 rows of the real train / validation / test splits."""
    folder.mkdir(parents=True, exist_ok=True)
    for split, n in (("train", 300), ("validation", 100), ("test", 100)):
        with (emotion_dir / f"{split}.jsonl").open(encoding="utf-8") as fh:
            lines = [next(fh) for _ in range(n)]
        (folder / f"{split}.jsonl").write_text("".join(lines), encoding="utf-8")
    return folder


def train_runs(root: Path, emotion_dir: Path, vocab_dir: Path) -> Runs:
    """Train both models into ``root/cache`` and save their results JSON in ``root/runs``."""
    import torch

    data = first_rows(emotion_dir, root / "data")
    dsd = load_data(data)
    cache = CheckpointCache(root / "cache")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # tiny models: one thread is faster on a busy CPU
    try:
        results = [
            run_model(
                get_spec(name),
                "random",
                RecipeRequest(epochs=1, seed=42),
                dsd,
                cache=cache,
                vocab_dir=vocab_dir,
                quiet=True,
                latency=FAST,
            )
            for name in ("bert-tiny", "tfidf-svm")
        ]
    finally:
        torch.set_num_threads(threads)
    paths = [r.save(root / "runs") for r in results]
    return Runs(data, dsd, cache, results[0], paths[0], results[1], paths[1])
