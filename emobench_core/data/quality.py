"""Repeated texts in the data: duplicates, near-duplicates, label conflicts and split overlap.

Pure Python on ``(text, label)`` rows, so it runs on any source and is cheap (one pass per
split, dictionaries keyed by a normalised text). Two keys:

- exact (:func:`exact_key`): lower-cased, trimmed, runs of whitespace collapsed to one space;
- near (:func:`near_key`): the exact key without punctuation or symbols (emoji included) and
  with every run of a repeated letter collapsed to one ("sooo  happy!!" and "so happy" match).

:func:`data_quality` counts, per split, the texts occurring twice or more and those whose copies
carry different labels; across splits, the validation and test rows whose text also occurs in
training (and test rows in validation); per class, the rows caught in a conflict anywhere.

    emobench data --output results/data   # the "Duplicates, conflicts and overlap" section
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Mapping, Sequence

from emobench_core.schema.data_report import (
    DataQuality,
    Example,
    LabelConflicts,
    Overlap,
    SplitQuality,
)

EXACT = "lower-cased, trimmed, whitespace runs collapsed to one space"
NEAR = (
    "the exact form without punctuation or symbols (anything not a letter, digit or space), "
    "each run of a repeated letter collapsed to one"
)
OVERLAPS: tuple[tuple[str, str], ...] = (
    ("validation", "train"),
    ("test", "train"),
    ("test", "validation"),
)
"""``(split, other)`` pairs whose overlap is counted, when both splits exist."""
EXAMPLES_PER_KIND = 3
EXAMPLE_CHARS = 60

_PUNCT = re.compile(r"[^\w\s]|_")
_REPEAT = re.compile(r"([^\W\d_])\1+")

Rows = Sequence[tuple[str, int]]


def exact_key(text: str) -> str:
    """``text`` lower-cased, trimmed, with whitespace runs collapsed to one space."""
    return " ".join(text.lower().split())


def near_key(text: str) -> str:
    """:func:`exact_key` without punctuation and with repeated letters collapsed ("sooo" → "so")."""
    return " ".join(_REPEAT.sub(r"\1", _PUNCT.sub("", exact_key(text))).split())


def _groups(rows: Rows) -> dict[str, list[int]]:
    """Exact key -> labels of its rows, in row order."""
    out: dict[str, list[int]] = defaultdict(list)
    for text, label in rows:
        out[exact_key(text)].append(label)
    return out


def _near_groups(exact: Mapping[str, list[int]]) -> dict[str, list[str]]:
    """Near key -> the distinct exact keys under it."""
    out: dict[str, list[str]] = defaultdict(list)
    for key in exact:
        out[near_key(key)].append(key)
    return out


def split_quality(split: str, rows: Rows) -> SplitQuality:
    """Duplicated, conflicting and near-duplicated texts of one split."""
    groups = _groups(rows)
    dup = [labels for labels in groups.values() if len(labels) > 1]
    conflict = [labels for labels in dup if len(set(labels)) > 1]
    near = [
        sum(len(groups[k]) for k in keys) for keys in _near_groups(groups).values() if len(keys) > 1
    ]
    return SplitQuality(
        split=split,
        rows=len(rows),
        duplicate_texts=len(dup),
        duplicate_rows=sum(map(len, dup)),
        conflict_texts=len(conflict),
        conflict_rows=sum(map(len, conflict)),
        near_texts=len(near),
        near_rows=sum(near),
    )


def overlap(split: str, rows: Rows, other: str, other_rows: Rows) -> Overlap:
    """Rows of ``split`` whose text occurs in ``other`` (exactly, or only after near keys)."""
    theirs = _groups(other_rows)
    near = {near_key(k) for k in theirs}
    hit = [(exact_key(t), label) for t, label in rows if exact_key(t) in theirs]
    return Overlap(
        split=split,
        other=other,
        split_rows=len(rows),
        rows=len(hit),
        texts=len({k for k, _ in hit}),
        label_differs=sum(label not in theirs[k] for k, label in hit),
        near_rows=sum(exact_key(t) not in theirs and near_key(t) in near for t, _ in rows),
    )


def label_conflicts(
    splits: Mapping[str, Rows], labels: Sequence[str]
) -> tuple[LabelConflicts, ...]:
    """Per class: its rows, and those whose text carries another label in any split."""
    groups = _groups([row for rows in splits.values() for row in rows])
    totals = [0] * len(labels)
    caught = [0] * len(labels)
    texts = [0] * len(labels)
    for ids in groups.values():
        for i in ids:
            totals[i] += 1
        if len(set(ids)) > 1:
            for i in ids:
                caught[i] += 1
            for i in set(ids):
                texts[i] += 1
    return tuple(
        LabelConflicts(name, totals[i], caught[i], texts[i]) for i, name in enumerate(labels)
    )


def _short(text: str) -> str:
    text = exact_key(text).replace("|", "/").replace("`", "'")
    return text if len(text) <= EXAMPLE_CHARS else text[: EXAMPLE_CHARS - 1] + "…"


def _counted(ids: Sequence[int], labels: Sequence[str]) -> str:
    seen = sorted(set(ids), key=list(ids).index)
    return ", ".join(f"{labels[i]} ×{ids.count(i)}" for i in seen)


def examples(splits: Mapping[str, Rows], labels: Sequence[str]) -> tuple[Example, ...]:
    """Up to :data:`EXAMPLES_PER_KIND` examples of each kind, first found first (splits in
    order): duplicate (copies agree), conflict, near-duplicate; and as many of each split's
    overlap with training."""
    found: dict[tuple[str, str], list[Example]] = {}

    def add(kind: str, split: str, text: str, what: str) -> None:
        bucket = found.setdefault((kind, split if kind == "overlap" else ""), [])
        if len(bucket) < EXAMPLES_PER_KIND:
            bucket.append(Example(kind, split, text, what))

    train = _groups(splits.get("train", ()))
    for split, rows in splits.items():
        groups = _groups(rows)
        for key, ids in groups.items():
            if len(ids) > 1:
                kind = "conflict" if len(set(ids)) > 1 else "duplicate"
                add(kind, split, _short(key), _counted(ids, labels))
            if split != "train" and key in train:
                what = f"{split}: {_counted(ids, labels)}; train: {_counted(train[key], labels)}"
                add("overlap", split, _short(key), what)
        for keys in _near_groups(groups).values():
            if len(keys) > 1:
                ids = [i for k in keys[:2] for i in groups[k]]
                near = " ≈ ".join(_short(k) for k in keys[:2])
                add("near-duplicate", split, near, _counted(ids, labels))
    order = ("duplicate", "conflict", "near-duplicate", "overlap")
    return tuple(e for k in sorted(found, key=lambda k: order.index(k[0])) for e in found[k])


def data_quality(splits: Mapping[str, Rows], labels: Sequence[str]) -> DataQuality:
    """The whole :class:`DataQuality` of ``splits`` (split -> ``(text, label id)`` rows).

    Args:
        splits: Rows per split, e.g. ``{"train": [("i feel happy", 1), ...], ...}``.
        labels: Class names in label-id order.
    """
    return DataQuality(
        exact=EXACT,
        near=NEAR,
        splits=tuple(split_quality(s, rows) for s, rows in splits.items()),
        overlaps=tuple(
            overlap(s, splits[s], o, splits[o]) for s, o in OVERLAPS if s in splits and o in splits
        ),
        by_label=label_conflicts(splits, labels),
        examples=examples(splits, labels),
    )
