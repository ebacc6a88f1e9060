"""Reading any results file imports no ML library, and every kind shares one base: schema name
and version, atomic write, one missing-file and one wrong-schema error."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from emobench_core.errors import ResultsError
from emobench_core.schema.base import ResultFile
from emobench_core.schema.deploy import DeployReport
from emobench_core.schema.latency import LatencyReport
from emobench_core.schema.perf import PerfReport
from emobench_core.schema.run import RunResult

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "transformers", "datasets", "sklearn")
KINDS = [RunResult, LatencyReport, PerfReport, DeployReport]

READ_ALL = """
import sys
from emobench_core.schema.deploy import load_deploy
from emobench_core.schema.latency import load_latency
from emobench_core.schema.perf import load_perf
from emobench_core.schema.run import load_results
results = load_results(sys.argv[1])
assert results and results[0].metrics.accuracy > 0
load_latency(sys.argv[2]); load_perf(sys.argv[3]); load_deploy(sys.argv[4])
heavy = [m for m in {heavy!r} if m in sys.modules]
print("HEAVY", heavy)
"""


def test_reading_every_committed_results_file_imports_no_ml_library() -> None:
    files = [
        ROOT / "results" / "cpu",
        ROOT / "results" / "latency-cpu.json",
        ROOT / "results" / "perf" / "perf-cpu.json",
        ROOT / "results" / "deploy" / "deploy-cpu.json",
    ]
    proc = subprocess.run(
        [sys.executable, "-c", READ_ALL.format(heavy=HEAVY), *map(str, files)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    assert "HEAVY []" in proc.stdout, proc.stdout


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_every_results_kind_shares_the_base(kind: type[ResultFile]) -> None:
    assert issubclass(kind, ResultFile)
    assert kind.SCHEMA_NAME.startswith("emobench.")
    assert kind.SCHEMA_VERSION >= 1


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_one_missing_file_error_for_every_kind(kind: type[ResultFile], tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match=rf"^no {kind.WHAT} file at .*nothing\.json; "):
        kind.load(tmp_path / "nothing.json")


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_one_wrong_schema_error_for_every_kind(kind: type[ResultFile], tmp_path: Path) -> None:
    path = tmp_path / "other.json"
    path.write_text(json.dumps({"schema": "someone.else", "schema_version": 1}))
    with pytest.raises(ResultsError, match=rf"is not an emobench {kind.WHAT} of schema version"):
        kind.load(path)


@pytest.mark.parametrize("kind", KINDS, ids=lambda k: k.__name__)
def test_a_malformed_file_of_the_right_schema_is_one_error(
    kind: type[ResultFile], tmp_path: Path
) -> None:
    path = tmp_path / "broken.json"
    path.write_text(json.dumps({"schema": kind.SCHEMA_NAME, "schema_version": kind.SCHEMA_VERSION}))
    with pytest.raises(ResultsError, match=rf"has a malformed {kind.WHAT}"):
        kind.load(path)


def test_committed_legacy_perf_files_still_load_and_save_in_the_current_schema(
    tmp_path: Path,
) -> None:
    legacy = ROOT / "results" / "perf" / "perf-gpu-2.json"
    assert json.loads(legacy.read_text())["kind"] == "emobench-perf"  # written by schema 1
    report = PerfReport.load(legacy)
    saved = json.loads(report.save(tmp_path / "again.json").read_text())
    assert (saved["schema"], saved["schema_version"]) == ("emobench.perf", 4)
    assert PerfReport.load(tmp_path / "again.json") == report
