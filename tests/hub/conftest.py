"""Fixtures of the hub tests: the repositories built once a session, a local hub server per
test (so one test may stop it), and the environment of a user who has no local copies.

huggingface_hub, datasets and transformers read ``HF_ENDPOINT`` and ``HF_HUB_OFFLINE`` into
module constants when first imported, and CI sets ``HF_HUB_OFFLINE=1`` for every test; so each
test runs ``emobench`` (or pytest) in a subprocess with the environment a user would have:
no ``EMOBENCH_*`` variable, no offline switch, ``HF_ENDPOINT`` at the local server and a fresh
``HF_HOME`` and ``HOME`` (no cached files, no stored token).
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from hub_layouts import all_repos
from hub_server import HubServer

ROOT = Path(__file__).resolve().parents[2]
CLEARED = ("HF_HUB_OFFLINE", "HF_DATASETS_OFFLINE", "TRANSFORMERS_OFFLINE", "HF_TOKEN")


@pytest.fixture(scope="session")
def hub_repos(emotion_dir: Path, tmp_path_factory: pytest.TempPathFactory):
    """``(repo_type, repo_id, files)`` of every repository served, built once."""
    return all_repos(emotion_dir, tmp_path_factory.mktemp("hub-build"))


@pytest.fixture
def hub(hub_repos) -> HubServer:
    """A running local hub serving :func:`hub_repos`; stopped after the test."""
    server = HubServer()
    for repo_type, repo_id, files in hub_repos:
        server.add_repo(repo_type, repo_id, files)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def user_env(hub: HubServer, tmp_path: Path) -> dict[str, str]:
    """The environment of a user pointed at :func:`hub`, with nothing local."""
    env = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("EMOBENCH_", "PYTEST_")) and k not in CLEARED
    }
    home = tmp_path / "home"
    home.mkdir()
    env.update(
        HF_ENDPOINT=hub.url,
        HF_HOME=str(tmp_path / "hf"),
        HOME=str(home),
        PYTHONPATH=os.pathsep.join([str(ROOT), env.get("PYTHONPATH", "")]).rstrip(os.pathsep),
        OMP_NUM_THREADS="1",
        MPLBACKEND="Agg",
        HF_HUB_DISABLE_PROGRESS_BARS="1",
        TQDM_DISABLE="1",
    )
    return env


@pytest.fixture
def emobench(user_env: dict[str, str], tmp_path: Path):
    """Runs ``emobench ARGS`` in a fresh interpreter (the console script's code path) with
    :func:`user_env` (plus ``env`` overrides; a value ``None`` unsets), in ``tmp_path``."""

    def run(*args: str, env: dict[str, str | None] | None = None, timeout: float = 300):
        full = dict(user_env)
        for key, value in (env or {}).items():
            if value is None:
                full.pop(key, None)
            else:
                full[key] = value
        return subprocess.run(
            [sys.executable, "-m", "emobench_core.cli", *args],
            env=full,
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    return run
