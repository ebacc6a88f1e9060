"""Describe the data before any model sees it: the ``emobench data`` report.

Writes ``data.md`` (class balance, text lengths in words and WordPiece tokens, how often tweets
carry hashtags, mentions, URLs, emoji or elongated words, and the data fingerprint) plus two
figures, ``class_distribution.png`` and ``lengths.png``. The numbers come from plain functions
(:func:`class_counts`, :func:`length_stats`, :func:`informal_features`) so they can be tested;
the writer only formats them.

    emobench data --data-dir /path/to/emotion --output out/data/
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import datasets
import numpy as np
import pandas as pd
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from emobench_core.data.fingerprint import fingerprint, label_names
from emobench_core.data.loading import LONG_TEXT_CHARS, long_text_counts

if TYPE_CHECKING:
    from transformers import PreTrainedTokenizerBase

_URL = re.compile(r"http\S+|www\.\S+")
INFORMAL_PATTERNS: dict[str, re.Pattern[str]] = {
    "hashtag": re.compile(r"(?<!\w)#\w+"),
    "mention": re.compile(r"(?<!\w)@\w+"),
    "url": _URL,
    "emoji": re.compile(
        "[\U0001f300-\U0001f5ff"  # symbols and pictographs
        "\U0001f600-\U0001f64f"  # emoticons
        "\U0001f680-\U0001f6ff"  # transport and map
        "\U0001f900-\U0001f9ff\U0001fa70-\U0001faff"  # supplemental symbols
        "\U0001f1e6-\U0001f1ff"  # flags (regional indicators)
        "\u2600-\u27bf"  # miscellaneous symbols, dingbats
        "]"
    ),
    # a letter three or more times in a row ("sooo"); digits ("2000") do not count
    "elongated": re.compile(r"([^\W\d_])\1{2,}"),
}
"""Informal features counted by :func:`informal_features`; elongation is sought outside URLs."""


def class_counts(dsd: datasets.DatasetDict) -> pd.DataFrame:
    """Rows per class (index: label names in id order) and split (columns), zeros included."""
    labels = label_names(dsd)
    counts = {
        split: np.bincount(np.asarray(ds[:]["label"], dtype=np.int64), minlength=len(labels))
        for split, ds in dsd.items()
    }
    return pd.DataFrame(counts, index=pd.Index(labels, name="label"))


def word_lengths(texts: Iterable[str]) -> np.ndarray:
    """Whitespace-separated words per text."""
    return np.array([len(text.split()) for text in texts], dtype=np.int64)


def token_lengths(texts: Sequence[str], tokenizer: PreTrainedTokenizerBase) -> np.ndarray:
    """Tokens per text as the model would see them untruncated, special tokens included."""
    if not texts:
        return np.zeros(0, dtype=np.int64)
    encoded = tokenizer(
        list(texts),
        add_special_tokens=True,
        truncation=False,
        return_attention_mask=False,
        return_token_type_ids=False,
    )
    return np.array([len(ids) for ids in encoded["input_ids"]], dtype=np.int64)


def length_stats(lengths: Sequence[int] | np.ndarray, max_length: int | None = None) -> dict:
    """Mean, p50, p90, p99 and max of ``lengths``.

    With ``max_length``, also ``truncated``: the share of lengths above it, i.e. of texts a
    tokenizer with ``truncation=True, max_length=max_length`` cuts.
    """
    values = np.asarray(lengths, dtype=np.float64)
    if values.size == 0:
        raise ValueError("length_stats needs at least one length, got none")
    p50, p90, p99 = np.percentile(values, [50, 90, 99])
    stats = {
        "mean": float(values.mean()),
        "p50": float(p50),
        "p90": float(p90),
        "p99": float(p99),
        "max": float(values.max()),
    }
    if max_length is not None:
        stats["truncated"] = float((values > max_length).mean())
    return stats


def informal_features(texts: Iterable[str]) -> dict[str, float]:
    """Share of texts (0..1) containing each feature of :data:`INFORMAL_PATTERNS`."""
    texts = list(texts)
    hits = dict.fromkeys(INFORMAL_PATTERNS, 0)
    for text in texts:
        for name, pattern in INFORMAL_PATTERNS.items():
            target = _URL.sub(" ", text) if name == "elongated" else text
            hits[name] += pattern.search(target) is not None
    return {name: (n / len(texts) if texts else 0.0) for name, n in hits.items()}


def data_report(
    dsd: datasets.DatasetDict,
    tokenizer: PreTrainedTokenizerBase,
    out_dir: Path,
    *,
    max_length: int = 128,
) -> Path:
    """Write ``data.md``, ``class_distribution.png`` and ``lengths.png`` into ``out_dir``.

    Args:
        dsd: The dataset from :func:`emobench_core.data.load_emotion` (needs a train split;
            the length histogram is drawn for it).
        tokenizer: Any Hugging Face tokenizer; token lengths include special tokens.
        out_dir: Output folder, created if missing.
        max_length: The training ``max_length``; texts with more tokens count as truncated.

    Returns:
        Path of ``data.md``.
    """
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
        raise ValueError(f"max_length ({max_length!r}) must be an int >= 1, e.g. 128")
    if "train" not in dsd:
        raise ValueError(f"dsd has no 'train' split (found: {', '.join(dsd)}); use load_emotion()")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    counts = class_counts(dsd)
    texts = {split: ds[:]["text"] for split, ds in dsd.items()}
    words = {split: word_lengths(t) for split, t in texts.items()}
    tokens = {split: token_lengths(t, tokenizer) for split, t in texts.items()}
    informal = {split: informal_features(t) for split, t in texts.items()}
    _plot_classes(counts, out_dir / "class_distribution.png")
    _plot_lengths(tokens["train"], max_length, out_dir / "lengths.png")
    md = _markdown(
        counts=counts,
        words=pd.DataFrame({s: length_stats(v) for s, v in words.items()}).T,
        tokens=pd.DataFrame({s: length_stats(v, max_length) for s, v in tokens.items()}).T,
        informal=pd.DataFrame(informal),
        long=long_text_counts(dsd),
        fp=fingerprint(dsd),
        tokenizer_name=str(getattr(tokenizer, "name_or_path", "") or type(tokenizer).__name__),
        max_length=max_length,
    )
    path = out_dir / "data.md"
    path.write_text(md, encoding="utf-8")
    return path


def _markdown(
    *,
    counts: pd.DataFrame,
    words: pd.DataFrame,
    tokens: pd.DataFrame,
    informal: pd.DataFrame,
    long: dict[str, int],
    fp: str,
    tokenizer_name: str,
    max_length: int,
) -> str:
    """Format the computed tables as the markdown report (no computation beyond percentages)."""
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
        "# Data report: dair-ai/emotion",
        "",
        f"- Rows: {sizes}",
        f"- Fingerprint (sha256 of every row): `{fp}`",
        f"- Tokenizer: `{tokenizer_name}`, max_length {max_length}",
        f"- Texts over {LONG_TEXT_CHARS:,} characters (kept, truncated by the tokenizer): "
        + ", ".join(f"{s} {n}" for s, n in long.items()),
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
    ]
    return "\n".join(lines)


def _plot_classes(counts: pd.DataFrame, path: Path) -> None:
    """Grouped bars: share of each class within each split (splits differ in size)."""
    fig = Figure(figsize=(8, 4), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    shares = 100 * counts / counts.sum()
    width = 0.8 / max(len(shares.columns), 1)
    x = np.arange(len(shares.index))
    for i, split in enumerate(shares.columns):
        ax.bar(x + (i - (len(shares.columns) - 1) / 2) * width, shares[split], width, label=split)
    ax.set_xticks(x, list(shares.index))
    ax.set_ylabel("% of split")
    ax.set_title("Class distribution per split")
    ax.legend()
    fig.savefig(path, dpi=120)
    fig.clear()


def _plot_lengths(lengths: np.ndarray, max_length: int, path: Path) -> None:
    """Histogram of train token lengths with the truncation point marked."""
    fig = Figure(figsize=(8, 4), layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    top = int(max(lengths.max(initial=0), max_length)) + 1
    step = -(-top // 80)  # integer-wide bins (at most ~80), so no bin holds an extra length
    ax.hist(lengths, bins=(np.arange(0, top + step, step) - 0.5).tolist())
    ax.axvline(max_length, color="tab:red", linestyle="--", label=f"max_length = {max_length}")
    ax.set_xlabel("WordPiece tokens (incl. special tokens)")
    ax.set_ylabel("texts (train)")
    ax.set_title("Token lengths, train split")
    ax.legend()
    fig.savefig(path, dpi=120)
    fig.clear()
