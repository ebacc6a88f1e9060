"""Tests for emobench_core.data.quality: every count on hand-made rows, and the normalisations."""

from __future__ import annotations

from quality_fixtures import SPLITS, write_jsonl

from emobench_core.data.loading import EMOTION_LABELS as LABELS
from emobench_core.data.quality import (
    EXAMPLES_PER_KIND,
    data_quality,
    exact_key,
    examples,
    near_key,
)
from emobench_core.schema.data_report import LabelConflicts, Overlap, SplitQuality


def test_exact_and_near_keys():
    assert exact_key("  I  Feel\tHAPPY \n") == "i feel happy"
    assert exact_key("sooo tired!!") == "sooo tired!!"  # punctuation and letters kept
    assert near_key("Sooo   tired!! 😴") == "so tired"
    assert near_key("don't") == near_key("dont") == "dont"
    assert near_key("year 2000") == "year 2000"  # digits are not letters: not collapsed
    assert near_key("good") == "god"  # every run of a letter, as documented


def test_counts_within_each_split():
    q = data_quality(SPLITS, LABELS)
    assert q.split("train") == SplitQuality(
        split="train",
        rows=9,
        duplicate_texts=2,
        duplicate_rows=4,
        conflict_texts=1,
        conflict_rows=2,
        near_texts=1,
        near_rows=2,
    )
    assert q.split("validation") == SplitQuality("validation", 2, 0, 0, 0, 0, 0, 0)
    assert q.split("test") == SplitQuality("test", 4, 0, 0, 0, 0, 0, 0)


def test_three_copies_and_a_consistent_pair():
    rows = [("a b", 0), ("A B", 0), ("a  b", 1), ("c", 2), ("c", 2), ("d", 3)]
    q = data_quality({"train": rows}, LABELS)
    assert q.split("train") == SplitQuality("train", 6, 2, 5, 1, 3, 0, 0)
    assert q.overlaps == ()  # no other split, nothing to overlap


def test_overlap_across_splits_and_the_label_check():
    q = data_quality(SPLITS, LABELS)
    assert q.overlap("test") == Overlap(
        split="test",
        other="train",
        split_rows=4,
        rows=2,
        texts=2,
        label_differs=1,
        near_rows=1,
    )
    assert q.overlap("test").share == 0.5
    assert q.overlap("validation") == Overlap("validation", "train", 2, 1, 1, 0, 0)
    assert q.overlap("test", "validation") == Overlap("test", "validation", 4, 0, 0, 0, 0)
    assert [(o.split, o.other) for o in q.overlaps] == [
        ("validation", "train"),
        ("test", "train"),
        ("test", "validation"),
    ]


def test_label_conflicts_per_class_pool_every_split():
    q = data_quality(SPLITS, LABELS)
    # conflicting texts anywhere: "i am sad" (sadness, anger, sadness) and "shared text"
    # (fear in train, joy in test)
    assert q.by_label == (
        LabelConflicts("sadness", rows=4, conflict_rows=2, conflict_texts=1),
        LabelConflicts("joy", rows=4, conflict_rows=1, conflict_texts=1),
        LabelConflicts("love", rows=2, conflict_rows=0, conflict_texts=0),
        LabelConflicts("anger", rows=2, conflict_rows=1, conflict_texts=1),
        LabelConflicts("fear", rows=1, conflict_rows=1, conflict_texts=1),
        LabelConflicts("surprise", rows=2, conflict_rows=0, conflict_texts=0),
    )
    assert q.by_label[0].share == 0.5 and q.by_label[2].share == 0.0


def test_examples_of_each_kind():
    got = [(e.kind, e.split, e.text, e.labels) for e in data_quality(SPLITS, LABELS).examples]
    assert got == [
        ("duplicate", "train", "i feel happy", "joy ×2"),
        ("conflict", "train", "i am sad", "sadness ×1, anger ×1"),
        ("near-duplicate", "train", "sooo tired!! ≈ so tired", "sadness ×2"),
        ("overlap", "validation", "again shared", "validation: surprise ×1; train: surprise ×1"),
        ("overlap", "test", "shared text", "test: joy ×1; train: fear ×1"),
        ("overlap", "test", "i am sad", "test: sadness ×1; train: sadness ×1, anger ×1"),
    ]


def test_examples_are_capped_and_short():
    rows = [(f"text {i} " + "x" * 80, 0) for i in range(5) for _ in range(2)]
    got = examples({"train": rows}, LABELS)
    assert len(got) == EXAMPLES_PER_KIND
    assert all(len(e.text) == 60 and e.text.endswith("…") for e in got)


def test_staged_format_read_by_the_loader(tmp_path):
    """The same counts from jsonl files read by the real loader (ids as the staged data has)."""
    from emobench_core.data.fingerprint import label_names
    from emobench_core.data.loading import load_data

    dsd = load_data(write_jsonl(tmp_path / "data", SPLITS))
    rows = {s: list(zip(ds["text"], ds["label"], strict=True)) for s, ds in dsd.items()}
    q = data_quality(rows, label_names(dsd))
    assert q == data_quality(SPLITS, LABELS)
    assert (q.split("train").conflict_texts, q.overlap("test").rows) == (1, 2)
