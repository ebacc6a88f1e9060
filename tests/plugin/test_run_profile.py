"""scripts/run_profile.sh, with a stand-in Python that records each pass's pytest arguments."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "run_profile.sh"

FAKE_PYTHON = """#!/usr/bin/env bash
printf '%s\\n' "$*" >> "$ARGS_LOG"
case "$*" in
  *--collect-only*@*)  # pytest lists every case, then refuses the -k expression
    printf '%s\\n' 'bench/t.py::q[a-s42]' "ERROR: Wrong expression passed to '-k'"; exit 4;;
  *--collect-only*) printf '%s\\n' 'bench/t.py::q[a-s42]' 'bench/t.py::q[b-s42]' '2 tests';;
esac
"""


def _run(tmp_path: Path, *args: str, workers: str = "2", isolate: str = "0"):
    fake = tmp_path / "python"
    fake.write_text(FAKE_PYTHON)
    fake.chmod(0o755)
    log = tmp_path / "args.log"
    env = {**os.environ, "PYTHON": str(fake), "ARGS_LOG": str(log), "EMOBENCH_WORKERS": workers}
    env["EMOBENCH_ISOLATE"] = isolate
    argv = ["bash", str(SCRIPT), "ci", str(tmp_path / "out"), *args]
    done = subprocess.run(argv, env=env, capture_output=True, text=True)
    return done, log.read_text().splitlines()


def _passes(tmp_path: Path, *args: str, workers: str = "2", isolate: str = "0") -> list[str]:
    done, passes = _run(tmp_path, *args, workers=workers, isolate=isolate)
    assert done.returncode == 0, done.stderr
    return passes


def test_the_gate_runs_in_the_measurement_pass_only(tmp_path: Path) -> None:
    base = "results/baseline/ci"
    for i, gate in enumerate((["--emobench-baseline", base], [f"--emobench-baseline={base}"])):
        (tmp_path / str(i)).mkdir()
        training, measurement = _passes(tmp_path / str(i), *gate, "--emobench-strict")
        assert "--emobench-baseline" not in training
        assert "-n 2 --dist loadgroup -k quality" in training
        assert "--emobench-strict" in training  # every other argument goes to both passes
        assert base in measurement and "--emobench-strict" in measurement
        assert "--benchmark-json" in measurement and "-n 2" not in measurement


def test_one_worker_trains_without_xdist(tmp_path: Path) -> None:
    training, _ = _passes(tmp_path, "--emobench-seeds", "42", workers="1")
    assert "-p xdist" not in training and "--emobench-seeds 42" in training


def test_isolation_trains_each_case_in_its_own_process(tmp_path: Path) -> None:
    """EMOBENCH_ISOLATE=1: one pytest process per quality case, so each peak memory is its own."""
    collect, *training, measurement = _passes(tmp_path, "--emobench-seeds", "42", isolate="1")
    assert "--collect-only" in collect and "-k quality" in collect
    assert [t.split()[2] for t in training] == ["bench/t.py::q[a-s42]", "bench/t.py::q[b-s42]"]
    assert all("--emobench-seeds 42" in t and "-n" not in t.split() for t in training)
    assert "--benchmark-json" in measurement


def test_a_caller_k_narrows_the_training_pass_and_selects_the_measurement(tmp_path: Path) -> None:
    training, measurement = _passes(tmp_path, "-k", "bert-small and not kd")
    assert "-k quality and (bert-small and not kd)" in training
    assert "-k bert-small and not kd" in measurement


def test_a_bad_selection_runs_nothing(tmp_path: Path) -> None:
    """A -k expression pytest refuses (it still lists every case) stops the run before any
    training: the ladder once trained every model of the profile so."""
    done, passes = _run(tmp_path, "-k", "minilm-l6@pretrained", isolate="1")
    assert done.returncode == 2 and "nothing was run" in done.stderr
    assert len(passes) == 1 and "--collect-only" in passes[0]  # no training, no measurement


def test_the_ladder_groups_select_their_own_cases() -> None:
    """Every group expression of run_ladder.sh is one pytest -k accepts (no '@')."""
    import re

    text = (SCRIPT.parent / "run_ladder.sh").read_text()
    exprs = re.findall(r'^\s+\[[\w-]+\]="([^"]+)"', text, flags=re.M)
    assert len(exprs) == 10
    assert all(re.fullmatch(r"[\w\- ]+", e) for e in exprs), exprs
