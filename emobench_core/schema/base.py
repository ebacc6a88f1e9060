"""How every emobench results file is written and read: JSON, written atomically, read with one
missing-file and one broken-file error.

    emobench run --models bert-tiny --output runs/   # every results file goes through here
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict
from pathlib import Path
from typing import Any, ClassVar, Self

from emobench_core.errors import ResultsError


def write_json_atomic(path: str | Path, data: Any) -> None:
    """Write JSON to a temporary file beside ``path``, fsync it, then rename over ``path``.

    A crash at any point leaves ``path`` absent or as it was, never truncated; at worst a
    temporary ``.NAME.*.tmp`` stays behind, which :func:`load_results` ignores.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes it 0600; give it a normal file's mode
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            json.dump(data, fh, indent=1, sort_keys=False)
            fh.write("\n")
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def read_json(path: Path, *, missing: str, remake: str) -> Any:
    """JSON from ``path``; a missing or unreadable file is a :class:`ResultsError`: ``missing``
    is the whole message for an absent file, ``remake`` says how to re-create a broken one."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ResultsError(missing) from exc
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ResultsError(
            f"{path} is not valid JSON ({exc}); it may be truncated — {remake}"
        ) from exc
    except RecursionError:  # absurdly nested arrays or objects
        raise ResultsError(
            f"{path} nests its JSON too deeply to be a results file; {remake}"
        ) from None


class ResultFile:
    """The base of every results file kind: a dataclass with a schema name and version.

    Subclasses set :attr:`SCHEMA_NAME`, :attr:`SCHEMA_VERSION`, :attr:`WHAT` (how an error
    names the kind) and :attr:`WRITTEN_BY` (the command that writes it), and build themselves
    from a checked dict in :meth:`_from_fields`. Writing is atomic (:func:`write_json_atomic`);
    reading checks the schema, then turns a missing key or a wrong type into one
    :class:`ResultsError` that says how to re-create the file. A file of an older schema is
    read through :meth:`_upgrade` where its kind still reads it.
    """

    SCHEMA_NAME: ClassVar[str]
    SCHEMA_VERSION: ClassVar[int]
    WHAT: ClassVar[str]
    WRITTEN_BY: ClassVar[str]

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)  # type: ignore[call-overload]  # subclasses are dataclasses
        return {**data, "schema": self.SCHEMA_NAME, "schema_version": self.SCHEMA_VERSION}

    @classmethod
    def _from_fields(cls, data: dict[str, Any]) -> Self:
        """Build an instance from a dict of the current schema (may raise KeyError and the
        like; :meth:`from_dict` words them)."""
        return cls(**data)

    @classmethod
    def _upgrade(cls, data: dict[str, Any]) -> dict[str, Any] | None:
        """``data`` of an older schema rewritten to the current one, or ``None`` when this
        kind cannot read it. By default no older schema is read."""
        return None

    @classmethod
    def _check(cls, data: dict[str, Any]) -> None:
        """Check ``data`` (current schema, no schema keys) before it is built; raise any
        ValueError whose message names the field (:meth:`from_dict` adds the file and the fix).
        By default nothing beyond what building checks."""

    @classmethod
    def _fix(cls, origin: str) -> str:
        return f"re-create it with `{cls.WRITTEN_BY}`"

    @classmethod
    def from_dict(cls, data: Any, *, origin: str = "<dict>") -> Self:
        """Check ``data``'s schema and build the record (``origin`` names it in errors)."""
        fix = cls._fix(origin)
        if not isinstance(data, dict):
            raise ResultsError(
                f"{origin} holds a JSON {type(data).__name__}, not an emobench {cls.WHAT}; {fix}"
            )
        name, version = data.get("schema"), data.get("schema_version")
        if (name, version) != (cls.SCHEMA_NAME, cls.SCHEMA_VERSION):
            upgraded = cls._upgrade(data)
            if upgraded is None:
                raise ResultsError(
                    f"{origin} is not an emobench {cls.WHAT} of schema version "
                    f"{cls.SCHEMA_VERSION} (expected schema={cls.SCHEMA_NAME!r}; found "
                    f"schema={name!r}, version={version!r}); "
                    f"{fix}, or read it with the emobench release that wrote it"
                )
            data = upgraded
        fields = {k: v for k, v in data.items() if k not in ("schema", "schema_version")}
        try:
            cls._check(fields)
        except ResultsError:
            raise
        except ValueError as exc:  # the field and its problem: one line, never a traceback
            problem = " ".join(str(exc).split())  # one line, whatever the keys hold
            raise ResultsError(f"{origin} has a malformed {cls.WHAT}: {problem}; {fix}") from None
        try:
            return cls._from_fields(fields)
        except (KeyError, TypeError, AttributeError, ValueError) as exc:
            raise ResultsError(f"{origin} has a malformed {cls.WHAT} ({exc}); {fix}") from exc

    def save(self, path: str | Path) -> Path:
        """Write the record to ``path`` atomically and return the path."""
        write_json_atomic(path, self.to_dict())
        return Path(path)

    @classmethod
    def load(cls, path: str | Path) -> Self:
        """Read a file written by :meth:`save`."""
        path = Path(path)
        fix = cls._fix(str(path))
        data = read_json(path, missing=f"no {cls.WHAT} file at {path}; {fix}", remake=fix)
        return cls.from_dict(data, origin=str(path))
