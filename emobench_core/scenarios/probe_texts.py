"""The test tweets the latency probe times every model on, chosen once for all models: the
first 64 (as ``emobench run`` times them), tweets at the 10th / 50th / 90th percentile of
WordPiece length, and 8 batches of 32.

    emobench latency --models bert-tiny,tfidf-svm --output results/latency-cpu.json
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from emobench_core.errors import DataError
from emobench_core.models.backends.base import LATENCY_INPUTS
from emobench_core.schema.latency import LENGTH_PERCENTILES

TEXTS_PER_LENGTH = 8
"""Test tweets of exactly the percentile's length, cycled through (fewer if fewer exist)."""
B32_BATCHES = 8


@dataclass(frozen=True)
class ProbeTexts:
    """The test tweets every model is timed on, chosen once for all models."""

    sample: list[str]
    by_length: dict[str, list[str]]
    token_lengths: dict[str, int]
    batch: list[str]
    max_length: int


def _cycle(texts: Sequence[str], n: int) -> list[str]:
    """``n`` texts, repeating ``texts`` as needed (a small test split still fills each batch)."""
    return [texts[i % len(texts)] for i in range(n)]


def probe_texts(texts: Sequence[str], tokenizer: Any, max_length: int) -> ProbeTexts:
    """Batch-1 sample, percentile-length tweets and batch-32 inputs from the test ``texts``."""
    if not texts:
        raise DataError("the test split is empty: the latency probe needs test tweets to time")
    ids = tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]
    lengths = np.asarray([len(x) for x in ids])
    by_length, token_lengths = {}, {}
    for key, q in LENGTH_PERCENTILES.items():
        target = int(np.percentile(lengths, q, method="nearest"))
        chosen = [t for t, n in zip(texts, lengths, strict=True) if n == target]
        by_length[key] = _cycle(chosen[:TEXTS_PER_LENGTH], LATENCY_INPUTS)
        token_lengths[key] = target
    return ProbeTexts(
        sample=_cycle(texts[:LATENCY_INPUTS], LATENCY_INPUTS),
        by_length=by_length,
        token_lengths=token_lengths,
        batch=_cycle(texts[: 32 * B32_BATCHES], 32 * B32_BATCHES),
        max_length=max_length,
    )
