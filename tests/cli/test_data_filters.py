"""The data filters on the command line: ``emobench data`` and ``emobench run`` with
--dedupe-train / --drop-test-overlap, off by default, recorded in what they write.

    python -m pytest tests/cli/test_data_filters.py -q
"""

from __future__ import annotations

import json

import pytest
from quality_fixtures import SPLITS, write_jsonl

import emobench_core.cli as cli
from emobench_core.data.fingerprint import fingerprint
from emobench_core.data.loading import load_emotion
from emobench_core.schema.data_report import load_data_report

FLAGS = ("--dedupe-train", "--drop-test-overlap")


def _options(command: str) -> set[str]:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")  # the subcommands action
    return {o for a in sub.choices[command]._actions for o in a.option_strings}


@pytest.mark.parametrize("command", ["data", "run", "distill", "train"])
def test_commands_that_load_data_for_a_run_offer_the_filters(command):
    assert set(FLAGS) <= _options(command)


@pytest.mark.parametrize("command", ["perf", "tune", "evaluate"])
def test_commands_that_do_not_apply_them_do_not_offer_them(command):
    assert not set(FLAGS) & _options(command)


def test_data_command_reports_the_filtered_data(tmp_path, vocab_dir):
    folder = write_jsonl(tmp_path / "data", SPLITS)
    common = ["data", "--data-dir", str(folder), "--vocab-dir", str(vocab_dir)]
    assert cli.main([*common, "--output", str(tmp_path / "plain")]) == 0
    assert cli.main([*common, *FLAGS, "--output", str(tmp_path / "filtered")]) == 0
    plain = load_data_report(tmp_path / "plain" / "data-report.json")
    filtered = load_data_report(tmp_path / "filtered" / "data-report.json")
    assert plain.filters == () and plain.fingerprint == fingerprint(load_emotion(folder))
    assert (plain.quality.split("train").duplicate_texts, plain.quality.overlap("test").rows) == (
        2,
        2,
    )
    assert filtered.filters == ("dedupe-train", "drop-test-overlap")
    assert filtered.fingerprint != plain.fingerprint
    assert filtered.rows == {"train": 6, "validation": 1, "test": 2}
    assert filtered.quality.split("train").duplicate_texts == 0
    assert filtered.quality.overlap("test").rows == 0
    md = (tmp_path / "filtered" / "data.md").read_text(encoding="utf-8")
    assert "- Filters: dedupe-train, drop-test-overlap" in md


def test_run_records_the_filters_in_every_result(tmp_path):
    folder = write_jsonl(tmp_path / "data", SPLITS)
    argv = ["run", "--models", "tfidf-svm", "--data-dir", str(folder), "--dedupe-train"]
    argv += ["--cache-dir", str(tmp_path / "cache"), "--output", str(tmp_path / "out")]
    assert cli.main(argv) == 0
    (path,) = (tmp_path / "out").glob("*.json")
    data = json.loads(path.read_text())["data"]
    assert data["filters"] == ["dedupe-train"]
    assert data["rows"] == {"train": 6, "validation": 2, "test": 4}
    assert data["fingerprint"] != fingerprint(load_emotion(folder))
