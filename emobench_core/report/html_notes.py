"""The "Run record" of the leaderboard page: what was run (profiles, devices, data, seeds, the
recipe and where it differs) and the ``--notes`` run record, whose markdown subset (paragraphs,
``-`` lists, headings, ``code``, **bold**, links) is turned into HTML here.

    emobench report bench.json --results runs/ --notes RUN.md --html RESULTS.html
"""

from __future__ import annotations

import json
import re
from html import escape

from emobench_core.study.records import Study

_CODE = re.compile(r"`([^`]+)`")
_LINK = re.compile(r"\[([^\]]+)\]\(([^)\s]+)\)")
_BOLD = re.compile(r"\*\*([^*]+)\*\*")


def inline(text: str) -> str:
    """Escaped ``text`` with its code spans, bold and links as HTML."""
    out = escape(text, quote=True)
    out = _LINK.sub(lambda m: f'<a href="{m.group(2)}">{m.group(1)}</a>', out)
    out = _CODE.sub(r"<code>\1</code>", out)
    return _BOLD.sub(r"<strong>\1</strong>", out)


def markdown_html(text: str) -> str:
    """Blocks of a simple markdown text: headings, ``-`` lists (continuation lines indented),
    paragraphs; anything else is kept as text."""
    blocks: list[str] = []
    para: list[str] = []
    items: list[list[str]] = []

    def flush() -> None:
        if para:
            blocks.append(f"<p>{inline(' '.join(para))}</p>")
            para.clear()
        if items:
            lis = "".join(f"<li>{inline(' '.join(i))}</li>" for i in items)
            blocks.append(f"<ul>{lis}</ul>")
            items.clear()

    for raw in text.splitlines():
        line = raw.strip()
        if not line:
            flush()
        elif heading := re.match(r"(#{1,6})\s+(.*)", line):
            flush()
            level = min(len(heading.group(1)) + 2, 6)
            blocks.append(f"<h{level}>{inline(heading.group(2))}</h{level}>")
        elif line.startswith(("- ", "* ")):
            if para:
                flush()
            items.append([line[2:]])
        elif items and raw.startswith(" "):
            items[-1].append(line)
        else:
            if items:
                flush()
            para.append(line)
    flush()
    return "".join(blocks)


def notes_html(st: Study, notes: tuple[str, str] | None) -> str:
    """The section's body: the study's facts, the recipe table, then the notes file."""
    facts = [
        f"Profile(s): {', '.join(st.profiles) or 'not tagged'}",
        f"Devices: {', '.join(st.devices) or '—'}",
        f"Data: {', '.join(st.data_sources)}; fingerprint(s) "
        + ", ".join(f"`{fp}`" for fp in st.fingerprints),
        f"Rows per split: {', '.join(f'{k} {v:,}' for k, v in st.rows.items())}",
        f"Seeds: {', '.join(map(str, st.seeds))}",
        *[f"Left out, superseded by a later run: `{r}`" for r in st.superseded],
        *[f"Recipe differs: `{r}` has {k} = {v}" for r, k, v in st.recipe_differences],
    ]
    recipe = "".join(
        f'<tr><td class="l">{escape(k)}</td><td class="l"><code>{escape(json.dumps(v))}</code>'
        "</td></tr>"
        for k, v in st.recipe.items()
    )
    out = [
        "<ul>" + "".join(f"<li>{inline(f)}</li>" for f in facts) + "</ul>",
        "<details><summary>Recipe (of the first run)</summary><table><thead><tr>"
        f'<th class="l">field</th><th class="l">value</th></tr></thead><tbody>{recipe}'
        "</tbody></table></details>",
    ]
    if notes is not None:
        out.append(f"<h3>Notes (<code>{escape(notes[0])}</code>)</h3>")
        out.append(markdown_html(notes[1]))
    return "".join(out)
