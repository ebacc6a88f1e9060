"""``emobench tune --recipe FIELD=VALUE``: the grid is tuned under the changed recipe, which the
report records; a bad change, or resuming a report of another recipe, is refused before any
work with one line."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from fault_tools import assert_kept, hashes, tiny_data

from emobench_core.cli import main
from emobench_core.config import Recipe
from emobench_core.scenarios import tune as tune_module
from emobench_core.schema.tune import TuneReport

GRID = ["--epochs", "3", "--learning-rates", "1e-3", "--seeds", "42"]


def _argv(tmp_path: Path, *extra: str, models: str = "bert-tiny") -> list[str]:
    data = tiny_data(tmp_path / "data")
    out = ["--output", str(tmp_path / "tune.json"), "--cache-dir", str(tmp_path / "cache")]
    return ["tune", "--models", models, "--init", "random", *GRID, *out,
            "--data-dir", str(data), *extra]  # fmt: skip


@pytest.fixture
def seen(monkeypatch) -> list[Recipe]:
    """The recipes ``tune`` was called with (no training)."""
    calls: list[Recipe] = []

    def fake_tune(models: Any, recipe: Recipe, dsd: Any, report: TuneReport, output: Path, **k):
        calls.append(recipe)
        report.save(output)
        return report

    monkeypatch.setattr(tune_module, "tune", fake_tune)
    return calls


def test_the_grid_is_tuned_under_the_changed_recipe(tmp_path: Path, seen) -> None:
    argv = _argv(tmp_path, "--recipe", "cpu_attn_implementation=sdpa", "--recipe", "compile=true")
    assert main(argv) == 0
    want = Recipe(cpu_attn_implementation="sdpa", compile=True)
    assert seen == [want]
    assert TuneReport.load(tmp_path / "tune.json").recipe == want.to_dict()


def test_a_model_is_tuned_with_its_registry_attention_kernel(tmp_path: Path, seen) -> None:
    """BERT-Mini trains with eager attention on a CPU (registry), so its grid is tuned so too,
    unless --recipe says otherwise; models of different kernels are tuned apart."""
    assert main(_argv(tmp_path / "a", models="bert-mini")) == 0
    assert (
        main(_argv(tmp_path / "b", "--recipe", "cpu_attn_implementation=sdpa", models="bert-mini"))
        == 0
    )
    assert [r.attention("cpu") for r in seen] == ["eager", "sdpa"]
    assert (
        TuneReport.load(tmp_path / "a" / "tune.json").recipe["cpu_attn_implementation"] == "eager"
    )
    assert main(_argv(tmp_path / "c", models="bert-tiny,bert-mini")) == 2


@pytest.mark.parametrize(
    ("change", "words"),
    [
        ("cpu_attn_implementation=flash", "cpu_attn_implementation"),
        ("no_such_field=1", "not a recipe field"),
        ("threads=1", "threads is not a recipe field"),
        ("weights=bf16", "weights is not a recipe field"),
        ("compile", "must be FIELD=VALUE"),
    ],
)
def test_a_bad_change_is_one_line_before_any_work(tmp_path: Path, capsys, change, words) -> None:
    assert main(_argv(tmp_path, "--recipe", change)) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("emobench tune: error:") and words in err and len(err.splitlines()) == 1
    assert not (tmp_path / "tune.json").exists() and not (tmp_path / "cache").exists()


def test_resuming_a_report_of_another_recipe_is_refused(tmp_path: Path, capsys) -> None:
    grid = {"epochs": [3], "learning_rates": [1e-3], "seeds": [42]}
    earlier = TuneReport(grid=grid, recipe=Recipe().to_dict(), data={}, environment={}, command="")
    earlier.save(tmp_path / "tune.json")
    before = hashes(tmp_path)
    assert main(_argv(tmp_path, "--recipe", "cpu_attn_implementation=sdpa")) == 2
    err = capsys.readouterr().err.strip()
    assert "another recipe" in err and "cpu_attn_implementation" in err, err
    assert_kept(before, tmp_path)


@pytest.mark.parametrize(
    ("recorded", "words"),
    [
        ({"device": "cpu", "cpu_model": "AMD EPYC", "cpu_kernel_family": "no-such-family"},
         "AMD EPYC (no-such-family)"),
        ({"device": "cpu", "cpu_model": "No Such CPU"}, "No Such CPU"),
        ({"device": "cuda", "cpu_model": "No Such CPU"}, "device 'cuda'"),
    ],
)  # fmt: skip
def test_resuming_a_tune_of_another_machine_is_refused(
    tmp_path: Path, capsys, seen, recorded, words
) -> None:
    """The same seed trains to other weights on another CPU kind (and in fp32 without native
    bf16): cells of two machines would mix in one grid, so a resume elsewhere is refused."""
    grid = {"epochs": [3], "learning_rates": [1e-3], "seeds": [42]}
    earlier = TuneReport(
        grid=grid, recipe=Recipe().to_dict(), data={}, environment=recorded, command=""
    )
    earlier.save(tmp_path / "tune.json")
    before = hashes(tmp_path)
    assert main(_argv(tmp_path)) == 2
    err = capsys.readouterr().err.strip()
    assert words in err and "another --output" in err and len(err.splitlines()) == 1, err
    assert_kept(before, tmp_path)
    assert seen == []


def test_a_tune_resumes_on_the_machine_it_was_tuned_on(tmp_path: Path, seen) -> None:
    from emobench_core.measure.environment import this_cpu

    grid = {"epochs": [3], "learning_rates": [1e-3], "seeds": [42]}
    for env in (
        {"device": "cpu", **this_cpu()},
        {"device": "cpu", "cpu_model": this_cpu()["cpu_model"]},
    ):
        earlier = TuneReport(
            grid=grid, recipe=Recipe().to_dict(), data={}, environment=env, command=""
        )
        earlier.save(tmp_path / "tune.json")
        assert main(_argv(tmp_path)) == 0
    assert len(seen) == 2
