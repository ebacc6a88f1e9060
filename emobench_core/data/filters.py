"""Optional filters of the splits, off by default so the published splits are what is measured.

- ``dedupe-train`` (:attr:`DataFilters.dedupe_train`): in the training split, keep the first row
  of each text whose copies agree on the label, and drop every copy of a text whose copies
  disagree (no label of it can be trusted);
- ``drop-test-overlap`` (:attr:`DataFilters.drop_test_overlap`): drop the validation and test
  rows whose text occurs in the published training split.

Texts match on :func:`~emobench_core.data.quality.exact_key` (lower-cased, trimmed, whitespace
collapsed). The filtered splits carry the filters' names (:func:`applied_filters`), so the data
fingerprint changes and every result records them (``data.filters``).

    emobench run --models tfidf-svm --dedupe-train --drop-test-overlap --output runs/
    emobench data --dedupe-train --output out/data   # the report of the filtered data
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import datasets

from emobench_core.data.fingerprint import FILTER_MARK, applied_filters
from emobench_core.data.loading import load_emotion, sample_train_rows
from emobench_core.data.quality import exact_key
from emobench_core.data.source import DataSource
from emobench_core.errors import DataError

__all__ = ["DataFilters", "applied_filters", "filter_splits", "load_filtered"]

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


def filter_splits(dsd: datasets.DatasetDict, filters: DataFilters) -> datasets.DatasetDict:
    """``dsd`` through ``filters``, every split marked with their names; ``dsd`` itself when
    none is on.

    Raises:
        DataError: ``dsd`` was filtered already, or a filter would leave a split empty.
    """
    if not filters.names:
        return dsd
    if applied_filters(dsd):
        raise DataError(
            f"the data went through filters already ({', '.join(applied_filters(dsd))}); "
            "filter the published splits once, with every filter wanted"
        )
    cols = {split: ds[:] for split, ds in dsd.items()}
    keep = {split: list(range(len(ds))) for split, ds in dsd.items()}
    if filters.dedupe_train and "train" in dsd:
        keep["train"] = _dedupe(cols["train"]["text"], cols["train"]["label"])
    if filters.drop_test_overlap and "train" in dsd:
        train = {exact_key(t) for t in cols["train"]["text"]}
        for split in (s for s in EVAL_SPLITS if s in dsd):
            texts = cols[split]["text"]
            keep[split] = [i for i in keep[split] if exact_key(texts[i]) not in train]
    mark = FILTER_MARK + ", ".join(filters.names)
    out = {}
    for split, ds in dsd.items():
        if not keep[split]:
            raise DataError(
                f"--{' --'.join(filters.names)} would leave the {split!r} split empty (every "
                "row is a repeated or overlapping text); drop that option for this data"
            )
        part = ds.select(keep[split])
        part.info.description = "\n".join(filter(None, [part.info.description, mark]))
        out[split] = part
    dropped = {s: len(dsd[s]) - len(out[s]) for s in dsd}
    logger.info(
        "data filters %s dropped %s",
        ", ".join(filters.names),
        ", ".join(f"{s} {n}" for s, n in dropped.items()),
    )
    return datasets.DatasetDict(out)


def load_filtered(
    data_dir: DataSource | str | Path | None = None,
    *,
    max_train_rows: int | None = None,
    filters: DataFilters | None = None,
) -> datasets.DatasetDict:
    """:func:`~emobench_core.data.loading.load_emotion`, with ``filters`` applied before the
    training rows are sampled (``max_train_rows``); exactly ``load_emotion`` with none on."""
    if filters is None or not filters.names:
        return load_emotion(data_dir, max_train_rows=max_train_rows)
    if max_train_rows is not None and (
        isinstance(max_train_rows, bool)
        or not isinstance(max_train_rows, int)
        or max_train_rows < 1
    ):
        raise DataError(f"max_train_rows ({max_train_rows!r}) must be an int >= 1 or None")
    dsd = filter_splits(load_emotion(data_dir), filters)
    return dsd if max_train_rows is None else sample_train_rows(dsd, max_train_rows)
