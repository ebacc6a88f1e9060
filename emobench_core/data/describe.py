"""Describe the data before any model sees it: the numbers of the ``emobench data`` report.

Class balance, text lengths in words and WordPiece tokens, how often tweets carry hashtags,
mentions, URLs, emoji or elongated words, duplicates, label conflicts and split overlap
(:func:`~emobench_core.data.quality.data_quality`), and the data fingerprint. Plain functions
(:func:`class_counts`, :func:`length_stats`, :func:`informal_features`) so they can be tested;
:func:`describe_data` gathers them into a :class:`DataDescription`, which
:mod:`emobench_core.report.data_report` writes out (markdown, JSON, figures).

    emobench data --data-dir /path/to/emotion --output out/data/
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import datasets
import numpy as np
import pandas as pd

from emobench_core.data.fingerprint import applied_filters, data_info, fingerprint, label_names
from emobench_core.data.loading import long_text_counts
from emobench_core.data.quality import data_quality
from emobench_core.schema.data_report import DataReport

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


@dataclass(frozen=True)
class DataDescription:
    """What ``emobench data`` reports on a dataset: the saved report, and the tables and lengths
    its markdown and figures show (:func:`emobench_core.report.data_report.data_report`)."""

    report: DataReport
    """Everything ``data-report.json`` keeps (what ``emobench report --data-report`` reads)."""
    dataset: str
    """The dataset's name (``dair-ai/emotion`` unless the data says otherwise)."""
    counts: pd.DataFrame
    """Rows per class (index, label-id order) and split (columns)."""
    words: pd.DataFrame
    """Split (index) -> :func:`length_stats` of whitespace-separated words."""
    tokens: pd.DataFrame
    """Split (index) -> :func:`length_stats` of WordPiece tokens, with ``truncated``."""
    informal: pd.DataFrame
    """Feature (index) -> share of texts per split (columns)."""
    train_tokens: list[int]
    """WordPiece lengths of the train split's texts (the length histogram)."""


def describe_data(
    dsd: datasets.DatasetDict,
    tokenizer: PreTrainedTokenizerBase,
    *,
    max_length: int = 128,
    source: str = "",
) -> DataDescription:
    """The numbers of the ``emobench data`` report on ``dsd``.

    Args:
        dsd: The dataset from :func:`emobench_core.data.loading.load_data` (needs a train split;
            the length histogram is drawn for it).
        tokenizer: Any Hugging Face tokenizer; token lengths include special tokens.
        max_length: The training ``max_length``; texts with more tokens count as truncated.
        source: How the JSON names the data source (``source_label`` of the loader).
    """
    if isinstance(max_length, bool) or not isinstance(max_length, int) or max_length < 1:
        raise ValueError(f"max_length ({max_length!r}) must be an int >= 1, e.g. 128")
    if "train" not in dsd:
        raise ValueError(f"dsd has no 'train' split (found: {', '.join(dsd)}); use load_data()")
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
    tokenizer_name = str(getattr(tokenizer, "name_or_path", "") or type(tokenizer).__name__)
    if Path(tokenizer_name).is_dir():  # a local folder: its name, not this machine's path
        tokenizer_name = Path(tokenizer_name).name
    report = DataReport(
        source=source,
        fingerprint=fingerprint(dsd),
        filters=applied_filters(dsd),
        labels=label_names(dsd),
        tokenizer=tokenizer_name,
        max_length=max_length,
        rows={split: len(ds) for split, ds in dsd.items()},
        classes=classes,
        words={s: dict(row) for s, row in words.iterrows()},
        tokens={s: dict(row) for s, row in tokens.iterrows()},
        informal={s: dict(informal[s]) for s in informal.columns},
        long_texts=long_text_counts(dsd),
        quality=quality,
    )
    return DataDescription(
        report=report,
        dataset=data_info(dsd).get("dataset", "dair-ai/emotion"),
        counts=counts,
        words=words,
        tokens=tokens,
        informal=informal,
        train_tokens=token_counts["train"].tolist(),
    )
