"""Labelled subsets of a training split: MTEB's undersampling, and seeded stratified subsets
nested across sizes.

:func:`mteb_undersample` is the sampling of MTEB's ``AbsTaskClassification`` (mteb 1.x,
``_undersample_data``; kept in 2.x ``AbsTaskAnyClassification`` "for backward compatibility
with v1"): the index list is carried from one experiment to the next and shuffled again each
time by a legacy ``RandomState`` seeded afresh with the task's seed (1.x re-seeds NumPy's global
generator when each experiment's evaluator is built); the first ``samples_per_label`` rows of
each label in that order are taken.

:func:`nested_subsets` draws, per seed, one permutation of each class's rows; a size of ``k``
rows per class takes each class's first ``k`` (all of a class with fewer), so a smaller subset
is always inside a larger one and every class keeps its share up to ``k``.

    emobench mteb-protocol --model minilm-l6 --output results/mteb/all-minilm-l6-v2.json
    emobench efficiency --models tfidf-svm,minilm-l6-frozen --sizes 16,64,all --output eff.json
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import numpy as np

ALL = "all"
"""The size that means every training row."""


def mteb_undersample(
    labels: Sequence[Any], samples_per_label: int, idxs: np.ndarray | None, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """One experiment's training rows as MTEB draws them: ``(chosen, idxs)``.

    Args:
        labels: The training split's labels, in row order.
        samples_per_label: Rows kept per label (fewer where a label has fewer).
        idxs: The order the previous experiment left (``None`` for the first: ``0..n-1``);
            shuffled in place, as MTEB does, and returned for the next experiment.
        seed: The task's seed (MTEB's default 42).

    Returns:
        The chosen row indices in the shuffled order, and the shuffled order.
    """
    if samples_per_label < 1:
        raise ValueError(f"`samples_per_label` ({samples_per_label}) must be >= 1, e.g. 16")
    if idxs is None:
        idxs = np.arange(len(labels))
    np.random.RandomState(seed).shuffle(idxs)
    counter: dict[Any, int] = defaultdict(int)
    chosen = []
    for i in idxs:
        label = labels[int(i)]
        if counter[label] < samples_per_label:
            chosen.append(int(i))
            counter[label] += 1
    return np.asarray(chosen, dtype=np.int64), idxs


def parse_sizes(value: str) -> list[int | str]:
    """``"16,64,all"`` -> ``[16, 64, "all"]`` (ascending, ``all`` last).

    Raises:
        ValueError: Not positive integers or ``all``, or a repeated size.
    """
    out: list[int | str] = []
    for part in (p.strip() for p in value.split(",")):
        if not part:
            continue
        if part == ALL:
            out.append(ALL)
            continue
        if not part.isdigit() or int(part) < 1:
            raise ValueError(f"size {part!r}: give rows per class as positive integers or 'all'")
        out.append(int(part))
    if not out:
        raise ValueError("no size given; e.g. 16,64,256,1024,all")
    if len(set(out)) != len(out):
        raise ValueError(f"sizes {value!r} repeat a size")
    return sorted(out, key=lambda s: (s == ALL, s if isinstance(s, int) else 0))


def nested_subsets(
    labels: Sequence[Any], sizes: Sequence[int | str], seed: int
) -> dict[int | str, np.ndarray]:
    """Row indices (ascending) of a stratified subset per size, nested across sizes.

    Each class's rows are permuted once with ``seed``; size ``k`` takes each class's first
    ``min(k, rows of the class)``; :data:`ALL` takes every row.
    """
    y = np.asarray(labels)
    rng = np.random.default_rng(seed)
    perms = {c: rng.permutation(np.flatnonzero(y == c)) for c in sorted(set(y.tolist()))}
    out: dict[int | str, np.ndarray] = {}
    for size in sizes:
        if size == ALL:
            out[size] = np.arange(len(y))
            continue
        if not isinstance(size, int) or size < 1:
            raise ValueError(f"size {size!r}: give rows per class (>= 1) or 'all'")
        out[size] = np.sort(np.concatenate([p[:size] for p in perms.values()]))
    return out
