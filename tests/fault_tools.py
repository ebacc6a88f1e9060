"""Tools of the fault-injection suite (``tests/faults/``): the ``emobench`` command in a
subprocess, optionally with one function replaced by a fault (an operating-system error or
Ctrl-C), the hashes of every file of a tree, and the one-line check.

    python -m pytest tests/faults -q
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import emobench_core

REPO = Path(emobench_core.__file__).resolve().parents[1]
HEAVY = ("torch", "transformers", "datasets", "sklearn")
"""Libraries a cheap check must not import: refusing bad input costs no heavy import."""
WORDS = ("down", "glad", "loved", "furious", "scared", "amazed")
ROWS = [(f"i feel {WORDS[i % 6]} number {i}", i % 6) for i in range(24)]

_RUNNER = """
import errno, importlib, json, os, sys
args, fault = json.loads(sys.argv[1]), json.loads(sys.argv[2])
if fault:
    def _fault(*_a, **_k):
        if fault["raise"] == "KeyboardInterrupt":
            raise KeyboardInterrupt
        code = getattr(errno, fault["raise"])
        raise OSError(code, os.strerror(code), fault.get("path"))
    setattr(importlib.import_module(fault["module"]), fault["name"], _fault)
from emobench_core.cli import main
try:
    code = main(args)
finally:
    heavy = [m for m in @HEAVY@ if m in sys.modules]
    sys.stdout.write("\\n@heavy " + json.dumps(heavy) + "\\n")
sys.exit(code)
""".replace("@HEAVY@", repr(HEAVY))


@dataclass(frozen=True)
class Fault:
    """Replace ``module.name`` with a function that raises ``raise_`` (an ``errno`` name such
    as ``"ENOSPC"``, with ``path`` as the error's file name, or ``"KeyboardInterrupt"``)."""

    module: str
    name: str
    raise_: str
    path: str | None = None

    def to_json(self) -> str:
        return json.dumps(
            {"module": self.module, "name": self.name, "raise": self.raise_, "path": self.path}
        )


@dataclass(frozen=True)
class Outcome:
    code: int
    stderr: str
    stdout: str
    heavy: list[str]

    @property
    def lines(self) -> list[str]:
        return [line for line in self.stderr.splitlines() if line.strip()]


def cli_env(**changes: str | None) -> dict[str, str]:
    """A CLI subprocess's environment: offline, no EMOBENCH_* defaults, plus ``changes``
    (``None`` removes a variable)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("EMOBENCH_")}
    env.update(PYTHONPATH=str(REPO), HF_HUB_OFFLINE="1", HF_DATASETS_OFFLINE="1")
    env.setdefault("OMP_NUM_THREADS", "1")
    for key, value in changes.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


def emobench(
    args: list[str],
    cwd: Path,
    *,
    fault: Fault | None = None,
    env: dict[str, str] | None = None,
    timeout: float = 300,
) -> Outcome:
    """``emobench --quiet ARGS`` in a subprocess (in ``cwd``), with ``fault`` injected; which
    heavy libraries it had imported when it ended."""
    proc = subprocess.run(
        [
            sys.executable,
            "-c",
            _RUNNER,
            json.dumps(["--quiet", *args]),
            fault.to_json() if fault else "null",
        ],
        cwd=cwd,
        env=env or cli_env(HF_HOME=str(cwd / ".hf-empty")),
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    stdout, found, tail = proc.stdout.rpartition("\n@heavy ")
    heavy = json.loads(tail) if found else list(HEAVY)  # (killed before it could say)
    return Outcome(proc.returncode, proc.stderr, stdout, heavy)


def assert_one_line(out: Outcome, code: int, command: str, *words: str) -> str:
    """The run ended with exit ``code`` and one line on stderr (no traceback) naming
    ``words``; that line."""
    assert "Traceback" not in out.stderr, out.stderr
    assert out.code == code, (out.code, out.stderr)
    assert len(out.lines) == 1, out.stderr
    line = out.lines[0]
    assert line.startswith(f"emobench {command}: "), line
    for word in words:
        assert word in line, f"{word!r} not in: {line}"
    return line


def hashes(root: Path) -> dict[str, str]:
    """The sha256 of every file under ``root`` (relative paths), links as their target."""
    out = {}
    for path in sorted(root.rglob("*")):
        if path.is_symlink():
            out[str(path.relative_to(root))] = "-> " + os.readlink(path)
        elif path.is_file():
            out[str(path.relative_to(root))] = hashlib.sha256(path.read_bytes()).hexdigest()
    return out


def assert_kept(before: dict[str, str], root: Path) -> None:
    """Every file of ``before`` is still under ``root``, unchanged."""
    after = hashes(root)
    lost = sorted(k for k in before if k not in after)
    changed = sorted(k for k in before if k in after and after[k] != before[k])
    assert not lost and not changed, f"lost: {lost}; changed: {changed}"


def write_split(folder: Path, split: str, rows: list[tuple[object, object]]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{split}.jsonl"
    path.write_text(
        "".join(json.dumps({"text": t, "label": y}) + "\n" for t, y in rows), encoding="utf-8"
    )
    return path


def tiny_data(folder: Path) -> Path:
    """A tiny valid data folder: every split has each of the six labels."""
    write_split(folder, "train", ROWS)
    write_split(folder, "validation", ROWS[:12])
    write_split(folder, "test", ROWS[12:])
    return folder
