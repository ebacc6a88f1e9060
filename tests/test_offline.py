"""Offline, every hub access fails fast and clearly: data, the tokenizer vocab and pretrained
weights (with their config), in the command line and in ``pytest bench``. The hub is made
unreachable two ways: ``HF_HUB_OFFLINE=1``, and online mode with ``HF_ENDPOINT`` on a closed
local port; each failure must end within 30 s with one line naming what was being fetched and
the option or variable that supplies a local copy.

    python -m pytest tests/test_offline.py -q
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.cli.test_commands import REPO, cli_env, emobench, valid_folder

LIMIT_S = 30.0
"""What the guard is against, the hub client's retries with back-off, takes a minute or more;
the process start alone (importing torch, transformers, datasets) took up to 10 s on a busy
2-core machine, where a 10 s limit failed a fast failure."""


def closed_port() -> int:
    """A local port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def unreachable_env(how: str, tmp_path: Path) -> dict[str, str]:
    """The environment of a CLI run with the hub out of reach, and an empty HF cache."""
    changes: dict[str, str | None] = {"HF_HOME": str(tmp_path / "hf")}
    if how == "closed-port":
        changes.update(
            HF_HUB_OFFLINE=None,
            HF_DATASETS_OFFLINE=None,
            HF_ENDPOINT=f"http://127.0.0.1:{closed_port()}",
        )
    return cli_env(**changes)


def _vocab(tmp: Path) -> list[str]:
    data = valid_folder(tmp / "data")
    return ["run", "--models", "bert-tiny", "--init", "random", "--epochs", "1"] + [
        "--data-dir",
        str(data),
        "--cache-dir",
        str(tmp / "cache"),
    ]


def _weights(tmp: Path) -> list[str]:
    data = valid_folder(tmp / "data")
    return ["train", "--model", "bert-tiny", "--init", "pretrained", "--data-dir", str(data)] + [
        "--cache-dir",
        str(tmp / "cache"),
    ]


CASES = {
    "tokenizer vocab": (
        _vocab,
        ("bert-base-uncased WordPiece vocab", "google-bert/bert-base-uncased", "--vocab-dir")
        + ("EMOBENCH_VOCAB_DIR",),
    ),
    "hub dataset": (
        lambda tmp: ["run", "--models", "tfidf-svm", "--dataset", "someone/reviews:short"],
        ("could not load 'someone/reviews:short'", "--data-dir", "EMOBENCH_DATA_DIR"),
    ),
    "default dataset": (
        lambda tmp: ["run", "--models", "tfidf-svm"],
        ("could not load 'dair-ai/emotion'", "--data-dir", "EMOBENCH_DATA_DIR"),
    ),
    "pretrained weights and config": (
        _weights,
        ("pretrained weights of 'bert-tiny'", "out of reach", "local folder", "--init random"),
    ),
}
WHY = {"offline": "HF_HUB_OFFLINE=1 is set", "closed-port": "no connection to 127.0.0.1:"}


@pytest.mark.parametrize("how", ["offline", "closed-port"])
@pytest.mark.parametrize("case", list(CASES))
def test_cli_fails_fast_naming_what_and_the_local_copy(tmp_path, case, how):
    setup, keywords = CASES[case]
    args = setup(tmp_path)
    out = tmp_path / "out"
    start = time.monotonic()
    proc = emobench([*args, "--output", str(out)], tmp_path, unreachable_env(how, tmp_path))
    elapsed = time.monotonic() - start
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2, proc.stderr
    assert lines[-1].startswith(f"emobench {args[0]}: error: "), proc.stderr
    assert "Traceback" not in proc.stderr
    for word in keywords:
        assert word in lines[-1], f"{word!r} not in: {lines[-1]}"
    if how == "closed-port" or "dataset" not in case:  # offline: datasets says it itself
        assert WHY[how] in lines[-1], lines[-1]
    assert not out.exists()
    assert elapsed < LIMIT_S, f"took {elapsed:.1f} s"


def _bench(tmp_path: Path, env: dict[str, str], *options: str) -> tuple[str, float]:
    shutil.copy(REPO / "bench" / "test_models.py", tmp_path / "test_models.py")
    shutil.copy(REPO / "bench" / "thresholds.toml", tmp_path / "thresholds.toml")
    args = [sys.executable, "-m", "pytest", "test_models.py", "-p", "no:cacheprovider", "-q"]
    args += ["--emobench-profile", "smoke", "-k", "quality and bert-tiny"]
    args += ["--emobench-cache-dir", str(tmp_path / "cache"), "--emobench-thresholds"]
    args += [str(tmp_path / "thresholds.toml"), "--emobench-results-dir", str(tmp_path / "r")]
    start = time.monotonic()
    proc = subprocess.run(
        [*args, *options], cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120
    )
    return proc.stdout + proc.stderr, time.monotonic() - start


@pytest.mark.parametrize("how", ["offline", "closed-port"])
def test_pytest_bench_fails_fast_on_the_vocab(tmp_path, how):
    data = valid_folder(tmp_path / "data")
    env = unreachable_env(how, tmp_path)
    output, elapsed = _bench(tmp_path, env, "--emobench-data-dir", str(data), "-rs")
    assert "bert-base-uncased WordPiece vocab" in output, output[-3000:]
    assert "--emobench-vocab-dir" in output and "EMOBENCH_VOCAB_DIR" in output
    assert WHY[how] in output
    assert elapsed < LIMIT_S, f"took {elapsed:.1f} s"


@pytest.mark.parametrize("how", ["offline", "closed-port"])
def test_pytest_bench_fails_fast_on_the_data(tmp_path, how, vocab_dir):
    env = unreachable_env(how, tmp_path)
    output, elapsed = _bench(tmp_path, env, "--emobench-vocab-dir", str(vocab_dir))
    assert "could not load 'dair-ai/emotion'" in output, output[-3000:]
    assert "--data-dir" in output and "EMOBENCH_DATA_DIR" in output
    assert elapsed < LIMIT_S, f"took {elapsed:.1f} s"
