"""Tests for the public API in emobench_core.__all__."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import emobench_core

PUBLIC = emobench_core.__all__


def test_all_has_no_duplicates() -> None:
    duplicates = sorted({n for n in PUBLIC if PUBLIC.count(n) > 1})
    assert duplicates == []


@pytest.mark.parametrize("name", PUBLIC)
def test_every_public_name_is_importable(name: str) -> None:
    namespace: dict[str, object] = {}
    exec(f"from emobench_core import {name}", namespace)  # the import statement users write
    assert namespace[name] is getattr(emobench_core, name)


def test_star_import_gives_exactly_all() -> None:
    namespace: dict[str, object] = {}
    exec("from emobench_core import *", namespace)
    assert sorted(k for k in namespace if k != "__builtins__") == sorted(PUBLIC)


def test_public_objects_come_from_the_package() -> None:
    for name in PUBLIC:
        module = getattr(getattr(emobench_core, name), "__module__", "emobench_core")
        if isinstance(module, str):
            assert module.startswith("emobench_core"), name


def test_version_matches_pyproject() -> None:
    pyproject = Path(emobench_core.__file__).resolve().parents[1] / "pyproject.toml"
    declared = re.search(r'(?m)^version = "([^"]+)"$', pyproject.read_text(encoding="utf-8"))
    assert declared is not None, f"no version in {pyproject}"
    assert re.fullmatch(r"\d+\.\d+\.\d+", emobench_core.__version__)
    assert emobench_core.__version__ == declared.group(1)
