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

    emobench train --model bert-tiny --output runs/bert-tiny   # new, empty or an earlier train
"""

from __future__ import annotations

from emobench_core.outputs.guard import (
    MARKER,
    Guard,
    Recognise,
    check_output_dir,
    check_output_file,
    emobench_json,
    input_paths,
    own_files,
    protected_paths,
    read_marker,
    text_mark,
    write_marker,
)
from emobench_core.outputs.publish import (
    clean_leftovers,
    publish_dir,
    publish_staged,
    staging_for,
    writing_into,
)

__all__ = [
    "MARKER",
    "Guard",
    "Recognise",
    "check_output_dir",
    "check_output_file",
    "clean_leftovers",
    "emobench_json",
    "input_paths",
    "own_files",
    "protected_paths",
    "publish_dir",
    "publish_staged",
    "read_marker",
    "staging_for",
    "text_mark",
    "write_marker",
    "writing_into",
]
