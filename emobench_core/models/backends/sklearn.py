"""The classical reference row, ``tfidf-svm``: TF-IDF word 1-2-grams + class-balanced linear SVM.

Trained on the training split; its regularisation strength ``C`` is chosen on the validation
macro-F1 from a small grid, like the transformers' checkpoint selection. The fitted pipeline is
saved with skops (``model.skops``, the Hub's format for scikit-learn) and loaded with skops'
default trusted types only, so loading it runs no code from the file; a pickle (the
``model.joblib`` of older entries) is refused, never unpickled.

    emobench run --models tfidf-svm --output runs/
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from emobench_core.config import Recipe
from emobench_core.errors import RegistryError
from emobench_core.measure.latency import dir_size_bytes
from emobench_core.measure.memory import OwnPeak
from emobench_core.models.backends.base import Backend, Predictor, Trained, TrainJob, n_batches
from emobench_core.models.backends.capabilities import EXPORT, LATENCY_PROBE, REFERENCE
from emobench_core.models.backends.skops_file import (
    CONFIG_FILE,
    MODEL_FILE,
    PICKLED_FILE,
    SKOPS_FORMAT,
    load_pipeline,
    save_pipeline,
)
from emobench_core.models.kinds import register_kind
from emobench_core.models.spec import SKLEARN_KIND, ModelSpec
from emobench_core.schema.latency import SVM_WEIGHTS
from emobench_core.schema.records import EpochRecord, TrainingInfo

C_GRID: tuple[float, ...] = (0.1, 0.3, 1.0, 3.0)


def build_svm(c: float = 1.0, seed: int = 0, tfidf: Any = None) -> Any:
    """The pipeline, unfitted; with ``tfidf`` (an already fitted vectorizer) as its first step."""
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.pipeline import Pipeline
    from sklearn.svm import LinearSVC

    if tfidf is None:
        tfidf = TfidfVectorizer(ngram_range=(1, 2), sublinear_tf=True, lowercase=True)
    return Pipeline(
        [("tfidf", tfidf), ("svm", LinearSVC(C=c, class_weight="balanced", random_state=seed))]
    )


def fit_svm(dsd: Any, recipe: Recipe) -> tuple[Any, TrainingInfo]:
    """Fit one SVM per ``C`` in :data:`C_GRID` on one fitted vectorizer; keep the pipeline best
    on validation macro-F1."""
    import numpy as np
    from sklearn.metrics import accuracy_score, f1_score

    train, val = dsd["train"], dsd["validation"]
    # a dataset column read once (scikit-learn's checks iterated it row by row on every call)
    y_train, y_val = np.asarray(train["label"]), np.asarray(val["label"])
    start = time.perf_counter()
    best: tuple[float, Any, int] | None = None
    history = []
    with OwnPeak() as own_peak:
        # the vectorizer does not depend on C: fitted once, and each C's pipeline holds it
        # (a pipeline fitted end to end per C learns the same vocabulary and weights)
        tfidf = build_svm()["tfidf"]
        x_train = tfidf.fit_transform(train["text"])
        x_val = tfidf.transform(val["text"])
        for i, c in enumerate(C_GRID, start=1):
            pipe = build_svm(c, recipe.seed, tfidf)
            pipe["svm"].fit(x_train, y_train)
            pred = pipe["svm"].predict(x_val)
            f1 = float(f1_score(y_val, pred, average="macro"))
            history.append(
                EpochRecord(
                    epoch=i, val_macro_f1=f1, val_accuracy=float(accuracy_score(y_val, pred))
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


def hub_config(labels: Sequence[str]) -> dict[str, Any]:
    """The ``config.json`` of a skops model on the Hub, with the class names (``id2label``)."""
    import sklearn
    import skops

    return {
        "sklearn": {
            "environment": [f"scikit-learn={sklearn.__version__}", f"skops={skops.__version__}"],
            "model": {"file": MODEL_FILE},
            "model_format": SKOPS_FORMAT,
            "task": "text-classification",
        },
        "id2label": {str(i): name for i, name in enumerate(labels)},
        "label2id": {name: i for i, name in enumerate(labels)},
    }


def _id2label(folder: Path) -> dict[int, str]:
    try:
        raw = json.loads((folder / CONFIG_FILE).read_text(encoding="utf-8"))["id2label"]
        return {int(k): str(v) for k, v in raw.items()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return {}


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
    capabilities = frozenset({EXPORT, LATENCY_PROBE, REFERENCE})
    budget_unit = "values of C"
    seed_sensitive = False
    probe_needs_fit = True
    probe_weights = SVM_WEIGHTS
    seeded = ("LinearSVC random_state",)
    recipe_fields = ("seed", "max_train_rows")
    b1_time_share = 0.25
    b32_time_share = 0.25
    library_name = "sklearn"
    # entries of pickles (model.joblib), or of skops files before they were made reproducible
    # (deflated, renumbered) and their schema compact, are not reused
    key_parts = {"file_format": f"{SKOPS_FORMAT}-reproducible-compact"}

    def train(self, staging: Path, job: TrainJob) -> Trained:
        pipe, info = fit_svm(job.dsd, job.recipe)
        save_pipeline(pipe, staging / MODEL_FILE)
        (staging / CONFIG_FILE).write_text(json.dumps(hub_config(job.labels), indent=1))
        return Trained(info, pipe.predict(job.dsd["test"]["text"]), "scikit-learn")

    def load(self, entry: Path) -> Any:
        return load_pipeline(entry / MODEL_FILE)

    def holds(self, folder: Path) -> bool:
        return (folder / MODEL_FILE).is_file() or (folder / PICKLED_FILE).is_file()

    def export(self, entry: Path, dst: Path, labels: Sequence[str]) -> None:
        load_pipeline(entry / MODEL_FILE)  # refuses a pickle or an untrusted file before copying
        dst.mkdir(parents=True, exist_ok=True)
        (dst / MODEL_FILE).write_bytes((entry / MODEL_FILE).read_bytes())
        (dst / CONFIG_FILE).write_text(json.dumps(hub_config(labels), indent=1))

    def predictor(self, folder: Path, labels: Sequence[str] | None = None) -> Predictor:
        import numpy as np

        pipe = self.load(folder)
        names = {**dict(enumerate(labels or ())), **_id2label(folder)}
        classes = [int(c) for c in pipe["svm"].classes_]

        def scores(texts: list[str]) -> Any:
            out = np.asarray(pipe.decision_function(texts), dtype=np.float64)
            return np.stack([-out, out], axis=1) if out.ndim == 1 else out  # two classes

        return Predictor(tuple(names.get(c, str(c)) for c in classes), "decision_function", scores)

    def model_dir(self, entry: Path) -> Path:
        return entry

    def architecture(self, spec: ModelSpec, labels: Sequence[str], **kwargs: Any) -> Any:
        fitted = kwargs.get("fitted")
        if fitted is None:
            raise RegistryError(f"{spec.name!r}: pass the fitted pipeline to measure it")
        return load_pipeline(fitted) if isinstance(fitted, str | Path) else fitted

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


register_kind(SklearnBackend())
