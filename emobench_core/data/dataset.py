"""The data of a run as one value: its splits, class names, fingerprint and provenance.

Built once, by :func:`emobench_core.data.loading.load_data`; everything downstream (training,
evaluation, the results file, the cache key, the data report) reads these fields instead of
re-deriving them. Light on purpose: it does not import ``datasets`` (the splits are whatever
the loader made, a ``datasets.DatasetDict`` of ``train``, ``validation`` and ``test``).

    from emobench_core import DataRequest, load_data
    data = load_data(DataRequest(data_dir="my-data/"))
    data.labels, data.fingerprint, len(data["train"])
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from functools import cached_property
from typing import Any

SPLITS: tuple[str, ...] = ("train", "validation", "test")


@dataclass(frozen=True, eq=False)
class Dataset(Mapping[str, Any]):
    """A loaded dataset: a read-only mapping of split name to split, plus what identifies it.

    Attributes:
        splits: The splits (``train``, ``validation``, ``test``), columns ``text`` and ``label``
            (label ids into :attr:`labels`).
        labels: The class names, in label-id order.
        name: The dataset's name (hub id, or a folder's name unless it copies a named dataset).
        source: Where it was read, as results record it (``hub:ID`` or ``local:PATH``).
        labels_source: Where the class names came from (``labels.txt``, a ``ClassLabel``, ...).
        validation: ``"split"`` (the data's own) or how it was carved from training.
        filters: The optional filters applied (``dedupe-train``, ...), in order.
        max_train_rows: The training-row cap applied (``None``: all rows).
    """

    splits: Mapping[str, Any]
    labels: tuple[str, ...]
    name: str = "dair-ai/emotion"
    source: str = ""
    labels_source: str = ""
    validation: str = "split"
    filters: tuple[str, ...] = ()
    max_train_rows: int | None = None

    def __getitem__(self, split: str) -> Any:
        return self.splits[split]

    def __iter__(self) -> Iterator[str]:
        return iter(self.splits)

    def __len__(self) -> int:
        return len(self.splits)

    def map(self, *args: Any, **kwargs: Any) -> Any:
        """``DatasetDict.map`` over the splits (tokenization); returns the mapped splits."""
        return self.splits.map(*args, **kwargs)  # type: ignore[attr-defined]

    def replace(self, **changes: Any) -> Dataset:
        """A copy with ``changes`` (new splits, filters, row cap); the fingerprint is recomputed."""
        return dataclasses.replace(self, **changes)

    @cached_property
    def fingerprint(self) -> str:
        """SHA-256 (hex) of the class names, the filters and every row of every split.

        Splits are taken in :data:`SPLITS` order (then any others by name); each row is hashed
        as ``json.dumps([text, label])`` on its own line, so equal content gives an equal hash
        whatever file format it came from, and changing one text or label changes it. Filtered
        data hashes its filters' names too, so it never shares a fingerprint with the published
        splits, even where a filter dropped nothing.
        """
        return hash_rows(self.splits, self.labels, self.filters)

    def info(self) -> dict[str, str]:
        """``dataset``, ``labels_source`` and ``validation``, as a results file records them."""
        return {
            "dataset": self.name,
            "labels_source": self.labels_source,
            "validation": self.validation,
        }


def hash_rows(splits: Mapping[str, Any], labels: tuple[str, ...], filters: tuple[str, ...]) -> str:
    """The fingerprint of :attr:`Dataset.fingerprint` (one definition, for raw splits too)."""
    h = hashlib.sha256()
    h.update(json.dumps(["labels", list(labels)]).encode() + b"\n")
    if filters:  # absent for the published splits, whose fingerprint stays as it always was
        h.update(json.dumps(["filters", list(filters)]).encode() + b"\n")
    for split in sorted(splits, key=lambda s: (SPLITS.index(s) if s in SPLITS else len(SPLITS), s)):
        cols = splits[split][:]  # dict of lists: much faster than iterating Column objects
        h.update(json.dumps(["split", split, len(cols["text"])]).encode() + b"\n")
        rows = zip(cols["text"], cols["label"], strict=True)
        h.update("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode())
    return h.hexdigest()
