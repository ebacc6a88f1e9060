"""Shared fixtures of the unit tests: the read-only data beside the repo, and a seed.

The data folder comes from ``$EMOBENCH_SHARED_DIR`` (default: ``../shared`` next to the
checkout), so no test hard-codes a machine's paths.

    EMOBENCH_TEST_SEED=42 EMOBENCH_SHARED_DIR=../shared python -m pytest tests
"""

from __future__ import annotations

import os
import random
from pathlib import Path

import numpy as np
import pytest

from emobench_core.measure.devices import share_cores_between_workers

# under pytest-xdist each worker gets its share of the cores (torch and the subprocesses some
# tests start), before any test imports torch
share_cores_between_workers()

SHARED_DIR_ENV = "EMOBENCH_SHARED_DIR"
SEED_ENV = "EMOBENCH_TEST_SEED"
DEFAULT_SEED = 42


def _test_seed() -> int:
    value = os.environ.get(SEED_ENV, str(DEFAULT_SEED))
    try:
        return int(value)
    except ValueError:
        raise pytest.UsageError(f"{SEED_ENV}={value!r}: give an integer, e.g. 42") from None


def pytest_report_header(config: pytest.Config) -> list[str]:
    seed = _test_seed()
    return [
        f"emobench unit tests: seed {seed} (set {SEED_ENV} to change); "
        f"reproduce with `{SEED_ENV}={seed} python -m pytest tests`"
    ]


def _existing(path: Path, what: str) -> Path:
    if not path.is_dir():
        pytest.fail(
            f"{what} not found at {path}; set {SHARED_DIR_ENV} to the shared folder holding "
            "data/emotion/*.jsonl and data/tokenizers/bert-base-uncased/vocab.txt",
            pytrace=False,
        )
    return path


@pytest.fixture(scope="session")
def shared_dir() -> Path:
    """The read-only shared folder beside the repo (``$EMOBENCH_SHARED_DIR``)."""
    default = Path(__file__).resolve().parents[2] / "shared"
    return _existing(Path(os.environ.get(SHARED_DIR_ENV) or default), "shared folder")


@pytest.fixture(scope="session")
def vocab_dir(shared_dir: Path) -> Path:
    """Folder holding the bert-base-uncased ``vocab.txt`` (and nothing else)."""
    return _existing(shared_dir / "data" / "tokenizers" / "bert-base-uncased", "vocab folder")


@pytest.fixture(scope="session")
def emotion_dir(shared_dir: Path) -> Path:
    """Folder with the dair-ai/emotion ``train/validation/test.jsonl`` files."""
    return _existing(shared_dir / "data" / "emotion", "emotion data folder")


@pytest.fixture
def seed() -> int:
    """Seeds ``random``, numpy and torch with the session's test seed, and returns it."""
    import torch

    value = _test_seed()
    random.seed(value)
    np.random.seed(value)
    torch.manual_seed(value)
    return value
