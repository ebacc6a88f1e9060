"""The README and docs/ point at things that exist: every relative link resolves to a file, and
every file the README's "Extending" section names is in the package or the repository."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
LINK = re.compile(r"\]\(([^)\s]+)\)")
CODE_PATH = re.compile(r"`([\w./*-]+(?:\.py|\.toml|/))`")


def test_every_relative_link_resolves() -> None:
    broken = []
    for page in PAGES:
        for target in LINK.findall(page.read_text()):
            if "://" in target or target.startswith("#"):
                continue
            if not (page.parent / target.split("#")[0]).exists():
                broken.append(f"{page.relative_to(ROOT)}: {target}")
    assert not broken, f"links to missing files: {broken}"


def test_extending_names_files_that_exist() -> None:
    readme = (ROOT / "README.md").read_text()
    extending = readme.split("## Extending", 1)[1]
    paths = {p for p in CODE_PATH.findall(extending) if "/" in p}
    assert paths, "the Extending section names no files"
    missing = [
        p
        for p in sorted(paths)
        if not any(list(base.glob(p.rstrip("/"))) for base in (ROOT / "emobench_core", ROOT))
    ]
    assert not missing, f"README, Extending: no such file or folder: {missing}"
