"""What identifies a dataset: its class names (from its ``ClassLabel``) and a fingerprint of
every row. Light on purpose (no ``datasets`` import), so training and results code can use it.

    emobench data --output out/   # the report names the data fingerprint
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from emobench_core.errors import DataError

SPLITS: tuple[str, ...] = ("train", "validation", "test")
FILTER_MARK = "emobench filters: "
"""How a filtered split names its filters: a line of its ``DatasetInfo.description``, set by
:func:`emobench_core.data.filters.filter_splits`, so they travel with the data."""


DATA_MARK = "emobench data: "
"""How the loader names the dataset, where its class names came from and how its validation
split was made: a JSON line of every split's ``DatasetInfo.description``."""


def data_info(dsd: Any) -> dict[str, str]:
    """``dataset``, ``labels_source`` and ``validation`` as the loader recorded them
    (:data:`DATA_MARK`); empty for data that did not come through it."""
    for ds in dsd.values():
        for line in (getattr(getattr(ds, "info", None), "description", "") or "").splitlines():
            if line.startswith(DATA_MARK):
                return dict(json.loads(line[len(DATA_MARK) :]))
    return {}


def label_names(dsd: Any) -> tuple[str, ...]:
    """The class names of ``dsd``, in label-id order, from its ``ClassLabel`` feature.

    Metrics, confusion matrices, per-class tables and the size of a model's head follow them.
    """
    split = "train" if "train" in dsd else next(iter(dsd))
    feature = dsd[split].features["label"]
    names = getattr(feature, "names", None)
    if not names:
        raise DataError(
            f"the {split!r} split's label column is {feature!r}, not a ClassLabel with names; "
            "load the data with emobench's loader (load_emotion), which names the classes"
        )
    return tuple(names)


def applied_filters(dsd: Any) -> tuple[str, ...]:
    """The optional filters (``dedupe-train``, ...) ``dsd`` went through, in the order of its
    splits' marks; empty for the published splits."""
    out: list[str] = []
    for ds in dsd.values():
        for line in (getattr(getattr(ds, "info", None), "description", "") or "").splitlines():
            if line.startswith(FILTER_MARK):
                out += [f for f in line[len(FILTER_MARK) :].split(", ") if f and f not in out]
    return tuple(out)


def fingerprint(dsd: Any) -> str:
    """SHA-256 (hex) of the label names and every row of every split, in order.

    Splits are taken in :data:`SPLITS` order (then any others by name); each row is hashed as
    ``json.dumps([text, label])`` on its own line, so equal content gives an equal hash whatever
    file format it came from, and changing one text or label changes it. Filtered data
    (:func:`applied_filters`) hashes its filters' names too, so it never shares a fingerprint
    with the published splits, even where a filter dropped nothing.
    """
    h = hashlib.sha256()
    names = label_names(dsd)
    h.update(json.dumps(["labels", list(names)]).encode() + b"\n")
    filters = applied_filters(dsd)
    if filters:  # absent for the published splits, whose fingerprint stays as it always was
        h.update(json.dumps(["filters", list(filters)]).encode() + b"\n")
    for split in sorted(dsd, key=lambda s: (SPLITS.index(s) if s in SPLITS else len(SPLITS), s)):
        cols = dsd[split][:]  # dict of lists: much faster than iterating Column objects
        h.update(json.dumps(["split", split, len(cols["text"])]).encode() + b"\n")
        rows = zip(cols["text"], cols["label"], strict=True)
        h.update("".join(json.dumps(row, ensure_ascii=False) + "\n" for row in rows).encode())
    return h.hexdigest()
