"""Reading a local data folder: one file per split (JSON Lines, CSV or parquet) and an optional
``labels.txt``, as :class:`~emobench_core.data.labels.RawSplit` rows for validation.

    emobench data --data-dir /path/to/folder --output out/
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from emobench_core.data.fingerprint import SPLITS
from emobench_core.data.labels import FROM_LABELS_FILE, Declared, RawSplit, short
from emobench_core.data.source import LABELS_FILE
from emobench_core.errors import DataError

SUFFIXES: tuple[str, ...] = (".jsonl", ".json", ".csv", ".parquet")
"""File formats of a local split; ``.json`` is read as JSON Lines, like ``.jsonl``."""
SPLIT_ALIASES = {"val": "validation", "valid": "validation", "dev": "validation"}
OPTIONAL_SPLITS = ("validation",)
"""A split that may be missing: it is then carved from training."""


def fix_source(text: str = "text", label: str = "label") -> str:
    """How to point emobench at a valid folder (the tail of every folder error)."""
    return (
        "pass --data-dir DIR or set EMOBENCH_DATA_DIR=DIR to a folder with train and test "
        f"(and validation) as {', '.join(s for s in SUFFIXES if s != '.json')}, "
        f"columns {text} and {label}"
    )


def split_files(folder: Path, fix: str) -> dict[str, Path]:
    """The file of each split in ``folder``; validation may be missing, unless a file named
    like one (``dev.jsonl``) suggests a rename."""
    if not folder.exists():
        raise DataError(f"data folder {folder} does not exist; {fix}")
    if not folder.is_dir():
        raise DataError(f"data folder {folder} is not a folder; {fix}")
    found: dict[str, list[Path]] = {}
    for path in sorted(folder.iterdir()):
        if path.is_file() and path.suffix.lower() in SUFFIXES:
            found.setdefault(path.stem, []).append(path)
    if not any(s in found for s in SPLITS):
        contents = ", ".join(sorted(p.name for p in folder.iterdir())[:10]) or "nothing"
        raise DataError(
            f"no split files in {folder} (it holds: {contents}); {fix}, e.g. train.jsonl"
        )
    out = {}
    for split in SPLITS:
        files = found.get(split, [])
        if len(files) > 1:
            names = ", ".join(p.name for p in files)
            raise DataError(
                f"split {split!r} has several files in {folder} ({names}); keep exactly one"
            )
        hint = "".join(
            f" (rename {found[alias][0].name} to {split}{found[alias][0].suffix})"
            for alias, target in SPLIT_ALIASES.items()
            if target == split and alias in found
        )
        if files:
            out[split] = files[0]
        elif split not in OPTIONAL_SPLITS or hint:
            have = ", ".join(s for s in SPLITS if s in found)
            raise DataError(f"no split {split!r} in {folder} (found: {have}){hint}; {fix}")
    return out


def read_labels_file(folder: Path) -> Declared | None:
    """The class names of ``folder/labels.txt`` (one per line, in id order), if present."""
    path = folder / LABELS_FILE
    if not path.is_file():
        return None
    try:
        lines = path.read_text(encoding="utf-8-sig").splitlines()
    except UnicodeDecodeError as exc:
        raise DataError(f"{path}: invalid UTF-8 ({exc.reason}); re-save it as UTF-8") from None
    names: list[str] = []
    for number, line in enumerate(lines, start=1):
        name = line.strip()
        if not name:
            continue
        if name in names:
            raise DataError(
                f"{path}:{number}: class {name!r} is listed twice; list each class once, in "
                "id order"
            )
        names.append(name)
    return Declared(tuple(names), FROM_LABELS_FILE, str(path))


def read_split(path: Path, text: str = "text", label: str = "label") -> RawSplit:
    """The rows of one split file, columns ``text`` and ``label``; other columns ignored."""
    suffix = path.suffix.lower()
    if suffix in (".jsonl", ".json"):
        rows = list(_jsonl_rows(path, text, label))
        return RawSplit(
            str(path), [r[0] for r in rows], [r[1] for r in rows], [f"{path}:{r[2]}" for r in rows]
        )
    import pandas as pd

    try:
        frame = (
            pd.read_csv(path, dtype=str, keep_default_na=False)
            if suffix == ".csv"
            else pd.read_parquet(path)
        )
    except Exception as exc:  # pandas/pyarrow raise many types for unreadable files
        raise DataError(
            f"{path}: cannot read as {suffix[1:]} ({type(exc).__name__}: {exc}); "
            f"check the file is valid {suffix[1:]} with columns {text} and {label}"
        ) from exc
    missing = [c for c in (text, label) if c not in frame.columns]
    if missing:
        found = ", ".join(map(str, frame.columns))
        raise DataError(
            f"{path}: missing column(s) {', '.join(missing)} (found: {found or 'none'}); "
            f"the file needs columns {text} and {label} (--text-column, --label-column)"
        )
    labels = frame[label].tolist()  # ids and names read alike in every format: labels.read_label
    positions = [f"{path}, row {i}" for i in range(1, len(labels) + 1)]
    names = _parquet_classlabel(path, label) if suffix == ".parquet" else None
    return RawSplit(str(path), frame[text].tolist(), labels, positions, names)


def _parquet_classlabel(path: Path, column: str) -> tuple[str, ...] | None:
    """The ``ClassLabel`` names ``datasets`` stored in a parquet file's schema, if any."""
    import pyarrow.parquet as pq

    meta = pq.read_schema(path).metadata or {}
    try:
        info = json.loads(meta.get(b"huggingface", b"{}"))
        feature = info["info"]["features"][column]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(feature, dict) or feature.get("_type") != "ClassLabel":
        return None
    names = feature.get("names")
    return tuple(map(str, names)) if isinstance(names, list) else None


def _jsonl_rows(path: Path, text: str, label: str) -> Iterator[tuple[Any, Any, int]]:
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
                    f'one object like {{"{text}": "...", "{label}": 0}}'
                ) from None
            if not isinstance(obj, dict) or text not in obj or label not in obj:
                raise DataError(
                    f"{where}: expected an object with keys {text} and {label}, got "
                    f'{short(obj)}; write each line as {{"{text}": "...", "{label}": 0}}'
                )
            yield obj[text], obj[label], number
