"""Optional filters of the splits, off by default so the published splits are what is measured.

- ``dedupe-train`` (:attr:`DataFilters.dedupe_train`): in the training split, keep the first row
  of each text whose copies agree on the label, and drop every copy of a text whose copies
  disagree (no label of it can be trusted);
- ``drop-test-overlap`` (:attr:`DataFilters.drop_test_overlap`): drop the validation and test
  rows whose text occurs in the published training split.

Texts match on :func:`~emobench_core.data.quality.exact_key` (lower-cased, trimmed, whitespace
collapsed). The filtered :class:`~emobench_core.data.dataset.Dataset` names its filters
(``filters``), so the data fingerprint changes and every result records them (``data.filters``).
:func:`~emobench_core.data.loading.load_data` applies them (``filters=``) before the training
rows are capped.

    emobench run --models tfidf-svm --dedupe-train --drop-test-overlap --output runs/
    emobench data --dedupe-train --output out/data   # the report of the filtered data
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from emobench_core.data.quality import exact_key
from emobench_core.errors import DataError

if TYPE_CHECKING:
    from emobench_core.data.dataset import Dataset

__all__ = ["DataFilters", "filter_splits"]

logger = logging.getLogger(__name__)

EVAL_SPLITS: tuple[str, ...] = ("validation", "test")
"""The splits ``drop-test-overlap`` cleans of training texts."""


@dataclass(frozen=True)
class DataFilters:
    """Which optional filters to apply; both off by default."""

    dedupe_train: bool = False
    drop_test_overlap: bool = False

    @property
    def names(self) -> tuple[str, ...]:
        """The filters that are on, by their option names without dashes."""
        on = (("dedupe-train", self.dedupe_train), ("drop-test-overlap", self.drop_test_overlap))
        return tuple(name for name, flag in on if flag)


def _dedupe(texts: list[str], labels: list[int]) -> list[int]:
    """Indices kept by ``dedupe-train``: the first row of each agreeing text."""
    seen: dict[str, set[int]] = {}
    for text, label in zip(texts, labels, strict=True):
        seen.setdefault(exact_key(text), set()).add(label)
    kept, done = [], set()
    for i, text in enumerate(texts):
        key = exact_key(text)
        if len(seen[key]) == 1 and key not in done:
            kept.append(i)
            done.add(key)
    return kept


def filter_splits(data: Dataset, filters: DataFilters) -> Dataset:
    """``data`` through ``filters``, which it then names; ``data`` itself when none is on.

    Raises:
        DataError: ``data`` was filtered already, or a filter would leave a split empty.
    """
    import datasets

    if not filters.names:
        return data
    if data.filters:
        raise DataError(
            f"the data went through filters already ({', '.join(data.filters)}); "
            "filter the published splits once, with every filter wanted"
        )
    cols = {split: ds[:] for split, ds in data.items()}
    keep = {split: list(range(len(ds))) for split, ds in data.items()}
    if filters.dedupe_train and "train" in data:
        keep["train"] = _dedupe(cols["train"]["text"], cols["train"]["label"])
    if filters.drop_test_overlap and "train" in data:
        train = {exact_key(t) for t in cols["train"]["text"]}
        for split in (s for s in EVAL_SPLITS if s in data):
            texts = cols[split]["text"]
            keep[split] = [i for i in keep[split] if exact_key(texts[i]) not in train]
    out = {}
    for split, ds in data.items():
        if not keep[split]:
            raise DataError(
                f"--{' --'.join(filters.names)} would leave the {split!r} split empty (every "
                "row is a repeated or overlapping text); drop that option for this data"
            )
        out[split] = ds.select(keep[split])
    dropped = {s: len(data[s]) - len(out[s]) for s in data}
    logger.info(
        "data filters %s dropped %s",
        ", ".join(filters.names),
        ", ".join(f"{s} {n}" for s, n in dropped.items()),
    )
    return data.replace(splits=datasets.DatasetDict(out), filters=filters.names)
