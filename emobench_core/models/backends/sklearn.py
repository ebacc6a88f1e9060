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


MODEL_FILE = "model.skops"
PICKLED_FILE = "model.joblib"
"""What entries written before skops held: a pickle, refused by :func:`load_pipeline`."""
CONFIG_FILE = "config.json"
SKOPS_FORMAT = "skops"


def save_pipeline(pipe: Any, path: str | Path) -> Path:
    """Write the fitted ``pipe`` to ``path`` with skops (no pickle), deflate-compressed.

    The vectorizer's ``stop_words_`` (every term ``min_df``/``max_features`` dropped; scikit-learn:
    "only for introspection and can be safely removed") is dropped first: kept, it made the
    file 85 MB instead of 9 MB, which the regression gate's size check caught."""
    import zipfile

    import skops.io as sio

    for _, step in getattr(pipe, "steps", []):
        if getattr(step, "stop_words_", None) is not None:
            step.stop_words_ = None
        if hasattr(step, "_stop_words_id"):  # id() of a list: a memo, re-made on first use
            del step._stop_words_id
    sio.dump(pipe, Path(path), compression=zipfile.ZIP_DEFLATED)
    _canonical(Path(path))
    return Path(path)


def _canonical(path: Path) -> None:
    """Make a skops file byte-reproducible: skops names objects (``__id__``, array files) by
    their ``id()`` in the writing process, so two runs of one fit gave files of different
    sizes; renumber them in order of appearance, with fixed zip timestamps."""
    import zipfile

    with zipfile.ZipFile(path) as zf:
        files = {name: zf.read(name) for name in zf.namelist()}
    schema = json.loads(files.pop("schema.json"))
    ids: dict[int, int] = {}

    def renumber(old: int) -> int:
        return ids.setdefault(old, len(ids) + 1)

    def walk(node: Any) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in list(items):
            if key == "__id__" and isinstance(value, int):
                node[key] = renumber(value)
            elif key == "file" and isinstance(value, str) and value[:-4].isdigit():
                node[key] = f"{renumber(int(value[:-4]))}{value[-4:]}"
            elif isinstance(value, dict | list):
                walk(value)

    walk(schema)
    renamed = {
        f"{renumber(int(n[:-4]))}{n[-4:]}" if n[:-4].isdigit() else n: data
        for n, data in files.items()
    }
    renamed["schema.json"] = json.dumps(schema, indent=1).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name in sorted(renamed):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, renamed[name])


def load_pipeline(path: str | Path) -> Any:
    """The pipeline skops wrote to ``path``, loaded with skops' default trusted types only.

    Raises:
        RegistryError: ``path`` is missing where a pickled ``model.joblib`` lies beside it
            (never unpickled: unpickling runs code from the file), or the file holds a type
            skops does not trust by default, or is no skops file.
        FileNotFoundError: there is no model file at all.
    """
    import zipfile

    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    path = Path(path)
    if not path.is_file():
        if (path.parent / PICKLED_FILE).is_file():
            raise RegistryError(
                f"{path.parent} holds a pickled SVM ({PICKLED_FILE}, written before emobench "
                "saved it with skops); it is not loaded, since unpickling runs code from the "
                "file: re-run the SVM (`emobench run --models tfidf-svm`, whose cache key now "
                f"names the format, retrains it as {MODEL_FILE}), use that run, and delete "
                f"{path.parent}"
            )
        raise FileNotFoundError(
            f"no {MODEL_FILE} in {path.parent}; pass a folder written by `emobench export` or "
            "`emobench train --model tfidf-svm`"
        )
    try:
        return sio.load(path)
    except UntrustedTypesFoundException as exc:
        raise RegistryError(
            f"{path} holds types skops does not trust by default ({exc}); it was not loaded: "
            "use a model file written by emobench"
        ) from exc
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:  # not skops, or broken
        raise RegistryError(f"{path} is not a readable skops file ({exc}); re-export it") from exc


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
    has_init = False
    seed_sensitive = False
    probe_needs_fit = True
    probe_weights = SVM_WEIGHTS
    seeded = ("LinearSVC random_state",)
    recipe_fields = ("seed", "max_train_rows")
    b1_time_share = 0.25
    b32_time_share = 0.25
    library_name = "sklearn"
    # entries of pickles (model.joblib), or of skops files before they were made reproducible
    # (compact, renumbered), are not reused
    key_parts = {"file_format": f"{SKOPS_FORMAT}-reproducible"}

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
