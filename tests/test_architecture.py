"""The package's structure, checked: no import cycles (function-level imports included), small
modules, and the layers contract that ``tox -e lint`` enforces with import-linter."""

from __future__ import annotations

import ast
import tomllib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "emobench_core"
MAX_LINES = 400
ONE_PIECE = "one piece"
"""A longer module says in its docstring why it is one piece."""


def _module_name(path: Path) -> str:
    parts = path.relative_to(PACKAGE.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {_module_name(p): p for p in PACKAGE.rglob("*.py")}


def _imports(path: Path, modules: set[str]) -> set[str]:
    """Package modules ``path`` imports anywhere in its body (functions included)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            subs = [f"{node.module}.{a.name}" for a in node.names]
            # `from pkg import module` depends on that module, not on pkg's __init__
            names = [n for n in subs if n in modules] or [node.module]
        else:
            continue
        found |= {n for n in names if n in modules}
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    names = set(modules)
    graph = {name: _imports(path, names) for name, path in modules.items()}
    # a package's own __init__ is not a dependency of its submodules (lazy re-exports)
    return {m: {d for d in deps if d != m and d != "emobench_core"} for m, deps in graph.items()}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` as a path ``[a, b, ..., a]``, or ``None``."""
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for dep in sorted(graph.get(node, ())):
            if state.get(dep) == 1:
                return [*stack[stack.index(dep) :], dep]
            if dep not in state and (cycle := visit(dep)):
                return cycle
        stack.pop()
        state[node] = 2
        return None

    for node in sorted(graph):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_cycle_finder_sees_function_level_imports(tmp_path: Path) -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from emobench_core.cache import CheckpointCache\n")
    assert _imports(module, {"emobench_core.cache"}) == {"emobench_core.cache"}


def test_no_import_cycles() -> None:
    assert find_cycle(import_graph()) is None


def test_modules_are_small_or_say_why() -> None:
    long = []
    for name, path in _modules().items():
        text = path.read_text(encoding="utf-8")
        doc = ast.get_docstring(ast.parse(text)) or ""
        if len(text.splitlines()) > MAX_LINES and ONE_PIECE not in doc:
            long.append(f"{name} ({len(text.splitlines())} lines)")
    assert not long, f"over {MAX_LINES} lines without saying why ({ONE_PIECE!r}): {long}"


def test_layers_contract_names_every_subpackage() -> None:
    """Every subpackage and top-level module sits in a layer of the import-linter contract, so a
    new one cannot slip past ``lint-imports``."""
    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = config["tool"]["importlinter"]["contracts"]
    layered = {n.strip() for layer in contract["layers"] for n in layer.split("|")}
    tops = {p.name for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()}
    tops |= {p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    assert tops == layered


@pytest.mark.parametrize(
    ("importer", "imported"),
    [
        ("emobench_core.schema.run", "emobench_core.training"),
        ("emobench_core.data", "emobench_core.models"),
    ],
)
def test_lower_layers_do_not_import_upper_ones(importer: str, imported: str) -> None:
    graph = import_graph()
    offenders = {
        m: sorted(d for d in deps if d.startswith(imported))
        for m, deps in graph.items()
        if m.startswith(importer)
    }
    assert not any(offenders.values()), offenders


def test_every_data_file_of_the_package_is_package_data() -> None:
    """A file the package reads at run time (not a module) is declared as package data, so an
    installed wheel has it, not only this checkout."""
    config = tomllib.loads((PACKAGE.parent / "pyproject.toml").read_text(encoding="utf-8"))
    declared = config["tool"]["setuptools"]["package-data"]
    shipped = {
        p
        for package, patterns in declared.items()
        for pattern in patterns
        for p in (PACKAGE.parent / package.replace(".", "/")).glob(pattern)
    }
    data = {
        p
        for p in PACKAGE.rglob("*")
        if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts
    }
    assert data, "no data file found: the test looks in the wrong place"
    missing = sorted(str(p.relative_to(PACKAGE.parent)) for p in data - shipped)
    assert not missing, f"not in [tool.setuptools.package-data] of pyproject.toml: {missing}"
