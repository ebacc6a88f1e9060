"""Load dair-ai/emotion from the Hugging Face hub or a local folder, validated, as one schema.

Every source ends as the same :class:`datasets.DatasetDict`: splits ``train``, ``validation``
and ``test``, columns ``text`` (string) and ``label`` (a ``ClassLabel`` naming the classes,
which :func:`~emobench_core.data.fingerprint.label_names` reads), rows in file order. Bad
input raises :class:`DataError` with one line that says what was wrong, where (file and line
or row) and how to fix it.

    emobench data --data-dir /path/to/emotion --output out/
    EMOBENCH_DATA_DIR=/path/to/emotion emobench run --models bert-tiny
"""

from __future__ import annotations

import json
import logging
import numbers
import os
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import datasets
import pandas as pd

from emobench_core.data.fingerprint import SPLITS
from emobench_core.errors import DataError
from emobench_core.hub import offline_mode, unreachable

logger = logging.getLogger(__name__)

EMOTION_LABELS: tuple[str, ...] = ("sadness", "joy", "love", "anger", "fear", "surprise")
"""Class names of dair-ai/emotion, in label-id order (0 sadness ... 5 surprise). Code past the
data layer reads the label set from the data (:func:`label_names`), not from here."""

HUB_DATASET = "dair-ai/emotion"
DATA_DIR_ENV = "EMOBENCH_DATA_DIR"
SUFFIXES: tuple[str, ...] = (".jsonl", ".json", ".csv", ".parquet")
"""File formats of a local split; ``.json`` is read as JSON Lines, like ``.jsonl``."""
LONG_TEXT_CHARS = 10_000
"""Texts longer than this are kept (tokenizers truncate) but counted: :func:`long_text_counts`."""

FEATURES = datasets.Features(
    {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=list(EMOTION_LABELS))}
)
_LABEL_IDS = {name: i for i, name in enumerate(EMOTION_LABELS)}
_ALLOWED = f"ids 0..{len(EMOTION_LABELS) - 1} or names {', '.join(EMOTION_LABELS)}"
_FIX_SOURCE = (
    f"pass --data-dir DIR or set {DATA_DIR_ENV}=DIR to a folder with train/validation/test "
    f"as {', '.join(s for s in SUFFIXES if s != '.json')}"
)
_SPLIT_ALIASES = {"val": "validation", "valid": "validation", "dev": "validation"}


def load_emotion(
    data_dir: str | Path | None = None, *, max_train_rows: int | None = None
) -> datasets.DatasetDict:
    """Load and validate the emotion dataset.

    The source is ``data_dir`` if given, else the folder in ``$EMOBENCH_DATA_DIR`` (an empty
    value counts as unset), else the hub dataset ``dair-ai/emotion``. A local folder holds one
    file per split, ``<split>.jsonl`` / ``.json`` (JSON Lines), ``.csv`` or ``.parquet``, each
    with a ``text`` and a ``label`` field; other fields are ignored, blank JSONL lines skipped.

    Labels may be given as ids (0 sadness ... 5 surprise) or as label names ("joy"); names are
    mapped to their ids, so both give the same dataset and the same :func:`fingerprint`.

    Args:
        data_dir: Folder with the three split files; ``None`` or ``""`` means env var, then hub.
        max_train_rows: Keep only this many training rows, chosen deterministically as
            ``train.shuffle(seed=0).select(range(n))`` (all rows, shuffled, if ``n`` exceeds
            the split). Validation and test are never cut.

    Returns:
        The validated dataset, splits ``train``, ``validation``, ``test``.

    Raises:
        DataError: The source is missing, unreachable or holds an invalid row.
    """
    if max_train_rows is not None and (
        isinstance(max_train_rows, bool)
        or not isinstance(max_train_rows, int)
        or max_train_rows < 1
    ):
        raise DataError(f"max_train_rows ({max_train_rows!r}) must be an int >= 1 or None")
    if data_dir is None or data_dir == "":
        data_dir = os.environ.get(DATA_DIR_ENV) or None
    dsd = _load_hub() if data_dir is None else _load_folder(Path(data_dir))
    long = long_text_counts(dsd)
    if any(long.values()):
        logger.warning(
            "texts longer than %d characters (kept; tokenizers truncate them): %s",
            LONG_TEXT_CHARS,
            ", ".join(f"{split} {n}" for split, n in long.items() if n),
        )
    return dsd if max_train_rows is None else sample_train_rows(dsd, max_train_rows)


def sample_train_rows(dsd: datasets.DatasetDict, n: int) -> datasets.DatasetDict:
    """``dsd`` with ``n`` training rows drawn as ``train.shuffle(seed=0).select(range(n))`` (all
    rows, shuffled, if ``n`` exceeds the split); validation and test unchanged."""
    train = dsd["train"].shuffle(seed=0)
    return datasets.DatasetDict({**dsd, "train": train.select(range(min(n, len(train))))})


def long_text_counts(dsd: datasets.DatasetDict) -> dict[str, int]:
    """Number of texts longer than :data:`LONG_TEXT_CHARS` characters, per split."""
    return {
        split: sum(len(text) > LONG_TEXT_CHARS for text in ds[:]["text"])
        for split, ds in dsd.items()
    }


def _hub_unreachable() -> str | None:
    """Why the hub is out of reach, or ``None`` when it may be tried.

    Offline (``HF_HUB_OFFLINE`` / ``HF_DATASETS_OFFLINE``) ``load_dataset`` reads only the
    local cache and fails at once; otherwise an unreachable hub costs ~25 s of retries, so a
    3-second TCP probe of the endpoint decides first (:mod:`.hub`).
    """
    if offline_mode("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        return None  # load_dataset looks in the local cache only, and fails fast
    return unreachable()


def _load_hub() -> datasets.DatasetDict:
    try:
        down = _hub_unreachable()
        if down is not None:
            raise ConnectionError(f"{down}; set HF_DATASETS_OFFLINE=1 to use a cached copy")
        raw = datasets.load_dataset(HUB_DATASET)
    except Exception as exc:  # offline, DNS, HTTP and hub errors all mean "not reachable"
        reason = (str(exc).splitlines() or [""])[0][:200]
        raise DataError(
            f"could not load {HUB_DATASET!r} from the Hugging Face hub, which seems unreachable "
            f"({type(exc).__name__}: {reason}); {_FIX_SOURCE}"
        ) from exc
    missing = [s for s in SPLITS if s not in raw]
    if missing:
        raise DataError(
            f"hub dataset {HUB_DATASET!r} has no split {missing[0]!r} (found: {', '.join(raw)}); "
            f"{_FIX_SOURCE}"
        )
    splits = {}
    for split in SPLITS:
        ds = raw[split]
        if not {"text", "label"} <= set(ds.column_names):
            raise DataError(
                f"hub dataset {HUB_DATASET!r} split {split!r} has columns {ds.column_names}, "
                f"expected text and label; {_FIX_SOURCE}"
            )
        feature = ds.features.get("label")
        names = getattr(feature, "names", None)
        if names is not None and list(names) != list(EMOTION_LABELS):
            raise DataError(
                f"hub dataset {HUB_DATASET!r} has label names {names}, expected "
                f"{list(EMOTION_LABELS)}; {_FIX_SOURCE}"
            )
        cols = ds[:]
        rows = zip(cols["text"], cols["label"], strict=True)
        splits[split] = _build(rows, f"{HUB_DATASET} {split}", "row")
    return datasets.DatasetDict(splits)


def _load_folder(folder: Path) -> datasets.DatasetDict:
    if not folder.exists():
        raise DataError(f"data folder {folder} does not exist; {_FIX_SOURCE}")
    if not folder.is_dir():
        raise DataError(f"data folder {folder} is not a folder; {_FIX_SOURCE}")
    found: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in SUFFIXES:
            found.setdefault(path.stem, []).append(path)
    if not any(s in found for s in SPLITS):
        contents = ", ".join(sorted(p.name for p in folder.iterdir())[:10]) or "nothing"
        raise DataError(
            f"no split files in {folder} (it holds: {contents}); {_FIX_SOURCE}, e.g. train.jsonl"
        )
    splits = {}
    for split in SPLITS:
        files = found.get(split, [])
        if len(files) > 1:
            names = ", ".join(p.name for p in files)
            raise DataError(
                f"split {split!r} has several files in {folder} ({names}); keep exactly one"
            )
        if not files:
            have = ", ".join(s for s in SPLITS if s in found)
            hint = "".join(
                f" (rename {found[alias][0].name} to {split}{found[alias][0].suffix})"
                for alias, target in _SPLIT_ALIASES.items()
                if target == split and alias in found
            )
            raise DataError(f"no split {split!r} in {folder} (found: {have}){hint}; {_FIX_SOURCE}")
        splits[split] = _load_file(files[0])
    return datasets.DatasetDict(splits)


def _load_file(path: Path) -> datasets.Dataset:
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json"):
        return _build(_jsonl_rows(path), str(path), "line")
    try:
        if suffix == ".csv":
            frame = pd.read_csv(path, dtype=str, keep_default_na=False)
        else:
            frame = pd.read_parquet(path)
    except Exception as exc:  # pandas/pyarrow raise many types for unreadable files
        raise DataError(
            f"{path}: cannot read as {suffix[1:]} ({type(exc).__name__}: {exc}); "
            f"check the file is valid {suffix[1:]} with columns text and label"
        ) from exc
    missing = [c for c in ("text", "label") if c not in frame.columns]
    if missing:
        found = ", ".join(map(str, frame.columns))
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)} (found: {found or 'none'}); "
            "the file needs columns text and label"
        )
    labels = frame["label"].tolist()
    if suffix == ".csv":  # CSV cells are strings: "3" is the id 3, "joy" a name
        labels = [int(v) if v.strip().isdigit() else v for v in labels]
    return _build(zip(frame["text"].tolist(), labels, strict=True), str(path), "row")


def _jsonl_rows(path: Path) -> Iterator[tuple[Any, Any, int]]:
    with path.open("rb") as fh:
        for number, raw in enumerate(fh, start=1):
            where = f"{path}:{number}"
            try:
                line = raw.decode("utf-8-sig" if number == 1 else "utf-8")
            except UnicodeDecodeError as exc:
                raise DataError(
                    f"{where}: invalid UTF-8 ({exc.reason} at byte {exc.start}); "
                    "re-save the file as UTF-8"
                ) from None
            if not line.strip():
                continue
            try:
                obj = json.loads(line)
            except json.JSONDecodeError as exc:
                raise DataError(
                    f"{where}: malformed JSON ({exc.msg}, column {exc.colno}); each line must be "
                    'one object like {"text": "...", "label": 0}'
                ) from None
            if not isinstance(obj, dict) or "text" not in obj or "label" not in obj:
                raise DataError(
                    f"{where}: expected an object with keys text and label, got "
                    f'{_short(obj)}; write each line as {{"text": "...", "label": 0}}'
                )
            yield obj["text"], obj["label"], number


def _build(rows: Iterable[tuple[Any, ...]], source: str, unit: str) -> datasets.Dataset:
    """Validate ``(text, label[, position])`` rows into a dataset with :data:`FEATURES`."""
    texts: list[str] = []
    labels: list[int] = []
    for i, row in enumerate(rows, start=1):
        text, label = row[0], row[1]
        where = f"{source}:{row[2]}" if len(row) > 2 else f"{source}, {unit} {i}"
        if not isinstance(text, str) or not text.strip():
            kind = "empty or whitespace-only" if isinstance(text, str) else "not a string"
            raise DataError(
                f"{where}: text {_short(text)} is {kind}; every row needs a non-empty text "
                "(drop or fill the row)"
            )
        texts.append(text)
        labels.append(_label_id(label, where))
    if not texts:
        raise DataError(f"{source}: no rows; each split needs at least one (text, label) row")
    return datasets.Dataset.from_dict({"text": texts, "label": labels}, features=FEATURES)


def _label_id(value: Any, where: str) -> int:
    if isinstance(value, numbers.Integral) and not isinstance(value, bool):
        if 0 <= int(value) < len(EMOTION_LABELS):
            return int(value)
    elif isinstance(value, str) and value in _LABEL_IDS:
        return _LABEL_IDS[value]
    raise DataError(f"{where}: invalid label {_short(value)}; allowed: {_ALLOWED}")


def _short(value: Any, limit: int = 60) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def source_label(data_dir: str | Path | None = None) -> str:
    """How results name the data source: ``hub:dair-ai/emotion``, or the local folder relative
    to the working directory (so no machine-specific absolute path is recorded)."""
    chosen = data_dir or os.environ.get(DATA_DIR_ENV)
    if not chosen:
        return f"hub:{HUB_DATASET}"
    path = Path(chosen).expanduser()
    if path.is_absolute():
        path = Path(os.path.relpath(path, Path.cwd()))
    return f"local:{path.as_posix()}"
