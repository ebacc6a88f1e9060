"""``emobench models``: the registered models, one line each (name, source, description).

emobench models
"""

from __future__ import annotations

import argparse
from typing import Any


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser("models", help="list the registered models")
    p.set_defaults(func=models)
    return p


def models(ns: argparse.Namespace) -> int:
    from emobench_core.models.registry import REGISTRY

    for spec in REGISTRY.values():
        print(f"{spec.name:<11} {spec.source:<40} {spec.description}")
    return 0
