"""Tests for emobench_core.cache: build-once, integrity checks, crash leftovers, concurrency."""

from __future__ import annotations

import json
import logging
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

import emobench_core
from emobench_core.cache import (
    CACHE_DIR_ENV,
    MANIFEST,
    CheckpointCache,
    cache_key,
    default_cache_dir,
)

PARTS = {"model": "bert-tiny", "init": "random", "recipe": {"epochs": 2, "seed": 42}}


class Builder:
    """A build function that counts its calls and writes a small checkpoint."""

    def __init__(self, fail: bool = False) -> None:
        self.calls = 0
        self.fail = fail

    def __call__(self, staging: Path) -> None:
        self.calls += 1
        (staging / "model").mkdir()
        (staging / "model" / "weights.bin").write_bytes(b"\x00\x01" * 50)
        (staging / "training.json").write_text('{"epochs": 2}')
        if self.fail:
            raise RuntimeError("training diverged")


def leftovers(root: Path) -> list[str]:
    return sorted(p.name for p in root.iterdir() if "staging" in p.name)


def test_builds_once_then_hits(tmp_path: Path) -> None:
    cache, build = CheckpointCache(tmp_path), Builder()
    folder, hit = cache.get_or_build(PARTS, build)
    assert (hit, build.calls) == (False, 1)
    assert folder == tmp_path / cache_key(PARTS)
    assert (folder / "model" / "weights.bin").read_bytes() == b"\x00\x01" * 50
    assert json.loads((folder / "key.json").read_text()) == PARTS
    assert cache.verify(cache_key(PARTS)) is None
    again, hit = cache.get_or_build(PARTS, build)
    assert (again, hit, build.calls) == (folder, True, 1)
    assert leftovers(tmp_path) == []


def test_other_parts_build_another_entry(tmp_path: Path) -> None:
    cache, build = CheckpointCache(tmp_path), Builder()
    a, _ = cache.get_or_build(PARTS, build)
    b, hit = cache.get_or_build({**PARTS, "init": "pretrained"}, build)
    assert (a != b, hit, build.calls) == (True, False, 2)


def test_failed_build_leaves_nothing_and_is_retried(tmp_path: Path) -> None:
    cache = CheckpointCache(tmp_path)
    with pytest.raises(RuntimeError, match="training diverged"):
        cache.get_or_build(PARTS, Builder(fail=True))
    assert cache.verify(cache_key(PARTS)) == "missing"
    assert leftovers(tmp_path) == []
    build = Builder()
    _, hit = cache.get_or_build(PARTS, build)
    assert (hit, build.calls) == (False, 1)


@pytest.mark.parametrize(
    ("damage", "reason"),
    [
        (lambda f: (f / "model" / "weights.bin").write_bytes(b"tampered"), "checksum mismatch"),
        (lambda f: (f / "model" / "weights.bin").unlink(), "file list differs"),
        (lambda f: (f / "extra.txt").write_text("x"), "file list differs"),
        (lambda f: (f / MANIFEST).unlink(), "no manifest"),
        (lambda f: (f / MANIFEST).write_text('{"files": '), "unreadable manifest"),
        (lambda f: (f / MANIFEST).write_text("[]"), "unreadable manifest"),
    ],
    ids=["tampered", "deleted", "extra", "no-manifest", "truncated-manifest", "list-manifest"],
)
def test_damaged_entry_is_detected_and_rebuilt(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, damage, reason: str
) -> None:
    cache, build = CheckpointCache(tmp_path), Builder()
    folder, _ = cache.get_or_build(PARTS, build)
    damage(folder)
    key = cache_key(PARTS)
    assert reason in (cache.verify(key) or "")
    with caplog.at_level(logging.WARNING, logger="emobench_core.cache"):
        again, hit = cache.get_or_build(PARTS, build)
    assert (again, hit, build.calls) == (folder, False, 2)
    assert cache.verify(key) is None
    assert (folder / "model" / "weights.bin").read_bytes() == b"\x00\x01" * 50
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert key in warnings[0] and reason in warnings[0] and "rebuilding" in warnings[0]


def test_tampered_file_names_the_file(tmp_path: Path) -> None:
    cache = CheckpointCache(tmp_path)
    folder, _ = cache.get_or_build(PARTS, Builder())
    (folder / "training.json").write_text('{"epochs": 3}')
    assert cache.verify(cache_key(PARTS)) == "checksum mismatch in ['training.json']"


def test_staging_folder_of_a_crashed_build_is_cleaned(tmp_path: Path) -> None:
    key = cache_key(PARTS)
    stale = tmp_path / f".{key}.staging-999"
    (stale / "model").mkdir(parents=True)
    (stale / "model" / "weights.bin").write_bytes(b"half-written")
    cache, build = CheckpointCache(tmp_path), Builder()
    assert cache.verify(key) == "missing"  # a staging folder is never an entry
    folder, hit = cache.get_or_build(PARTS, build)
    assert (hit, build.calls) == (False, 1)
    assert (folder / "model" / "weights.bin").read_bytes() == b"\x00\x01" * 50
    assert leftovers(tmp_path) == []


def test_cache_key_is_stable_and_order_free() -> None:
    key = cache_key(PARTS)
    assert len(key) == 20 and int(key, 16) >= 0
    reordered = {"recipe": {"seed": 42, "epochs": 2}, "init": "random", "model": "bert-tiny"}
    assert cache_key(reordered) == key
    assert cache_key(json.loads(json.dumps(PARTS))) == key


@pytest.mark.parametrize(
    "changed",
    [
        {**PARTS, "model": "bert-mini"},
        {**PARTS, "init": "pretrained"},
        {**PARTS, "recipe": {"epochs": 3, "seed": 42}},
        {**PARTS, "recipe": {"epochs": 2, "seed": 43}},
        {**PARTS, "recipe": {"epochs": 2.0, "seed": 42}},
        {**PARTS, "data": "fingerprint"},
        {k: v for k, v in PARTS.items() if k != "init"},
    ],
)
def test_cache_key_changes_with_any_part(changed: dict) -> None:
    assert cache_key(changed) != cache_key(PARTS)


def test_default_cache_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(CACHE_DIR_ENV, str(tmp_path / "mine"))
    assert default_cache_dir() == tmp_path / "mine"
    monkeypatch.delenv(CACHE_DIR_ENV)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    assert default_cache_dir() == tmp_path / "xdg" / "emobench"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert default_cache_dir() == tmp_path / "home" / ".cache" / "emobench"


# Each process waits until both have started (so both ask while one is still building), then
# asks for the same entry. The build appends a line to the counter file and takes a second.
CHILD = textwrap.dedent(
    """
    import json, os, sys, time
    from pathlib import Path
    from emobench_core.cache import CheckpointCache

    root, counter, ready = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    (ready / str(os.getpid())).touch()
    deadline = time.monotonic() + 60
    while len(list(ready.iterdir())) < 2 and time.monotonic() < deadline:
        time.sleep(0.01)

    def build(staging):
        with counter.open("a") as fh:
            fh.write(f"{os.getpid()}\\n")
        time.sleep(1)
        (staging / "weights.bin").write_bytes(b"w" * 10)

    folder, hit = CheckpointCache(root).get_or_build(json.loads(sys.argv[4]), build)
    print(json.dumps({"folder": str(folder), "hit": hit}))
    """
)


def test_two_processes_build_once(tmp_path: Path) -> None:
    root, counter, ready = tmp_path / "cache", tmp_path / "counter.txt", tmp_path / "ready"
    ready.mkdir()
    env = {**os.environ, "PYTHONPATH": str(Path(emobench_core.__file__).resolve().parents[1])}
    args = [sys.executable, "-c", CHILD, str(root), str(counter), str(ready), json.dumps(PARTS)]
    procs = [
        subprocess.Popen(args, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outs = []
    for proc in procs:
        stdout, stderr = proc.communicate(timeout=120)
        assert proc.returncode == 0, stderr
        outs.append(json.loads(stdout))
    assert len(counter.read_text().splitlines()) == 1
    assert outs[0]["folder"] == outs[1]["folder"] == str(root / cache_key(PARTS))
    assert sorted(o["hit"] for o in outs) == [False, True]
    assert CheckpointCache(root).verify(cache_key(PARTS)) is None
