"""The data report file: written and read back unchanged, its schema checked on read."""

from __future__ import annotations

import json

import pytest
from quality_fixtures import make_data_report

from emobench_core.errors import ResultsError
from emobench_core.schema.data_report import DataReport, load_data_report


def test_round_trip_is_equal(tmp_path):
    report = make_data_report()
    path = report.save(tmp_path / "data-report.json")
    back = load_data_report(path)
    assert back == report
    assert back.quality.overlap("test").rows == 2  # typed records, not dicts, after reading
    assert json.loads(path.read_text())["schema"] == DataReport.SCHEMA_NAME


def test_other_schema_or_missing_field_is_one_error(tmp_path):
    data = make_data_report().to_dict()
    (tmp_path / "old.json").write_text(json.dumps({**data, "schema_version": 0}))
    with pytest.raises(ResultsError, match="not an emobench data report of schema version 1"):
        load_data_report(tmp_path / "old.json")
    del data["quality"]["overlaps"]
    (tmp_path / "broken.json").write_text(json.dumps(data))
    with pytest.raises(ResultsError, match="malformed data report.*emobench data --output"):
        load_data_report(tmp_path / "broken.json")
