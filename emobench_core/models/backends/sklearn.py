"""The classical reference row, ``tfidf-svm``: TF-IDF word 1-2-grams + class-balanced linear SVM.

Trained on the training split; its regularisation strength ``C`` is chosen on the validation
macro-F1 from a small grid, like the transformers' checkpoint selection.

    emobench run --models tfidf-svm --output runs/
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from emobench_core.config import Recipe
from emobench_core.errors import RegistryError
from emobench_core.measure.latency import dir_size_bytes
from emobench_core.measure.memory import OwnPeak
from emobench_core.models.backends.base import Backend, Trained, TrainJob, n_batches
from emobench_core.models.spec import SKLEARN_KIND, ModelSpec
from emobench_core.schema.latency import SVM_WEIGHTS
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
    with OwnPeak() as own_peak:
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
        peak_memory_mb=own_peak.mb,
        peak_memory_basis=own_peak.basis,
        device="cpu",
        history=history,
    )


MODEL_FILE = "model.joblib"


def svm_forward(pipe: Any, texts: list[str], batch_size: int) -> Callable[[int], Any]:
    """``f(i)``: the SVM's decision function on the i-th (cycled) pre-vectorized batch."""
    n = n_batches(len(texts), batch_size)
    inputs = [
        pipe["tfidf"].transform(texts[j * batch_size : (j + 1) * batch_size]) for j in range(n)
    ]
    return lambda i: pipe["svm"].decision_function(inputs[i % n])


class SklearnBackend(Backend):
    """A fitted scikit-learn ``Pipeline`` (``tfidf`` then ``svm``)."""

    kind = SKLEARN_KIND
    has_init = False
    seed_sensitive = False
    probe_needs_fit = True
    probe_weights = SVM_WEIGHTS
    seeded = ("LinearSVC random_state",)
    recipe_fields = ("seed", "max_train_rows")
    b1_time_share = 0.25
    b32_time_share = 0.25

    def train(self, staging: Path, job: TrainJob) -> Trained:
        import joblib

        pipe, info = fit_svm(job.dsd, job.recipe)
        joblib.dump(pipe, staging / MODEL_FILE)
        return Trained(info, pipe.predict(job.dsd["test"]["text"]), "scikit-learn")

    def load(self, entry: Path) -> Any:
        import joblib

        return joblib.load(entry / MODEL_FILE)

    def model_dir(self, entry: Path) -> Path:
        return entry

    def architecture(self, spec: ModelSpec, labels: Sequence[str], **kwargs: Any) -> Any:
        import joblib

        fitted = kwargs.get("fitted")
        if fitted is None:
            raise RegistryError(f"{spec.name!r}: pass the fitted pipeline to measure it")
        return joblib.load(fitted) if isinstance(fitted, str | Path) else fitted

    def fit_for_probe(self, dsd: Any, recipe: Recipe) -> Any:
        return fit_svm(dsd, recipe)[0]

    def forward(
        self, model: Any, texts: list[str], batch_size: int, max_length: int, device: str
    ) -> Callable[[int], Any]:
        return svm_forward(model, texts, batch_size)

    def encode_one(self, model: Any, text: str, max_length: int) -> Any:
        return model["tfidf"].transform([text])

    def inference_device(self, device: str) -> str:
        return "cpu"  # scikit-learn has no accelerator

    def parameters(self, model: Any) -> tuple[int, int]:
        n = int(model["svm"].coef_.size + model["svm"].intercept_.size)
        return n, n

    def size_on_disk(self, entry: Path) -> int:
        return dir_size_bytes(entry / MODEL_FILE)
