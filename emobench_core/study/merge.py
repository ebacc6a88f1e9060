"""Fan-in of a sharded run: several results folders merged into one study, but only when they
hold runs of one experiment: one data fingerprint, one recipe asked for, one effective recipe
per model and one code revision. Anything else is refused in one line, unless asked for.

    emobench report --no-bench --results out/shard-1/results out/shard-2/results --output R.md
    emobench report --no-bench --results old/ new/ --allow-mixed --output R.md   # on purpose

A ``+dirty`` revision names the commit a changed tree started from: two shards of one dirty
checkout agree on it whatever their changes were (run shards from a clean commit).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Hashable, Sequence
from typing import Any

from emobench_core.errors import ResultsError
from emobench_core.schema.run import RunResult
from emobench_core.study.staleness import request_of

ALLOW_MIXED = "--allow-mixed"
"""The ``emobench report`` option that merges mixed runs anyway."""

_MISSING = "not recorded"


def _without_seed(recipe: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in recipe.items() if k != "seed"}


def _diff(a: dict[str, Any], b: dict[str, Any]) -> str:
    keys = sorted(set(a) | set(b))
    return ", ".join(
        f"{k} {a.get(k, _MISSING)!r} vs {b.get(k, _MISSING)!r}"
        for k in keys
        if a.get(k, _MISSING) != b.get(k, _MISSING)
    )


def _revision(r: RunResult) -> str:
    commit = r.environment.get("git_commit")
    return _MISSING if not commit else str(commit)


Check = tuple[str, Callable[[RunResult], Hashable], Callable[[RunResult], Any]]
"""What is compared, the group a run is compared within, and the value compared."""

CHECKS: tuple[Check, ...] = (
    ("data", lambda r: (), lambda r: r.data.fingerprint),
    ("code revisions", lambda r: (), _revision),
    ("recipes asked for", lambda r: (), lambda r: _without_seed(request_of(r))),
    (
        "effective recipes",
        lambda r: (r.model.name, r.model.init),
        lambda r: _without_seed(r.recipe),
    ),
)


def _show(what: str, a: Any, b: Any, runs: tuple[RunResult, RunResult]) -> str:
    if isinstance(a, dict):
        return _diff(a, b)
    if what == "data":
        names = f"dataset {runs[0].data.dataset} vs {runs[1].data.dataset}, "
        return f"{names}fingerprint {str(a)[:12]} vs {str(b)[:12]}"
    return f"{a} vs {b}"


def check_mergeable(parts: Sequence[tuple[str, Sequence[RunResult]]]) -> None:
    """Raise unless every run of ``parts`` (``(folder, runs)``) shares one data fingerprint,
    one recipe request and one code revision, and every model one effective recipe (the seed
    aside: shards may hold different seeds).

    Raises:
        ResultsError: One line naming the two folders, the two runs, what differs and the way
            out (:data:`ALLOW_MIXED`).
    """
    for what, group, value in CHECKS:
        first: dict[Hashable, tuple[str, RunResult, str]] = {}
        for folder, runs in parts:
            for r in runs:
                v = value(r)
                seen = first.setdefault(group(r), (folder, r, json.dumps(v, sort_keys=True)))
                if seen[2] == json.dumps(v, sort_keys=True):
                    continue
                where = f"{seen[0]} and {folder}" if seen[0] != folder else f"runs within {folder}"
                scope = f" of {r.model.name} ({r.model.init})" if group(r) != () else ""
                differs = _show(what, value(seen[1]), v, (seen[1], r))
                raise ResultsError(
                    f"cannot merge {where}: different {what}{scope} ({seen[1].run_id} vs "
                    f"{r.run_id}: {differs}); merge runs of one data "
                    f"set, recipe and code revision, or pass {ALLOW_MIXED} to report them "
                    "together on purpose"
                )


def merge_parts(
    parts: Sequence[tuple[str, Sequence[RunResult]]], *, allow_mixed: bool = False
) -> list[RunResult]:
    """Every run of ``parts``, checked by :func:`check_mergeable` when there are several
    folders (one folder is one run; ``allow_mixed`` skips the check).

    A run id names one checkpoint (model, init, seed, cache entry): two shards that both used
    it (the quality case in one, a latency case in the other) hold the same predictions, and
    the later of the two is kept, once."""
    if len(parts) > 1 and not allow_mixed:
        check_mergeable(parts)
    latest: dict[str, RunResult] = {}  # in the order given
    for r in (r for _, runs in parts for r in runs):
        if r.run_id not in latest or r.created_at >= latest[r.run_id].created_at:
            latest[r.run_id] = r
    return list(latest.values())
