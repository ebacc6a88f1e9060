"""Fault injection on the cheap checks (issue 33 point 7): a bad argument, model name, device
or weight source anywhere in the selection ends in one line (exit 2) before torch or any other
heavy library is imported and before the first model trains; the test command's environment
check (scripts/check_env.py, first in tox's ci commands) stops in one line.

    python -m pytest tests/faults/test_failfast.py -q
"""

from __future__ import annotations

import configparser
import ctypes.util
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest
from fault_tools import REPO, assert_one_line, cli_env, emobench, hashes, tiny_data

Setup = Callable[[Path], tuple[list[str], tuple[str, ...]]]


def _run(tmp: Path, *extra: str, models: str = "tfidf-svm") -> list[str]:
    data = tiny_data(tmp / "data")
    return ["run", "--models", models, "--data-dir", str(data), "--cache-dir", str(tmp / "c")] + [
        *extra,
        "--output",
        str(tmp / "runs"),
    ]


def _no_config(tmp: Path) -> Path:
    folder = tmp / "my-model"
    folder.mkdir()
    (folder / "model.safetensors").write_bytes(b"not really")
    return folder


CASES: dict[str, Setup] = {
    "a-misspelt-model-after-a-good-one": lambda t: (
        _run(t, models="tfidf-svm,bert-tinyy"),
        ("unknown model 'bert-tinyy'", "bert-tiny"),
    ),
    "seeds-not-integers": lambda t: (_run(t, "--seeds", "42,x"), ("--seeds", "42,x")),
    "seeds-negative": lambda t: (_run(t, "--seeds", "42,-1"), ("seed -1", ">= 0")),
    "learning-rate-infinite": lambda t: (
        _run(t, "--init", "random", "--learning-rate-random", "inf", models="bert-tiny"),
        ("--learning-rate-random", "inf", "finite"),
    ),
    "learning-rate-not-a-number": lambda t: (
        _run(t, "--learning-rate", "nan"),
        ("--learning-rate", "nan"),
    ),
    "pretrained-weights-of-a-later-model-out-of-reach": lambda t: (
        _run(t, "--init", "pretrained", models="tfidf-svm,bert-tiny"),
        ("pretrained weights of 'bert-tiny'", "out of reach"),
    ),
    "a-model-folder-without-config": lambda t: (
        _run(t, "--init", "pretrained", models=f"tfidf-svm,{_no_config(t)}"),
        ("no config.json",),
    ),
    "run-output-is-a-file": lambda t: (
        _run(t)[:-1] + [str(_file(t))],
        ("is a file",),
    ),
}


def _file(tmp: Path) -> Path:
    path = tmp / "runs.txt"
    path.write_text("mine\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("case", list(CASES))
def test_a_bad_selection_fails_before_any_heavy_import_or_training(
    tmp_path: Path, case: str
) -> None:
    args, words = CASES[case](tmp_path)
    kept = hashes(tmp_path)
    out = emobench(args, tmp_path)
    assert_one_line(out, 2, args[0], *words)
    assert not out.heavy, f"imported {out.heavy} before refusing"
    assert not (tmp_path / "runs").exists()  # nothing trained, nothing saved
    assert not (tmp_path / "c").exists()
    after = hashes(tmp_path)
    assert {k: after.get(k) for k in kept} == kept


@pytest.mark.skipif(ctypes.util.find_library("cuda") is not None, reason="a CUDA driver is here")
@pytest.mark.parametrize("command", ["run", "train"])
def test_device_cuda_without_cuda_fails_before_importing_torch(
    tmp_path: Path, command: str
) -> None:
    args = (
        _run(tmp_path, "--device", "cuda")
        if command == "run"
        else ["train", "--model", "tfidf-svm", "--device", "cuda", "--output", "x"]
    )
    out = emobench(args, tmp_path)
    assert_one_line(out, 2, command, "--device cuda", "no CUDA")
    assert not out.heavy, out.heavy


# ------------------------------------------------------------------ the test command's check


def _check_env(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(REPO / "scripts" / "check_env.py")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.parametrize(
    ("changes", "words"),
    [
        ({"EMOBENCH_DATA_DIR": "{tmp}/nowhere"}, ("EMOBENCH_DATA_DIR", "nowhere", "no train")),
        ({"EMOBENCH_VOCAB_DIR": "{tmp}"}, ("EMOBENCH_VOCAB_DIR", "no vocab.txt")),
        ({"EMOBENCH_DATA_DIR": None}, ("HF_HUB_OFFLINE is set", "EMOBENCH_DATA_DIR")),
        (
            # online settings on a machine without the hub: the probe answers in seconds
            {"HF_HUB_OFFLINE": None, "HF_ENDPOINT": "http://127.0.0.1:9"},
            ("hub is unreachable", "HF_HUB_OFFLINE"),
        ),
    ],
    ids=["data-dir-missing", "vocab-missing", "offline-without-data", "no-hub-not-offline"],
)
def test_the_environment_check_stops_in_one_line(
    tmp_path: Path, vocab_dir: Path, changes: dict[str, str | None], words: tuple[str, ...]
) -> None:
    good = {
        "EMOBENCH_DATA_DIR": str(tiny_data(tmp_path / "data")),
        "EMOBENCH_VOCAB_DIR": str(vocab_dir),
    }
    bad = {k: (v.format(tmp=tmp_path) if v else v) for k, v in changes.items()}
    proc = _check_env(cli_env(**{**good, **bad}))
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2 and len(lines) == 1, proc.stderr
    assert "Traceback" not in proc.stderr
    for word in words:
        assert word in lines[0], lines[0]
    assert _check_env(cli_env(**good)).returncode == 0


def test_tox_ci_checks_the_environment_first() -> None:
    tox = configparser.ConfigParser(interpolation=None)
    tox.read(REPO / "tox.ini", encoding="utf-8")
    for env in ("testenv", "testenv:ci"):
        commands = [c.strip() for c in tox[env]["commands"].splitlines() if c.strip()]
        assert commands[0] == "python scripts/check_env.py", (env, commands)
