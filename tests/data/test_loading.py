"""Tests for emobench_core.data.loading: sources, validation errors, fingerprint, subsetting."""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import datasets
import pandas as pd
import pytest

from emobench_core.data.fingerprint import SPLITS, fingerprint
from emobench_core.data.loading import (
    DATA_DIR_ENV,
    FEATURES,
    HUB_DATASET,
    LONG_TEXT_CHARS,
    load_data,
    long_text_counts,
)
from emobench_core.data.loading import EMOTION_LABELS as LABELS
from emobench_core.errors import DataError

SHARED = Path(os.environ.get("EMOBENCH_SHARED_DIR", Path(__file__).resolve().parents[3] / "shared"))

ROWS: dict[str, list[tuple[str, int]]] = {
    "train": [
        ("i didnt feel humiliated", 0),
        ("i feel happy today", 1),
        ("i love how she, smiles", 2),
        ('i am "furious" at him', 3),
        ("i feel scared\tand alone", 4),
        ("i was amazed", 5),
        ("NA", 1),  # pandas would read this as missing without keep_default_na=False
        ("héllo wörld ✨", 0),
    ],
    "validation": [("i feel sad", 0), ("so much joy", 1)],
    "test": [("i am angry", 3), ("i am afraid", 4)],
}


def write_split(folder: Path, split: str, rows: list[tuple], fmt: str = "jsonl") -> Path:
    """Write ``rows`` of (text, label) as ``folder/<split>.<fmt>``."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{split}.{fmt}"
    if fmt in ("jsonl", "json"):
        lines = [json.dumps({"text": t, "label": lab}, ensure_ascii=False) for t, lab in rows]
        path.write_text("".join(line + "\n" for line in lines), encoding="utf-8")
    else:
        frame = pd.DataFrame(rows, columns=["text", "label"])
        if fmt == "csv":
            frame.to_csv(path, index=False)
        else:
            frame.to_parquet(path, index=False)
    return path


def write_folder(folder: Path, fmt: str = "jsonl", rows=ROWS) -> Path:
    for split in SPLITS:
        write_split(folder, split, rows[split], fmt)
    return folder


def as_rows(dsd: datasets.DatasetDict) -> dict[str, dict[str, list]]:
    return {split: ds[:] for split, ds in dsd.items()}


@pytest.mark.parametrize("fmt", ["jsonl", "json", "csv", "parquet"])
def test_every_format_gives_the_same_dataset(tmp_path, fmt):
    reference = load_data(write_folder(tmp_path / "jsonl"))
    dsd = load_data(write_folder(tmp_path / fmt, fmt))
    assert list(dsd) == list(SPLITS)
    assert as_rows(dsd) == as_rows(reference)
    assert fingerprint(dsd) == fingerprint(reference)
    for split in SPLITS:
        assert dsd[split].features == FEATURES
        assert dsd[split]["text"][:] == [t for t, _ in ROWS[split]]  # order and bytes kept


def test_schema_is_text_and_classlabel(tmp_path):
    dsd = load_data(write_folder(tmp_path))
    assert dsd["train"].column_names == ["text", "label"]
    assert dsd["train"].features["label"] == datasets.ClassLabel(names=list(LABELS))
    assert dsd["train"].features["text"] == datasets.Value("string")


@pytest.mark.parametrize("fmt", ["jsonl", "csv", "parquet"])
def test_label_names_are_mapped_to_ids(tmp_path, fmt):
    named = {s: [(t, LABELS[lab]) for t, lab in rows] for s, rows in ROWS.items()}
    by_name = load_data(write_folder(tmp_path / "names", fmt, named))
    by_id = load_data(write_folder(tmp_path / "ids", "jsonl"))
    assert as_rows(by_name) == as_rows(by_id)
    assert fingerprint(by_name) == fingerprint(by_id)


def _write_raw(name: str, data: bytes):
    """Setup writing a valid folder, then replacing that split's file by ``name`` = ``data``."""

    def setup(folder: Path) -> Path:
        write_folder(folder)
        for old in folder.glob(f"{Path(name).stem}.*"):
            old.unlink()
        (folder / name).write_bytes(data)
        return folder

    return setup


def _jsonl(*objs) -> bytes:
    return "".join(json.dumps(o) + "\n" for o in objs).encode()


GOOD = {"text": "fine", "label": 1}


def _rows_file(fmt: str, rows: list[tuple]):
    """Setup writing a valid folder whose train split is ``rows`` as ``fmt``."""

    def setup(folder: Path) -> Path:
        write_folder(folder)
        (folder / "train.jsonl").unlink()
        write_split(folder, "train", rows, fmt)
        return folder

    return setup


def _only(*splits: str):
    def setup(folder: Path) -> Path:
        for split in splits:
            write_split(folder, split, ROWS[split])
        return folder

    return setup


def _also(name: str, content: str):
    def setup(folder: Path) -> Path:
        write_folder(folder)
        (folder / name).write_text(content, encoding="utf-8")
        return folder

    return setup


def _also_alone(name: str):
    def setup(folder: Path) -> Path:
        folder.mkdir()
        (folder / name).write_text("not data", encoding="utf-8")
        return folder

    return setup


BAD_INPUTS = {
    "missing folder": (lambda folder: folder / "nope", r"nope does not exist; pass --data-dir"),
    "path is a file": (
        lambda folder: write_split(folder, "train", ROWS["train"]),
        r"train\.jsonl is not a folder",
    ),
    "empty folder": (
        lambda folder: folder.mkdir() or folder,
        r"no split files in .*\(it holds: nothing\); pass --data-dir DIR or set EMOBENCH_DATA_DIR",
    ),
    "only unrelated files": (
        _also_alone("notes.txt"),
        r"no split files in .*\(it holds: notes\.txt\)",
    ),
    "missing split": (
        _only("train", "validation"),
        r"no split 'test' in .* \(found: train, validation\); pass --data-dir",
    ),
    "val instead of validation": (
        lambda folder: (
            _only("train", "test")(folder) and write_split(folder, "val", ROWS["validation"]).parent
        ),
        r"no split 'validation' .*\(rename val\.jsonl to validation\.jsonl\)",
    ),
    "duplicate split files": (
        _also("train.csv", "text,label\nhi,1\n"),
        r"split 'train' has several files in .* \(train\.csv, train\.jsonl\); keep exactly one",
    ),
    "malformed json line": (
        _write_raw("train.jsonl", _jsonl(GOOD, GOOD) + b'{"text": "oops", "label": 1\n'),
        r"train\.jsonl:3: malformed JSON \(.*\); each line must be one object",
    ),
    "json line not an object": (
        _write_raw("train.jsonl", _jsonl(GOOD, ["fine", 1])),
        r"train\.jsonl:2: expected an object with keys text and label, got \['fine', 1\]",
    ),
    "json line without label": (
        _write_raw("train.jsonl", _jsonl({"text": "no label"})),
        r"train\.jsonl:1: expected an object with keys text and label",
    ),
    "invalid utf-8": (
        _write_raw("train.jsonl", _jsonl(GOOD) + b'{"text": "caf\xe9", "label": 1}\n'),
        r"train\.jsonl:2: invalid UTF-8 .*; re-save the file as UTF-8",
    ),
    "csv without text/label columns": (
        _write_raw("train.csv", b"sentence,emotion\nhi,joy\n"),
        r"train\.csv: missing column\(s\) text, label \(found: sentence, emotion\); "
        r"the file needs columns text and label",
    ),
    "label 7": (
        _write_raw("train.jsonl", _jsonl(GOOD, {"text": "x", "label": 7})),
        r"train\.jsonl:2: invalid label 7; allowed: ids 0\.\.5 or names sadness, joy, love, "
        r"anger, fear, surprise",
    ),
    "label happy": (
        _write_raw("train.jsonl", _jsonl({"text": "x", "label": "happy"})),
        r"train\.jsonl:1: invalid label 'happy'; allowed: ids 0\.\.5 or names",
    ),
    "label -1 in csv": (
        _rows_file("csv", [("fine", 1), ("bad", -1)]),
        r"train\.csv, row 2: invalid label -1; allowed",
    ),
    "label bool": (
        _write_raw("train.jsonl", _jsonl({"text": "x", "label": True})),
        r"train\.jsonl:1: invalid label True",
    ),
    "label float in parquet": (
        _rows_file("parquet", [("fine", 1.5)]),
        r"train\.parquet, row 1: invalid label 1\.5",
    ),
    "empty text": (
        _write_raw("train.jsonl", _jsonl(GOOD, GOOD, GOOD, {"text": "", "label": 1})),
        r"train\.jsonl:4: text '' is empty or whitespace-only; every row needs a non-empty text",
    ),
    "whitespace text": (
        _write_raw("train.jsonl", _jsonl({"text": " \t ", "label": 1})),
        r"train\.jsonl:1: text ' \\t ' is empty or whitespace-only",
    ),
    "empty text in csv": (
        _rows_file("csv", [("fine", 1), ("", 2)]),
        r"train\.csv, row 2: text '' is empty",
    ),
    "text not a string": (
        _write_raw("train.jsonl", _jsonl({"text": 42, "label": 1})),
        r"train\.jsonl:1: text 42 is not a string",
    ),
    "empty split file": (
        _write_raw("test.jsonl", b""),
        r"test\.jsonl: no rows; each split needs at least one",
    ),
}


@pytest.mark.parametrize(("setup", "match"), BAD_INPUTS.values(), ids=BAD_INPUTS.keys())
def test_bad_input_raises_a_one_line_data_error(tmp_path, setup, match):
    folder = setup(tmp_path / "data")
    with pytest.raises(DataError, match=match) as info:
        load_data(folder)
    assert "\n" not in str(info.value)
    assert isinstance(info.value, ValueError)


def test_blank_lines_and_bom_are_tolerated(tmp_path):
    folder = write_folder(tmp_path)
    (folder / "test.jsonl").write_bytes(b"\xef\xbb\xbf" + _jsonl(GOOD) + b"\n  \n" + _jsonl(GOOD))
    assert load_data(folder)["test"][:] == {"text": ["fine", "fine"], "label": [1, 1]}


def test_long_texts_are_kept_and_counted(tmp_path, caplog):
    long_text = "sooo " * (LONG_TEXT_CHARS // 5 + 1)
    rows = dict(ROWS, train=[*ROWS["train"], (long_text, 1)])
    with caplog.at_level(logging.WARNING, logger="emobench_core.data.loading"):
        dsd = load_data(write_folder(tmp_path, rows=rows))
    assert dsd["train"]["text"][-1] == long_text
    assert long_text_counts(dsd) == {"train": 1, "validation": 0, "test": 0}
    assert f"longer than {LONG_TEXT_CHARS} characters" in caplog.text
    assert "train 1" in caplog.text


def test_no_warning_without_long_texts(tmp_path, caplog):
    with caplog.at_level(logging.WARNING, logger="emobench_core.data.loading"):
        dsd = load_data(write_folder(tmp_path))
    assert long_text_counts(dsd) == {"train": 0, "validation": 0, "test": 0}
    assert caplog.text == ""


def test_fingerprint_changes_with_one_label_or_text(tmp_path):
    base = fingerprint(load_data(write_folder(tmp_path / "a")))
    assert base == fingerprint(load_data(write_folder(tmp_path / "b")))  # deterministic
    assert len(base) == 64 and int(base, 16) >= 0
    relabelled = dict(ROWS, test=[ROWS["test"][0], (ROWS["test"][1][0], 5)])
    assert fingerprint(load_data(write_folder(tmp_path / "c", rows=relabelled))) != base
    retexted = dict(ROWS, validation=[("i feel sad!", 0), ROWS["validation"][1]])
    assert fingerprint(load_data(write_folder(tmp_path / "d", rows=retexted))) != base
    # moving a row across the split boundary changes it too
    moved = dict(
        ROWS, validation=ROWS["validation"][:1], test=ROWS["validation"][1:] + ROWS["test"]
    )
    assert fingerprint(load_data(write_folder(tmp_path / "e", rows=moved))) != base


def test_env_var_is_used_when_no_data_dir(tmp_path, monkeypatch):
    env_dir = write_folder(tmp_path / "env")
    arg_dir = write_folder(tmp_path / "arg", rows=dict(ROWS, test=ROWS["validation"]))
    monkeypatch.setenv(DATA_DIR_ENV, str(env_dir))
    monkeypatch.setattr(datasets, "load_dataset", _no_hub)
    assert fingerprint(load_data()) == fingerprint(load_data(env_dir))
    assert fingerprint(load_data(arg_dir)) != fingerprint(load_data())  # argument wins


def _no_hub(*args, **kwargs):
    raise ConnectionError(f"Couldn't reach '{args[0]}' on the Hub (LocalEntryNotFoundError)")


@pytest.mark.parametrize("env", [None, ""], ids=["env unset", "env empty"])
def test_hub_unreachable_names_both_ways_out(monkeypatch, env):
    if env is None:
        monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    else:
        monkeypatch.setenv(DATA_DIR_ENV, env)
    monkeypatch.setattr(datasets, "load_dataset", _no_hub)
    with pytest.raises(DataError, match=r"hub.*unreachable.*ConnectionError") as info:
        load_data()
    message = str(info.value)
    assert "--data-dir" in message and DATA_DIR_ENV in message and ".parquet" in message
    assert "\n" not in message


def test_hub_dataset_is_validated_into_the_same_schema(tmp_path, monkeypatch):
    hub_features = datasets.Features(
        {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=list(LABELS))}
    )
    hub = datasets.DatasetDict(
        {
            s: datasets.Dataset.from_dict(
                {"text": [t for t, _ in rows], "label": [lab for _, lab in rows]},
                features=hub_features,
            )
            for s, rows in ROWS.items()
        }
    )
    calls = []
    monkeypatch.delenv(DATA_DIR_ENV, raising=False)
    monkeypatch.setenv("HF_DATASETS_OFFLINE", "1")  # no reachability probe of the real hub
    monkeypatch.setattr(datasets, "load_dataset", lambda name: calls.append(name) or hub)
    dsd = load_data()
    assert calls == [HUB_DATASET]
    assert fingerprint(dsd) == fingerprint(load_data(write_folder(tmp_path)))


def test_max_train_rows_is_a_deterministic_subset(tmp_path):
    folder = write_folder(tmp_path)
    full = load_data(folder)
    small = load_data(folder, max_train_rows=3)
    assert len(small["train"]) == 3
    assert small["train"][:] == full["train"].shuffle(seed=0).select(range(3))[:]
    assert small["train"][:] == load_data(folder, max_train_rows=3)["train"][:]
    assert set(small["train"]["text"][:]) <= set(full["train"]["text"][:])
    for split in ("validation", "test"):
        assert small[split][:] == full[split][:]
    assert len(load_data(folder, max_train_rows=10_000)["train"]) == len(ROWS["train"])


@pytest.mark.parametrize("bad", [0, -1, 2.5, True])
def test_max_train_rows_must_be_positive_int(tmp_path, bad):
    with pytest.raises(DataError, match=r"max_train_rows \(.*\) must be an int >= 1 or None"):
        load_data(write_folder(tmp_path), max_train_rows=bad)


@pytest.mark.skipif(not (SHARED / "data/emotion").is_dir(), reason="no shared data folder")
def test_real_shared_data():
    dsd = load_data(SHARED / "data/emotion")
    assert {s: len(ds) for s, ds in dsd.items()} == {
        "train": 16000,
        "validation": 2000,
        "test": 2000,
    }
    train = pd.Series(dsd["train"]["label"][:]).map(dict(enumerate(LABELS))).value_counts()
    assert train.to_dict() == {
        "sadness": 4666,
        "joy": 5362,
        "love": 1304,
        "anger": 2159,
        "fear": 1937,
        "surprise": 572,
    }
    assert dsd["train"][0] == {"text": "i didnt feel humiliated", "label": 0}
    # Pins the staged files (PROVENANCE.md) and the fingerprint scheme; update both knowingly.
    assert fingerprint(dsd) == "f24d091c8464fb352f957cb23b7a3f8ad3bfa910cf886bbdfb1e2a92df60247b"
