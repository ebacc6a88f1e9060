"""Crash safety, concurrency and determinism, with real processes and real signals.

A run killed at any moment (while building the model, in the middle of training, right after a
Trainer checkpoint, or while writing a results file) leaves nothing a later run would trust; the
next run says it found an interrupted build and resumes it from its last recorded epoch
checkpoint, or starts over if there is none. A corrupted cache entry is reported and rebuilt.
The same seed on the same CPU gives the same weights and predictions.

    python -m pytest tests/test_reliability.py -q
"""

from __future__ import annotations

import fcntl
import json
import logging
import os
import signal
import subprocess
import sys
import textwrap
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from report_fixtures import make_results

import emobench_core
from emobench_core.cache import MANIFEST, RESUME_FILE, CheckpointCache, cache_key
from emobench_core.config import RecipeRequest
from emobench_core.data.loading import load_data
from emobench_core.errors import ResultsError
from emobench_core.measure.latency import LatencySettings
from emobench_core.models.backends.transformer import TransformerBackend
from emobench_core.models.registry import get_spec
from emobench_core.scenarios.run import run_model, train_checkpoint
from emobench_core.schema.run import load_results

REPO = Path(emobench_core.__file__).resolve().parents[1]
TRAIN = ["train", "--model", "bert-tiny", "--init", "random", "--max-train-rows", "200"]


@pytest.fixture(scope="module")
def tiny_data(tmp_path_factory: pytest.TempPathFactory, emotion_dir: Path) -> Path:
    """The first rows of the real splits: 400 train (runs sample 200), 150 validation and
    300 test (the batch-32 throughput measurement cycles through 8 batches of test texts)."""
    folder = tmp_path_factory.mktemp("tiny-emotion")
    for split, n in (("train", 400), ("validation", 150), ("test", 300)):
        with (emotion_dir / f"{split}.jsonl").open(encoding="utf-8") as fh:
            lines = [next(fh) for _ in range(n)]
        (folder / f"{split}.jsonl").write_text("".join(lines), encoding="utf-8")
    return folder


def cli_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMOBENCH_")}
    env.update(PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    env.setdefault("OMP_NUM_THREADS", "1")  # tiny models: one thread is faster on a busy CPU
    return env


def train_args(tmp: Path, data: Path, vocab: Path, epochs: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "emobench_core.cli",
        "--quiet",
        *TRAIN,
        "--epochs",
        str(epochs),
        "--data-dir",
        str(data),
        "--vocab-dir",
        str(vocab),
        "--cache-dir",
        str(tmp / "cache"),
        "--output",
        str(tmp / "ckpt"),
    ]


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=cli_env(), capture_output=True, text=True, timeout=300)


def published(cache: Path) -> list[str]:
    """Checkpoint entries a run would look at: folders without a leading dot (the tokenized
    splits have their own cache in ``tokens/``)."""
    return sorted(
        p.name
        for p in cache.iterdir()
        if p.is_dir() and not p.name.startswith(".") and p.name != "tokens"
    )


def wait_for(proc: subprocess.Popen[bytes], find: Callable[[], Path | None]) -> Path:
    """Poll every 10 ms until ``find()`` returns a path; fail if the process ends first."""
    deadline = time.monotonic() + 180
    while time.monotonic() < deadline:
        found = find()
        if found is not None:
            return found
        if proc.poll() is not None:
            pytest.fail(f"the run ended (exit code {proc.returncode}) before the kill point")
        time.sleep(0.01)
    proc.kill()
    pytest.fail("the kill point was not reached within 180 s")


KILL_POINTS: dict[str, str] = {
    # the staging folder appears when the build starts: the model is being built or trained
    "build-started": ".*.staging",
    # the Trainer has saved (or is saving) a checkpoint after epoch 1 of 3
    "trainer-checkpoint": ".*.staging/trainer/checkpoint-*",
    # epoch 1's checkpoint is saved whole and recorded as the point to resume from
    "resume-record": f".*.staging/{RESUME_FILE}",
}


@pytest.mark.parametrize("point", list(KILL_POINTS))
def test_killed_build_is_never_published_and_next_run_resumes_or_starts_over(
    tmp_path: Path, tiny_data: Path, vocab_dir: Path, point: str
) -> None:
    """Killed before epoch 1's checkpoint is recorded, the next run starts over; after, it
    resumes from it, to the weights of a run that was never killed."""
    cache = tmp_path / "cache"
    args = train_args(tmp_path, tiny_data, vocab_dir, epochs=3)
    with (tmp_path / "killed.log").open("wb") as log:
        proc = subprocess.Popen(args, cwd=tmp_path, env=cli_env(), stdout=log, stderr=log)
        try:
            wait_for(proc, lambda: next(cache.glob(KILL_POINTS[point]), None))
            os.kill(proc.pid, signal.SIGKILL)
        finally:
            proc.wait(timeout=60)
    assert proc.returncode == -signal.SIGKILL
    (staging,) = cache.glob(".*.staging")
    key = staging.name[1:].split(".staging")[0]
    resumable = (staging / RESUME_FILE).is_file()  # a checkpoint may complete before the kill
    assert resumable or point != "resume-record"
    assert published(cache) == []  # nothing published, so nothing a later run would trust
    assert not (tmp_path / "ckpt").exists()

    again = run(args, tmp_path)
    assert again.returncode == 0, again.stderr
    found = f"found an interrupted build of bert-tiny (cache entry {key}: {staging.name}"
    assert found in again.stderr
    if resumable:
        assert "holds its last epoch checkpoint); resuming it" in again.stderr
        assert "resuming the training stopped after epoch 1" in again.stderr
    else:
        assert "starting over" in again.stderr and "resuming" not in again.stderr
    assert again.stdout.startswith("trained bert-tiny (random)")
    assert published(cache) == [key]
    assert CheckpointCache(cache).verify(key) is None
    assert list(cache.glob(".*.staging*")) == []
    assert (tmp_path / "ckpt" / "model.safetensors").is_file()
    training = json.loads((cache / key / "training.json").read_text())
    assert training["resumed_at_epochs"] == ([1] if resumable else [])
    if resumable:  # the same weights as a training that ran through
        whole = tmp_path / "whole"
        whole.mkdir()
        through = run(train_args(whole, tiny_data, vocab_dir, epochs=3), whole)
        assert through.returncode == 0, through.stderr
        assert (whole / "ckpt" / "model.safetensors").read_bytes() == (
            tmp_path / "ckpt" / "model.safetensors"
        ).read_bytes()


def test_corrupted_entry_is_reported_and_rebuilt(
    tmp_path: Path, tiny_data: Path, vocab_dir: Path
) -> None:
    cache = tmp_path / "cache"
    args = train_args(tmp_path, tiny_data, vocab_dir, epochs=1)
    first = run(args, tmp_path)
    assert first.returncode == 0, first.stderr
    (key,) = published(cache)
    weights = cache / key / "model" / "model.safetensors"
    data = bytearray(weights.read_bytes())
    data[len(data) // 2] ^= 0xFF  # one flipped byte in the middle of the weights
    weights.write_bytes(bytes(data))
    assert CheckpointCache(cache).verify(key) == "checksum mismatch in ['model/model.safetensors']"

    again = run(args, tmp_path)
    assert again.returncode == 0, again.stderr
    assert (
        f"cache entry {key} (bert-tiny) cannot be trusted: checksum mismatch in "
        "['model/model.safetensors']; rebuilding it"
    ) in again.stderr
    assert again.stdout.startswith("trained bert-tiny (random)")
    assert CheckpointCache(cache).verify(key) is None
    assert weights.read_bytes() != bytes(data)


# A child that writes `old` (if given) with write_json_atomic, then starts writing `new` and
# stalls at the chosen point (half the JSON written to the temporary file, or everything written
# and fsynced but not yet renamed), touching `ready` so the parent can SIGKILL it there.
WRITER = textwrap.dedent(
    """
    import json, os, sys, time
    from pathlib import Path
    from emobench_core.schema.base import write_json_atomic

    target, ready, point = Path(sys.argv[1]), Path(sys.argv[2]), sys.argv[3]
    new = json.loads(Path(sys.argv[4]).read_text())

    def stall(*args, **kwargs):
        ready.touch()
        time.sleep(600)

    if point == "mid-write":
        def dump(obj, fh, **kwargs):
            text = json.dumps(obj, **kwargs)
            fh.write(text[: len(text) // 2])
            fh.flush()
            stall()
        json.dump = dump
    else:
        os.replace = stall
    write_json_atomic(target, new)
    """
)


@pytest.mark.parametrize(
    ("point", "had_old"),
    [("mid-write", True), ("before-rename", True), ("mid-write", False)],
    ids=["mid-write", "before-rename", "first-write"],
)
def test_killed_results_write_leaves_old_file_or_none(
    tmp_path: Path, point: str, had_old: bool
) -> None:
    folder = tmp_path / "runs"
    folder.mkdir()
    result = make_results()[0]
    target = folder / f"{result.run_id}.json"
    if had_old:
        result.save(folder)
    old = target.read_bytes() if had_old else None
    new = tmp_path / "new.json"
    new.write_text(json.dumps({**result.to_dict(), "tags": {"version": "new"}}))
    ready = tmp_path / "ready"
    args = [sys.executable, "-c", WRITER, str(target), str(ready), point, str(new)]
    proc = subprocess.Popen(args, env=cli_env(), stderr=subprocess.DEVNULL)
    try:
        wait_for(proc, lambda: ready if ready.exists() else None)
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=60)
    temporaries = list(folder.glob(".*.tmp"))
    assert len(temporaries) == 1  # the killed write's temporary file is left behind ...
    if had_old:
        assert target.read_bytes() == old  # ... and the old complete version is untouched
        (loaded,) = load_results(folder)  # ... and never read as a result
        assert loaded.to_dict() == result.to_dict()
    else:
        assert not target.exists()
        with pytest.raises(ResultsError, match="no run results"):
            load_results(folder)


PARTS = {"model": "bert-tiny", "init": "random", "recipe": {"epochs": 1, "seed": 42}}


def test_waiting_process_logs_that_it_waits(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """While another process holds an entry's lock, get_or_build says it waits, then reuses."""
    cache, key = CheckpointCache(tmp_path), cache_key(PARTS)
    holder = open(tmp_path / f".{key}.lock", "w")  # noqa: SIM115 - held across the thread
    fcntl.flock(holder, fcntl.LOCK_EX)  # flock locks are per open file: this one blocks others
    out: list[tuple[Path, bool]] = []
    worker = threading.Thread(
        target=lambda: out.append(cache.get_or_build(PARTS, lambda s: (s / "w").write_text("x")))
    )
    with caplog.at_level(logging.INFO, logger="emobench_core.cache"):
        worker.start()
        deadline = time.monotonic() + 30
        while not any("waiting" in r.getMessage() for r in caplog.records):
            assert time.monotonic() < deadline, "no 'waiting' log line"
            time.sleep(0.01)
        assert out == [] and not (tmp_path / key).exists()  # still blocked on the lock
        fcntl.flock(holder, fcntl.LOCK_UN)
        holder.close()
        worker.join(timeout=30)
    (message,) = [r.getMessage() for r in caplog.records if "waiting" in r.getMessage()]
    assert message == f"waiting for bert-tiny: another process is building cache entry {key}"
    assert out == [(tmp_path / key, False)]


def _sha(entry: Path, name: str) -> str:
    return json.loads((entry / MANIFEST).read_text())["files"][name]


def test_same_seed_same_cpu_same_weights_and_predictions(
    tmp_path: Path, tiny_data: Path, vocab_dir: Path, request: pytest.FixtureRequest
) -> None:
    """BERT-Tiny (random init) trained twice with seed 42 in separate caches is identical;
    seed 43 differs (so the comparison can fail). The results record what was seeded."""
    import torch

    dsd = load_data(tiny_data, max_train_rows=200)
    spec = get_spec("bert-tiny")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # same thread count for every run; one is faster on a busy CPU
    request.addfinalizer(lambda: torch.set_num_threads(threads))

    def train(cache: str, seed: int) -> Path:
        recipe = RecipeRequest(epochs=1, max_train_rows=200, seed=seed)
        entry, hit, _ = train_checkpoint(
            spec,
            "random",
            recipe,
            dsd,
            cache=CheckpointCache(tmp_path / cache),
            vocab_dir=vocab_dir,
            quiet=True,
        )
        assert not hit
        return entry

    a, b, other = train("a", 42), train("b", 42), train("c", 43)
    weights = "model/model.safetensors"
    assert _sha(a, weights) == _sha(b, weights) != _sha(other, weights)
    preds = [json.loads((e / "test_predictions.json").read_text()) for e in (a, b)]
    assert preds[0]["y_pred"] == preds[1]["y_pred"]
    volatile = ("wall_s", "samples_per_s", "peak_memory_mb", "tokenize_s")
    info_a, info_b = (json.loads((e / "training.json").read_text()) for e in (a, b))
    assert {k: v for k, v in info_a.items() if k not in volatile} == {
        k: v for k, v in info_b.items() if k not in volatile
    }

    result = run_model(
        spec,
        "random",
        RecipeRequest(epochs=1, max_train_rows=200, seed=42),
        dsd,
        cache=CheckpointCache(tmp_path / "a"),
        vocab_dir=vocab_dir,
        quiet=True,
        latency=LatencySettings(warmup=1, min_iters=3, min_seconds=0.01),
    )
    assert result.environment["cache_hit"] is True
    assert result.environment["seeded"] == list(TransformerBackend.seeded)
    assert result.predictions["y_pred"] == preds[0]["y_pred"]


def test_forward_calls_never_build_empty_batches_on_a_small_test_split() -> None:
    from emobench_core.models.backends.base import n_batches as _n_batches

    assert _n_batches(2000, 32) == 8
    assert _n_batches(2000, 1) == 64
    assert _n_batches(100, 32) == 4  # 32 + 32 + 32 + 4: the last batch is partial, not empty
    assert _n_batches(10, 1) == 10
    with pytest.raises(ValueError, match="no test texts"):
        _n_batches(0, 32)
