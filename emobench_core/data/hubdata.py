"""Reading a hub dataset (``--dataset ID[:CONFIG]``) as raw splits, failing fast offline.

Offline (``HF_HUB_OFFLINE`` / ``HF_DATASETS_OFFLINE``) ``load_dataset`` reads only the local
cache and fails at once; otherwise an unreachable hub costs ~25 s of retries, so a 3-second
TCP probe of the endpoint decides first (:mod:`emobench_core.hub`).

    emobench run --models tfidf-svm --dataset stanfordnlp/sst2 --text-column sentence
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from emobench_core.data.fingerprint import SPLITS
from emobench_core.data.labels import RawSplit
from emobench_core.data.source import DataSource
from emobench_core.errors import DataError
from emobench_core.hub import hub_error, offline_mode, split_revision, unreachable

_COMMIT = re.compile(r"[0-9a-f]{40}")
SPLIT_NAMES: dict[str, tuple[str, ...]] = {
    "train": ("train",),
    "validation": ("validation", "valid", "dev", "val"),
    "test": ("test",),
}
"""A split and the hub split names read as it, in order of preference."""


def _hub_unreachable() -> str | None:
    """Why the hub is out of reach, or ``None`` when it may be tried (offline: the local
    cache only, which ``load_dataset`` answers at once)."""
    if offline_mode("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE"):
        return None
    return unreachable()


def _commit(raw: Any) -> str | None:
    """The hub commit ``load_dataset`` read: its cache folder is named after it
    (``.../<dataset>/<config>/<version>/<commit>/``); ``None`` when not cached as files."""
    for ds in raw.values():
        for cached in getattr(ds, "cache_files", None) or []:
            parts = Path(cached.get("filename", "")).parts
            return next((p for p in reversed(parts) if _COMMIT.fullmatch(p)), None)
    return None


def read_hub(src: DataSource, fix: str) -> tuple[dict[str, RawSplit], str | None]:
    """The splits of hub dataset ``src.hub_id`` (``validation`` may be missing), and the
    commit they were read at (``None`` when the hub did not name one).

    ``--dataset ID@REV`` (or ``ID:CONFIG@REV``) pins a revision: a commit, tag or branch.

    Raises:
        DataError: The hub is unreachable and no cached copy exists, a required split or
            column is missing; the message names the dataset and ``fix``.
    """
    import datasets

    dataset, revision = split_revision(src.dataset or src.hub_id)
    config, config_revision = split_revision(src.config) if src.config else (None, None)
    revision = revision or config_revision
    try:
        down = _hub_unreachable()
        if down is not None:
            raise ConnectionError(f"{down}; set HF_DATASETS_OFFLINE=1 to use a cached copy")
        args = (dataset,) if config is None else (dataset, config)
        pin = {"revision": revision} if revision else {}
        raw: Any = datasets.load_dataset(*args, **pin)
    except Exception as exc:  # offline, DNS, HTTP and hub errors all mean "not reachable"
        reason = hub_error(exc, dataset, kind="dataset")
        raise DataError(
            f"could not load {src.hub_id!r} from the Hugging Face hub: {reason}; {fix}"
        ) from exc
    commit = _commit(raw)
    out: dict[str, RawSplit] = {}
    for split in SPLITS:
        name = next((n for n in SPLIT_NAMES[split] if n in raw), None)
        if name is None:
            if split == "validation":
                continue
            raise DataError(
                f"hub dataset {src.hub_id!r} has no split {split!r} (found: {', '.join(raw)}); "
                f"{fix}"
            )
        ds = raw[name]
        missing = [c for c in (src.text_column, src.label_column) if c not in ds.column_names]
        if missing:
            raise DataError(
                f"hub dataset {src.hub_id!r} split {name!r} has no column(s) "
                f"{', '.join(missing)} (found: {', '.join(ds.column_names)}); name them with "
                "--text-column and --label-column"
            )
        names = getattr(ds.features.get(src.label_column), "names", None)
        cols = ds.select_columns([src.text_column, src.label_column])[:]
        where = f"{src.hub_id} {name}"
        labels = cols[src.label_column]
        out[split] = RawSplit(
            where,
            cols[src.text_column],
            labels,
            [f"{where}, row {i}" for i in range(1, len(labels) + 1)],
            tuple(names) if names else None,
        )
    return out, commit
