"""Fault injection on the outputs (issue 33 points 1-3): no command deletes or overwrites a
file it did not create, every output path is refused before any work in one line (exit 2),
operating-system errors and Ctrl-C end in one line, and a read-only cache serves its hits.

Each case runs the real command line in a subprocess on tiny data (the TF-IDF SVM; one run
trained once for the module) and checks the exit code, the one line on stderr (no traceback)
and the sha256 of every file that was there before.

    python -m pytest tests/faults/test_outputs.py -q
"""

from __future__ import annotations

import errno
import json
import os
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from fault_tools import Fault, assert_kept, assert_one_line, emobench, hashes, tiny_data

from emobench_core.cache import CheckpointCache
from emobench_core.errors import OutputError
from emobench_core.outputs import (
    MARKER,
    Guard,
    check_output_dir,
    check_output_file,
    clean_leftovers,
    publish_dir,
)


@dataclass(frozen=True)
class SvmRun:
    """One finished run of the TF-IDF SVM: its data, cache and results folder."""

    root: Path
    data: Path
    cache: Path
    runs: Path
    result: Path

    def common(self) -> list[str]:
        return ["--data-dir", str(self.data), "--cache-dir", str(self.cache)]


@pytest.fixture(scope="module")
def svm(tmp_path_factory: pytest.TempPathFactory) -> SvmRun:
    root = tmp_path_factory.mktemp("svm")
    data, cache, runs = tiny_data(root / "data"), root / "cache", root / "runs"
    out = emobench(
        ["run", "--models", "tfidf-svm", "--data-dir", str(data), "--cache-dir", str(cache)]
        + ["--output", str(runs)],
        root,
    )
    assert out.code == 0, out.stderr
    (result,) = runs.glob("*.json")
    return SvmRun(root, data, cache, runs, result)


@pytest.fixture
def work(tmp_path: Path) -> Path:
    """The working folder of a case: a user's files beside it, which nothing may touch."""
    folder = tmp_path / "work"
    folder.mkdir()
    (folder / "notes.txt").write_text("the user's notes\n", encoding="utf-8")
    mine = folder / "mine"
    mine.mkdir()
    (mine / "thesis.tex").write_text("\\section{mine}\n", encoding="utf-8")
    (mine / "README.md").write_text("# my project\n", encoding="utf-8")
    (folder / "file.txt").write_text("a file\n", encoding="utf-8")
    (folder / "afolder").mkdir()
    (folder / "afolder" / "keep.txt").write_text("keep\n", encoding="utf-8")
    return folder


# --------------------------------------------------------------- refused before any work
# (args given the fixtures, what must not appear, words of the one line)
Case = Callable[[SvmRun, Path], tuple[list[str], Path | None, tuple[str, ...]]]


def _train(s: SvmRun, output: Path | str) -> list[str]:
    return ["train", "--model", "tfidf-svm", *s.common(), "--output", str(output)]


REFUSED: dict[str, Case] = {
    "train-into-a-user-folder": lambda s, w: (
        _train(s, w / "mine"),
        None,
        ("--output", "mine", "not written by `emobench train`", "--overwrite"),
    ),
    "train-into-the-data-folder": lambda s, w: (_train(s, s.data), None, ("data folder",)),
    "train-into-the-cache": lambda s, w: (_train(s, s.cache), None, ("checkpoint cache",)),
    "train-into-a-folder-holding-the-data-and-cache": lambda s, w: (
        _train(s, s.root),
        None,
        ("contains the data folder",),
    ),
    "train-into-the-working-folder": lambda s, w: (_train(s, "."), None, ("not written by",)),
    "train-output-is-a-file": lambda s, w: (_train(s, w / "file.txt"), None, ("is a file",)),
    "train-output-under-a-file": lambda s, w: (
        _train(s, w / "file.txt" / "ckpt"),
        w / "file.txt" / "ckpt",
        ("file.txt is a file, not a folder",),
    ),
    "export-into-a-project-with-a-readme": lambda s, w: (
        ["export", str(s.result), "--no-onnx", *s.common(), "--output", str(w / "mine")],
        None,
        ("not written by `emobench export`",),
    ),
    "export-into-the-results-folder": lambda s, w: (
        ["export", str(s.result), "--no-onnx", *s.common(), "--output", str(s.runs)],
        None,
        ("input",),
    ),
    "report-output-is-its-input": lambda s, w: (
        ["report", "--no-bench", "--results", str(s.result), "--output", str(s.result)],
        None,
        ("--output", "input"),
    ),
    "report-output-a-user-file": lambda s, w: (
        ["report", "--no-bench", "--results", str(s.runs), "--output", str(w / "notes.txt")],
        None,
        ("not an earlier output of `emobench report`", "--overwrite"),
    ),
    "report-html-is-a-folder": lambda s, w: (
        ["report", "--no-bench", "--results", str(s.runs), "--output", str(w / "R.md")]
        + ["--html", str(w / "afolder")],
        w / "R.md",
        ("--html", "is a folder"),
    ),
    "compare-markdown-is-the-baseline": lambda s, w: (
        ["compare", str(s.runs), str(s.runs), "--markdown", str(s.result)],
        None,
        ("--markdown", "input"),
    ),
    "run-output-is-a-file": lambda s, w: (
        ["run", "--models", "tfidf-svm", *s.common(), "--output", str(w / "file.txt")],
        None,
        ("is a file",),
    ),
    "tune-output-a-user-file": lambda s, w: (
        ["tune", "--models", "tfidf-svm", *s.common(), "--output", str(w / "notes.txt")],
        None,
        ("not an earlier output of `emobench tune`",),
    ),
}


@pytest.mark.parametrize("case", list(REFUSED))
def test_an_output_it_may_not_write_is_refused_before_any_work(
    svm: SvmRun, work: Path, case: str
) -> None:
    args, absent, words = REFUSED[case](svm, work)
    before = {**hashes(svm.root), **{f"work/{k}": v for k, v in hashes(work).items()}}
    out = emobench(args, work)
    assert_one_line(out, 2, args[0], *words)
    assert_kept({k: v for k, v in before.items() if not k.startswith("work/")}, svm.root)
    assert_kept({k[5:]: v for k, v in before.items() if k.startswith("work/")}, work)
    assert absent is None or not absent.exists()
    assert not [m for m in ("torch", "transformers") if m in out.heavy], out.heavy


# ----------------------------------------------------------- accepted: only its own files


def test_train_replaces_its_own_output_and_keeps_a_users_file(svm: SvmRun, work: Path) -> None:
    out_dir = work / "ckpt"
    first = emobench(_train(svm, out_dir), work)
    assert first.code == 0, first.stderr
    assert json.loads((out_dir / MARKER).read_text())["command"] == "train"
    (out_dir / "my-notes.txt").write_text("added by the user\n", encoding="utf-8")
    kept = hashes(work)
    second = emobench(_train(svm, out_dir), work)
    assert second.code == 0, second.stderr
    assert_kept(kept, work)
    assert (out_dir / "model.skops").is_file()


def test_overwrite_adds_to_a_users_folder_and_removes_nothing(svm: SvmRun, work: Path) -> None:
    kept = hashes(work)
    out = emobench([*_train(svm, work / "mine"), "--overwrite"], work)
    assert out.code == 0, out.stderr
    assert_kept(kept, work)
    assert (work / "mine" / "model.skops").is_file()


def test_export_replaces_its_own_earlier_export(svm: SvmRun, work: Path) -> None:
    args = ["export", str(svm.result), "--no-onnx", *svm.common(), "--output", "shipped"]
    assert emobench(args, work).code == 0
    again = emobench(args, work)
    assert again.code == 0, again.stderr
    assert (work / "shipped" / "README.md").is_file()
    assert not list(work.glob(".shipped.*"))


def test_an_interrupted_publish_is_cleaned_up_on_the_next_run(svm: SvmRun, work: Path) -> None:
    """A staging folder left by a killed publish (its process is gone) is removed."""
    dead = 4_194_304 + 7  # above any pid_max: no such process
    staging = work / f".ckpt.staging-{dead}"
    staging.mkdir()
    (staging / "half.bin").write_bytes(b"half")
    out = emobench(_train(svm, work / "ckpt"), work)
    assert out.code == 0, out.stderr
    assert not staging.exists()
    assert (work / "ckpt" / "model.skops").is_file()


def test_an_old_copy_set_aside_by_a_killed_publish_is_put_back(tmp_path: Path) -> None:
    dead = 4_194_304 + 7
    old = tmp_path / f".out.old-{dead}"
    old.mkdir()
    (old / "model.skops").write_bytes(b"the good copy")
    staging = tmp_path / f".out.staging-{dead}"
    staging.mkdir()
    clean_leftovers(tmp_path / "out")
    assert (tmp_path / "out" / "model.skops").read_bytes() == b"the good copy"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


def test_a_publish_stopped_by_ctrl_c_leaves_the_old_copy_and_no_staging(tmp_path: Path) -> None:
    out = tmp_path / "out"
    guard = Guard("train")
    publish_dir(out, guard, lambda d: (d / "a.txt").write_text("old\n"))
    kept = hashes(tmp_path)

    def interrupted(folder: Path) -> None:
        (folder / "a.txt").write_text("new, half-written")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        publish_dir(out, guard, interrupted)
    assert hashes(tmp_path) == kept


@pytest.mark.parametrize("where", ["unwritable", "disk-full"])
def test_an_unwritable_or_full_place_is_refused_before_any_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """(Root writes anywhere, so the file system's answer is injected here.)"""
    if where == "unwritable":
        monkeypatch.setattr(os, "access", lambda *_a, **_k: False)
        words = "cannot be written"
    else:
        usage = shutil.disk_usage(tmp_path)
        monkeypatch.setattr(shutil, "disk_usage", lambda _p: usage._replace(free=1 << 20))
        words = "MB free"
    with pytest.raises(OutputError, match=words):
        check_output_dir(tmp_path / "out", Guard("train"))
    with pytest.raises(OutputError, match=words):
        check_output_file(tmp_path / "RESULTS.md", Guard("report"))
    assert list(tmp_path.iterdir()) == []


# --------------------------------------------------- operating-system errors and Ctrl-C

OS_ERRORS = {
    "EACCES": "permissions",
    "EROFS": "read-only",
    "ENOSPC": "disk is full",
    "ENOTDIR": "not a folder",
    "EISDIR": "a folder where a file",
}


@pytest.mark.parametrize("name", list(OS_ERRORS))
def test_an_os_error_while_writing_is_one_line_naming_the_path(
    svm: SvmRun, work: Path, name: str
) -> None:
    target = work / "RESULTS.md"
    fault = Fault("emobench_core.report.render", "render_report", name, str(target))
    kept = hashes(svm.root)
    out = emobench(
        ["report", "--no-bench", "--results", str(svm.runs), "--output", str(target)],
        work,
        fault=fault,
    )
    assert_one_line(out, 2, "report", str(target), OS_ERRORS[name])
    assert_kept(kept, svm.root)


def test_a_full_cache_is_one_line(svm: SvmRun, work: Path) -> None:
    fault = Fault("emobench_core.scenarios.run", "train_checkpoint", "ENOSPC", str(svm.cache))
    out = emobench(_train(svm, work / "ckpt"), work, fault=fault)
    assert_one_line(out, 2, "train", str(svm.cache), "disk is full")
    assert not (work / "ckpt").exists()


@pytest.mark.parametrize(
    ("command", "fault"),
    [
        ("train", Fault("emobench_core.scenarios.run", "train_checkpoint", "KeyboardInterrupt")),
        ("report", Fault("emobench_core.report.render", "render_report", "KeyboardInterrupt")),
    ],
)
def test_ctrl_c_exits_130_with_one_line_and_writes_nothing(
    svm: SvmRun, work: Path, command: str, fault: Fault
) -> None:
    target = work / ("ckpt" if command == "train" else "RESULTS.md")
    args = (
        _train(svm, target)
        if command == "train"
        else ["report", "--no-bench", "--results", str(svm.runs), "--output", str(target)]
    )
    kept = hashes(work)
    out = emobench(args, work, fault=fault)
    assert_one_line(out, 130, command, "interrupted")
    assert hashes(work) == kept


def test_a_read_only_cache_serves_its_hits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The entry is there and intact: no lock file needs to be created to read it."""
    cache = CheckpointCache(tmp_path / "cache")
    parts = {"model": "m", "seed": 1}
    folder, hit = cache.get_or_build(parts, lambda d: (d / "w.bin").write_bytes(b"w"))
    assert not hit

    def no_lock(*_: object) -> None:
        raise PermissionError(errno.EROFS, os.strerror(errno.EROFS), str(cache.root / ".lock"))

    monkeypatch.setattr(CheckpointCache, "_lock", no_lock)
    again, hit = cache.get_or_build(parts, lambda d: pytest.fail("rebuilt"))
    assert (again, hit) == (folder, True)
    if os.geteuid() != 0:  # root writes anywhere: the mode alone proves nothing there
        monkeypatch.undo()
        for path in (cache.root, folder):
            path.chmod(0o555)
        try:
            assert cache.get_or_build(parts, lambda d: pytest.fail("rebuilt")) == (folder, True)
        finally:
            for path in (cache.root, folder):
                path.chmod(0o755)


def test_the_run_schema_name_the_cli_recognises_is_the_schemas() -> None:
    from emobench_core.cli.run import RUN_SCHEMA
    from emobench_core.schema.run import SCHEMA_NAME

    assert RUN_SCHEMA == SCHEMA_NAME


def test_nothing_is_left_beside_an_output(svm: SvmRun, work: Path) -> None:
    out = emobench(_train(svm, work / "ckpt"), work)
    assert out.code == 0, out.stderr
    assert sorted(p.name for p in work.iterdir() if p.name.startswith(".ckpt")) == []
    shutil.rmtree(work / "ckpt")
