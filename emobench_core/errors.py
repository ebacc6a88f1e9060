"""Every error emobench raises on purpose, under one base class.

The command line turns an :class:`EmobenchError` into one line on stderr and exit code 2
(``emobench_core.cli``), an operating-system error too (:func:`describe_os_error`: the path and
the fix); anything else is a bug and keeps its traceback.

    emobench run --models bert-tinyy   # RegistryError: unknown model 'bert-tinyy': did you mean ...
"""

from __future__ import annotations

import errno


class EmobenchError(Exception):
    """The base of every error emobench raises for bad input or a missing environment."""


class UsageError(EmobenchError):
    """Bad command-line input."""


class DataError(EmobenchError, ValueError):
    """Bad input data: the message says what was wrong, where, and how to fix it."""


class RegistryError(EmobenchError, ValueError):
    """An unknown model name, or a model that cannot be loaded as asked."""


class ResultsError(EmobenchError, ValueError):
    """A results file that cannot be read, or was written by an incompatible schema."""


class BudgetError(EmobenchError, ValueError):
    """No candidate can be recommended; the message says why and which limit to relax."""


class ThresholdsError(EmobenchError, ValueError):
    """A thresholds file that names an unknown profile or model, or lacks a needed entry."""


class ProbeError(EmobenchError, RuntimeError):
    """A model could not be measured (its subprocess failed); the message has its stderr."""


class DeployError(EmobenchError, RuntimeError):
    """A deployment variant that cannot be trusted (e.g. ONNX logits differ from torch's)."""


class MissingExtraError(EmobenchError, ImportError):
    """An optional extra (``emobench[onnx]``) is not installed; the message has the pip command."""


class ExportError(EmobenchError):
    """A run's model cannot be exported (its cache entry is missing or cannot be trusted, or the
    data given is not the run's); the message names the run, the folder and how to re-create it."""


class OutputError(EmobenchError):
    """An output path a command may not write: a folder or file it did not create, an input,
    the data or the cache, a file where a folder is needed, or a place it cannot write to."""


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
