"""The ``emobench data`` report written out: ``data.md`` (class balance, text lengths in words and
WordPiece tokens, informal features, duplicates, label conflicts and split overlap, the data
fingerprint), ``data-report.json`` (the same numbers, for ``emobench report --data-report``) and
two figures, ``class_distribution.png`` and ``lengths.png``.

The numbers come from :func:`emobench_core.data.describe.describe_data`; this module only
formats and draws them. The class chart and the quality tables are those of RESULTS.md's data
section (:mod:`~emobench_core.report.sections_data`), which draws them from the saved JSON.

    emobench data --data-dir /path/to/emotion --output out/data/
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from emobench_core.data.describe import DataDescription, describe_data
from emobench_core.data.loading import LONG_TEXT_CHARS
from emobench_core.report.figures import new_figure, save_png
from emobench_core.report.sections_data import plot_class_shares, quality_lines

if TYPE_CHECKING:
    import datasets
    from transformers import PreTrainedTokenizerBase


def data_report(
    dsd: datasets.DatasetDict,
    tokenizer: PreTrainedTokenizerBase,
    out_dir: Path,
    *,
    max_length: int = 128,
    source: str = "",
) -> Path:
    """Write ``data.md``, ``data-report.json``, ``class_distribution.png`` and ``lengths.png``
    into ``out_dir``.

    Args:
        dsd: The dataset from :func:`emobench_core.data.loading.load_data` (needs a train split;
            the length histogram is drawn for it).
        tokenizer: Any Hugging Face tokenizer; token lengths include special tokens.
        out_dir: Output folder, created if missing.
        max_length: The training ``max_length``; texts with more tokens count as truncated.
        source: How the JSON names the data source (``source_label`` of the loader).

    Returns:
        Path of ``data.md``.
    """
    d = describe_data(dsd, tokenizer, max_length=max_length, source=source)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    plot_class_shares(d.report.classes, out_dir / "class_distribution.png")
    plot_lengths(d.train_tokens, max_length, out_dir / "lengths.png")
    d.report.save(out_dir / "data-report.json")
    path = out_dir / "data.md"
    path.write_text(markdown(d), encoding="utf-8")
    return path


def markdown(d: DataDescription) -> str:
    """``data.md``: the computed tables formatted (no computation beyond percentages)."""
    r = d.report
    counts, words, tokens, informal = d.counts, d.words, d.tokens, d.informal
    max_length, quality = r.max_length, r.quality
    with_total = pd.concat([counts, counts.sum().to_frame("total").T])
    shares = 100 * with_total / counts.sum()
    classes = pd.DataFrame(index=with_total.index.rename("label"))
    for split in counts.columns:
        classes[f"{split} n"] = with_total[split].astype(int)
        classes[f"{split} %"] = shares[split]
    tokens = tokens.assign(truncated=100 * tokens["truncated"]).rename(
        columns={"truncated": f"% > {max_length}"}
    )
    sizes = ", ".join(f"{split} {int(n)}" for split, n in counts.sum().items())
    lines = [
        f"# Data report: {d.dataset}",
        "",
        f"- Rows: {sizes}",
        f"- Fingerprint (sha256 of every row): `{r.fingerprint}`",
        f"- Filters: {', '.join(r.filters) or 'none (the published splits)'}",
        f"- Tokenizer: `{r.tokenizer}`, max_length {max_length}",
        f"- Texts over {LONG_TEXT_CHARS:,} characters (kept, truncated by the tokenizer): "
        + ", ".join(f"{s} {n}" for s, n in r.long_texts.items()),
        "",
        "## Classes",
        "",
        classes.to_markdown(
            floatfmt=["", *(".0f" if c.endswith(" n") else ".1f" for c in classes)]
        ),
        "",
        "![class distribution](class_distribution.png)",
        "",
        "## Text length",
        "",
        "Words (whitespace-separated):",
        "",
        words.to_markdown(floatfmt=".1f"),
        "",
        f"WordPiece tokens incl. [CLS]/[SEP]; `% > {max_length}` is the share truncated "
        "in training:",
        "",
        tokens.to_markdown(floatfmt=["", *[".1f"] * (tokens.shape[1] - 1), ".2f"]),
        "",
        "![token lengths](lengths.png)",
        "",
        "## Informal features",
        "",
        "Share of texts (%) with at least one:",
        "",
        (100 * informal).rename_axis("feature").to_markdown(floatfmt=".2f"),
        "",
        "## Duplicates, conflicts and overlap",
        "",
        *quality_lines(quality),
        "",
    ]
    return "\n".join(lines)


def plot_lengths(lengths: Sequence[int], max_length: int, path: Path) -> None:
    """Histogram of train token lengths with the truncation point marked."""
    values = np.asarray(lengths, dtype=np.int64)
    fig = new_figure(8, 4)
    ax = fig.add_subplot()
    top = int(max(values.max(initial=0), max_length)) + 1
    step = -(-top // 80)  # integer-wide bins (at most ~80), so no bin holds an extra length
    ax.hist(values, bins=(np.arange(0, top + step, step) - 0.5).tolist())
    ax.axvline(max_length, color="tab:red", linestyle="--", label=f"max_length = {max_length}")
    ax.set_xlabel("WordPiece tokens (incl. special tokens)")
    ax.set_ylabel("texts (train)")
    ax.set_title("Token lengths, train split")
    ax.legend()
    save_png(fig, path)
