"""The classical reference row, ``tfidf-svm``: TF-IDF word 1-2-grams + class-balanced linear SVM.

Trained on the training split; its regularisation strength ``C`` is chosen on the validation
macro-F1 from a small grid, like the transformers' checkpoint selection.
"""

from __future__ import annotations

import time
from typing import Any

from emobench_core.config import Recipe
from emobench_core.measure.latency import peak_rss_mb
from emobench_core.schema.records import EpochRecord, TrainingInfo

C_GRID: tuple[float, ...] = (0.1, 0.3, 1.0, 3.0)


def build_svm(c: float = 1.0, seed: int = 0) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    return Pipeline(
        [
            ("tfidf", TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True)),
            ("svm", LinearSVC(C=c, class_weight="balanced", random_state=seed)),
        ]
    )


def fit_svm(dsd: Any, recipe: Recipe) -> tuple[Any, TrainingInfo]:
    """Fit one pipeline per ``C`` in :data:`C_GRID`; keep the best on validation macro-F1."""
    from sklearn.metrics import accuracy_score, f1_score

    train, val = dsd["train"], dsd["validation"]
    start = time.perf_counter()
    best: tuple[float, Any, int] | None = None
    history = []
    for i, c in enumerate(C_GRID, start=1):
        pipe = build_svm(c, recipe.seed).fit(train["text"], train["label"])
        pred = pipe.predict(val["text"])
        f1 = float(f1_score(val["label"], pred, average="macro"))
        history.append(
            EpochRecord(
                epoch=i, val_macro_f1=f1, val_accuracy=float(accuracy_score(val["label"], pred))
            )
        )
        if best is None or f1 > best[0]:
            best = (f1, pipe, i)
    wall = time.perf_counter() - start
    assert best is not None
    return best[1], TrainingInfo(
        wall_s=wall,
        samples_per_s=len(train) * len(C_GRID) / wall,
        train_rows=len(train),
        epochs_run=len(C_GRID),
        best_epoch=best[2],
        best_val_macro_f1=best[0],
        hyperparameters={"C": C_GRID[best[2] - 1]},
        peak_memory_mb=peak_rss_mb(),
        device="cpu",
        history=history,
    )
