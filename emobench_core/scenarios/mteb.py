"""MTEB's ``EmotionClassification`` evaluation, reproduced end to end on the local splits.

The protocol, as MTEB's own code defines it (embeddings-benchmark/mteb; the files are named in
:data:`MTEB_FILES`): ``n_experiments`` = 10 experiments; each undersamples the training split to
``samples_per_label`` = 16 rows per label (:func:`~emobench_core.data.sampling.mteb_undersample`,
seed 42), fits ``LogisticRegression(random_state=42, max_iter=100)`` (scikit-learn's defaults
otherwise: lbfgs, C = 1, multinomial) on the encoder's embeddings of those rows, and scores the
whole test split; the main score is the mean accuracy over experiments (macro-F1 and weighted
F1 beside it). MTEB also passes ``n_jobs=-1``, which changes nothing for lbfgs and is left out
here (scikit-learn deprecates it).

One difference of mechanics, not of result: MTEB embeds each experiment's sampled rows; here the
whole training split is embedded once (cached by content) and the same rows are taken from it.
A text's vector does not depend on the other texts of its batch (padding is masked out), up to
float rounding.

    emobench mteb-protocol --model minilm-l6 --output results/mteb/all-minilm-l6-v2.json
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from emobench_core.cache import CheckpointCache
from emobench_core.data.sampling import mteb_undersample
from emobench_core.models.embeddings import cached_embeddings, load_encoder
from emobench_core.models.loading import describe_source, pretrained_source
from emobench_core.models.spec import ModelSpec
from emobench_core.scenarios.provenance import data_record, now, run_environment
from emobench_core.schema.cheap import MtebExperiment, MtebReport

TASK = "EmotionClassification"
MTEB_FILES: tuple[str, ...] = (
    "mteb/abstasks/AbsTaskClassification.py (mteb 1.x, as of commit 029d378b: "
    "_evaluate_subset, _undersample_data; n_experiments default 10)",
    "mteb/evaluation/evaluators/ClassificationEvaluator.py (mteb 1.x: "
    "logRegClassificationEvaluator: LogisticRegression(random_state=seed, n_jobs=-1, "
    "max_iter=100); accuracy, f1 (macro), f1_weighted)",
    "mteb/evaluation/evaluators/Evaluator.py (mteb 1.x: seed 42; each evaluator re-seeds "
    "NumPy's global generator)",
    "mteb/abstasks/AbsTaskAnyClassification.py (mteb 2.x: np.random.RandomState(seed) per "
    "experiment, 'for backward compatibility with v1')",
    "mteb/tasks/Classification/eng/EmotionClassification.py (samples_per_label 16, "
    "eval_splits ['test'], main_score accuracy, dataset mteb/emotion@4f58c6b2)",
)
"""The files of embeddings-benchmark/mteb the protocol follows."""
N_EXPERIMENTS = 10
SAMPLES_PER_LABEL = 16
SEED = 42
MAX_ITER = 100
MAIN_SCORE = "accuracy"

PUBLISHED: dict[str, dict[str, Any]] = {
    "sentence-transformers/all-MiniLM-L6-v2": {
        "accuracy": 0.4083,
        "f1": 0.37182060763441444,
        "accuracy_per_experiment": [
            0.4505,
            0.371,
            0.362,
            0.422,
            0.402,
            0.408,
            0.4315,
            0.402,
            0.4165,
            0.4175,
        ],  # fmt: skip
        "split": "test",
        "mteb_version": "1.12.75",
        "model_revision": "8b3219a92973c328a8e22fadcfa821b5dc75636a",
        "dataset_revision": "mteb/emotion@4f58c6b202a23cf9a4da393831edf4f9183cad37",
        "source": "embeddings-benchmark/results: results/sentence-transformers__all-MiniLM-L6-v2/"
        "8b3219a92973c328a8e22fadcfa821b5dc75636a/EmotionClassification.json "
        "(repository commit 87b30e96)",
    }
}
"""MTEB's published results, by hub id of the encoder (transcribed from MTEB's results
repository)."""


def run_protocol(
    x_train: np.ndarray,
    y_train: Any,
    x_test: np.ndarray,
    y_test: Any,
    *,
    n_experiments: int = N_EXPERIMENTS,
    samples_per_label: int = SAMPLES_PER_LABEL,
    seed: int = SEED,
    max_iter: int = MAX_ITER,
) -> list[MtebExperiment]:
    """The protocol's experiments on precomputed embeddings (rows of ``x_*`` pair with
    ``y_*``)."""
    from sklearn.exceptions import ConvergenceWarning
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score, f1_score

    if n_experiments < 1:
        raise ValueError(f"`n_experiments` ({n_experiments}) must be >= 1, e.g. 10")
    y_tr, y_te = np.asarray(y_train), np.asarray(y_test)
    labels = y_tr.tolist()
    out = []
    idxs = None
    for _ in range(n_experiments):
        chosen, idxs = mteb_undersample(labels, samples_per_label, idxs, seed)
        clf = LogisticRegression(random_state=seed, max_iter=max_iter)
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", ConvergenceWarning)
            clf.fit(x_train[chosen], y_tr[chosen])
        converged = not any(issubclass(w.category, ConvergenceWarning) for w in caught)
        pred = clf.predict(x_test)
        out.append(
            MtebExperiment(
                train_indices=[int(i) for i in chosen],
                accuracy=float(accuracy_score(y_te, pred)),
                f1=float(f1_score(y_te, pred, average="macro")),
                f1_weighted=float(f1_score(y_te, pred, average="weighted")),
                converged=converged,
            )
        )
    return out


def mteb_protocol(
    spec: ModelSpec,
    dsd: Any,
    *,
    cache: CheckpointCache | None,
    command: str,
    device: str = "cpu",
    n_experiments: int = N_EXPERIMENTS,
    samples_per_label: int = SAMPLES_PER_LABEL,
    seed: int = SEED,
    eval_split: str = "test",
    batch_size: int = 64,
) -> MtebReport:
    """Embed the training and ``eval_split`` splits with ``spec``'s pretrained encoder (its own
    pooling; cached) and run :func:`run_protocol` on them."""
    folder = pretrained_source(spec)
    encoder = load_encoder(folder, device=device)
    vectors: dict[str, np.ndarray] = {}
    seconds, hits = 0.0, []
    for split in ("train", eval_split):
        x, hit, s = cached_embeddings(cache, encoder, list(dsd[split]["text"]), batch_size)
        vectors[split], seconds = x, seconds + s
        hits.append(hit)
    experiments = run_protocol(
        vectors["train"],
        dsd["train"]["label"],
        vectors[eval_split],
        dsd[eval_split]["label"],
        n_experiments=n_experiments,
        samples_per_label=samples_per_label,
        seed=seed,
    )
    hub_id = spec.source.split("@")[0]
    as_published = (n_experiments, samples_per_label, seed, eval_split) == (
        N_EXPERIMENTS,
        SAMPLES_PER_LABEL,
        SEED,
        "test",
    )
    return MtebReport(
        task=TASK,
        protocol={
            "n_experiments": n_experiments,
            "samples_per_label": samples_per_label,
            "seed": seed,
            "classifier": f"sklearn LogisticRegression(random_state={seed}, max_iter={MAX_ITER})",
            "eval_split": eval_split,
            "train_split": "train",
            "main_score": MAIN_SCORE,
            "mteb_files": list(MTEB_FILES),
        },
        encoder={
            "name": spec.name,
            "source": describe_source(spec, folder),
            "content_sha256": encoder.content,
            "pooling": {**encoder.pooling.key(), "source": encoder.pooling.source},
            "embedding_s": seconds,
            "embeddings_cached": all(hits),
            "device": device,
        },
        data=data_record(dsd, getattr(dsd, "source", "")),
        environment=run_environment(device),
        command=command,
        published=PUBLISHED.get(hub_id, {}) if as_published else {},
        experiments=experiments,
        created_at=now(),
    )
