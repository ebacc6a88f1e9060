"""Tests for emobench_core.data.filters: what each filter drops, and the fingerprint it changes."""

from __future__ import annotations

import pytest
from quality_fixtures import SPLITS, write_jsonl

from emobench_core.data.filters import DataFilters, filter_splits
from emobench_core.data.fingerprint import applied_filters, fingerprint
from emobench_core.data.loading import load_data, sample_train_rows
from emobench_core.errors import DataError

DEDUPE = DataFilters(dedupe_train=True)
OVERLAP = DataFilters(drop_test_overlap=True)
BOTH = DataFilters(dedupe_train=True, drop_test_overlap=True)


@pytest.fixture
def dsd(tmp_path):
    return load_data(write_jsonl(tmp_path / "data", SPLITS))


def texts(dsd, split):
    return list(dsd[split]["text"])


def test_no_filter_is_the_published_data(dsd):
    assert DataFilters().names == ()
    assert filter_splits(dsd, DataFilters()) is dsd
    assert applied_filters(dsd) == ()


def test_dedupe_train_keeps_one_agreeing_copy_and_drops_conflicts(dsd):
    out = filter_splits(dsd, DEDUPE)
    assert texts(out, "train") == [
        "I feel happy",  # first of two agreeing copies
        "sooo tired!!",  # near-duplicates are not exact: both kept
        "so tired",
        "unique one",
        "shared text",
        "again shared",
    ]
    assert list(out["train"]["label"]) == [1, 0, 0, 2, 4, 5]
    assert texts(out, "test") == texts(dsd, "test")
    assert texts(out, "validation") == texts(dsd, "validation")


def test_drop_test_overlap_cleans_validation_and_test(dsd):
    out = filter_splits(dsd, OVERLAP)
    assert texts(out, "validation") == ["val only"]
    assert texts(out, "test") == ["so tiiired", "test only"]  # a near match is kept
    assert texts(out, "train") == texts(dsd, "train")


def test_overlap_is_against_the_published_train_split(dsd):
    """With both on, a test copy of a conflicting train text (dropped by dedupe) still goes."""
    out = filter_splits(dsd, BOTH)
    assert "i am sad" not in texts(out, "test")
    assert len(out["train"]) == 6 and len(out["test"]) == 2


def test_each_filter_changes_the_fingerprint_and_is_named(dsd):
    before = fingerprint(dsd)
    prints = {before}
    for filters in (DEDUPE, OVERLAP, BOTH):
        out = filter_splits(dsd, filters)
        assert applied_filters(out) == filters.names
        prints.add(fingerprint(out))
    assert len(prints) == 4
    assert BOTH.names == ("dedupe-train", "drop-test-overlap")
    # the input is left as it was
    assert fingerprint(dsd) == before and applied_filters(dsd) == ()


def test_a_filter_that_drops_nothing_still_changes_the_fingerprint(tmp_path):
    # two classes named by string (ids 0-5 would read as dair-ai/emotion, which has six)
    clean = {
        "train": [("a", "no"), ("b", "yes")],
        "validation": [("c", "yes")],
        "test": [("d", "no")],
    }
    dsd = load_data(write_jsonl(tmp_path / "clean", clean))
    out = filter_splits(dsd, BOTH)
    assert {s: texts(out, s) for s in out} == {s: texts(dsd, s) for s in dsd}
    assert fingerprint(out) != fingerprint(dsd)


def test_filters_survive_sampling_and_are_applied_before_it(tmp_path):
    folder = write_jsonl(tmp_path / "data", SPLITS)
    out = load_data(folder, max_train_rows=3, filters=BOTH)
    assert applied_filters(out) == BOTH.names
    assert len(out["train"]) == 3
    kept = set(texts(filter_splits(load_data(folder), BOTH), "train"))
    assert set(texts(out, "train")) <= kept
    assert applied_filters(sample_train_rows(out, 2)) == BOTH.names


def test_no_filters_is_the_plain_load_and_a_data_request_carries_them(tmp_path):
    from emobench_core.data.source import DataRequest

    folder = write_jsonl(tmp_path / "data", SPLITS)
    assert fingerprint(load_data(folder, filters=DataFilters())) == fingerprint(load_data(folder))
    request = DataRequest(data_dir=str(folder), dedupe_train=True, drop_test_overlap=True)
    assert load_data(request).fingerprint == load_data(folder, filters=BOTH).fingerprint
    assert load_data(request).filters == BOTH.names
    with pytest.raises(DataError, match=r"max_train_rows \(0\)"):
        load_data(folder, max_train_rows=0, filters=DEDUPE)


def test_filtering_twice_or_to_nothing_is_an_error(dsd, tmp_path):
    with pytest.raises(DataError, match="went through filters already"):
        filter_splits(filter_splits(dsd, DEDUPE), OVERLAP)
    all_seen = {
        "train": [("a", "no"), ("b", "yes")],
        "validation": [("a", "no")],
        "test": [("b", "yes")],
    }
    with pytest.raises(DataError, match="leave the 'validation' split empty"):
        filter_splits(load_data(write_jsonl(tmp_path / "seen", all_seen)), OVERLAP)
