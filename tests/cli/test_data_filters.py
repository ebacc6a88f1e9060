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
from emobench_core.data.loading import load_data
from emobench_core.schema.data_report import load_data_report

FLAGS = ("--dedupe-train", "--drop-test-overlap")


def _options(command: str) -> set[str]:
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.dest == "command")  # the subcommands action
    return {o for a in sub.choices[command]._actions for o in a.option_strings}


DATA_OPTIONS = ("--dataset", "--data-dir", "--text-column", "--label-column", *FLAGS)


@pytest.mark.parametrize(
    "command", ["data", "run", "distill", "train", "perf", "tune", "evaluate", "latency", "deploy"]
)
def test_every_command_that_reads_data_offers_every_data_option(command):
    """One set of data options (read by one loader) on every command that reads data; the old
    latency and deploy took only --data-dir, and perf, tune and evaluate had no filters."""
    assert set(DATA_OPTIONS) <= _options(command)


def test_export_takes_the_runs_own_filters_not_options():
    assert not set(FLAGS) & _options("export")
    assert {"--dataset", "--data-dir"} <= _options("export")


def test_data_command_reports_the_filtered_data(tmp_path, vocab_dir):
    folder = write_jsonl(tmp_path / "data", SPLITS)
    common = ["data", "--data-dir", str(folder), "--vocab-dir", str(vocab_dir)]
    assert cli.main([*common, "--output", str(tmp_path / "plain")]) == 0
    assert cli.main([*common, *FLAGS, "--output", str(tmp_path / "filtered")]) == 0
    plain = load_data_report(tmp_path / "plain" / "data-report.json")
    filtered = load_data_report(tmp_path / "filtered" / "data-report.json")
    assert plain.filters == () and plain.fingerprint == fingerprint(load_data(folder))
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
    assert data["fingerprint"] != fingerprint(load_data(folder))
