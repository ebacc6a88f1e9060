"""Tests for emobench_core.data.describe (the pure statistics of ``emobench data``) and the report
emobench_core.report.data_report writes from them."""

from __future__ import annotations

import os
from pathlib import Path

import datasets
import pytest

from emobench_core.data.describe import (
    class_counts,
    describe_data,
    informal_features,
    length_stats,
    token_lengths,
    word_lengths,
)
from emobench_core.data.fingerprint import fingerprint
from emobench_core.data.loading import EMOTION_LABELS as LABELS
from emobench_core.data.loading import FEATURES
from emobench_core.data.quality import data_quality
from emobench_core.report.data_report import data_report
from emobench_core.schema.data_report import load_data_report

SHARED = Path(os.environ.get("EMOBENCH_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared"))
VOCAB_DIR = SHARED / "data/tokenizers/bert-base-uncased"


@pytest.fixture(scope="module")
def tokenizer():
    """The real bert-base-uncased WordPiece tokenizer (the folder holds only vocab.txt)."""
    if not (VOCAB_DIR / "vocab.txt").is_file():
        pytest.skip(f"no WordPiece vocab at {VOCAB_DIR}; set EMOBENCH_SHARED_DIR")
    from transformers import BertTokenizerFast

    # AutoTokenizer cannot load a vocab-only folder in transformers 5, and
    # BertTokenizerFast(vocab_file=...) silently maps every word to [UNK]; from_pretrained works.
    tok = BertTokenizerFast.from_pretrained(str(VOCAB_DIR))
    assert tok("i feel happy")["input_ids"] == [101, 1045, 2514, 3407, 102]
    return tok


def make_dsd(splits: dict[str, list[tuple[str, int]]]) -> datasets.DatasetDict:
    return datasets.DatasetDict(
        {
            split: datasets.Dataset.from_dict(
                {"text": [t for t, _ in rows], "label": [lab for _, lab in rows]},
                features=FEATURES,
            )
            for split, rows in splits.items()
        }
    )


TINY = {
    "train": [
        ("i feel happy", 1),
        ("i feel so so happy and glad today", 1),
        ("i am sad", 0),
        ("#angry at @bob http://t.co/x", 3),
    ],
    "validation": [("i feel sooo scared 😱", 4), ("i love it", 2)],
    "test": [("i am amazed", 5)],
}


def test_informal_features_known_answers():
    texts = [
        "#blessed today",  # hashtag
        "hi @bob",  # mention
        "see http://x.co/abc",  # url
        "love it 😀",  # emoji
        "sooo good",  # elongated
        "plain text",
        "mail me at a@b.com or c#",  # no mention, no hashtag (inside words)
        "year 2000",  # digits are not elongation
        "www.aaa.com",  # url; its "www" and "aaa" are not elongation
        "#yay @you ☀ coool",  # hashtag, mention, emoji, elongated
    ]
    assert informal_features(texts) == {
        "hashtag": 0.2,
        "mention": 0.2,
        "url": 0.2,
        "emoji": 0.2,
        "elongated": 0.2,
    }


def test_informal_features_of_no_texts_are_zero():
    assert set(informal_features([]).values()) == {0.0}


def test_class_counts_include_empty_classes():
    counts = class_counts(make_dsd(TINY))
    assert list(counts.index) == list(LABELS)
    assert list(counts.columns) == ["train", "validation", "test"]
    assert counts["train"].tolist() == [1, 2, 0, 1, 0, 0]
    assert counts["validation"].tolist() == [0, 0, 1, 0, 1, 0]
    assert counts["test"].tolist() == [0, 0, 0, 0, 0, 1]


def test_length_stats_and_truncated_share():
    stats = length_stats([1, 2, 3, 4, 100], max_length=3)
    assert stats["mean"] == 22.0 and stats["p50"] == 3.0 and stats["max"] == 100.0
    assert stats["p90"] == pytest.approx(61.6) and stats["p99"] == pytest.approx(96.16)
    assert stats["truncated"] == pytest.approx(0.4)
    assert "truncated" not in length_stats([5])
    with pytest.raises(ValueError, match="at least one length"):
        length_stats([])


def test_word_and_token_lengths(tokenizer):
    texts = ["i feel happy", "i", "  spaced   out  "]
    assert word_lengths(texts).tolist() == [3, 1, 2]
    assert token_lengths(texts, tokenizer).tolist() == [5, 3, 4]  # [CLS] ... [SEP] included
    assert token_lengths([], tokenizer).tolist() == []
    # with a tiny max_length, "i feel happy" (5 tokens) is truncated and "i" (3) is not
    assert length_stats(token_lengths(texts[:2], tokenizer), max_length=4)["truncated"] == 0.5


def md_table(md: str, header_has: str) -> dict[str, list[str]]:
    """The markdown table whose header line contains ``header_has``: {row name: cells}."""
    lines = md.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("|") and header_has in line)
    table = {}
    for line in lines[start:]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        table[cells[0]] = cells[1:]
    return table


def test_data_report_writes_markdown_and_figures(tmp_path, tokenizer):
    dsd = make_dsd(TINY)
    md_path = data_report(dsd, tokenizer, tmp_path / "out", max_length=6)
    assert md_path == tmp_path / "out" / "data.md"
    md = md_path.read_text(encoding="utf-8")
    assert fingerprint(dsd) in md
    classes = md_table(md, "train n")
    assert classes["label"][:2] == ["train n", "train %"]
    assert classes["joy"][:2] == ["2", "50.0"]  # 2 of 4 train rows
    assert classes["total"] == ["4", "100.0", "2", "100.0", "1", "100.0"]
    tokens = md_table(md, "% > 6")
    # train token lengths 5, 10, 5 and 16: half exceed max_length 6
    assert tokens["train"][-1] == "50.00"
    assert tokens["test"][-1] == "0.00"
    features = md_table(md, "| feature")
    assert features["hashtag"] == ["25.00", "0.00", "0.00"]
    assert features["emoji"] == ["0.00", "50.00", "0.00"]
    assert "## Duplicates, conflicts and overlap" in md
    report = load_data_report(tmp_path / "out" / "data-report.json")
    assert (report.fingerprint, report.max_length, report.filters) == (fingerprint(dsd), 6, ())
    assert report.classes["train"]["joy"] == 2 and report.tokens["train"]["truncated"] == 0.5
    assert report.informal["validation"]["emoji"] == 0.5
    assert report.quality == data_quality(TINY, LABELS)
    for name in ("class_distribution.png", "lengths.png"):
        data = (tmp_path / "out" / name).read_bytes()
        assert data.startswith(b"\x89PNG\r\n\x1a\n") and len(data) > 5_000


def test_data_report_rejects_bad_max_length(tmp_path, tokenizer):
    with pytest.raises(ValueError, match=r"max_length \(0\) must be an int >= 1"):
        data_report(make_dsd(TINY), tokenizer, tmp_path / "out", max_length=0)
    assert not (tmp_path / "out").exists()  # refused before anything is written
    with pytest.raises(ValueError, match=r"max_length \(0\) must be an int >= 1"):
        describe_data(make_dsd(TINY), tokenizer, max_length=0)
