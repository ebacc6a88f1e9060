"""The data report as versioned data: what ``emobench data`` measured about the splits.

A :class:`DataReport` holds the class counts, text lengths, informal-language shares and the
:class:`DataQuality` of the data (duplicates, near-duplicates, label conflicts, overlap between
splits), so RESULTS.md can render its data section from a committed file without loading the
data (``emobench report --data-report FILE``); :mod:`emobench_core.report.data_report` formats
it, the same in ``data.md`` and in RESULTS.md.

    emobench data --output results/data   # writes results/data/data-report.json
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emobench_core.schema.base import ResultFile


@dataclass(frozen=True)
class SplitQuality:
    """Repeated texts inside one split (``*_texts``: distinct texts; ``*_rows``: their rows)."""

    split: str
    rows: int
    duplicate_texts: int
    """Exact-normalised texts with two or more rows."""
    duplicate_rows: int
    conflict_texts: int
    """Of the duplicated texts, those whose rows carry two or more labels."""
    conflict_rows: int
    near_texts: int
    """Near-normalised texts with two or more rows that differ after exact normalisation (what
    the looser key adds to the exact duplicates)."""
    near_rows: int


@dataclass(frozen=True)
class Overlap:
    """Rows of ``split`` whose text also occurs in ``other``."""

    split: str
    other: str
    split_rows: int
    rows: int
    """Rows of ``split`` whose exact-normalised text occurs in ``other``."""
    texts: int
    label_differs: int
    """Of those rows, the ones whose label is none of the labels the text has in ``other``."""
    near_rows: int
    """Further rows whose near-normalised (but not exact) text occurs in ``other``."""

    @property
    def share(self) -> float:
        """``rows`` as a share of ``split`` (0..1): at most this much of its accuracy rests on
        texts also in ``other``."""
        return self.rows / self.split_rows if self.split_rows else 0.0


@dataclass(frozen=True)
class LabelConflicts:
    """How much of one class sits in texts whose copies (in any split) disagree on the label."""

    label: str
    rows: int
    conflict_rows: int
    conflict_texts: int

    @property
    def share(self) -> float:
        """``conflict_rows`` as a share of the class's rows (0..1)."""
        return self.conflict_rows / self.rows if self.rows else 0.0


@dataclass(frozen=True)
class Example:
    """One short example: ``kind`` (duplicate, conflict, near-duplicate, overlap)."""

    kind: str
    split: str
    text: str
    labels: str


@dataclass(frozen=True)
class DataQuality:
    """Duplicates, conflicts and overlap, with the two normalisations they were counted under."""

    exact: str
    """How texts were normalised before an exact match."""
    near: str
    """How texts were further normalised for a near match."""
    splits: tuple[SplitQuality, ...]
    overlaps: tuple[Overlap, ...]
    by_label: tuple[LabelConflicts, ...]
    examples: tuple[Example, ...]

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> DataQuality:
        return cls(
            exact=data["exact"],
            near=data["near"],
            splits=tuple(SplitQuality(**s) for s in data["splits"]),
            overlaps=tuple(Overlap(**o) for o in data["overlaps"]),
            by_label=tuple(LabelConflicts(**c) for c in data["by_label"]),
            examples=tuple(Example(**e) for e in data["examples"]),
        )

    def split(self, name: str) -> SplitQuality:
        return next(s for s in self.splits if s.split == name)

    def overlap(self, split: str, other: str = "train") -> Overlap | None:
        return next((o for o in self.overlaps if (o.split, o.other) == (split, other)), None)


@dataclass(frozen=True)
class DataReport(ResultFile):
    """Everything ``emobench data`` measured about one dataset."""

    SCHEMA_NAME = "emobench.data-report"
    SCHEMA_VERSION = 1
    WHAT = "data report"
    WRITTEN_BY = "emobench data --output DIR"

    source: str
    fingerprint: str
    filters: tuple[str, ...]
    """The optional filters the data went through (``--dedupe-train``, ...); empty: the
    published splits."""
    labels: tuple[str, ...]
    tokenizer: str
    max_length: int
    rows: dict[str, int]
    classes: dict[str, dict[str, int]]
    """Split -> label -> rows."""
    words: dict[str, dict[str, float]]
    """Split -> mean, p50, p90, p99, max of whitespace-separated words."""
    tokens: dict[str, dict[str, float]]
    """Split -> the same of WordPiece tokens (special tokens included), plus ``truncated``: the
    share of texts longer than ``max_length``."""
    informal: dict[str, dict[str, float]]
    """Split -> feature (hashtag, mention, url, emoji, elongated) -> share of texts."""
    long_texts: dict[str, int]
    quality: DataQuality

    @classmethod
    def _from_fields(cls, data: dict[str, Any]) -> DataReport:
        return cls(
            **{
                **data,
                "filters": tuple(data["filters"]),
                "labels": tuple(data["labels"]),
                "quality": DataQuality.from_dict(data["quality"]),
            }
        )


def load_data_report(path: str | Path) -> DataReport:
    """Read a report written by ``emobench data`` (``data-report.json``)."""
    return DataReport.load(path)
