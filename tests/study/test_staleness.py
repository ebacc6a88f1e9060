"""Stale rows: a result trained by older code or another recipe than the current code would run
is marked with what changed and kept out of tiers, findings, fronts and recommendations."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest
from report_fixtures import make_results

from emobench_core.cli import main as cli_main
from emobench_core.config import RecipeRequest
from emobench_core.models.registry import get_spec
from emobench_core.study.build import build_study
from emobench_core.study.staleness import stale_reasons
from emobench_core.study.summaries import summarize

OLD_RECIPE = {  # what the gpu study's rows recorded: older code, older defaults
    "max_length": 128,
    "batch_size": 32,
    "eval_batch_size": 256,
    "epochs": 10,
    "learning_rate": 5e-05,
    "learning_rate_random": 0.0005,
    "weight_decay": 0.01,
    "warmup_ratio": 0.1,
    "lr_scheduler": "linear",
    "optimizer": "adamw_torch",
    "early_stopping_patience": 2,
    "seed": 42,
    "max_train_rows": None,
    "group_by_length": True,
    "kd_alpha": 0.5,
    "kd_temperature": 3.0,
}


def _stale(result, recipe=OLD_RECIPE):
    return dataclasses.replace(result, recipe={**recipe, "seed": result.seed}, recipe_request=None)


def test_a_current_row_has_no_reasons() -> None:
    assert all(stale_reasons(r) == () for r in make_results())


def test_an_old_row_says_what_changed() -> None:
    distil = next(r for r in make_results() if r.model.name == "distilbert")
    reasons = stale_reasons(_stale(distil))
    assert "epochs: 10 (now 4)" in reasons
    assert "early_stopping_patience: 2 (now None)" in reasons
    assert "optimizer: 'adamw_torch' (now 'adamw_torch_fused')" in reasons
    own = get_spec("distilbert").learning_rate_random  # the registry's own rate, since tuned
    assert own != 0.0005 and f"learning_rate_random: 0.0005 (now {own!r})" in reasons
    assert "cuda_bf16: not recorded (now False)" in reasons


def test_the_svm_is_stale_only_on_the_fields_it_trains_with() -> None:
    svm = next(r for r in make_results() if r.model.name == "tfidf-svm")
    assert stale_reasons(_stale(svm)) == ()  # epochs, rates...: the SVM trains without them
    asked_all = dataclasses.replace(
        _stale(svm, {**OLD_RECIPE, "max_train_rows": 500}), recipe_request={}
    )
    assert stale_reasons(asked_all) == ("max_train_rows: 500 (now None)",)


def test_an_explicit_request_is_current_when_the_current_code_would_run_it() -> None:
    row = next(r for r in make_results() if r.model.name == "bert-mini")
    asked = RecipeRequest(seed=row.seed, epochs=7)
    from emobench_core.models.recipes import recipe_for
    from emobench_core.models.registry import get_spec

    row = dataclasses.replace(
        row,
        recipe=recipe_for(get_spec("bert-mini"), asked).to_dict(),
        recipe_request=asked.to_dict(),
    )
    assert stale_reasons(row) == ()


def _with_stale_distilbert():
    return [_stale(r) if r.model.name == "distilbert" else r for r in make_results()]


def test_stale_rows_stay_out_of_tiers_findings_and_recommendations() -> None:
    st = build_study(_with_stale_distilbert(), n_resamples=50)
    ranked = {s.label for s in st.summaries}
    assert "distilbert (random init)" not in ranked
    assert [s.label for s in st.stale] == ["distilbert (random init)"]
    assert all("distilbert" not in x for t in st.tiers for x in t)
    assert all("distilbert" not in c.a + c.b for c in st.comparisons)
    assert all("distilbert" not in f for f in st.findings)
    assert all("distilbert" not in str(o) for o in st.recommendations)
    assert all(p.device != "cuda" for p in st.pareto)  # its only device had no current row


def test_include_stale_ranks_them_marked() -> None:
    st = build_study(_with_stale_distilbert(), n_resamples=50, include_stale=True)
    assert "distilbert (random init) (stale)" in {s.label for s in st.summaries}
    assert st.stale == ()
    labels = [s.label for s in summarize(_with_stale_distilbert(), n_resamples=1)]
    assert "distilbert (random init)" not in labels


def test_the_report_shows_stale_rows_apart(tmp_path: Path) -> None:
    from emobench_core.report.render import ReportInputs, render_report

    text = render_report(
        ReportInputs(
            results=_with_stale_distilbert(),
            bench_json=None,
            out_path=tmp_path / "RESULTS.md",
            figures_dir=tmp_path / "figures",
            n_resamples=50,
        )
    )
    board = text.split("## Leaderboard", 1)[1].split("\n## ", 1)[0]
    stale = text.split("## Stale rows (not current)", 1)[1].split("\n## ", 1)[0]
    assert "distilbert" not in board
    assert "| distilbert (random init) | random | cuda     | 42 " in stale
    assert "epochs: 10 (now 4)" in stale


def test_recommend_leaves_stale_rows_out(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    for r in _with_stale_distilbert():
        r.save(tmp_path)
    argv = ["recommend", "--results", str(tmp_path), "--device", "cuda"]
    assert cli_main(argv) == 2  # no current row on cuda
    capsys.readouterr()
    assert cli_main([*argv, "--include-stale"]) == 0
    assert "distilbert" in capsys.readouterr().out
