"""Whether the Hugging Face hub can be reached, answered fast.

Offline, a plain hub request retries for ~25 s before failing; the data and model loaders ask
here first (a 3-second TCP probe of the endpoint) so an offline machine gets a clear error, or
reaches its local fallbacks, at once.
"""

from __future__ import annotations

import os
import socket
from urllib.parse import urlparse

_TRUE = ("1", "true", "yes")


def offline_mode(*variables: str) -> bool:
    """Whether any of the environment ``variables`` (e.g. ``HF_HUB_OFFLINE``) is set true."""
    return any(os.environ.get(v, "0").lower() in _TRUE for v in variables)


def unreachable(timeout: float = 3.0) -> str | None:
    """``None`` when the hub endpoint accepts a TCP connection within ``timeout`` seconds,
    else why not (host, port and the socket error)."""
    from huggingface_hub import constants

    url = urlparse(constants.ENDPOINT)
    host, port = url.hostname or "huggingface.co", url.port or 443
    try:
        socket.create_connection((host, port), timeout=timeout).close()
    except OSError as exc:
        return f"no connection to {host}:{port} ({exc.strerror or exc})"
    return None
