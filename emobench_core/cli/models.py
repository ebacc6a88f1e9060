"""``emobench models``: the registered models, one line each (name, source, description), or
(``--json``) one object each with the kind and the licence an export states.

emobench models
emobench models --json
"""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser("models", help="list the registered models")
    p.add_argument(
        "--json",
        action="store_true",
        help="print a JSON list (name, source, kind, description, license); default: text",
    )
    p.set_defaults(func=models, configure_logging=False)
    return p


def models(ns: argparse.Namespace) -> int:
    from emobench_core.models.registry import REGISTRY

    if ns.json:
        keys = ("name", "source", "kind", "description", "license")
        rows = [{k: getattr(spec, k) for k in keys} for spec in REGISTRY.values()]
        print(json.dumps(rows, indent=2))
        return 0
    for spec in REGISTRY.values():
        print(f"{spec.name:<11} {spec.source:<40} {spec.description}")
    return 0
