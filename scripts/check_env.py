"""The test command's first step: the environment the unit tests and the bench ci profile need,
checked in a second, before anything runs; a problem ends in one line and exit code 2.

    python scripts/check_env.py          # tox -e ci (and tox -e unit) run it first

Checked: the hub can be reached, or HF_HUB_OFFLINE is set (offline, a hub request waits and
then fails deep in a test); EMOBENCH_SHARED_DIR, EMOBENCH_DATA_DIR and EMOBENCH_VOCAB_DIR, when
set, name folders holding what they must; offline, the data and the vocab come from them.
Standard library and emobench_core.hub only: no heavy import.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

SPLIT_SUFFIXES = (".jsonl", ".json", ".csv", ".parquet")
OFFLINE_FIX = (
    "set HF_HUB_OFFLINE=1 HF_DATASETS_OFFLINE=1 with EMOBENCH_DATA_DIR and EMOBENCH_VOCAB_DIR "
    "(bash .ci/run sets them from ../shared; docs/data.md)"
)


def _has_split(folder: Path, split: str) -> bool:
    return any((folder / f"{split}{suffix}").is_file() for suffix in SPLIT_SUFFIXES)


def _folder(variable: str) -> Path | None:
    value = os.environ.get(variable)
    return Path(value).expanduser() if value else None


def problem() -> str | None:
    """What is wrong with the environment, in one line; ``None``: nothing."""
    from emobench_core.hub import offline_mode, unreachable

    offline = offline_mode("HF_HUB_OFFLINE")
    shared = _folder("EMOBENCH_SHARED_DIR")
    if shared is not None and not shared.is_dir():
        return f"EMOBENCH_SHARED_DIR={shared} is not a folder; point it at the shared folder"
    data = _folder("EMOBENCH_DATA_DIR")
    if data is not None:
        missing = [s for s in ("train", "test") if not _has_split(data, s)]
        if not data.is_dir() or missing:
            return (
                f"EMOBENCH_DATA_DIR={data} holds no {' or '.join(missing or ['train'])} split "
                f"({', '.join(SPLIT_SUFFIXES)}); point it at the data folder (docs/data.md)"
            )
    vocab = _folder("EMOBENCH_VOCAB_DIR")
    if vocab is not None and not (vocab / "vocab.txt").is_file():
        return (
            f"EMOBENCH_VOCAB_DIR={vocab} holds no vocab.txt; point it at the bert-base-uncased "
            "vocab folder"
        )
    if offline:
        unset = [
            v for v, f in (("EMOBENCH_DATA_DIR", data), ("EMOBENCH_VOCAB_DIR", vocab)) if not f
        ]
        if unset:
            return f"HF_HUB_OFFLINE is set but {' and '.join(unset)} is not: {OFFLINE_FIX}"
        return None
    reason = unreachable()
    if reason is not None:
        return f"the hub is unreachable ({reason}) and HF_HUB_OFFLINE is not set: {OFFLINE_FIX}"
    return None


def main() -> int:
    found = problem()
    if found is not None:
        print(f"check_env: error: {found}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
