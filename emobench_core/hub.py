"""Whether the Hugging Face hub can be reached, answered fast.

Offline, a plain hub request retries for ~25 s before failing; the data and model loaders ask
here first (a 3-second TCP probe of the endpoint) so an offline machine gets a clear error, or
reaches its local fallbacks, at once. A failed probe is remembered for a minute, so one command
that fetches several things waits for it once.
"""

from __future__ import annotations

import os
import socket
import time
from urllib.parse import urlparse

_TRUE = ("1", "true", "yes")
FAILED_PROBE_TTL_S = 60.0
"""How long an endpoint that refused or timed out counts as unreachable without a new probe."""
_failed: dict[tuple[str, int], tuple[float, str]] = {}


def offline_mode(*variables: str) -> bool:
    """Whether any of the environment ``variables`` (e.g. ``HF_HUB_OFFLINE``) is set true."""
    return any(os.environ.get(v, "0").lower() in _TRUE for v in variables)


def unreachable(timeout: float = 3.0) -> str | None:
    """``None`` when the hub endpoint accepts a TCP connection within ``timeout`` seconds,
    else why not (host, port and the socket error)."""
    from huggingface_hub import constants

    url = urlparse(constants.ENDPOINT)
    host, port = url.hostname or "huggingface.co", url.port or 443
    seen = _failed.get((host, port))
    if seen is not None and time.monotonic() - seen[0] < FAILED_PROBE_TTL_S:
        return seen[1]
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        reason = f"no connection to {host}:{port} ({exc.strerror or exc})"
        _failed[(host, port)] = (time.monotonic(), reason)
        return reason
    _failed.pop((host, port), None)
    return None


def offline_reason(*variables: str) -> str | None:
    """Why nothing may be fetched from the hub now: an offline variable that is set (default
    ``HF_HUB_OFFLINE``), or the probe's answer (:func:`unreachable`); ``None``: try it."""
    for v in variables or ("HF_HUB_OFFLINE",):
        if offline_mode(v):
            return f"{v}={os.environ[v]} is set"
    return unreachable()


LOGIN_HINT = "log in with `hf auth login` or set HF_TOKEN to a token that may read it"


def split_revision(source: str) -> tuple[str, str | None]:
    """``owner/name@REV`` as ``("owner/name", "REV")``; without ``@`` the revision is ``None``
    (the hub's ``main``)."""
    repo, sep, revision = source.partition("@")
    return repo, (revision or None) if sep else None


def snapshot_revision(folder: str | os.PathLike[str]) -> str | None:
    """The commit a folder of the local HF cache holds (``.../snapshots/<commit>``), else
    ``None``."""
    parts = os.path.normpath(folder).split(os.sep)
    if (
        len(parts) >= 2
        and parts[-2] == "snapshots"
        and parts[-3].startswith(("models--", "datasets--"))
    ):
        return parts[-1]
    return None


def hub_error(exc: BaseException, repo: str, *, kind: str = "model") -> str:
    """What went wrong fetching ``repo`` from the hub, in one line naming the way out."""
    from huggingface_hub import constants, errors

    first = (str(exc).splitlines() or [""])[0][:160]
    if isinstance(exc, errors.GatedRepoError):
        return (
            f"{kind} {repo} is gated on {constants.ENDPOINT}: accept its conditions on its hub "
            f"page, then {LOGIN_HINT}"
        )
    if isinstance(exc, errors.RevisionNotFoundError):
        return f"{kind} {repo} has no such revision ({first}); pass a commit, tag or branch it has"
    if isinstance(exc, errors.RepositoryNotFoundError):
        return (
            f"no {kind} {repo} on {constants.ENDPOINT} (check the id; if it is private or "
            f"gated, {LOGIN_HINT})"
        )
    if isinstance(exc, errors.EntryNotFoundError):
        return f"{kind} {repo} lacks a file it needs ({first})"
    if "Consistency check failed" in str(exc) or type(exc).__name__ in (
        "RemoteProtocolError",
        "ReadError",
        "IncompleteRead",
    ):
        return (
            f"the download of {kind} {repo} was cut off ({type(exc).__name__}: {first}); nothing "
            "half-written was kept: run the command again"
        )
    return (
        f"{kind} {repo} could not be fetched: the hub is unreachable or lacks it "
        f"({type(exc).__name__}: {first})"
    )
