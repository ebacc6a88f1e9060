"""The label set of a dataset, and every row's label as an id of it, validated.

The names come, in order, from a ``labels.txt`` (local folder), the ``ClassLabel`` of the
label column (hub dataset, or parquet written by ``datasets``), the known names of the dataset
a folder copies (dair-ai/emotion: ids 0-5 or names, every class in training), else the sorted
distinct string labels of the training split. Which one is recorded (``labels_source``). Light
(no ``datasets`` import): rows come in as plain lists.

Every format's labels are read one way first (:func:`read_label`), whether the file is JSON
Lines, CSV, parquet or a hub dataset: an integer, a float with an integer value (``1.0``) or a
string of one (``"3"``, ``" 1.0 "``) is a label id; any other string is a name, its surrounding
spaces trimmed. Names that differ only in case (``Joy``, ``joy``) are refused in one line, never
merged and never made two classes.

    emobench run --models tfidf-svm --data-dir my-data/   # my-data/labels.txt names the ids
"""

from __future__ import annotations

import dataclasses
import math
import numbers
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from emobench_core.errors import DataError

FROM_LABELS_FILE = "labels.txt"
FROM_CLASSLABEL = "ClassLabel"
FROM_STRINGS = "sorted distinct string labels"


def from_known(dataset: str) -> str:
    """The ``labels_source`` of a folder read with ``dataset``'s known class names."""
    return f"known names of {dataset}"


@dataclass(frozen=True)
class RawSplit:
    """One split as read from its file or the hub, before validation."""

    where: str
    """The file (or ``hub ID split``) that errors name."""
    texts: list[Any]
    labels: list[Any]
    positions: list[str]
    """Per row, how an error names it: ``"FILE:LINE"`` or ``"FILE, row N"``."""
    names: tuple[str, ...] | None = None
    """The label column's ``ClassLabel`` names, if the source has one."""


@dataclass(frozen=True)
class Declared:
    """Class names given with the data (``labels.txt``, ``ClassLabel``), and their fix hint."""

    names: tuple[str, ...]
    source: str
    where: str
    """The file (``labels.txt``) or dataset that declared them, for errors."""


def short(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to ``limit`` characters."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _is_id(value: Any) -> bool:
    return isinstance(value, numbers.Integral) and not isinstance(value, bool)


_ID_TEXT = re.compile(r"[+-]?\d+(\.0*)?")
"""A string that reads as a label id: ``"3"``, ``"-1"``, ``"1.0"``."""


def read_label(value: Any) -> Any:
    """One label as every format reads it: an id (``int``) when ``value`` is an integer, a
    float with an integer value or a string of one; a name (``str``, trimmed) for any other
    string; anything else unchanged (booleans, fractions, null: refused later, with the row)."""
    if isinstance(value, bool):
        return value
    if _is_id(value):
        return int(value)
    if isinstance(value, numbers.Real):
        as_float = float(value)
        return int(as_float) if math.isfinite(as_float) and as_float.is_integer() else value
    if isinstance(value, str):
        text = value.strip()
        if _ID_TEXT.fullmatch(text):
            return int(text.split(".")[0])
        return text
    return value


def _read_labels(splits: dict[str, RawSplit]) -> dict[str, RawSplit]:
    return {
        split: dataclasses.replace(raw, labels=[read_label(v) for v in raw.labels])
        for split, raw in splits.items()
    }


def _case_hint(value: Any, names: Sequence[str]) -> str:
    """`` (it differs only in case from 'joy')`` when a name does, else nothing."""
    if isinstance(value, str):
        for name in names:
            if name.casefold() == value.casefold():
                return f" (it differs only in case from {name!r}; names are case-sensitive)"
    return ""


def _ids(raw: RawSplit, names: Sequence[str], unknown: str) -> list[int]:
    """Every label of ``raw`` as an id of ``names`` (an id in range, or a name)."""
    index = {n: i for i, n in enumerate(names)}
    out = []
    for value, where in zip(raw.labels, raw.positions, strict=True):
        if _is_id(value) and 0 <= int(value) < len(names):
            out.append(int(value))
        elif isinstance(value, str) and value in index:
            out.append(index[value])
        else:
            hint = _case_hint(value, names)
            raise DataError(f"{where}: unknown label {short(value)}{hint}; {unknown}")
    return out


def _allowed(names: Sequence[str]) -> str:
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    return f"ids 0..{len(names) - 1} or names {shown}"


def _classlabel(splits: dict[str, RawSplit]) -> Declared | None:
    """The ``ClassLabel`` names every split shares; an error when splits disagree."""
    have = [(s, r) for s, r in splits.items() if r.names is not None]
    if not have:
        return None
    first_split, first = have[0]
    for split, raw in splits.items():
        if raw.names != first.names:
            other = "no ClassLabel" if raw.names is None else f"ClassLabel names {list(raw.names)}"
            raise DataError(
                f"the label set differs between splits: {first.where} ({first_split}) has "
                f"ClassLabel names {list(first.names or ())}, {raw.where} ({split}) has "
                f"{other}; give every split the same label names"
            )
    return Declared(first.names or (), FROM_CLASSLABEL, first.where)


def _as_known(value: Any, index: dict[str, int], n: int) -> int | None:
    """``value`` as an id of a known label set of ``n`` names, else ``None``."""
    if _is_id(value) and 0 <= int(value) < n:
        return int(value)
    if isinstance(value, str) and value in index:
        return index[value]
    return None


def _known_ids(splits: dict[str, RawSplit], names: Sequence[str]) -> dict[str, list[int]] | None:
    """Every split's ids under the known ``names`` when the data reads as a copy of that
    dataset: every label one of its ids or names, and training has every class or some label
    is an id (names alone may be a subset of its classes: a data set of its own)."""
    index = {n: i for i, n in enumerate(names)}
    out: dict[str, list[int]] = {}
    for split, raw in splits.items():
        ids = [_as_known(v, index, len(names)) for v in raw.labels]
        if any(i is None for i in ids):
            return None
        out[split] = [int(i) for i in ids if i is not None]
    by_id = any(_is_id(v) for raw in splits.values() for v in raw.labels)
    return out if by_id or len(set(out["train"])) == len(names) else None


def _from_strings(
    splits: dict[str, RawSplit], known: Sequence[str] | None, hint: str
) -> tuple[str, ...]:
    """The sorted distinct string labels of training; any other label is refused."""
    rows = [p for raw in splits.values() for p in zip(raw.labels, raw.positions, strict=True)]
    if any(not isinstance(v, str) for v, _ in rows):  # ids need names: point at the odd one
        index = {n: i for i, n in enumerate(known or ())}
        odd = [(v, w) for v, w in rows if known is None or _as_known(v, index, len(known)) is None]
        value, where = (odd or [next((v, w) for v, w in rows if not isinstance(v, str))])[0]
        raise DataError(f"{where}: invalid label {short(value)}; {hint}")
    for value, where in rows:
        if not value.strip():
            raise DataError(f"{where}: empty label {short(value)}; {hint}")
    _refuse_case_variants(rows)
    train = splits["train"]
    names = tuple(sorted(set(train.labels)))
    for value, where in rows:
        if value not in names:
            raise DataError(
                f"{where}: the label set differs between splits: label {short(value)} "
                f"never occurs in the training split ({train.where}); add training rows "
                f"labelled {short(value)} or drop the row"
            )
    return names


def _refuse_case_variants(rows: Sequence[tuple[str, str]]) -> None:
    """Names that differ only in case are one class written two ways, or two classes named
    too alike: neither is guessed."""
    first: dict[str, tuple[str, str]] = {}
    for value, where in rows:
        seen, seen_where = first.setdefault(value.casefold(), (value, where))
        if seen != value:
            raise DataError(
                f"{where}: label {short(value)} differs only in case from {short(seen)} "
                f"({seen_where}); names are not merged nor made two classes: write every row of "
                "the class the same way (or list both in labels.txt if they are two classes)"
            )


def resolve_labels(
    splits: dict[str, RawSplit],
    *,
    declared: Declared | None = None,
    known: tuple[str, tuple[str, ...]] | None = None,
    hint: str = "",
) -> tuple[tuple[str, ...], str, dict[str, list[int]]]:
    """The class names, where they came from, and each split's label ids.

    Args:
        splits: The raw splits; ``train`` is required.
        declared: Names from a ``labels.txt``.
        known: ``(dataset, names)`` of the dataset a local folder may copy.
        hint: What labels may be and how to name ids (added to a label's error).

    Raises:
        DataError: An unknown label, label sets that differ between splits, fewer than two
            classes, or a class without training rows; one line naming the file and row.
    """
    splits = _read_labels(splits)
    classlabel = _classlabel(splits)
    if declared is not None and classlabel is not None and declared.names != classlabel.names:
        raise DataError(
            f"{declared.where} lists {list(declared.names)} but {classlabel.where} has "
            f"ClassLabel names {list(classlabel.names)}; make them agree or delete labels.txt"
        )
    chosen = declared or classlabel
    if chosen is not None:
        names, source = chosen.names, chosen.source
        fix = (
            "add the name to labels.txt or fix the row"
            if source == FROM_LABELS_FILE
            else "fix or drop the row"
        )
        unknown = f"allowed: {_allowed(names)} (from {chosen.where}); {fix}"
        ids = {split: _ids(raw, names, unknown) for split, raw in splits.items()}
    elif known is not None and (known_ids := _known_ids(splits, known[1])) is not None:
        names, source, ids = known[1], from_known(known[0]), known_ids
    else:
        names = _from_strings(splits, None if known is None else known[1], hint)
        index = {n: i for i, n in enumerate(names)}
        ids = {split: [index[v] for v in raw.labels] for split, raw in splits.items()}
        source = FROM_STRINGS
    check_classes(names, ids["train"], splits["train"].where, source)
    return names, source, ids


def check_classes(names: Sequence[str], train_ids: Sequence[int], where: str, source: str) -> None:
    """At least two classes, and every one with training rows."""
    if len(names) < 2:
        raise DataError(
            f"{where}: fewer than two classes ({', '.join(map(repr, names)) or 'none'}, "
            f"from {source}); a classifier needs at least two: add rows of another class"
        )
    present = set(train_ids)
    for i, name in enumerate(names):
        if i not in present:
            fix = {
                FROM_LABELS_FILE: "remove it from labels.txt",
                FROM_CLASSLABEL: "use a local copy without it (--data-dir)",
            }.get(
                source,
                "for classes of your own write labels.txt (one name per line, in id order) or "
                "label the rows by name",
            )
            raise DataError(
                f"{where}: class {name!r} (id {i}, from {source}) is absent from the training "
                f"split, so no model can learn it; add training rows labelled {name!r} or {fix}"
            )
