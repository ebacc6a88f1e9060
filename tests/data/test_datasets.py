"""Any single-label dataset: class names from labels.txt, a ClassLabel or the string labels;
a validation split carved when missing; every bad-data case refused in one line.

    python -m pytest tests/data/test_datasets.py -q
"""

from __future__ import annotations

import json
from pathlib import Path

import datasets
import pytest

from emobench_core.data.fingerprint import data_info, fingerprint, label_names
from emobench_core.data.loading import (
    DATA_DIR_ENV,
    VALIDATION_SEED,
    DataSource,
    load_data,
    source_label,
)
from emobench_core.errors import DataError

THREE = ("neg", "pos", "meh")


def rows(n: int, names=THREE, start: int = 0) -> list[tuple[str, object]]:
    return [
        (f"text {start + i} about {names[i % len(names)]}", names[i % len(names)]) for i in range(n)
    ]


def write(folder: Path, splits: dict[str, list[tuple[str, object]]], **files: str) -> Path:
    """``splits`` as JSON Lines, plus extra files (``labels_txt="a\\nb"``)."""
    folder.mkdir(parents=True, exist_ok=True)
    for split, items in splits.items():
        lines = "".join(json.dumps({"text": t, "label": y}) + "\n" for t, y in items)
        (folder / f"{split}.jsonl").write_text(lines, encoding="utf-8")
    for name, content in files.items():
        (folder / name.replace("_", ".")).write_text(content, encoding="utf-8")
    return folder


def three(tmp_path: Path, **files: str) -> Path:
    return write(
        tmp_path / "three",
        {"train": rows(30), "validation": rows(6, start=100), "test": rows(9, start=200)},
        **files,
    )


def test_string_labels_are_the_sorted_distinct_names(tmp_path):
    dsd = load_data(three(tmp_path))
    assert label_names(dsd) == ("meh", "neg", "pos")
    assert dsd["train"]["label"][:3] == [1, 2, 0]  # neg, pos, meh
    assert data_info(dsd) == {
        "dataset": "three",
        "labels_source": "sorted distinct string labels",
        "validation": "split",
    }


def test_labels_txt_names_ids_in_order_and_changes_the_fingerprint(tmp_path):
    by_name = load_data(three(tmp_path))
    ids = {"neg": 0, "pos": 1, "meh": 2}
    numbered = {
        s: [(t, ids[y]) for t, y in rows_]
        for s, rows_ in {
            "train": rows(30),
            "validation": rows(6, start=100),
            "test": rows(9, start=200),
        }.items()
    }
    dsd = load_data(write(tmp_path / "ids", numbered, labels_txt="neg\npos\n\nmeh\n"))
    assert label_names(dsd) == THREE
    assert data_info(dsd)["labels_source"] == "labels.txt"
    # names and mixed ids give the same rows: the same fingerprint
    mixed = load_data(
        write(
            tmp_path / "mixed", {**numbered, "test": rows(9, start=200)}, labels_txt="neg\npos\nmeh"
        )
    )
    assert fingerprint(mixed) == fingerprint(dsd)
    # the label names are part of the fingerprint: same ids, other names
    renamed = load_data(write(tmp_path / "renamed", numbered, labels_txt="bad\ngood\nso-so"))
    assert fingerprint(renamed) != fingerprint(dsd)
    assert fingerprint(by_name) != fingerprint(dsd)  # same texts, other id order


def test_parquet_written_by_datasets_keeps_its_classlabel(tmp_path):
    folder = tmp_path / "pq"
    folder.mkdir()
    features = datasets.Features(
        {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=["no", "yes"])}
    )
    for split, n in (("train", 10), ("test", 4)):
        data = {"text": [f"{split} {i}" for i in range(n)], "label": [i % 2 for i in range(n)]}
        datasets.Dataset.from_dict(data, features=features).to_parquet(folder / f"{split}.parquet")
    dsd = load_data(folder)
    assert label_names(dsd) == ("no", "yes")
    assert data_info(dsd)["labels_source"] == "ClassLabel"


def test_missing_validation_is_carved_stratified_with_a_fixed_seed(tmp_path, caplog):
    folder = write(tmp_path / "noval", {"train": rows(60), "test": rows(9, start=200)})
    dsd = load_data(folder)
    again = load_data(folder)
    assert len(dsd["validation"]) == 6 and len(dsd["train"]) == 54
    assert sorted(dsd["validation"]["label"][:]) == [0, 0, 1, 1, 2, 2]  # stratified: 2 each
    assert dsd["validation"][:] == again["validation"][:]  # fixed seed
    train = set(dsd["train"]["text"][:])
    assert not train & set(dsd["validation"]["text"][:])
    assert train | set(dsd["validation"]["text"][:]) == {t for t, _ in rows(60)}
    how = data_info(dsd)["validation"]
    assert how == f"carved from train: 6 of 60 rows (10%), stratified, seed {VALIDATION_SEED}"
    assert "no validation split" in caplog.text


def test_hub_dataset_with_config_and_columns(monkeypatch):
    features = datasets.Features(
        {
            "sentence": datasets.Value("string"),
            "sentiment": datasets.ClassLabel(names=["negative", "positive"]),
            "idx": datasets.Value("int32"),
        }
    )

    def split(n: int) -> datasets.Dataset:
        data = {"sentence": [f"s {i}" for i in range(n)], "sentiment": [i % 2 for i in range(n)]}
        return datasets.Dataset.from_dict({**data, "idx": list(range(n))}, features=features)

    calls = []
    hub = datasets.DatasetDict({"train": split(20), "dev": split(4), "test": split(4)})
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")  # no reachability probe of the real hub
    monkeypatch.setattr(datasets, "load_dataset", lambda *args: calls.append(args) or hub)
    src = DataSource.parse("org/reviews:short", text_column="sentence", label_column="sentiment")
    dsd = load_data(src)
    assert calls == [("org/reviews", "short")]
    assert label_names(dsd) == ("negative", "positive")
    assert dsd["validation"]["text"][:] == [f"s {i}" for i in range(4)]  # "dev" read as it
    assert data_info(dsd) == {
        "dataset": "org/reviews:short",
        "labels_source": "ClassLabel",
        "validation": "split",
    }
    assert source_label(src) == "hub:org/reviews:short"


def test_dataset_options_and_names(tmp_path, monkeypatch):
    monkeypatch.setenv(DATA_DIR_ENV, str(tmp_path / "env"))
    assert DataSource().resolved().data_dir == str(tmp_path / "env")
    assert DataSource.parse("a/b").resolved().data_dir is None  # an explicit dataset wins
    assert DataSource.parse("a/b", tmp_path / "x").name == "a/b"  # a named local copy
    assert DataSource.parse(None, tmp_path / "x").name == "x"
    with pytest.raises(DataError, match="both 'text'"):
        DataSource(label_column="text")
    with pytest.raises(DataError, match="has no id"):
        DataSource.parse(":config")


def _split(folder: Path, name: str, items) -> None:
    lines = "".join(json.dumps({"text": t, "label": y}) + "\n" for t, y in items)
    (folder / f"{name}.jsonl").write_text(lines, encoding="utf-8")


def _bad(**change):
    """A setup: the three-class folder with ``change`` (split -> rows, or file -> text)."""

    def setup(tmp_path: Path) -> Path:
        folder = three(tmp_path)
        for name, value in change.items():
            if isinstance(value, str):
                (folder / name.replace("_", ".")).write_text(value, encoding="utf-8")
            elif value is None:
                (folder / f"{name}.jsonl").unlink()
            else:
                _split(folder, name, value)
        return folder

    return setup


BAD = {
    "missing split": (_bad(test=None), r"no split 'test' in .*three \(found: train, validation\)"),
    "unknown label": (
        _bad(labels_txt="neg\npos\nmeh", test=[*rows(3), ("x", "joy")]),
        r"three/test\.jsonl:4: unknown label 'joy'; allowed: ids 0\.\.2 or names neg, pos, meh "
        r"\(from .*labels\.txt\); add the name to labels\.txt or fix the row",
    ),
    "empty text": (
        _bad(train=[*rows(30), ("  ", "neg")]),
        r"three/train\.jsonl:31: text '  ' is empty or whitespace-only; every row needs",
    ),
    "label set differs between splits": (
        _bad(validation=[*rows(3), ("x", "angry")]),
        r"three/validation\.jsonl:4: the label set differs between splits: label 'angry' never "
        r"occurs in the training split \(.*three/train\.jsonl\); add training rows",
    ),
    "fewer than two classes": (
        _bad(train=rows(5, names=("neg",)), validation=rows(2, ("neg",)), test=rows(2, ("neg",))),
        r"three/train\.jsonl: fewer than two classes \('neg', from sorted distinct string "
        r"labels\); a classifier needs at least two",
    ),
    "class absent from training": (
        _bad(labels_txt="neg\npos\nmeh\nangry"),
        r"three/train\.jsonl: class 'angry' \(id 3, from labels\.txt\) is absent from the "
        r"training split, so no model can learn it; add training rows labelled 'angry' or "
        r"remove it from labels\.txt",
    ),
    "integer labels without names": (
        _bad(
            train=[(f"t{i}", i % 3) for i in range(9)],
            validation=[("v", 0), ("w", 1)],
            test=[("x", 2)],
        ),
        r"three/train\.jsonl: class 'anger' \(id 3, from known names of dair-ai/emotion\) is "
        r"absent from the training split, .*; add training rows labelled 'anger' or for "
        r"classes of your own write labels\.txt \(one name per line, in id order\)",
    ),
    "too small to carve validation": (
        _bad(validation=None, train=[*rows(6), ("lonely", "odd")]),
        r"three/train\.jsonl: no validation split, and training is too small to carve a "
        r"stratified one \(7 rows; class 'odd' has 1\); add a validation file",
    ),
    "labels.txt lists a class twice": (
        _bad(labels_txt="neg\npos\nneg"),
        r"labels\.txt:3: class 'neg' is listed twice",
    ),
}


@pytest.mark.parametrize("case", list(BAD))
def test_bad_data_is_refused_in_one_line(tmp_path, case):
    setup, match = BAD[case]
    with pytest.raises(DataError, match=match) as info:
        load_data(setup(tmp_path))
    assert "\n" not in str(info.value)


def test_hub_classlabels_that_differ_between_splits_are_refused(monkeypatch):
    def split(names: list[str]) -> datasets.Dataset:
        features = datasets.Features(
            {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=names)}
        )
        return datasets.Dataset.from_dict({"text": ["a", "b"], "label": [0, 1]}, features=features)

    hub = datasets.DatasetDict({"train": split(["x", "y"]), "test": split(["x", "z"])})
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")
    monkeypatch.setattr(datasets, "load_dataset", lambda *args: hub)
    with pytest.raises(
        DataError,
        match=r"the label set differs between splits: org/d train "
        r"\(train\) has ClassLabel names \['x', 'y'\], org/d test \(test\) has "
        r"ClassLabel names \['x', 'z'\]",
    ):
        load_data(DataSource("org/d"))
