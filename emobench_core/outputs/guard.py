"""The output guard: what a command may write, checked before any work.

Paths are compared after resolving links; a refusal is one :class:`OutputError` line. The
marker (:data:`MARKER`) of a folder lists the files a command wrote there
(:mod:`emobench_core.outputs` has the rules).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from emobench_core.errors import OutputError

MARKER = ".emobench-output"
"""In every folder a command wrote: which command, and the files it wrote there (JSON; no
``.json`` suffix, so that a glob of a results folder's ``*.json`` never meets it)."""
MIN_FREE_BYTES = 16 << 20
"""Refuse an output on a disk with less room than this (16 MiB): no output of emobench fits."""
OVERWRITE_HINT = "--overwrite to write into it anyway (only files of the same names are replaced)"

Recognise = Callable[[Path], bool]


@dataclass(frozen=True)
class Guard:
    """What one command may write, and what it must not touch.

    Args:
        command: The command's name, recorded in its marker (``train``, ``export``...).
        overwrite: ``--overwrite`` was given.
        inputs: ``(option, path)`` of every file or folder the command reads: an output may not
            equal one, and an output folder may not contain one or lie inside one.
        protected: ``(what, path)`` of folders no output may touch (the data, the cache).
        legacy: Recognises, by content, a file of an earlier output of the command written
            before markers existed (a folder of such files only is the command's own).
    """

    command: str
    overwrite: bool = False
    inputs: tuple[tuple[str, Path], ...] = ()
    protected: tuple[tuple[str, Path], ...] = field(default=())
    legacy: Recognise | None = None

    @classmethod
    def of(
        cls,
        command: str,
        *,
        overwrite: bool = False,
        inputs: Iterable[tuple[str, str | Path | None]] = (),
        protected: Iterable[tuple[str, str | Path | None]] = (),
        legacy: Recognise | None = None,
    ) -> Guard:
        """A guard, leaving out the paths that are ``None`` or empty."""
        return cls(
            command,
            overwrite,
            tuple((w, Path(p).expanduser()) for w, p in inputs if p),
            tuple((w, Path(p).expanduser()) for w, p in protected if p),
            legacy,
        )


def _real(path: Path) -> Path:
    return Path(os.path.realpath(path.expanduser()))


def _relation(out: Path, other: Path) -> str | None:
    """How ``out`` relates to ``other``: ``"is"``, ``"is inside"``, ``"contains"`` or None."""
    a, b = _real(out), _real(other)
    if a == b:
        return "is"
    if b in a.parents:
        return "is inside"
    if a in b.parents:
        return "contains"
    return None


def _existing_ancestor(path: Path, option: str) -> Path:
    """The nearest ancestor of ``path`` that exists; a file on the way is refused."""
    probe = _real(path)
    while not probe.exists():
        probe = probe.parent
    if probe != _real(path) and not probe.is_dir():
        raise OutputError(
            f"{option} {path}: {probe} is a file, not a folder, so nothing can be written "
            f"under it; pass a path whose parent folders are folders"
        )
    return probe


def _check_writable(path: Path, option: str, needed: int = MIN_FREE_BYTES) -> None:
    """``path`` (or the folder that will hold it) can be written, with room on its disk."""
    base = _existing_ancestor(path, option)
    where = base if base.is_dir() else base.parent
    if not os.access(where, os.W_OK | os.X_OK):
        raise OutputError(
            f"{option} {path}: {where} cannot be written (no permission, a read-only file "
            "system or an immutable folder); pass a location you can write to"
        )
    if base.exists() and not base.is_dir() and not os.access(base, os.W_OK):
        raise OutputError(
            f"{option} {path}: the file cannot be written (no permission, read-only or "
            "immutable); pass a location you can write to"
        )
    try:
        free = shutil.disk_usage(where).free
    except OSError:  # not knowable here: the write itself will say
        return
    if free < needed:
        raise OutputError(
            f"{option} {path}: the disk holding {where} has only {free / 1e6:.1f} MB free "
            f"(needs at least {needed / 1e6:.0f} MB); free some space or pass another location"
        )


def _check_inputs(path: Path, guard: Guard, option: str, *, folder: bool) -> None:
    for what, other in guard.protected:
        rel = _relation(path, other)
        if rel is not None:
            raise OutputError(
                f"{option} {path} {rel} the {what} {other}; writing there could destroy it: "
                "pass an output outside it"
            )
    for what, other in guard.inputs:
        rel = _relation(path, other)
        if rel == "is" or (folder and rel is not None):
            raise OutputError(
                f"{option} {path} {rel} the input {other} ({what}); an output must never "
                "replace or hold an input: pass another path"
            )
        if rel == "is inside" and other.is_dir() and path.suffix.lower() == ".json":
            raise OutputError(
                f"{option} {path} is a .json file inside the input folder {other} ({what}), "
                "where it would be read as an input; pass another path"
            )


def read_marker(folder: Path) -> dict[str, object] | None:
    """The marker of ``folder`` (``{"command": ..., "files": [...]}``), or None."""
    try:
        data = json.loads((folder / MARKER).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or not isinstance(data.get("files"), list):
        return None
    return data


def own_files(folder: Path, command: str) -> set[str] | None:
    """The files the marker of ``folder`` lists as ``command``'s, or None (no such marker)."""
    marker = read_marker(folder)
    if marker is None or marker.get("command") != command:
        return None
    files = marker["files"]
    return {f for f in files if isinstance(f, str)} if isinstance(files, list) else set()


def write_marker(folder: Path, command: str, files: Iterable[str]) -> None:
    """Write ``folder``'s marker: ``command`` wrote ``files`` (paths relative to it)."""
    data = {"command": command, "files": sorted(set(files))}
    tmp = folder / f"{MARKER}.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, folder / MARKER)


def _entries(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


def _all_legacy(path: Path, entries: list[str], legacy: Recognise | None) -> bool:
    """Whether every entry of ``path`` is an earlier output by content (``legacy``), as in a
    folder written before markers existed; leftover ``.NAME.*.tmp`` files do not count."""
    if legacy is None:
        return False
    shown = [e for e in entries if not (e.startswith(".") and e.endswith(".tmp"))]
    return all((path / e).is_file() and legacy(path / e) for e in shown)


def check_output_dir(
    path: str | Path,
    guard: Guard,
    option: str = "--output",
    legacy: Recognise | None = None,
) -> Path:
    """Refuse (one line, :class:`OutputError`) a folder output this command may not write.

    Accepted: a new folder, an empty one, one holding this command's marker, one whose every
    file ``legacy`` recognises as the command's (written before markers), or any folder with
    ``--overwrite``; never a file, an input, the data, the cache, or an unwritable place.
    """
    path = Path(path).expanduser()
    legacy = legacy or guard.legacy
    _check_inputs(path, guard, option, folder=True)
    if path.exists() and not path.is_dir():
        raise OutputError(f"{option} {path} is a file, not a folder; pass a folder (new or empty)")
    _check_writable(path, option)
    if path.is_dir():
        if not os.access(path, os.W_OK | os.X_OK):
            raise OutputError(
                f"{option} {path} cannot be written (no permission, a read-only file system or "
                "an immutable folder); pass a location you can write to"
            )
        entries = [e for e in _entries(path) if e != MARKER]
        mine = own_files(path, guard.command) is not None
        if entries and not (mine or guard.overwrite or _all_legacy(path, entries, legacy)):
            marker = read_marker(path)
            whose = (
                f"written by `emobench {marker.get('command')}`, not `emobench {guard.command}`"
                if marker
                else f"not written by `emobench {guard.command}`"
            )
            shown = ", ".join(entries[:5]) + (", ..." if len(entries) > 5 else "")
            raise OutputError(
                f"{option} {path} is a folder {whose} (it holds: {shown}); pass a new or empty "
                f"folder, or {OVERWRITE_HINT}"
            )
    return path


def check_output_file(
    path: str | Path,
    guard: Guard,
    option: str = "--output",
    recognise: Recognise | None = None,
) -> Path:
    """Refuse (one line, :class:`OutputError`) a file output this command may not write.

    Accepted: a new or empty file (``$GITHUB_STEP_SUMMARY``), or one that ``recognise`` says is
    an earlier output of the command (or any file with ``--overwrite``); never an input, a
    folder, a file inside the data or the cache, or an unwritable place.
    """
    path = Path(path).expanduser()
    _check_inputs(path, guard, option, folder=False)
    if path.is_dir():
        raise OutputError(f"{option} {path} is a folder; pass a file name")
    _check_writable(path, option)
    earlier = recognise is not None and recognise(path)
    if path.exists() and path.stat().st_size > 0 and not (guard.overwrite or earlier):
        raise OutputError(
            f"{option} {path} exists and is not an earlier output of `emobench {guard.command}`; "
            f"pass a new file name, or --overwrite to replace it"
        )
    return path


# ----------------------------------------------------------------------------- recognisers


def emobench_json(*schemas: str) -> Recognise:
    """Recognise a JSON file of one of ``schemas`` (its ``schema`` field)."""

    def recognise(path: Path) -> bool:
        try:
            with path.open("rb") as fh:
                data = json.loads(fh.read(64 << 20))
        except (OSError, ValueError):
            return False
        return isinstance(data, dict) and data.get("schema") in schemas

    return recognise


def text_mark(mark: str, head: int = 4096) -> Recognise:
    """Recognise a text file whose first ``head`` characters hold ``mark``."""

    def recognise(path: Path) -> bool:
        try:
            with path.open(encoding="utf-8", errors="replace") as fh:
                return mark in fh.read(head)
        except OSError:
            return False

    return recognise


def protected_paths(
    data_dir: str | Path | None, cache_dir: str | Path | None
) -> list[tuple[str, str | Path | None]]:
    """The ``protected`` pairs of the data folder and the checkpoint cache."""
    return [("data folder", data_dir), ("checkpoint cache", cache_dir)]


def input_paths(option: str, paths: Sequence[str | Path] | None) -> list[tuple[str, str | Path]]:
    """``inputs`` pairs of an option's paths."""
    return [(option, p) for p in paths or ()]
