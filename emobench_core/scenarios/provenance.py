"""What every scenario's report records about its run: the environment with the git commit,
the data (source, fingerprint, rows) and when it was made.

    emobench perf --models bert-tiny --output perf.json   # and emobench tune, the same way
"""

from __future__ import annotations

import datetime as _dt
from pathlib import Path
from typing import Any

from emobench_core.data.fingerprint import applied_filters, fingerprint
from emobench_core.measure.environment import environment, git_commit


def run_environment(device: str) -> dict[str, Any]:
    """:func:`~emobench_core.measure.environment.environment` plus the checkout's commit."""
    env = environment(device)
    env["git_commit"] = git_commit(Path(__file__).parent)
    return env


def data_record(dsd: Any, source: str) -> dict[str, Any]:
    """The data a run measured: where from, its fingerprint, its rows per split and the
    optional filters it went through (empty: the published splits)."""
    return {
        "source": source,
        "fingerprint": fingerprint(dsd),
        "rows": {k: len(v) for k, v in dsd.items()},
        "filters": list(applied_filters(dsd)),
    }


def now() -> str:
    """The current UTC time, to the second (ISO 8601)."""
    return _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds")
