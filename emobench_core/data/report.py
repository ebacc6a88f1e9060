"""Describe the data before any model sees it: the ``emobench data`` report.

Writes ``data.md`` (class balance, text lengths in words and WordPiece tokens, how often tweets
carry hashtags, mentions, URLs, emoji or elongated words, duplicates, label conflicts and split
overlap, and the data fingerprint), the same numbers as ``data-report.json`` (for
``emobench report --data-report``), and two figures, ``class_distribution.png`` and
``lengths.png``. The numbers come from plain functions (:func:`class_counts`,
:func:`length_stats`, :func:`informal_features`, :func:`~emobench_core.data.quality.data_quality`)
so they can be tested; the writer only formats them.

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

from emobench_core.data.figures import plot_class_shares, plot_lengths
from emobench_core.data.fingerprint import applied_filters, data_info, fingerprint, label_names
from emobench_core.data.loading import LONG_TEXT_CHARS, long_text_counts
from emobench_core.data.quality import data_quality
from emobench_core.schema.data_report import DataQuality, DataReport, quality_lines

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
    source: str = "",
) -> Path:
    """Write ``data.md``, ``data-report.json``, ``class_distribution.png`` and ``lengths.png``
    into ``out_dir``.

    Args:
        dsd: The dataset from :func:`emobench_core.data.load_emotion` (needs a train split;
            the length histogram is drawn for it).
        tokenizer: Any Hugging Face tokenizer; token lengths include special tokens.
        out_dir: Output folder, created if missing.
        max_length: The training ``max_length``; texts with more tokens count as truncated.
        source: How the JSON names the data source (``source_label`` of the loader).

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
    labels = {split: ds[:]["label"] for split, ds in dsd.items()}
    words = pd.DataFrame({s: length_stats(word_lengths(t)) for s, t in texts.items()}).T
    token_counts = {split: token_lengths(t, tokenizer) for split, t in texts.items()}
    tokens = pd.DataFrame({s: length_stats(v, max_length) for s, v in token_counts.items()}).T
    informal = pd.DataFrame({split: informal_features(t) for split, t in texts.items()})
    quality = data_quality(
        {s: list(zip(texts[s], labels[s], strict=True)) for s in dsd}, label_names(dsd)
    )
    classes = {s: {k: int(n) for k, n in counts[s].items()} for s in counts.columns}
    plot_class_shares(classes, out_dir / "class_distribution.png")
    plot_lengths(token_counts["train"].tolist(), max_length, out_dir / "lengths.png")
    fp = fingerprint(dsd)
    long = long_text_counts(dsd)
    tokenizer_name = str(getattr(tokenizer, "name_or_path", "") or type(tokenizer).__name__)
    if Path(tokenizer_name).is_dir():  # a local folder: its name, not this machine's path
        tokenizer_name = Path(tokenizer_name).name
    DataReport(
        source=source,
        fingerprint=fp,
        filters=applied_filters(dsd),
        labels=label_names(dsd),
        tokenizer=tokenizer_name,
        max_length=max_length,
        rows={split: len(ds) for split, ds in dsd.items()},
        classes=classes,
        words={s: dict(row) for s, row in words.iterrows()},
        tokens={s: dict(row) for s, row in tokens.iterrows()},
        informal={s: dict(informal[s]) for s in informal.columns},
        long_texts=long,
        quality=quality,
    ).save(out_dir / "data-report.json")
    md = _markdown(
        counts=counts,
        words=words,
        tokens=tokens,
        informal=informal,
        long=long,
        fp=fp,
        tokenizer_name=tokenizer_name,
        max_length=max_length,
        quality=quality,
        filters=applied_filters(dsd),
        dataset=data_info(dsd).get("dataset", "dair-ai/emotion"),
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
    quality: DataQuality,
    filters: tuple[str, ...],
    dataset: str = "dair-ai/emotion",
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
        f"# Data report: {dataset}",
        "",
        f"- Rows: {sizes}",
        f"- Fingerprint (sha256 of every row): `{fp}`",
        f"- Filters: {', '.join(filters) or 'none (the published splits)'}",
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
        "## Duplicates, conflicts and overlap",
        "",
        *quality_lines(quality),
        "",
    ]
    return "\n".join(lines)
