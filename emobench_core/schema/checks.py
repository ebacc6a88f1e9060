"""What a run result must hold before anything reads it: every field of its declared type,
every number finite and in range, predictions of the test split's length and label range, a
sane nesting depth, and a ``cache_entry`` that is a plain entry name (never a path).

A failure is one :class:`~emobench_core.errors.ResultsError` naming the file and the field:

    emobench report --no-bench --results runs/ --output runs/RESULTS.md
    # error: runs/x.json: field `metrics.accuracy` is nan; ... re-create it with ...
"""

from __future__ import annotations

import dataclasses
import math
import re
import types
import typing
from collections.abc import Iterator
from typing import Any

MAX_DEPTH = 32
"""Deeper JSON than this is refused (the deepest written file nests about 5 levels)."""

ENTRY_NAME = re.compile(r"[A-Za-z0-9_-]{1,128}")
"""A checkpoint-cache entry name: what :func:`emobench_core.cache.cache_key` makes (hex)."""

RUN_ID = re.compile(r"[A-Za-z0-9_-][A-Za-z0-9._-]{0,254}")
"""A run id: a file-name-safe slug (it names ``<run_id>.json``)."""

SIGNED = frozenset({"seed", "teacher_seed"})
"""Typed numeric fields that may be negative; every other one is a count, size, time or rate."""

SCORES = {
    "metrics": ("accuracy", "macro_precision", "macro_recall", "macro_f1", "weighted_f1"),
    "training": ("best_val_macro_f1",),
    "distillation": ("alpha",),
}
CLASS_SCORES = ("precision", "recall", "f1")
EPOCH_SCORES = ("val_macro_f1", "val_accuracy")


class Bad(ValueError):
    """One problem: the dotted field and what is wrong with it."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(f"field `{field}` {problem}")


def _short(value: Any, limit: int = 40) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def check_depth(data: Any, limit: int = MAX_DEPTH) -> None:
    """Refuse JSON nested deeper than ``limit`` (iteratively: no recursion to exhaust)."""
    stack: list[tuple[Any, str, int]] = [(data, "", 0)]
    while stack:
        value, where, depth = stack.pop()
        if depth > limit:
            raise Bad(where or "(top)", f"nests deeper than {limit} levels")
        if isinstance(value, dict):
            stack.extend(
                (v, f"{where}.{k}" if where else str(k), depth + 1) for k, v in value.items()
            )
        elif isinstance(value, list):
            stack.extend((v, f"{where}[{i}]", depth + 1) for i, v in enumerate(value))


def _non_finite(data: Any, where: str = "") -> Iterator[str]:
    if isinstance(data, float) and not math.isfinite(data):
        yield where
    elif isinstance(data, dict):
        for k, v in data.items():
            yield from _non_finite(v, f"{where}.{k}" if where else str(k))
    elif isinstance(data, list):
        for i, v in enumerate(data):
            yield from _non_finite(v, f"{where}[{i}]")


def _type_name(hint: Any) -> str:
    return getattr(hint, "__name__", None) or str(hint).replace("typing.", "")


def _check_type(value: Any, hint: Any, where: str) -> None:
    """``value`` as ``hint`` (a dataclass, a builtin, ``X | None``, ``list[X]``, ``dict[str, X]``
    or ``Any``); numbers finite and, unless the field is signed, not negative."""
    origin = typing.get_origin(hint)
    if hint is Any:
        return
    if origin in (typing.Union, types.UnionType):
        options = typing.get_args(hint)
        if value is None and type(None) in options:
            return
        (inner,) = [o for o in options if o is not type(None)]
        _check_type(value, inner, where)
        return
    if dataclasses.is_dataclass(hint):
        if not isinstance(value, dict):
            raise Bad(where, f"is a {type(value).__name__}, not an object")
        check_fields(value, hint, where)
        return
    if origin is list:
        if not isinstance(value, list):
            raise Bad(where, f"is a {type(value).__name__}, not a list")
        (item,) = typing.get_args(hint)
        for i, v in enumerate(value):
            _check_type(v, item, f"{where}[{i}]")
        return
    if origin is dict:
        if not isinstance(value, dict):
            raise Bad(where, f"is a {type(value).__name__}, not an object")
        _, item = typing.get_args(hint)
        for k, v in value.items():
            _check_type(v, item, f"{where}.{k}")
        return
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise Bad(where, f"is {_short(value)}, not a number")
    elif hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise Bad(where, f"is {_short(value)}, not an integer")
    elif hint is bool:
        if not isinstance(value, bool):
            raise Bad(where, f"is {_short(value)}, not true or false")
    elif hint is str and not isinstance(value, str):
        raise Bad(where, f"is {_short(value)}, not a string")
    if hint in (int, float):
        if isinstance(value, float) and not math.isfinite(value):
            raise Bad(where, f"is {value}, not a finite number")
        if value < 0 and where.rsplit(".", 1)[-1] not in SIGNED:
            raise Bad(where, f"is {value}; it cannot be negative")


def check_fields(data: dict[str, Any], cls: Any, where: str = "") -> None:
    """Every field of dataclass ``cls`` in ``data`` of its type; none missing, none unknown."""
    hints = typing.get_type_hints(cls)
    fields = {f.name: f for f in dataclasses.fields(cls)}
    prefix = f"{where}." if where else ""
    for name in data:
        if name not in fields:
            raise Bad(f"{prefix}{name}", "is not a field of this schema")
    for name, f in fields.items():
        if name not in data:
            required = f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
            if required:
                raise Bad(f"{prefix}{name}", "is missing")
            continue
        _check_type(data[name], hints[name], f"{prefix}{name}")


def _score(value: Any, where: str) -> None:
    if not 0.0 <= value <= 1.0:
        raise Bad(where, f"is {value}; scores lie in [0, 1]")


def check_run(data: dict[str, Any], cls: Any) -> None:
    """A run result's fields (``cls``: :class:`~emobench_core.schema.run.RunResult`) against its
    schema, then what the types cannot say: scores in [0, 1], predictions that fit the test split
    and the label set, a confusion matrix of the label set's shape, a plain run id and cache
    entry. Raises :class:`Bad`."""
    check_depth(data)
    for where in _non_finite(data):
        raise Bad(where, "is not a finite number (NaN or infinity)")
    check_fields(data, cls)
    if not RUN_ID.fullmatch(data["run_id"]):
        raise Bad("run_id", f"is {_short(data['run_id'])}; a run id is a file-name-safe slug")
    for part, names in SCORES.items():
        for name in names:
            if isinstance(data.get(part), dict):
                _score(data[part][name], f"{part}.{name}")
    metrics = data["metrics"]
    for label, row in metrics["per_class"].items():
        for name in CLASS_SCORES:
            _score(row[name], f"metrics.per_class.{label}.{name}")
    for i, epoch in enumerate(data["training"].get("history", [])):
        for name in EPOCH_SCORES:
            _score(epoch[name], f"training.history[{i}].{name}")
    labels = data["data"].get("labels")
    if labels is not None and len(set(labels)) != len(labels):
        raise Bad("data.labels", "names a class twice")
    n_labels = len(labels) if labels is not None else len(metrics["per_class"])
    if n_labels < 2:
        raise Bad("data.labels", f"has {n_labels} classes; a classifier has at least two")
    _check_predictions(data, n_labels)
    matrix = metrics["confusion_matrix"]
    if len(matrix) != n_labels or any(len(row) != n_labels for row in matrix):
        raise Bad("metrics.confusion_matrix", f"is not {n_labels} x {n_labels} (the label set)")
    entry = data["environment"].get("cache_entry")
    if entry is not None and (not isinstance(entry, str) or not ENTRY_NAME.fullmatch(entry)):
        raise Bad(
            "environment.cache_entry",
            f"is {_short(entry)}; it must be a checkpoint-cache entry name, not a path",
        )


def _check_predictions(data: dict[str, Any], n_labels: int) -> None:
    predictions = data["predictions"]
    n = data["metrics"]["n"]
    test_rows = data["data"]["rows"].get("test")
    for key in ("y_true", "y_pred"):
        where = f"predictions.{key}"
        if key not in predictions:
            raise Bad(where, "is missing")
        values = predictions[key]
        if len(values) != n:
            raise Bad(where, f"has {len(values)} values, not the {n} of metrics.n")
        if test_rows is not None and len(values) != test_rows:
            raise Bad(where, f"has {len(values)} values, not the test split's {test_rows} rows")
        for i, v in enumerate(values):
            if not 0 <= v < n_labels:
                raise Bad(f"{where}[{i}]", f"is {v}, not a label id 0..{n_labels - 1}")
