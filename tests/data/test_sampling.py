"""MTEB's undersampling (counts, determinism, the carried order) and the nested stratified
subsets of the data-efficiency curve (nesting, stratification, seeds).

    pytest tests/data/test_sampling.py
"""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from emobench_core.data.sampling import ALL, mteb_undersample, nested_subsets, parse_sizes

# 6 classes of unequal size, the last smaller than the samples asked for
LABELS = [0] * 50 + [1] * 40 + [2] * 30 + [3] * 20 + [4] * 18 + [5] * 5
RNG_LABELS = np.random.default_rng(3).permutation(LABELS).tolist()


def test_mteb_undersample_counts_per_label() -> None:
    chosen, idxs = mteb_undersample(RNG_LABELS, 16, None, 42)
    counts = Counter(RNG_LABELS[i] for i in chosen)
    assert counts == {0: 16, 1: 16, 2: 16, 3: 16, 4: 16, 5: 5}
    assert len(set(chosen.tolist())) == len(chosen) == 16 * 5 + 5
    assert sorted(idxs.tolist()) == list(range(len(RNG_LABELS)))


def test_mteb_undersample_takes_the_first_rows_of_each_label_in_the_shuffled_order() -> None:
    chosen, idxs = mteb_undersample(RNG_LABELS, 3, None, 42)
    expected, seen = [], Counter[int]()
    for i in idxs:
        if seen[RNG_LABELS[i]] < 3:
            expected.append(int(i))
            seen[RNG_LABELS[i]] += 1
    assert chosen.tolist() == expected


def test_mteb_undersample_is_deterministic_and_carries_the_order() -> None:
    n = len(RNG_LABELS)
    perm = np.random.RandomState(42).permutation(n)  # MTEB: RandomState(seed).shuffle each time
    first, idxs = mteb_undersample(RNG_LABELS, 4, None, 42)
    assert idxs.tolist() == perm.tolist()
    second, idxs2 = mteb_undersample(RNG_LABELS, 4, idxs, 42)
    assert idxs2.tolist() == perm[perm].tolist()  # the previous order shuffled again
    assert first.tolist() != second.tolist()
    again_first, again_idxs = mteb_undersample(RNG_LABELS, 4, None, 42)
    again_second, _ = mteb_undersample(RNG_LABELS, 4, again_idxs, 42)
    assert (again_first.tolist(), again_second.tolist()) == (first.tolist(), second.tolist())
    other, _ = mteb_undersample(RNG_LABELS, 4, None, 7)
    assert other.tolist() != first.tolist()


def test_nested_subsets_are_nested_and_stratified() -> None:
    sizes = [2, 8, 25, ALL]
    subsets = nested_subsets(RNG_LABELS, sizes, seed=42)
    y = np.asarray(RNG_LABELS)
    full = Counter(RNG_LABELS)
    for k in (2, 8, 25):
        counts = Counter(y[subsets[k]].tolist())
        assert counts == {c: min(k, n) for c, n in full.items()}
    assert set(subsets[2]) < set(subsets[8]) < set(subsets[25]) < set(subsets[ALL])
    assert subsets[ALL].tolist() == list(range(len(y)))
    assert all(np.all(np.diff(s) > 0) for s in subsets.values())  # ascending, no repeats


def test_nested_subsets_follow_the_seed() -> None:
    a = nested_subsets(RNG_LABELS, [8], seed=42)[8]
    assert a.tolist() == nested_subsets(RNG_LABELS, [8], seed=42)[8].tolist()
    assert a.tolist() != nested_subsets(RNG_LABELS, [8], seed=43)[8].tolist()
    # a size's subset does not depend on which other sizes were asked for
    assert a.tolist() == nested_subsets(RNG_LABELS, [2, 8, ALL], seed=42)[8].tolist()


def test_parse_sizes() -> None:
    assert parse_sizes("all,64, 16") == [16, 64, ALL]
    for bad in ("0", "x", "16,16", ""):
        with pytest.raises(ValueError):
            parse_sizes(bad)
