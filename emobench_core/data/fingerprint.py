"""What identifies a dataset: its class names and a fingerprint of every row, read from a
:class:`~emobench_core.data.dataset.Dataset` (the loader's value), or derived from raw splits
(a ``DatasetDict`` whose label column is a ``ClassLabel``) built by hand. Light on purpose (no
``datasets`` import), so training and results code can use it.

    emobench data --output out/   # the report names the data fingerprint
"""

from __future__ import annotations

from typing import Any

from emobench_core.data.dataset import SPLITS, Dataset, hash_rows
from emobench_core.errors import DataError

__all__ = ["SPLITS", "applied_filters", "as_dataset", "data_info", "fingerprint", "label_names"]


def data_info(dsd: Any) -> dict[str, str]:
    """``dataset``, ``labels_source`` and ``validation`` as the loader recorded them; empty for
    raw splits that did not come through it."""
    return dsd.info() if isinstance(dsd, Dataset) else {}


def label_names(dsd: Any) -> tuple[str, ...]:
    """The class names of ``dsd``, in label-id order (raw splits: their ``ClassLabel``).

    Metrics, confusion matrices, per-class tables and the size of a model's head follow them.
    """
    if isinstance(dsd, Dataset):
        return dsd.labels
    split = "train" if "train" in dsd else next(iter(dsd))
    feature = dsd[split].features["label"]
    names = getattr(feature, "names", None)
    if not names:
        raise DataError(
            f"the {split!r} split's label column is {feature!r}, not a ClassLabel with names; "
            "load the data with emobench's loader (load_data), which names the classes"
        )
    return tuple(names)


def applied_filters(dsd: Any) -> tuple[str, ...]:
    """The optional filters (``dedupe-train``, ...) ``dsd`` went through; empty for the
    published splits and for raw splits."""
    return dsd.filters if isinstance(dsd, Dataset) else ()


def fingerprint(dsd: Any) -> str:
    """SHA-256 (hex) of the label names, the filters and every row of every split
    (:attr:`Dataset.fingerprint <emobench_core.data.dataset.Dataset.fingerprint>`, computed once
    per dataset)."""
    if isinstance(dsd, Dataset):
        return dsd.fingerprint
    return hash_rows(dsd, label_names(dsd), ())


def as_dataset(dsd: Any) -> Dataset:
    """``dsd`` as a :class:`Dataset`: itself, or raw splits built by hand (a ``DatasetDict``
    whose label column is a ``ClassLabel``), named by their ``ClassLabel``."""
    if isinstance(dsd, Dataset):
        return dsd
    return Dataset(dsd, label_names(dsd), labels_source="ClassLabel")
