"""The fan-in of shards (`emobench report --results A B`): runs of one experiment merge; runs of
other data, recipes or code revisions are refused in one line unless --allow-mixed."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

from emobench_core.cli import main
from emobench_core.errors import ResultsError
from emobench_core.schema.run import RunResult
from emobench_core.study.merge import check_mergeable, merge_parts
from tests.report_fixtures import make_results


def _shards() -> tuple[list[RunResult], list[RunResult]]:
    """The fixture rows split as pytest-split could: seeds 42 in one shard, the rest in the
    other (every model's effective recipe is the same on both sides)."""
    rows = [r for r in make_results() if r.efficiency.device == "cpu"]
    return [r for r in rows if r.seed == 42], [r for r in rows if r.seed != 42]


def _refusal(a: list[RunResult], b: list[RunResult]) -> str:
    with pytest.raises(ResultsError) as info:
        check_mergeable([("out/shard-1", a), ("out/shard-2", b)])
    message = str(info.value)
    assert "\n" not in message
    assert "out/shard-1 and out/shard-2" in message
    assert "--allow-mixed" in message
    return message


def test_shards_of_one_run_merge() -> None:
    a, b = _shards()
    merged = merge_parts([("a", a), ("b", b)])
    assert sorted(r.run_id for r in merged) == sorted(r.run_id for r in a + b)


def test_other_data_is_refused() -> None:
    a, b = _shards()
    other = [
        dataclasses.replace(r, data=dataclasses.replace(r.data, fingerprint="e" * 64)) for r in b
    ]
    message = _refusal(a, other)
    assert "different data" in message
    assert (
        "dataset dair-ai/emotion vs dair-ai/emotion, fingerprint ffffffffffff vs eeeeeeeeeeee"
        in message
    )


def test_another_dataset_is_refused_naming_both() -> None:
    a, b = _shards()
    data = dataclasses.replace(b[0].data, fingerprint="e" * 64, dataset="my-reviews")
    message = _refusal(a, [dataclasses.replace(r, data=data) for r in b])
    assert "dataset dair-ai/emotion vs my-reviews" in message


def test_another_recipe_asked_for_is_refused() -> None:
    a, b = _shards()
    other = [
        dataclasses.replace(r, recipe_request={**(r.recipe_request or {}), "epochs": 9}) for r in b
    ]
    message = _refusal(a, other)
    assert "different recipes asked for" in message
    assert "epochs 'not recorded' vs 9" in message


def test_another_effective_recipe_of_one_model_is_refused() -> None:
    a, b = _shards()
    other = [
        dataclasses.replace(r, recipe={**r.recipe, "learning_rate": 1e-3})
        if r.model.name == "bert-mini"
        else r
        for r in b
    ]
    message = _refusal(a, other)
    assert "different effective recipes of bert-mini (pretrained)" in message
    assert "learning_rate 5e-05 vs 0.001" in message


def test_another_code_revision_is_refused() -> None:
    a, b = _shards()
    other = [dataclasses.replace(r, environment={**r.environment, "git_commit": "feed"}) for r in b]
    assert "different code revisions" in _refusal(a, other)


def test_allow_mixed_merges_anyway_and_one_folder_is_never_checked() -> None:
    a, b = _shards()
    other = [dataclasses.replace(r, environment={**r.environment, "git_commit": "feed"}) for r in b]
    assert len(merge_parts([("a", a), ("b", other)], allow_mixed=True)) == len(a + other)
    assert len(merge_parts([("a", a + other)])) == len(a + other)


def test_a_run_two_shards_both_used_is_kept_once() -> None:
    a, _ = _shards()
    later = [dataclasses.replace(r, created_at="2030-01-01T00:00:00+00:00") for r in a]
    merged = merge_parts([("a", a), ("b", later)])
    assert [r.run_id for r in merged] == [r.run_id for r in a]
    assert {r.created_at for r in merged} == {"2030-01-01T00:00:00+00:00"}


def test_report_refuses_mixed_folders_in_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    a, b = _shards()
    for r in a:
        r.save(tmp_path / "a")
    for r in b:
        dataclasses.replace(r, data=dataclasses.replace(r.data, fingerprint="e" * 64)).save(
            tmp_path / "b"
        )
    out = tmp_path / "R.md"
    argv = ["report", "--no-bench", "--results", str(tmp_path / "a"), str(tmp_path / "b")]
    assert main([*argv, "--output", str(out), "--bootstrap", "20"]) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "different data" in err, err
    assert not out.exists()
