"""The contract every model kind meets: train into a folder, load it back, call it, count it.

The pipeline (:mod:`emobench_core.scenarios.run`), the latency probe and the bench harness hold
a :class:`Backend` and call these methods; they never ask which kind of model they hold. The
registry maps a spec's ``kind`` to its backend
(:func:`emobench_core.models.registry.backend_for`).

    emobench run --models bert-tiny,tfidf-svm --init random --output runs/
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import numpy as np

from emobench_core.cache import CheckpointCache
from emobench_core.config import Recipe
from emobench_core.errors import RegistryError
from emobench_core.measure.latency import LatencySettings, measure_latency
from emobench_core.models.backends.capabilities import EXPORT, LATENCY_PROBE, RANDOM_INIT
from emobench_core.models.spec import ModelSpec
from emobench_core.schema.records import TrainingInfo
from emobench_core.schema.run import NO_INIT, Efficiency

__all__ = ["NO_INIT", "Backend", "Predictor", "TrainJob", "Trained", "n_batches"]


@dataclass(frozen=True)
class TrainJob:
    """Everything a backend needs to fit one model (the pipeline builds it, the cache key
    covers it)."""

    spec: ModelSpec
    init: str
    recipe: Recipe
    dsd: Any
    """The splits (``datasets.DatasetDict``), already cut to ``recipe.max_train_rows``."""
    labels: tuple[str, ...]
    device: str = "cpu"
    vocab_dir: str | Path | None = None
    quiet: bool = False
    teacher_logits: np.ndarray | None = None
    token_cache: CheckpointCache | None = None
    data_fp: str | None = None
    embedding_cache: CheckpointCache | None = None
    """Where sentence embeddings are cached by content (a frozen encoder's)."""


@dataclass(frozen=True)
class Predictor:
    """A loaded model as ``emobench predict`` uses it: class names and per-class scores."""

    labels: tuple[str, ...]
    """The class names, in the order of the score columns."""
    score_name: str
    """What the scores are: ``"probabilities"`` (softmax) or ``"decision_function"`` (SVM)."""
    scores: Callable[[list[str]], np.ndarray]
    """``texts -> [len(texts), len(labels)]`` scores; the label is the column of the highest."""


@dataclass(frozen=True)
class Trained:
    """What :meth:`Backend.train` returns besides the files it wrote."""

    info: TrainingInfo
    test_predictions: np.ndarray
    source: str
    """Where the starting weights came from (hub id, folder, ``random:...``, ``scikit-learn``)."""


class Backend(ABC):
    """One model kind: how to fit it into a cache entry and how to use what was fitted.

    The core is small: :meth:`train`, :meth:`load`, :meth:`predictor`, :meth:`forward` and
    :meth:`encode_one` (what ``run``, the report and ``recommend`` need). Everything else is a
    named capability (:mod:`~emobench_core.models.backends.capabilities`) the kind lists in
    :attr:`capabilities` and implements; a kind registers itself in its own module
    (:func:`emobench_core.models.kinds.register_kind`).
    """

    kind: ClassVar[str]
    capabilities: ClassVar[frozenset[str]] = frozenset()
    """What the kind can do beyond the core (:data:`~.capabilities.CAPABILITIES`)."""
    seeded: ClassVar[tuple[str, ...]] = ()
    """What a run of this kind seeds with ``recipe.seed`` (recorded in each result)."""
    seed_sensitive: ClassVar[bool] = False
    """Whether another seed can give another model (else one seed is enough)."""
    recipe_fields: ClassVar[tuple[str, ...] | None] = None
    """The recipe fields that change what this kind trains (``None``: all of them); a result
    is stale when one of them differs from what the current code would run."""
    budget_unit: ClassVar[str] = "epochs"
    """What ``TrainingInfo.epochs_run`` counts for this kind (the model card names it)."""
    key_parts: ClassVar[dict[str, str]] = {}
    """Extra parts of this kind's cache key (its file format), so that an entry written in an
    older format is never reused."""
    # capability attributes (EXPORT: library_name; LATENCY_PROBE: probe_needs_fit, probe_weights)
    library_name: ClassVar[str] = ""
    probe_needs_fit: ClassVar[bool] = False
    probe_weights: ClassVar[str] = ""

    def machine_parts(self, recipe: Recipe, device: str) -> dict[str, Any]:
        """What of this machine shapes the weights this kind trains from one seed (the
        effective precision, the CPU's kernel family, the thread count): part of the cache
        key, so another machine never reuses this one's entry. None by default."""
        return {}

    def init_label(self, init: str) -> str:
        """The init a result records: ``init`` itself, or ``n/a`` for a kind without the
        :data:`~.capabilities.RANDOM_INIT` choice."""
        return init if RANDOM_INIT in self.capabilities else NO_INIT

    def _lacks(self, capability: str) -> RegistryError:
        return RegistryError(
            f"model kind {self.kind!r} has no {capability!r} capability (it has: "
            f"{', '.join(sorted(self.capabilities)) or 'none'})"
        )

    @abstractmethod
    def train(self, staging: Path, job: TrainJob) -> Trained:
        """Fit ``job`` into the empty folder ``staging`` and predict the test split."""

    @abstractmethod
    def load(self, entry: Path) -> Any:
        """The fitted model in cache ``entry`` (or an exported folder), ready to call."""

    def holds(self, folder: Path) -> bool:
        """Whether ``folder`` (a cache entry, or a folder ``emobench train`` or ``emobench
        export`` wrote) holds a model of this kind (``emobench predict`` asks every kind)."""
        return False

    @abstractmethod
    def predictor(self, folder: Path, labels: Sequence[str] | None = None) -> Predictor:
        """The model in ``folder``, ready to score texts; ``labels`` names the classes where
        the folder does not (a cache entry written before it did)."""

    def model_dir(self, entry: Path) -> Path:
        """The part of cache ``entry`` that holds the model (what ``emobench train`` copies)."""
        return entry

    # EXPORT
    def export(self, entry: Path, dst: Path, labels: Sequence[str]) -> None:
        """Write the files that ship the model in ``entry`` into the folder ``dst``: weights,
        config with the class names ``labels``, tokenizer. Never a pickle."""
        raise self._lacks(EXPORT)

    def export_int8(self, entry: Path, dst: Path, labels: Sequence[str]) -> Path | None:
        """Write the model's ONNX Runtime int8 variant (``dst/model.onnx``, config naming the
        classes ``labels``, tokenizer) and return the graph's path; ``None``: this kind has no
        such variant."""
        return None

    # LATENCY_PROBE
    def architecture(self, spec: ModelSpec, labels: Sequence[str], **kwargs: Any) -> Any:
        """An untrained (random-weight) model of ``spec`` for timing, where the kind allows
        (``probe_needs_fit`` false); otherwise ``kwargs['fitted']`` is loaded."""
        raise self._lacks(LATENCY_PROBE)

    def fit_for_probe(self, dsd: Any, recipe: Recipe) -> Any:
        """A model fitted on ``dsd`` for the latency probe (only if ``probe_needs_fit``)."""
        raise self._lacks(LATENCY_PROBE)

    @abstractmethod
    def forward(
        self, model: Any, texts: list[str], batch_size: int, max_length: int, device: str
    ) -> Callable[[int], Any]:
        """``f(i)``: one call of ``model`` on the i-th (cycled) pre-encoded batch of ``texts``."""

    @abstractmethod
    def encode_one(self, model: Any, text: str, max_length: int) -> Any:
        """Encode one text as the model's first stage does (tokenizer or vectorizer)."""

    b1_time_share: ClassVar[float] = 1.0
    """Share of the rule's ``min_seconds`` spent timing batch 1 (a fast model needs less)."""
    b32_time_share: ClassVar[float] = 0.5
    """Share of the rule's ``min_seconds`` spent timing batch 32."""

    def inference_device(self, device: str) -> str:
        """The device the model really runs on when ``device`` is asked for."""
        return device

    def sync(self, device: str) -> Callable[[], None] | None:
        """What waits for the device's queued work (CUDA), or ``None`` on the CPU."""
        return None

    def measure(
        self, model: Any, texts: list[str], max_length: int, device: str, settings: LatencySettings
    ) -> Efficiency:
        """Batch-1 latency (model call and encoding apart) and batch-32 throughput, under the
        latency rule ``settings``; the encoder gets a quarter of its ``min_seconds``."""
        import torch

        device = self.inference_device(device)
        sync = self.sync(device)
        b1 = measure_latency(
            self.forward(model, texts, 1, max_length, device),
            sync=sync,
            warmup=settings.warmup,
            min_iters=settings.min_iters,
            min_seconds=settings.min_seconds * self.b1_time_share,
            keep_samples=True,  # the raw samples an A/B comparison tests (emobench compare)
        )
        b32 = measure_latency(
            self.forward(model, texts, 32, max_length, device),
            sync=sync,
            warmup=3,
            min_iters=10,
            min_seconds=settings.min_seconds * self.b32_time_share,
        )
        sample = texts[:LATENCY_INPUTS]
        tok = measure_latency(
            lambda i: self.encode_one(model, sample[i % len(sample)], max_length),
            warmup=settings.warmup,
            min_iters=settings.min_iters,
            min_seconds=settings.min_seconds / 4,
        )
        return Efficiency(
            device=device,
            threads=torch.get_num_threads(),
            latency_b1=b1,
            tokenizer_b1=tok,
            throughput_b32=32e3 / b32.p50_ms,
        )

    def parameters(self, model: Any) -> tuple[int, int]:
        """``(total, non-embedding)`` parameter counts (a kind without weights: none)."""
        return 0, 0

    def size_on_disk(self, entry: Path) -> int:
        """Bytes of the fitted model in cache ``entry`` (by default every file of
        :meth:`model_dir`)."""
        return sum(p.stat().st_size for p in self.model_dir(entry).rglob("*") if p.is_file())


LATENCY_INPUTS = 64
"""Test texts cycled through by the batch-1 latency measurement."""


def n_batches(n_texts: int, batch_size: int) -> int:
    """How many distinct input batches a forward call cycles through: 64 single tweets or 8
    batches, fewer when the test split is too small to fill them (never an empty batch)."""
    if n_texts < 1:
        raise ValueError("no test texts to time the model on")
    wanted = LATENCY_INPUTS if batch_size == 1 else 8
    return min(wanted, -(-n_texts // batch_size))
