"""Fault injection: one label reading for every format (issue 33 point 5). The same rows written
as JSON Lines, CSV or parquet, their labels as ids, digit strings, float ids or names with
spaces, load to the same classes and ids; names that differ only in case are refused in one
line, never made extra classes.

    python -m pytest tests/faults/test_labels.py -n 0 -q
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from fault_tools import hashes

from emobench_core.cli import main
from emobench_core.data.loading import load_data
from emobench_core.errors import DataError

NAMES = ("neg", "pos")
TEXTS = {
    "train": [("a good day", 1), ("a bad day", 0), ("so nice", 1), ("awful", 0)],
    "validation": [("fine", 1), ("meh", 0)],
    "test": [("great", 1), ("terrible", 0)],
}
FORMATS = ("jsonl", "csv", "parquet")

Spell = Callable[[int], Any]
SPELLINGS: dict[str, Spell] = {
    "int": lambda i: i,
    "digit-string": lambda i: str(i),
    "digit-string-spaced": lambda i: f" {i} ",
    "float": lambda i: float(i),
    "float-string": lambda i: f"{i}.0",
    "name": lambda i: NAMES[i],
    "name-spaced": lambda i: f"  {NAMES[i]} " if i else f"{NAMES[i]}\t",
}


def write(folder: Path, fmt: str, spell: Spell, *, labels_txt: bool = True) -> Path:
    folder.mkdir(parents=True)
    for split, rows in TEXTS.items():
        spelled = [(text, spell(i)) for text, i in rows]
        path = folder / f"{split}.{fmt}"
        if fmt == "jsonl":
            lines = [json.dumps({"text": t, "label": v}) + "\n" for t, v in spelled]
            path.write_text("".join(lines), encoding="utf-8")
        else:
            frame = pd.DataFrame(spelled, columns=["text", "label"])
            if fmt == "csv":
                frame.to_csv(path, index=False)
            else:
                frame.to_parquet(path, index=False)
    if labels_txt:
        (folder / "labels.txt").write_text("\n".join(NAMES) + "\n", encoding="utf-8")
    return folder


def read(folder: Path) -> tuple[tuple[str, ...], dict[str, list[int]]]:
    dsd = load_data(folder)
    return dsd.labels, {s: [int(y) for y in dsd[s]["label"]] for s in ("train", "test")}


EXPECTED = (NAMES, {s: [i for _, i in TEXTS[s]] for s in ("train", "test")})


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("spelling", sorted(SPELLINGS))
def test_every_spelling_of_the_ids_and_names_reads_alike_in_every_format(
    spelling: str, fmt: str, tmp_path: Path
) -> None:
    assert read(write(tmp_path / "d", fmt, SPELLINGS[spelling])) == EXPECTED


@pytest.mark.parametrize("fmt", FORMATS)
def test_names_with_spaces_make_no_extra_classes_without_labels_txt(
    fmt: str, tmp_path: Path
) -> None:
    folder = write(tmp_path / "d", fmt, SPELLINGS["name-spaced"], labels_txt=False)
    assert read(folder) == EXPECTED


def test_one_file_mixing_spellings_reads_them_as_one_class(tmp_path: Path) -> None:
    mixed = iter([1, "0", " pos ", 0.0, "1.0", "neg", " 1", "neg "])
    folder = write(tmp_path / "d", "jsonl", lambda i: next(mixed))
    assert read(folder) == EXPECTED


@pytest.mark.parametrize("fmt", FORMATS)
def test_names_differing_only_in_case_are_refused_in_one_line(
    fmt: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    calls: list[int] = []

    def spell(i: int) -> str:  # the second row's "neg" written "Neg"
        calls.append(i)
        return "Neg" if len(calls) == 2 else NAMES[i]

    folder = write(tmp_path / "d", fmt, spell, labels_txt=False)
    before = hashes(tmp_path)
    code = main(["--quiet", "data", "--data-dir", str(folder), "--output", str(tmp_path / "o")])
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2 and len(lines) == 1 and "Traceback" not in err, err
    assert f"{folder / 'train'}.{fmt}" in lines[0]
    assert "'Neg'" in lines[0] and "'neg'" in lines[0] and "differs only in case" in lines[0]
    assert hashes(tmp_path) == before and not (tmp_path / "o").exists()


@pytest.mark.parametrize("fmt", FORMATS)
def test_a_name_in_another_case_than_labels_txt_says_so(fmt: str, tmp_path: Path) -> None:
    folder = write(tmp_path / "d", fmt, lambda i: "Pos" if i else "neg")
    with pytest.raises(
        DataError, match=r"unknown label 'Pos' \(it differs only in case from 'pos'"
    ):
        load_data(folder)


@pytest.mark.parametrize("value", [0.5, True, None])
def test_a_label_that_is_no_id_nor_name_is_refused(value: Any, tmp_path: Path) -> None:
    folder = write(tmp_path / "d", "jsonl", lambda i: value if i else "neg")
    with pytest.raises(DataError, match=r"train.jsonl:1: unknown label"):
        load_data(folder)


@pytest.mark.parametrize(
    ("raw", "read_as"),
    [
        (3, 3),
        ("3", 3),
        (" 3 ", 3),
        ("-1", -1),
        (1.0, 1),
        ("1.0", 1),
        ("2.", 2),
        (" joy ", "joy"),
        ("1.5", "1.5"),
        (1.5, 1.5),
        (True, True),
        (None, None),
    ],
)
def test_read_label(raw: Any, read_as: Any) -> None:
    from emobench_core.data.labels import read_label

    got = read_label(raw)
    assert got == read_as and type(got) is type(read_as)
