"""A section as blocks (headings, paragraphs, list items, tables), rendered once as markdown for
RESULTS.md and once as HTML for the leaderboard page, so both say the same thing.

    emobench report bench.json --results runs/ --html RESULTS.html   # the Size ladder, both ways
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape

from emobench_core.report.tables import table


@dataclass(frozen=True)
class Table:
    """A table of text cells (markdown inline: code spans); the first column is left-aligned
    on the page."""

    headers: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]


Block = tuple[str, str] | Table
"""``("h2" | "h3" | "p" | "li", text)`` or a :class:`Table`."""

_CODE = re.compile(r"`([^`]+)`")
_PREFIX = {"h2": "## ", "h3": "### ", "li": "- ", "p": ""}
_LEFT = ' class="l"'


def kind(block: Block) -> str:
    """``"table"``, or the tag of a text block."""
    return "table" if isinstance(block, Table) else block[0]


def markdown_lines(blocks: Sequence[Block]) -> list[str]:
    """The blocks as markdown lines: a blank line between blocks, none between list items."""
    out: list[str] = []
    for i, b in enumerate(blocks):
        if i and not (kind(b) == "li" and kind(blocks[i - 1]) == "li"):
            out.append("")
        if isinstance(b, Table):
            out.append(table(b.headers, b.rows))
        else:
            out.append(_PREFIX[b[0]] + b[1])
    return out


def inline(text: str) -> str:
    """Escaped ``text`` with its code spans as ``<code>``."""
    return _CODE.sub(r"<code>\1</code>", escape(text, quote=True))


def _row(cells: Sequence[str], tag: str) -> str:
    return "".join(
        f"<{tag}{_LEFT if j == 0 else ''}>{inline(c)}</{tag}>" for j, c in enumerate(cells)
    )


def html(blocks: Sequence[Block]) -> str:
    """The blocks as an HTML fragment (consecutive list items in one ``<ul>``)."""
    out: list[str] = []
    items: list[str] = []
    for b in blocks:
        if kind(b) != "li" and items:
            out.append("<ul>" + "".join(items) + "</ul>")
            items = []
        if isinstance(b, Table):
            body = "".join(f"<tr>{_row(r, 'td')}</tr>" for r in b.rows)
            out.append(
                f'<div class="wrap"><table><thead><tr>{_row(b.headers, "th")}</tr></thead>'
                f"<tbody>{body}</tbody></table></div>"
            )
        elif b[0] == "li":
            items.append(f"<li>{inline(b[1])}</li>")
        else:
            out.append(f"<{b[0]}>{inline(b[1])}</{b[0]}>")
    if items:
        out.append("<ul>" + "".join(items) + "</ul>")
    return "".join(out)
