"""Every path a command writes, checked before any work, and folders published atomically.

One rule for every command: nothing is deleted or overwritten that the command did not create.

- An output folder that exists and holds anything is written into only when it holds this
  command's marker (:data:`MARKER`, listing the files it wrote there), or with ``--overwrite``;
  even then only the command's own files are replaced, never anything else in the folder.
- An output file that exists is replaced only when it is an earlier output of the command
  (its ``recognise`` check: a results schema, the report's header) or with ``--overwrite``.
- No output may equal an input; an output folder may neither contain nor lie inside an input
  folder, the data folder or the checkpoint cache (in either direction).
- A file where a folder is needed, a folder where a file is needed, a location that cannot be
  written (permissions, read-only or immutable) or a disk without room are refused in one line.
- A folder output is built in a staging sibling (``.NAME.staging-PID``) and renamed into place:
  the old copy is renamed aside (``.NAME.old-PID``), the new one renamed in, then the old one
  removed. Leftovers of an interrupted publish are cleaned (an old copy left aside while no new
  one arrived is renamed back first).

Light on purpose (standard library only): the command line calls it before any heavy import.

    emobench train --model bert-tiny --output runs/bert-tiny   # refused if runs/bert-tiny is yours
"""

from __future__ import annotations

import contextlib
import errno
import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from emobench_core.errors import OutputError

MARKER = ".emobench-output.json"
"""In every folder a command wrote: which command, and the files it wrote there."""
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
    """

    command: str
    overwrite: bool = False
    inputs: tuple[tuple[str, Path], ...] = ()
    protected: tuple[tuple[str, Path], ...] = field(default=())

    @classmethod
    def of(
        cls,
        command: str,
        *,
        overwrite: bool = False,
        inputs: Iterable[tuple[str, str | Path | None]] = (),
        protected: Iterable[tuple[str, str | Path | None]] = (),
    ) -> Guard:
        """A guard, leaving out the paths that are ``None`` or empty."""
        return cls(
            command,
            overwrite,
            tuple((w, Path(p).expanduser()) for w, p in inputs if p),
            tuple((w, Path(p).expanduser()) for w, p in protected if p),
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
    return {str(f) for f in marker["files"] if isinstance(f, str)}  # type: ignore[union-attr]


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

    Accepted: a new file, or an existing one that ``recognise`` says is an earlier output of
    the command (or any file with ``--overwrite``); never an input, a folder, a file inside the
    data or the cache, or an unwritable place.
    """
    path = Path(path).expanduser()
    _check_inputs(path, guard, option, folder=False)
    if path.is_dir():
        raise OutputError(f"{option} {path} is a folder; pass a file name")
    _check_writable(path, option)
    if path.exists() and not guard.overwrite and not (recognise is not None and recognise(path)):
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


# ----------------------------------------------------------------------------- publishing


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _leftovers(output: Path, kind: str) -> list[Path]:
    """``.NAME.<kind>-PID`` siblings of ``output`` whose process is gone."""
    out = []
    for p in output.parent.glob(f".{output.name}.{kind}-*"):
        pid = p.name.rsplit("-", 1)[-1]
        if not (pid.isdigit() and int(pid) != os.getpid() and _pid_alive(int(pid))):
            out.append(p)
    return sorted(out)


def clean_leftovers(output: Path) -> None:
    """Remove what an interrupted publish of ``output`` left: its staging folders, and old
    copies set aside (renamed back first when the new copy never arrived)."""
    for old in _leftovers(output, "old"):
        if not output.exists():
            os.replace(old, output)  # the publish stopped between the two renames
        else:
            shutil.rmtree(old, ignore_errors=True)
    for staging in _leftovers(output, "staging"):
        shutil.rmtree(staging, ignore_errors=True)


def _files(folder: Path) -> list[str]:
    return sorted(
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if (p.is_file() or p.is_symlink()) and p.name != MARKER
    )


def write_marker(folder: Path, command: str, files: Iterable[str]) -> None:
    """Write ``folder``'s marker: ``command`` wrote ``files`` (paths relative to it)."""
    data = {"command": command, "files": sorted(set(files))}
    tmp = folder / f"{MARKER}.tmp-{os.getpid()}"
    tmp.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")
    os.replace(tmp, folder / MARKER)


def _share(folder: Path) -> None:
    """Give every file a normal mode (some writers make owner-only files, e.g. mkstemp)."""
    mask = os.umask(0o022)
    os.umask(mask)
    for f in folder.rglob("*"):
        if f.is_file() and not f.is_symlink():
            f.chmod(0o666 & ~mask)


def staging_for(output: Path) -> Path:
    """A fresh staging folder beside ``output`` (``.NAME.staging-PID``), after cleaning what an
    interrupted publish of it left behind."""
    output.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(output)
    staging = output.with_name(f".{output.name}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    return staging


def publish_staged(staging: Path, output: Path, guard: Guard) -> None:
    """Put the finished ``staging`` folder in place as ``output`` (see :func:`publish_dir`)."""
    check_output_dir(output, guard)  # again: the folder may have changed during the work
    new = _files(staging)
    _share(staging)
    write_marker(staging, guard.command, new)
    if not output.exists():
        os.replace(staging, output)
        return
    mine = own_files(output, guard.command) or set()
    foreign = [e for e in _files(output) if e not in mine]
    if not foreign:
        old = output.with_name(f".{output.name}.old-{os.getpid()}")
        os.replace(output, old)
        os.replace(staging, output)
        shutil.rmtree(old, ignore_errors=True)
        return
    _merge(staging, output, guard, mine, new, foreign)


def publish_dir(output: str | Path, guard: Guard, fill: Callable[[Path], object]) -> Path:
    """Build ``output`` with ``fill(staging)`` in a staging sibling, then put it in place.

    A new or marker-only folder is swapped whole (old copy renamed aside, new one renamed in,
    old one removed). A folder that also holds files the command did not write (accepted with
    ``--overwrite``, or added by the user since) keeps them: the command's old files are removed
    and its new ones renamed in one by one; a file of the same name that is not the command's is
    replaced only with ``--overwrite``. On any failure or Ctrl-C the staging folder is removed
    and ``output`` is as it was.
    """
    output = Path(output).expanduser()
    check_output_dir(output, guard)
    staging = staging_for(output)
    try:
        fill(staging)
        publish_staged(staging, output, guard)
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    return output


def _merge(
    staging: Path, output: Path, guard: Guard, mine: set[str], new: list[str], foreign: list[str]
) -> None:
    clash = sorted(set(new) & set(foreign))
    if clash and not guard.overwrite:
        raise OutputError(
            f"--output {output} holds {', '.join(clash[:5])}, which `emobench {guard.command}` "
            f"did not write and would replace; move them away, or {OVERWRITE_HINT}"
        )
    for name in sorted(mine - set(new)):
        with contextlib.suppress(FileNotFoundError):
            (output / name).unlink()
    for name in new:
        target = output / name
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(staging / name, target)
    write_marker(output, guard.command, new)


@contextlib.contextmanager
def writing_into(
    folder: str | Path,
    guard: Guard,
    option: str = "--output",
    legacy: Recognise | None = None,
) -> Iterator[Callable[[str], None]]:
    """Add files to an output ``folder`` (checked first, as :func:`check_output_dir`): yields
    ``record(name)``, to call after each file is written; the marker lists every file the
    command ever wrote there."""
    folder = Path(folder).expanduser()
    check_output_dir(folder, guard, option, legacy)
    folder.mkdir(parents=True, exist_ok=True)
    files = own_files(folder, guard.command) or set()

    def record(name: str) -> None:
        files.add(name)
        write_marker(folder, guard.command, files)

    yield record


def describe_os_error(exc: OSError) -> str:
    """One line for an operating-system error: what failed, on which path, and the fix."""
    path = exc.filename if exc.filename is not None else ""
    other = f" -> {exc.filename2}" if getattr(exc, "filename2", None) else ""
    what = exc.strerror or type(exc).__name__
    fixes = {
        errno.EACCES: "check its permissions, or pass a location you can read and write",
        errno.EPERM: "it is protected (permissions or immutable); pass another location",
        errno.EROFS: "the file system is read-only; pass a location on a writable one",
        errno.ENOSPC: "the disk is full; free some space or pass a location on another disk",
        errno.EDQUOT: "your disk quota is used up; free some space or pass another location",
        errno.ENOTDIR: "a part of the path is a file, not a folder; fix the path",
        errno.EISDIR: "it is a folder where a file was expected; fix the path",
        errno.ENOENT: "it does not exist; check the path",
    }
    fix = fixes.get(exc.errno or 0, "check the path and try again")
    return f"{what}: {path}{other}; {fix}" if path else f"{what}; {fix}"


def protected_paths(
    data_dir: str | Path | None, cache_dir: str | Path | None
) -> list[tuple[str, str | Path | None]]:
    """The ``protected`` pairs of the data folder and the checkpoint cache."""
    return [("data folder", data_dir), ("checkpoint cache", cache_dir)]


def input_paths(option: str, paths: Sequence[str | Path] | None) -> list[tuple[str, str | Path]]:
    """``inputs`` pairs of an option's paths."""
    return [(option, p) for p in paths or ()]
