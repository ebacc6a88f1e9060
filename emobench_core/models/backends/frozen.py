"""The frozen-encoder kind: a pretrained encoder embeds the texts once (its own pooling, cached by
content, :mod:`emobench_core.models.embeddings`) and a logistic regression is fitted on the
training split's vectors. Seconds of CPU instead of minutes of fine-tuning.

The regularisation strength ``C`` is chosen on the validation macro-F1 from :data:`C_GRID`, as
the SVM's is. A cache entry holds the head (``head.skops``, loaded with skops' trusted types
only) and ``encoder.json`` (the encoder's folder, content hash and pooling); the encoder's
weights stay where they are and are checked against the hash on load.

    emobench run --models minilm-l6-frozen --output runs/
"""

from __future__ import annotations

import json
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from emobench_core.errors import RegistryError
from emobench_core.measure.latency import count_parameters, dir_size_bytes
from emobench_core.measure.memory import OwnPeak
from emobench_core.models.backends.base import Backend, Predictor, Trained, TrainJob, n_batches
from emobench_core.models.backends.skops_file import load_pipeline, save_pipeline
from emobench_core.models.embeddings import (
    Encoder,
    Pooling,
    cached_embeddings,
    content_hash,
    embed,
    load_encoder,
)
from emobench_core.models.kinds import register_kind
from emobench_core.models.loading import describe_source, pretrained_source
from emobench_core.schema.records import EpochRecord, TrainingInfo

FROZEN_KIND = "frozen-encoder"
C_GRID: tuple[float, ...] = (0.1, 1.0, 10.0, 100.0)
"""Values of the logistic regression's ``C`` tried; the best on validation macro-F1 is kept."""
MAX_ITER = 1000
HEAD_FILE = "head.skops"
ENCODER_FILE = "encoder.json"


def fit_head(
    x_train: np.ndarray, y_train: np.ndarray, x_val: np.ndarray, y_val: np.ndarray, seed: int
) -> tuple[Any, list[EpochRecord], int, float]:
    """One multinomial logistic regression (lbfgs) per ``C`` of :data:`C_GRID`; ``(best head,
    history, its 1-based index, its validation macro-F1)``."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score

    best: tuple[float, Any, int] | None = None
    history = []
    for i, c in enumerate(C_GRID, start=1):
        head = LogisticRegression(C=c, max_iter=MAX_ITER, random_state=seed)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConvergenceWarning)  # a tiny training set, large C
            head.fit(x_train, y_train)
        pred = head.predict(x_val)
        f1 = float(f1_score(y_val, pred, average="macro"))
        acc = float(accuracy_score(y_val, pred))
        history.append(EpochRecord(epoch=i, val_macro_f1=f1, val_accuracy=acc))
        if best is None or f1 > best[0]:
            best = (f1, head, i)
    assert best is not None
    return best[1], history, best[2], best[0]


class FrozenModel:
    """A loaded frozen-encoder model: the encoder and the fitted head."""

    def __init__(self, encoder: Encoder, head: Any) -> None:
        self.encoder = encoder
        self.head = head

    def vectors(self, texts: list[str]) -> np.ndarray:
        return embed(self.encoder, texts)


class FrozenEncoderBackend(Backend):
    """A frozen pretrained encoder and a logistic-regression head on its sentence vectors."""

    kind = FROZEN_KIND
    capabilities = frozenset()
    budget_unit = "values of C"
    seed_sensitive = False
    seeded = ("LogisticRegression random_state (lbfgs itself draws nothing)",)
    recipe_fields = ("seed", "max_train_rows", "max_length")
    b1_time_share = 0.5
    key_parts = {"head": "logistic-regression-lbfgs-v1"}

    def train(self, staging: Path, job: TrainJob) -> Trained:
        folder = pretrained_source(job.spec)
        with OwnPeak() as own_peak:
            encoder = load_encoder(
                folder, device=job.device, default_max_length=job.recipe.max_length
            )
            vectors: dict[str, np.ndarray] = {}
            seconds: dict[str, float] = {}
            hits: list[bool] = []
            for split in ("train", "validation", "test"):
                texts = list(job.dsd[split]["text"])
                vectors[split], hit, seconds[split] = cached_embeddings(
                    job.embedding_cache, encoder, texts, job.recipe.eval_batch_size
                )
                hits.append(hit)
            embed_s = seconds["train"] + seconds["validation"]  # test: evaluation, not training
            fit_start = time.perf_counter()
            y = {s: np.asarray(job.dsd[s]["label"]) for s in ("train", "validation")}
            head, history, best_i, best_f1 = fit_head(
                vectors["train"],
                y["train"],
                vectors["validation"],
                y["validation"],
                job.recipe.seed,
            )
            fit_s = time.perf_counter() - fit_start
        save_pipeline(head, staging / HEAD_FILE)
        record = {
            "folder": str(Path(folder).resolve()),
            "content_sha256": encoder.content,
            "pooling": {**encoder.pooling.key(), "source": encoder.pooling.source},
            "labels": list(job.labels),
        }
        (staging / ENCODER_FILE).write_text(json.dumps(record, indent=1))
        # the cost of a row: embedding its training and validation splits (as recorded when
        # they were computed, also on a cache hit) plus fitting the head
        wall = embed_s + fit_s
        rows = len(job.dsd["train"])
        info = TrainingInfo(
            wall_s=wall,
            samples_per_s=rows / wall if wall > 0 else 0.0,
            train_rows=rows,
            epochs_run=len(C_GRID),
            best_epoch=best_i,
            best_val_macro_f1=best_f1,
            hyperparameters={
                "C": C_GRID[best_i - 1],
                "head_fit_s": fit_s,
                "test_embed_s": seconds["test"],
            },
            peak_memory_mb=own_peak.mb,
            peak_memory_basis=own_peak.basis,
            device=job.device,
            history=history,
            tokenize_s=embed_s,
            token_cache_hit=all(hits),
        )
        source = f"frozen {describe_source(job.spec, folder)}"
        return Trained(info, head.predict(vectors["test"]), source)

    def load(self, entry: Path) -> Any:
        record = json.loads((entry / ENCODER_FILE).read_text(encoding="utf-8"))
        folder = Path(record["folder"])
        if not folder.is_dir():
            raise RegistryError(
                f"the encoder of {entry} is gone from {folder}; re-run to fit the head again"
            )
        found = content_hash(folder)
        if found != record["content_sha256"]:
            raise RegistryError(
                f"the encoder at {folder} changed since the head in {entry} was fitted (content "
                f"{found[:12]}, fitted on {record['content_sha256'][:12]}); re-run to refit"
            )
        pooling = Pooling(**record["pooling"])
        encoder = load_encoder(folder, default_max_length=pooling.max_length)
        if encoder.pooling.key() != pooling.key():
            raise RegistryError(f"the pooling of {folder} changed since {entry} was fitted")
        return FrozenModel(encoder, load_pipeline(entry / HEAD_FILE))

    def holds(self, folder: Path) -> bool:
        return (folder / HEAD_FILE).is_file() and (folder / ENCODER_FILE).is_file()

    def predictor(self, folder: Path, labels: Sequence[str] | None = None) -> Predictor:
        model = self.load(folder)
        record = json.loads((folder / ENCODER_FILE).read_text(encoding="utf-8"))
        names = record.get("labels") or list(labels or ())
        classes = [int(c) for c in model.head.classes_]

        def scores(texts: list[str]) -> np.ndarray:
            return np.asarray(model.head.predict_proba(model.vectors(texts)), dtype=np.float64)

        return Predictor(
            tuple(names[c] if c < len(names) else str(c) for c in classes), "probabilities", scores
        )

    def forward(
        self, model: Any, texts: list[str], batch_size: int, max_length: int, device: str
    ) -> Callable[[int], Any]:
        """``f(i)``: encoder, pooling and head on the i-th (cycled) pre-tokenized batch."""
        encoder: Encoder = model.encoder
        n = n_batches(len(texts), batch_size)
        inputs = [encoder.tokenize(texts[j * batch_size : (j + 1) * batch_size]) for j in range(n)]
        head = model.head

        def call(i: int) -> Any:
            return head.decision_function(encoder.pooled(inputs[i % n]).float().cpu().numpy())

        return call

    def encode_one(self, model: Any, text: str, max_length: int) -> Any:
        return model.encoder.tokenize([text])

    def inference_device(self, device: str) -> str:
        return "cpu"  # a loaded entry's encoder runs on the CPU (the head is scikit-learn's)

    def parameters(self, model: Any) -> tuple[int, int]:
        total, non_emb = count_parameters(model.encoder.model)
        head = int(model.head.coef_.size + model.head.intercept_.size)
        return total + head, non_emb + head

    def size_on_disk(self, entry: Path) -> int:
        record = json.loads((entry / ENCODER_FILE).read_text(encoding="utf-8"))
        weights = sum(dir_size_bytes(f) for f in Path(record["folder"]).glob("*.safetensors"))
        return weights + dir_size_bytes(entry / HEAD_FILE)


register_kind(FrozenEncoderBackend())
