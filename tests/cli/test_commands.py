"""The ``emobench`` command line on bad input, through real subprocesses.

Every bad input must end with one line on stderr that says what was wrong, where and how to fix
it, a non-zero exit code, no traceback, and nothing written to ``--output``. Runs are offline
(``HF_HUB_OFFLINE=1``, ``HF_DATASETS_OFFLINE=1``) and quiet.

    python -m pytest tests/test_cli.py -q
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

import emobench_core
from emobench_core.data.loading import EMOTION_LABELS as LABELS

REPO = Path(emobench_core.__file__).resolve().parents[1]
WORDS = ("down", "glad", "loved", "furious", "scared", "amazed")
ROWS = [(f"i feel {WORDS[i % 6]} number {i}", i % 6) for i in range(24)]


def cli_env(**changes: str | None) -> dict[str, str]:
    """The environment of a CLI subprocess: offline, no EMOBENCH_* defaults, plus ``changes``
    (``None`` removes a variable)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMOBENCH_")}
    env.update(PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    env.setdefault("OMP_NUM_THREADS", "1")  # tiny models: one thread is faster on a busy CPU
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def emobench(
    args: list[str], cwd: Path, env: dict[str, str] | None = None, timeout: float = 300
) -> subprocess.CompletedProcess[str]:
    """``python -m emobench_core.cli --quiet ARGS`` in ``cwd``."""
    return subprocess.run(
        [sys.executable, "-m", "emobench_core.cli", "--quiet", *args],
        cwd=cwd,
        env=env or cli_env(),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def write_split(folder: Path, split: str, rows: list[tuple[object, object]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{split}.jsonl"
    lines = (json.dumps({"text": t, "label": lab}) + "\n" for t, lab in rows)
    path.write_text("".join(lines), encoding="utf-8")
    return path


def valid_folder(folder: Path, train: list[tuple[object, object]] | None = None) -> Path:
    """A small valid data folder: every split has each of the six labels."""
    write_split(folder, "train", train or ROWS)
    write_split(folder, "validation", ROWS[:12])
    write_split(folder, "test", ROWS[12:])
    return folder


# ------------------------------------------------------------------------- the bad-input matrix
# Each setup gets tmp_path and returns the arguments after the command, without --output; the
# case adds `--output tmp_path/out` (a file for `report`). Keywords must all be in the message.

Setup = Callable[[Path], list[str]]


def _data(make: Callable[[Path], object]) -> Setup:
    """`train --model tfidf-svm` on a data folder prepared by ``make(folder)``."""

    def setup(tmp: Path) -> list[str]:
        folder = tmp / "data"
        make(folder)
        return ["train", "--model", "tfidf-svm", "--data-dir", str(folder)]

    return setup


def _empty(folder: Path) -> None:
    folder.mkdir()


def _no_test(folder: Path) -> None:
    valid_folder(folder)
    (folder / "test.jsonl").unlink()  # (a missing validation split is carved from train)


def _malformed_json(folder: Path) -> None:
    path = valid_folder(folder) / "train.jsonl"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    lines[2] = '{"text": "i feel odd", "label": 1\n'
    path.write_text("".join(lines), encoding="utf-8")


def _csv_columns(folder: Path) -> None:
    valid_folder(folder)
    (folder / "train.jsonl").unlink()
    (folder / "train.csv").write_text("sentence,emotion\ni feel glad,joy\n", encoding="utf-8")


def _invalid_utf8(folder: Path) -> None:
    path = valid_folder(folder) / "train.jsonl"
    path.write_bytes(b'{"text": "fine", "label": 1}\n{"text": "caf\xe9 \xff", "label": 1}\n')


def _old_result(tmp: Path) -> Path:
    folder = tmp / "results"
    folder.mkdir()
    old = {"schema": "emobench.run-result", "schema_version": 99, "run_id": "x"}
    (folder / "x.json").write_text(json.dumps(old), encoding="utf-8")
    return folder


def _bad_bench(tmp: Path) -> Path:
    path = tmp / "bench.json"
    path.write_text(json.dumps({"machine_info": {}, "records": []}), encoding="utf-8")
    return path


CASES: dict[str, tuple[Setup, tuple[str, ...], dict[str, str | None]]] = {
    "data-dir-missing": (
        lambda tmp: ["train", "--model", "tfidf-svm", "--data-dir", str(tmp / "nowhere")],
        ("data folder", "nowhere", "does not exist", "--data-dir"),
        {},
    ),
    "data-dir-empty": (_data(_empty), ("no split files", "holds: nothing", "--data-dir"), {}),
    "split-missing": (
        _data(_no_test),
        ("no split 'test'", "found: train, validation", "--data-dir"),
        {},
    ),
    "malformed-json-line": (
        _data(_malformed_json),
        ("train.jsonl:3", "malformed JSON", '{"text": "...", "label": 0}'),
        {},
    ),
    "csv-without-columns": (
        _data(_csv_columns),
        ("train.csv", "missing column(s) text, label", "found: sentence, emotion"),
        {},
    ),
    "label-out-of-range": (
        _data(lambda f: valid_folder(f, train=[*ROWS, ("i feel odd", 7)])),
        ("train.jsonl:25", "invalid label 7", "ids 0..5 or names sadness"),
        {},
    ),
    "text-whitespace-only": (
        _data(lambda f: valid_folder(f, train=[*ROWS[:3], (" \t ", 1)])),
        ("train.jsonl:4", "empty or whitespace-only", "non-empty text"),
        {},
    ),
    "invalid-utf8": (
        _data(_invalid_utf8),
        ("train.jsonl:2", "invalid UTF-8", "re-save the file as UTF-8"),
        {},
    ),
    "unknown-model": (
        lambda tmp: ["train", "--model", "bert-tiyn"],
        ("unknown model 'bert-tiyn'", "did you mean 'bert-tiny'"),
        {},
    ),
    "device-cuda-without-cuda": (
        lambda tmp: ["train", "--model", "bert-tiny", "--device", "cuda"],
        ("--device cuda", "no CUDA device", "drop --device"),
        {},
    ),
    "hub-unreachable-offline": (
        lambda tmp: ["run", "--models", "tfidf-svm"],
        ("'dair-ai/emotion'", "unreachable", "--data-dir", "EMOBENCH_DATA_DIR"),
        {},
    ),
    "hub-unreachable-no-connection": (
        lambda tmp: ["train", "--model", "tfidf-svm"],
        ("unreachable", "no connection to 127.0.0.1:9", "--data-dir", "EMOBENCH_DATA_DIR"),
        # online mode, with an endpoint that refuses connections: the probe must fail fast
        {"HF_HUB_OFFLINE": None, "HF_DATASETS_OFFLINE": None, "HF_ENDPOINT": "http://127.0.0.1:9"},
    ),
    "pretrained-weights-out-of-reach": (
        lambda tmp: (
            ["train", "--model", "bert-tiny", "--init", "pretrained"]
            + ["--data-dir", str(valid_folder(tmp / "data")), "--cache-dir", str(tmp / "cache")]
        ),
        ("pretrained weights of 'bert-tiny'", "out of reach", "local folder", "--init random"),
        {},
    ),
    "checkpoint-missing": (
        lambda tmp: ["evaluate", "--checkpoint", str(tmp / "nockpt")],
        ("no fine-tuned checkpoint", "nockpt", "emobench train --output"),
        {},
    ),
    "results-incompatible-schema": (
        lambda tmp: ["report", "--no-bench", "--results", str(_old_result(tmp))],
        ("schema version 1", "version=99", "re-create it"),
        {},
    ),
    "benchmark-json-incompatible": (
        lambda tmp: ["report", str(_bad_bench(tmp)), "--results", str(tmp)],
        ("bench.json", "not pytest-benchmark output", "--benchmark-json"),
        {},
    ),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_input_is_one_line_nonzero_and_writes_nothing(tmp_path: Path, case: str) -> None:
    setup, keywords, env_changes = CASES[case]
    if case == "device-cuda-without-cuda":
        torch = pytest.importorskip("torch")
        if torch.cuda.is_available():
            pytest.skip("this machine has CUDA")
    args = setup(tmp_path)
    out = tmp_path / "out"
    target = out / "RESULTS.md" if args[0] == "report" else out
    start = time.monotonic()
    env = cli_env(HF_HOME=str(tmp_path / "hf"), **env_changes)  # no cached hub copies
    proc = emobench([*args, "--output", str(target)], tmp_path, env)
    elapsed = time.monotonic() - start
    lines = [line for line in proc.stderr.splitlines() if line.strip()]
    assert proc.returncode == 2, proc.stderr
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"emobench {args[0]}: error: "), lines[0]
    for word in keywords:
        assert word in lines[0], f"{word!r} not in: {lines[0]}"
    assert not out.exists()
    assert elapsed < 30, f"took {elapsed:.0f} s"  # an unreachable hub fails fast, no retries


# ----------------------------------------------------------------------------- accepted inputs


def test_label_names_are_accepted_and_mapped_to_ids(tmp_path: Path) -> None:
    """A folder labelled by name is the same dataset as one labelled by id: same cache key."""
    by_id = valid_folder(tmp_path / "ids")
    by_name = valid_folder(tmp_path / "names", train=[(t, LABELS[y]) for t, y in ROWS])
    common = ["train", "--model", "tfidf-svm", "--cache-dir", str(tmp_path / "cache")]
    first = emobench([*common, "--data-dir", str(by_id), "--output", "a"], tmp_path)
    assert first.returncode == 0, first.stderr
    second = emobench([*common, "--data-dir", str(by_name), "--output", "b"], tmp_path)
    assert second.returncode == 0, second.stderr
    assert first.stdout.startswith("trained tfidf-svm")
    assert second.stdout.startswith("reused tfidf-svm")  # same rows, same fingerprint
    assert (tmp_path / "b" / "model.skops").is_file()


def test_very_long_text_is_truncated_counted_and_reported(tmp_path: Path, vocab_dir: Path) -> None:
    """A 100,000-character text trains (the tokenizer truncates it) and the run reports it."""
    data = valid_folder(tmp_path / "data", train=[*ROWS, ("joy " * 25_000, 1)])
    proc = emobench(
        ["train", "--model", "bert-tiny", "--init", "random", "--epochs", "1"]
        + ["--data-dir", str(data), "--vocab-dir", str(vocab_dir)]
        + ["--cache-dir", str(tmp_path / "cache"), "--output", str(tmp_path / "out")],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert "longer than 10000 characters" in proc.stderr and "train 1" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert proc.stdout.startswith("trained bert-tiny (random)")
    assert (tmp_path / "out" / "config.json").is_file()
