"""Formatting shared by the sections of RESULTS.md: GitHub tables and the number formats
(accuracy and F1 with 4 decimals, intervals in brackets, small p-values as a floor, — for none);
and the plain tables the commands print.

    emobench report bench.json --results runs/   # every table of RESULTS.md
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from tabulate import tabulate

from emobench_core.metrics.stats import Interval

_PIPE = re.compile(r"(?<!\\)\|")


def _cell(value: Any) -> Any:
    """A cell of a markdown table: a ``|`` in it (a model named ``a|b``) is escaped, so it
    stays one cell."""
    return _PIPE.sub(r"\\|", value) if isinstance(value, str) else value


def table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A GitHub-markdown table; cells are printed as given (no number parsing), a ``|`` in
    one escaped."""
    return tabulate(
        [[_cell(c) for c in row] for row in rows],
        headers=[_cell(h) for h in headers],
        tablefmt="github",
        disable_numparse=True,
    )


def plain_table(headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> str:
    """A plain-text table for the terminal; cells are printed as given (no number parsing)."""
    return tabulate(rows, headers=list(headers), disable_numparse=True)


def cols(spec: str) -> list[str]:
    """Column names from ``"a | b | c"``."""
    return spec.split(" | ")


def ci(iv: Interval, digits: int = 4) -> str:
    """``[low, high]`` of an interval."""
    return f"[{iv.low:.{digits}f}, {iv.high:.{digits}f}]"


def score(mean: float, std: float | None, iv: Interval) -> str:
    """``mean ± std [low, high]``; no ``± std`` with one seed."""
    spread = "" if std is None else f" ± {std:.4f}"
    return f"{mean:.4f}{spread} {ci(iv)}"


def env_value(value: Any) -> str:
    """An environment field, or — when it was not recorded."""
    return "—" if value is None or value == "" else str(value)


def p_value(value: float) -> str:
    """A p-value with 4 decimals, or 2 significant digits below 0.001 (``3.2e-08``)."""
    return f"{value:.4f}" if value >= 1e-3 else f"{value:.1e}"


def optional(value: float | None, digits: int) -> str:
    """``value`` with ``digits`` decimals, or — for none."""
    return "—" if value is None else f"{value:.{digits}f}"
