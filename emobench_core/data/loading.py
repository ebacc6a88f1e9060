"""Load any single-label text classification dataset, validated, as one schema: a hub dataset
(dair-ai/emotion by default, or ``--dataset ID[:CONFIG]``) or a local folder.

Every source ends as the same :class:`~emobench_core.data.dataset.Dataset`: splits ``train``,
``validation`` and ``test``, columns ``text`` (string) and ``label`` (a ``ClassLabel`` naming the
classes), rows in file order, with the class names, fingerprint and provenance as fields. The
class names come from a ``ClassLabel``, a ``labels.txt`` or the sorted distinct string labels
(:mod:`.labels`); without a validation split one is carved from training, stratified, with a
fixed seed; the optional filters (:mod:`.filters`) apply before the training rows are capped.
The value's ``labels_source`` and ``validation`` say which. Bad input raises
:class:`DataError` with one line that says what was wrong, where (file and line or row) and
how to fix it.

    emobench data --data-dir /path/to/emotion --output out/
    EMOBENCH_DATA_DIR=/path/to/emotion emobench run --models bert-tiny
    emobench run --models tfidf-svm --dataset stanfordnlp/sst2 --text-column sentence
"""

from __future__ import annotations

import logging
from collections import Counter
from pathlib import Path

import datasets

from emobench_core.data.dataset import SPLITS, Dataset
from emobench_core.data.files import SUFFIXES, fix_source, read_labels_file, read_split, split_files
from emobench_core.data.filters import DataFilters, filter_splits
from emobench_core.data.hubdata import read_hub
from emobench_core.data.labels import RawSplit, resolve_labels, short
from emobench_core.data.source import (
    DATA_DIR_ENV,
    EMOTION_LABELS,
    HUB_DATASET,
    LABELS_FILE,
    DataRequest,
    DataSource,
    as_source,
    source_label,
)
from emobench_core.errors import DataError

__all__ = [
    "DATA_DIR_ENV",
    "EMOTION_LABELS",
    "FEATURES",
    "HUB_DATASET",
    "LONG_TEXT_CHARS",
    "SUFFIXES",
    "DataRequest",
    "Dataset",
    "DataSource",
    "load_data",
    "long_text_counts",
    "sample_train_rows",
    "source_label",
]

logger = logging.getLogger(__name__)

LONG_TEXT_CHARS = 10_000
"""Texts longer than this are kept (tokenizers truncate) but counted: :func:`long_text_counts`."""
VALIDATION_FRACTION = 0.1
VALIDATION_SEED = 0
"""Without a validation split, this share of training (stratified, this seed) becomes one."""

FEATURES = datasets.Features(
    {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=list(EMOTION_LABELS))}
)
"""The schema of dair-ai/emotion; other label sets get the same with their own names."""


def load_data(
    source: DataRequest | DataSource | str | Path | None = None,
    *,
    max_train_rows: int | None = None,
    filters: DataFilters | None = None,
) -> Dataset:
    """Load and validate a dataset: the one loader of every command, the harness and the API.

    The source is a :class:`DataRequest` (whose filters then apply too), a :class:`DataSource`,
    or a folder (``str``/``Path``); ``None`` or ``""``
    means ``$EMOBENCH_DATA_DIR`` (an empty value counts as unset), else the hub dataset
    ``dair-ai/emotion``. A local folder holds one file per split, ``<split>.jsonl`` / ``.json``
    (JSON Lines), ``.csv`` or ``.parquet``, each with a text and a label column (``text`` and
    ``label`` unless the source names others); other columns are ignored, blank JSONL lines
    skipped; ``validation`` may be missing, and then is carved from training.

    Labels are ids or names of the class names (``labels.txt``, a ``ClassLabel``, or for a
    copy of dair-ai/emotion its six names), else the sorted distinct string labels; names are
    mapped to their ids, so both give the same dataset and the same ``fingerprint``.

    Args:
        source: Where the data are (see above).
        max_train_rows: Keep only this many training rows, chosen deterministically as
            ``train.shuffle(seed=0).select(range(n))`` (all rows, shuffled, if ``n`` exceeds
            the split), after any filters. Validation and test are never cut.
        filters: Optional filters of the splits (:class:`~.filters.DataFilters`); none by
            default, so the published splits are what is measured.

    Returns:
        The validated :class:`Dataset`, splits ``train``, ``validation``, ``test``.

    Raises:
        DataError: The source is missing, unreachable or holds an invalid row.
    """
    if max_train_rows is not None and (
        isinstance(max_train_rows, bool)
        or not isinstance(max_train_rows, int)
        or max_train_rows < 1
    ):
        raise DataError(f"max_train_rows ({max_train_rows!r}) must be an int >= 1 or None")
    if filters is None and isinstance(source, DataRequest):
        filters = source.filters
    src = as_source(source).resolved()
    fix = fix_source(src.text_column, src.label_column)
    declared, known, revision = None, None, None
    if src.data_dir is None:
        raw, revision = read_hub(src, fix)
        hint = (
            f"{src.hub_id}'s column {src.label_column!r} has no ClassLabel naming its ids; use "
            "a local copy with a labels.txt (--data-dir)"
        )
    else:
        folder = Path(src.data_dir).expanduser()
        files = split_files(folder, fix)
        raw = {s: read_split(p, src.text_column, src.label_column) for s, p in files.items()}
        declared = read_labels_file(folder)
        if src.known_labels is not None:
            known = (src.dataset or HUB_DATASET, src.known_labels)
        hint = _folder_hint(folder, known)
    for split in raw.values():
        _check_texts(split)
    names, labels_source, ids = resolve_labels(raw, declared=declared, known=known, hint=hint)
    name = src.name
    if labels_source.startswith("known names") and known is not None:
        name = known[0]  # a local copy of that dataset
    features = datasets.Features(
        {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=list(names))}
    )
    validation = "split"
    texts = {s: list(r.texts) for s, r in raw.items()}
    if "validation" not in raw:
        texts, ids, validation = _carve_validation(texts, ids, names, raw["train"].where)
        logger.warning("no validation split in %s: %s", source_label(src), validation)
    logger.info(
        "dataset %s: %d classes (%s): %s", name, len(names), labels_source, ", ".join(names)
    )
    splits = datasets.DatasetDict(
        {
            s: datasets.Dataset.from_dict({"text": texts[s], "label": ids[s]}, features=features)
            for s in SPLITS
        }
    )
    data = Dataset(
        splits,
        tuple(names),
        name=name,
        source=source_label(src) + (f"@{revision}" if revision else ""),  # the hub commit read
        labels_source=labels_source,
        validation=validation,
    )
    long = long_text_counts(data)
    if any(long.values()):
        logger.warning(
            "texts longer than %d characters (kept; tokenizers truncate them): %s",
            LONG_TEXT_CHARS,
            ", ".join(f"{split} {n}" for split, n in long.items() if n),
        )
    if filters is not None and filters.names:
        data = filter_splits(data, filters)
    return data if max_train_rows is None else sample_train_rows(data, max_train_rows)


def _folder_hint(folder: Path, known: tuple[str, tuple[str, ...]] | None) -> str:
    """What the labels of a folder may be, for a label's error."""
    ids = ""
    if known is not None:
        dataset, names = known
        ids = f"ids 0..{len(names) - 1} or names {', '.join(names)} ({dataset}, which a folder "
        ids += "copies by default), or "
    return (
        f"allowed: {ids}names of your own classes; to name integer ids write "
        f"{folder / LABELS_FILE} (one name per line, in id order)"
    )


def _check_texts(raw: RawSplit) -> None:
    for text, where in zip(raw.texts, raw.positions, strict=True):
        if not isinstance(text, str) or not text.strip():
            kind = "empty or whitespace-only" if isinstance(text, str) else "not a string"
            raise DataError(
                f"{where}: text {short(text)} is {kind}; every row needs a non-empty text "
                "(drop or fill the row)"
            )
    if not raw.texts:
        raise DataError(f"{raw.where}: no rows; each split needs at least one (text, label) row")


def _carve_validation(
    texts: dict[str, list[str]],
    ids: dict[str, list[int]],
    names: tuple[str, ...],
    where: str,
) -> tuple[dict[str, list[str]], dict[str, list[int]], str]:
    """A stratified validation split of :data:`VALIDATION_FRACTION` of training (seed
    :data:`VALIDATION_SEED`), both parts in file order; and how the results describe it."""
    from sklearn.model_selection import train_test_split

    y = ids["train"]
    n_val = max(len(names), round(VALIDATION_FRACTION * len(y)))
    counts = Counter(y)
    rare = min(range(len(names)), key=lambda i: (counts[i], i))
    if counts[rare] < 2 or len(y) - n_val < len(names):
        raise DataError(
            f"{where}: no validation split, and training is too small to carve a stratified "
            f"one ({len(y)} rows; class {names[rare]!r} has {counts[rare]}); add a validation "
            f"file beside it (validation.jsonl) or at least 2 training rows of every class"
        )
    keep, val = train_test_split(
        list(range(len(y))), test_size=n_val, stratify=y, random_state=VALIDATION_SEED
    )
    keep, val = sorted(keep), sorted(val)
    train_texts = texts["train"]
    texts = {
        **texts,
        "train": [train_texts[i] for i in keep],
        "validation": [train_texts[i] for i in val],
    }
    ids = {**ids, "train": [y[i] for i in keep], "validation": [y[i] for i in val]}
    how = (
        f"carved from train: {n_val} of {len(y)} rows ({VALIDATION_FRACTION:.0%}), "
        f"stratified, seed {VALIDATION_SEED}"
    )
    return texts, ids, how


def sample_train_rows(data: Dataset, n: int) -> Dataset:
    """``data`` with ``n`` training rows drawn as ``train.shuffle(seed=0).select(range(n))`` (all
    rows, shuffled, if ``n`` exceeds the split); validation and test unchanged."""
    train = data["train"].shuffle(seed=0)
    splits = datasets.DatasetDict({**data.splits, "train": train.select(range(min(n, len(train))))})
    return data.replace(splits=splits, max_train_rows=n)


def long_text_counts(dsd: Dataset | datasets.DatasetDict) -> dict[str, int]:
    """Number of texts longer than :data:`LONG_TEXT_CHARS` characters, per split."""
    return {
        split: sum(len(text) > LONG_TEXT_CHARS for text in ds[:]["text"])
        for split, ds in dsd.items()
    }
