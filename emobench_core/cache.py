"""On-disk cache of fine-tuned checkpoints, keyed by a hash of everything that determines them.

An entry is built in a private staging folder and published with one atomic rename, after a
``manifest.json`` with the sha256 of every file is written into it. A reader trusts an entry
only when its manifest is present and every checksum matches; a corrupted entry is reported and
rebuilt. A build that was killed leaves only its staging folder, which is never published: if
it holds a resumable training (:data:`RESUME_FILE`, written after each epoch's checkpoint), the
next run says so and resumes it from that epoch; otherwise it says so, removes the folder and
starts the build over. The key holds everything the training depends on (model, recipe, data,
precision, CPU kernels, threads), so a resume continues the same training. A file lock per key makes
concurrent processes build an entry once: the others wait (and log that they do) and reuse it.
An intact entry is read without the lock, so a read-only cache (a shared one) serves its hits.

    pytest bench/ --emobench-cache-dir ~/.cache/emobench   # the bench fixtures use this
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

CACHE_DIR_ENV = "EMOBENCH_CACHE_DIR"
MANIFEST = "manifest.json"
RESUME_FILE = "resume.json"
"""What a resumable training writes into its folder after each epoch's checkpoint (the
checkpoint's name, the time and memory spent so far): a staging folder holding one can be
resumed. See :func:`emobench_core.training.trainer.fine_tune`."""
CACHE_FORMAT = 1


def default_cache_dir() -> Path:
    """``$EMOBENCH_CACHE_DIR``, else ``$XDG_CACHE_HOME/emobench``, else ``~/.cache/emobench``."""
    if os.environ.get(CACHE_DIR_ENV):
        return Path(os.environ[CACHE_DIR_ENV]).expanduser()
    base = os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache"
    return Path(base) / "emobench"


def cache_key(parts: dict[str, Any]) -> str:
    """A short stable hash of ``parts`` (JSON, sorted keys)."""
    blob = json.dumps({"cache_format": CACHE_FORMAT, **parts}, sort_keys=True, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()[:20]


MODEL_FILE_SUFFIXES = (
    ".safetensors",
    ".bin",
    ".pt",
    ".pth",
    ".h5",
    ".msgpack",
    ".onnx",
    ".json",
    ".txt",
    ".model",
)
"""The files of a local model folder that decide what training starts from: weights (and
shard indexes), ``config.json``, tokenizer files (``vocab.txt``, ``tokenizer.json``,
``merges.txt``, SentencePiece ``*.model``)."""


def folder_digest(folder: Path) -> str:
    """The sha256 of a local model folder's content (:data:`MODEL_FILE_SUFFIXES`, by relative
    path; hidden files and folders left out), so a folder is keyed by what it holds, not where
    it lies: replace its weights and the key changes."""
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if any(part.startswith(".") for part in rel.parts) or not path.is_file():
            continue
        if path.suffix.lower() in MODEL_FILE_SUFFIXES:
            h.update(f"{rel.as_posix()}\0{_sha256(path)}\n".encode())
    return h.hexdigest()


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _files(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): _sha256(p)
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }


class CheckpointCache:
    """Checkpoints under ``root / <key>``."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).expanduser()

    def entry(self, key: str) -> Path:
        return self.root / key

    def tokens(self) -> CheckpointCache:
        """The cache of tokenized splits, in ``root / "tokens"`` (same rules, apart from the
        checkpoints)."""
        return CheckpointCache(self.root / "tokens")

    def embeddings(self) -> CheckpointCache:
        """The cache of sentence embeddings of frozen encoders, in ``root / "embeddings"``,
        keyed by the encoder's content, the texts and the pooling."""
        return CheckpointCache(self.root / "embeddings")

    def verify(self, key: str) -> str | None:
        """``None`` if the entry is complete and intact, else why it cannot be trusted."""
        folder = self.entry(key)
        manifest = folder / MANIFEST
        if not folder.is_dir():
            return "missing"
        if not manifest.is_file():
            return "no manifest (an interrupted build)"
        try:
            recorded = json.loads(manifest.read_text())["files"]
            if not isinstance(recorded, dict):
                raise TypeError(f"'files' is a {type(recorded).__name__}, not a mapping")
        except (ValueError, KeyError, TypeError) as exc:
            return f"unreadable manifest ({exc})"
        actual = _files(folder)
        if set(actual) != set(recorded):
            return f"file list differs from manifest ({sorted(set(actual) ^ set(recorded))})"
        bad = [name for name, digest in recorded.items() if actual[name] != digest]
        return f"checksum mismatch in {bad}" if bad else None

    @contextlib.contextmanager
    def _lock(self, key: str, what: str) -> Iterator[None]:
        self.root.mkdir(parents=True, exist_ok=True)
        with open(self.root / f".{key}.lock", "w") as fh:
            try:
                fcntl.flock(fh, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                log.info("waiting for %s: another process is building cache entry %s", what, key)
                fcntl.flock(fh, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    def get_or_build(
        self, parts: dict[str, Any], build: Callable[[Path], None]
    ) -> tuple[Path, bool]:
        """The entry for ``parts``, building it with ``build(staging_dir)`` if needed.

        Returns:
            ``(folder, hit)``: ``hit`` is true when a valid entry was reused.
        """
        key = cache_key(parts)
        folder = self.entry(key)
        model = parts.get("model") or parts.get("kind")  # what is built, for the log
        with contextlib.suppress(OSError):  # (an entry being rebuilt: under the lock below)
            if self.verify(key) is None:  # intact: no lock needed, so a read-only cache serves it
                log.info("cache hit %s (%s)", key, model)
                return folder, True
        with self._lock(key, str(model)):
            problem = self.verify(key)
            if problem is None:
                log.info("cache hit %s (%s)", key, model)
                return folder, True
            if problem != "missing":
                log.warning(
                    "cache entry %s (%s) cannot be trusted: %s; rebuilding it", key, model, problem
                )
                shutil.rmtree(folder)
            # Under the lock no other process is building this key: a staging folder is what a
            # killed build left behind. A resumable training in it is resumed; else it starts over.
            staging = self.root / f".{key}.staging"
            stale = sorted(self.root.glob(f".{key}.staging-*"))  # per-process, from older code
            if staging.is_dir() and not (staging / RESUME_FILE).is_file():
                stale.insert(0, staging)
            if stale:
                log.warning(
                    "found an interrupted build of %s (cache entry %s: %s left by a process that "
                    "stopped mid-build, before its first epoch checkpoint); starting over",
                    model,
                    key,
                    ", ".join(p.name for p in stale),
                )
            for leftover in stale:
                shutil.rmtree(leftover, ignore_errors=True)
            if staging.is_dir():
                log.warning(
                    "found an interrupted build of %s (cache entry %s: %s holds its last epoch "
                    "checkpoint); resuming it",
                    model,
                    key,
                    staging.name,
                )
            staging.mkdir(parents=True, exist_ok=True)
            try:
                build(staging)
                (staging / "key.json").write_text(
                    json.dumps(parts, indent=1, sort_keys=True, default=str)
                )
                manifest = {"key": key, "files": _files(staging)}
                (staging / MANIFEST).write_text(json.dumps(manifest, indent=1))
                os.replace(staging, folder)
            except BaseException:
                if not (staging / RESUME_FILE).is_file():  # kept: a re-run resumes from it
                    shutil.rmtree(staging, ignore_errors=True)
                raise
        return folder, False

    @contextlib.contextmanager
    def workspace(self, parts: dict[str, Any], what: str) -> Iterator[Path]:
        """A private folder for a training whose result is not cached (a tune cell), keyed by
        ``parts`` and locked while in use: it is kept when the block raises, so the same
        ``parts`` after a stop get it back and a resumable training in it resumes; it is
        removed when the block ends normally."""
        key = cache_key(parts)
        folder = self.root / f".{key}.work"
        with self._lock(key, what):
            if folder.is_dir() and not (folder / RESUME_FILE).is_file():
                shutil.rmtree(folder)  # stopped before its first checkpoint: nothing to resume
            folder.mkdir(parents=True, exist_ok=True)
            try:
                yield folder
            except BaseException:
                if not (folder / RESUME_FILE).is_file():
                    shutil.rmtree(folder, ignore_errors=True)
                raise
            shutil.rmtree(folder, ignore_errors=True)
