"""Where the data come from: a hub dataset (id, config, columns) or a local folder, and how
results name them. Light on purpose (no ``datasets`` import): the command line builds a
:class:`DataSource` before anything heavy is loaded.

    emobench run --models tfidf-svm --dataset stanfordnlp/sst2 --text-column sentence
    emobench run --models tfidf-svm --data-dir my-data/   # train/validation/test + labels.txt
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from emobench_core.data.filters import DataFilters
from emobench_core.errors import DataError

HUB_DATASET = "dair-ai/emotion"
"""The default dataset."""
DATA_DIR_ENV = "EMOBENCH_DATA_DIR"
EMOTION_LABELS: tuple[str, ...] = ("sadness", "joy", "love", "anger", "fear", "surprise")
"""Class names of dair-ai/emotion, in label-id order (0 sadness ... 5 surprise). Code past the
data layer reads the label set from the data (``label_names``), not from here."""
KNOWN_LABELS: dict[str, tuple[str, ...]] = {HUB_DATASET: EMOTION_LABELS}
"""Datasets whose class names are known without the hub: a local copy of one (labels as its
ids or names, no ``labels.txt``) is read with them."""
LABELS_FILE = "labels.txt"
"""In a local folder: the class names, one per line, in label-id order."""


@dataclass(frozen=True)
class DataSource:
    """A dataset to load: ``data_dir`` (a local folder) if set, else the hub dataset
    ``dataset`` (``None``: not chosen, then ``$EMOBENCH_DATA_DIR``, then dair-ai/emotion).

    With both, the folder is read as a local copy of ``dataset`` and named after it.
    """

    dataset: str | None = None
    config: str | None = None
    data_dir: str | None = None
    text_column: str = "text"
    label_column: str = "label"

    def __post_init__(self) -> None:
        for name in ("text_column", "label_column"):
            if not getattr(self, name):
                raise DataError(f"`{name}` is empty; name the column, e.g. --text-column text")
        if self.text_column == self.label_column:
            raise DataError(
                f"--text-column and --label-column are both {self.text_column!r}; "
                "name two different columns"
            )

    @classmethod
    def parse(
        cls,
        dataset: str | None = None,
        data_dir: str | Path | None = None,
        *,
        text_column: str = "text",
        label_column: str = "label",
    ) -> DataSource:
        """From the command line: ``dataset`` as ``ID[:CONFIG]``."""
        name, config = None, None
        if dataset:
            name, _, rest = dataset.partition(":")
            config = rest or None
            if not name:
                raise DataError(f"--dataset {dataset!r} has no id; write ID or ID:CONFIG")
        return cls(name, config, str(data_dir) if data_dir else None, text_column, label_column)

    def resolved(self) -> DataSource:
        """The source actually read: an explicit folder, else an explicit hub dataset, else
        ``$EMOBENCH_DATA_DIR`` (an empty value counts as unset), else dair-ai/emotion."""
        if self.data_dir or self.dataset:
            return self
        env = os.environ.get(DATA_DIR_ENV) or None
        return DataSource(None, self.config, env, self.text_column, self.label_column)

    @property
    def hub_id(self) -> str:
        """The hub dataset (default dair-ai/emotion), with ``:config`` when one is set."""
        base = self.dataset or HUB_DATASET
        return f"{base}:{self.config}" if self.config else base

    @property
    def name(self) -> str:
        """How results name the dataset: the hub id, or a folder's own name unless the
        folder is a named copy (``dataset`` given too)."""
        src = self.resolved()
        if src.data_dir and not src.dataset:
            return Path(src.data_dir).expanduser().resolve().name or str(src.data_dir)
        return src.hub_id

    @property
    def known_labels(self) -> tuple[str, ...] | None:
        """The class names of the dataset when known without the hub (dair-ai/emotion's)."""
        return KNOWN_LABELS.get(self.dataset or HUB_DATASET) if not self.config else None


def as_source(source: DataRequest | DataSource | str | Path | None) -> DataSource:
    """``source`` as a :class:`DataSource` (a path or string is a local folder)."""
    if isinstance(source, DataSource):
        return source
    if isinstance(source, DataRequest):
        return source.source
    return DataSource(data_dir=str(source) if source else None)


def source_label(source: DataRequest | DataSource | str | Path | None = None) -> str:
    """How results name the data source: ``hub:ID[:CONFIG]``, or the local folder relative
    to the working directory (so no machine-specific absolute path is recorded)."""
    src = as_source(source).resolved()
    if not src.data_dir:
        return f"hub:{src.hub_id}"
    path = Path(src.data_dir).expanduser()
    if path.is_absolute():
        path = Path(os.path.relpath(path, Path.cwd()))
    return f"local:{path.as_posix()}"


@dataclass(frozen=True)
class DataRequest:
    """The data a run asks for: where they are and which optional filters apply. The command
    line, the pytest harness and the Python API all build one; ``load_data`` reads it.

    Attributes:
        dataset: A hub dataset as ``ID[:CONFIG]`` (with ``data_dir``: the dataset that folder
            copies); ``None``: ``$EMOBENCH_DATA_DIR``, else dair-ai/emotion.
        data_dir: A local folder of ``train``/``validation``/``test`` files.
        text_column, label_column: The columns to read.
        dedupe_train, drop_test_overlap: The optional filters (:mod:`.filters`).
    """

    dataset: str | None = None
    data_dir: str | None = None
    text_column: str = "text"
    label_column: str = "label"
    dedupe_train: bool = False
    drop_test_overlap: bool = False

    def __post_init__(self) -> None:
        self.source  # noqa: B018  (validates the id and the columns now, before any work)

    @property
    def source(self) -> DataSource:
        """Where the data are (:class:`DataSource`)."""
        return DataSource.parse(
            self.dataset,
            self.data_dir,
            text_column=self.text_column,
            label_column=self.label_column,
        )

    @property
    def filters(self) -> DataFilters:
        """The optional filters asked for (:class:`~.filters.DataFilters`)."""
        return DataFilters(self.dedupe_train, self.drop_test_overlap)
