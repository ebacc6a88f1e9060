"""Publishing a folder output: built in a staging sibling, then swapped in atomically.

The old copy is renamed aside, the new one renamed in, then the old one removed; what an
interrupted publish left (staging folders, an old copy set aside) is cleaned on the next one.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

from emobench_core.errors import OutputError
from emobench_core.outputs.guard import (
    MARKER,
    OVERWRITE_HINT,
    Guard,
    Recognise,
    check_output_dir,
    own_files,
    write_marker,
)


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


def _share(folder: Path) -> None:
    """Give every file a normal mode (some writers make owner-only files, e.g. mkstemp)."""
    mask = os.umask(0o022)
    os.umask(mask)
    for f in folder.rglob("*"):
        if f.is_file() and not f.is_symlink():
            f.chmod(0o666 & ~mask)


def _absolute(path: str | Path) -> Path:
    """``path`` made absolute, without ``.`` or ``..`` (``--output .`` has a name, a parent)."""
    return Path(os.path.abspath(Path(path).expanduser()))


def staging_for(output: Path) -> Path:
    """A fresh staging folder beside ``output`` (``.NAME.staging-PID``), after cleaning what an
    interrupted publish of it left behind."""
    output = _absolute(output)
    output.parent.mkdir(parents=True, exist_ok=True)
    clean_leftovers(output)
    staging = output.with_name(f".{output.name}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir()
    return staging


def publish_staged(staging: Path, output: Path, guard: Guard) -> None:
    """Put the finished ``staging`` folder in place as ``output`` (see :func:`publish_dir`)."""
    output = _absolute(output)
    check_output_dir(output, guard)  # again: the folder may have changed during the work
    new = _files(staging)
    _share(staging)
    write_marker(staging, guard.command, new)
    if not output.exists():
        os.replace(staging, output)
        return
    mine = own_files(output, guard.command)
    if mine is None:  # an earlier output from before markers: its files known by content
        legacy = guard.legacy
        mine = {e for e in _files(output) if legacy is not None and legacy(output / e)}
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
    output = _absolute(output)
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
    command ever wrote there. The folder is not created here: a command that fails before its
    first file leaves none."""
    folder = Path(folder).expanduser()
    check_output_dir(folder, guard, option, legacy)
    files = own_files(folder, guard.command) or set()

    def record(name: str) -> None:
        files.add(name)
        folder.mkdir(parents=True, exist_ok=True)
        write_marker(folder, guard.command, files)

    yield record
