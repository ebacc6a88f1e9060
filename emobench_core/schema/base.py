"""How every emobench results file is written and read: JSON, written atomically, read with one
missing-file and one broken-file error.

    emobench run --models bert-tiny --output runs/   # every results file goes through here
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path
from typing import Any

from emobench_core.errors import ResultsError


def write_json_atomic(path: str | Path, data: Any) -> None:
    """Write JSON to a temporary file beside ``path``, fsync it, then rename over ``path``.

    A crash at any point leaves ``path`` absent or as it was, never truncated; at worst a
    temporary ``.NAME.*.tmp`` stays behind, which :func:`load_results` ignores.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes it 0600; give it a normal file's mode
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def read_json(path: Path, *, missing: str, remake: str) -> Any:
    """JSON from ``path``; a missing or unreadable file is a :class:`ResultsError`: ``missing``
    is the whole message for an absent file, ``remake`` says how to re-create a broken one."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ResultsError(missing) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ResultsError(
            f"{path} is not valid JSON ({exc}); it may be truncated — {remake}"
        ) from exc
