"""The regression gate (``emobench compare``): an unchanged candidate passes with p = 1, a real
drop fails, a drop below the minimum effect passes, the false-alarm rate stays at most alpha,
and runs on different data are refused."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import numpy as np
import pytest
from report_fixtures import make_result

from emobench_core.cli import main as cli_main
from emobench_core.data.loading import EMOTION_LABELS as LABELS
from emobench_core.errors import ResultsError
from emobench_core.metrics.evaluation import compute_metrics
from emobench_core.schema.records import LatencyStats
from emobench_core.study.gate import GateSettings, compare_runs

N = 2000
SETTINGS = GateSettings(n_resamples=499)


def _run(seed: int = 42, error: float = 0.11, model_index: int = 0, n: int = N):
    return make_result(
        "bert-tiny",
        "random",
        "transformer",
        "cpu",
        seed,
        error,
        4_386_694,
        1.0,
        60.0,
        300.0,
        model_index=model_index,
        n=n,
    )


def _with_predictions(run, pred: np.ndarray):
    y = run.predictions["y_true"]
    return dataclasses.replace(
        run,
        predictions={"y_true": y, "y_pred": [int(p) for p in pred]},
        metrics=compute_metrics(y, [int(p) for p in pred], LABELS),
    )


def _worse(run, points: float, seed: int = 0):
    """``run`` with ``points`` of accuracy lost: that many right answers made wrong."""
    y = np.asarray(run.predictions["y_true"])
    pred = np.asarray(run.predictions["y_pred"]).copy()
    right = np.flatnonzero(pred == y)
    k = round(points / 100 * y.size)
    flip = np.random.default_rng(seed).choice(right, size=k, replace=False)
    pred[flip] = (y[flip] + 1) % len(LABELS)
    return _with_predictions(run, pred)


def test_an_unchanged_candidate_passes_with_p_one() -> None:
    base = [_run(s) for s in (42, 43)]
    report = compare_runs(base, base, SETTINGS)
    assert report.exit_code == 0 and not report.missing
    assert {q.pvalue for q in report.quality} == {1.0}
    assert all(q.change_pts == 0 for q in report.quality)


def test_three_points_worse_fails() -> None:
    base = _run()
    report = compare_runs([base], [_worse(base, 3.0)], SETTINGS)
    acc = next(q for q in report.quality if q.metric == "accuracy")
    assert acc.change_pts == pytest.approx(-3.0)
    assert acc.test.startswith("McNemar exact") and acc.pvalue_holm < 0.01
    assert acc.regressed and report.exit_code == 1


def test_a_drop_below_the_minimum_effect_passes() -> None:
    base = _run()
    report = compare_runs([base], [_worse(base, 0.3)], SETTINGS)
    assert all(not q.regressed for q in report.quality) and report.exit_code == 0


def test_several_seeds_are_tested_together() -> None:
    base = [_run(s) for s in (42, 43, 44)]
    cand = [_worse(r, 3.0, seed=r.seed) for r in base]
    report = compare_runs(base, cand, SETTINGS)
    acc = next(q for q in report.quality if q.metric == "accuracy")
    assert acc.seeds == (42, 43, 44) and acc.test.startswith("paired bootstrap")
    assert acc.regressed


def test_the_false_alarm_rate_is_at_most_alpha() -> None:
    """500 candidates with no real change (a fresh draw of the same error process, as a
    retrained model would be): at most alpha of them may fail. With 999 resamples, after the
    check that the gate can fail at all: with the 99 used before, the macro-F1 bootstrap's
    smallest one-sided p (1 / 100) could never fall below alpha after Holm, so "no false
    alarm" proved nothing about that check."""
    settings = GateSettings(n_resamples=999)
    rng = np.random.default_rng(3)
    base = _run(n=1000)
    reachable = compare_runs([base], [_worse(base, 5.0)], settings)
    f1 = next(q for q in reachable.quality if q.metric == "macro_f1")
    assert f1.test.startswith("paired bootstrap") and f1.regressed, f1
    y = np.asarray(base.predictions["y_true"])
    difficulty = rng.normal(size=y.size)
    p_right = 1 / (1 + np.exp(-(2.2 + difficulty)))  # about 0.88 right, hard examples shared

    def draw():
        right = rng.random(y.size) < p_right
        return np.where(right, y, (y + 1 + rng.integers(0, 5, y.size)) % len(LABELS))

    baseline = _with_predictions(base, draw())
    alarms = sum(
        compare_runs([baseline], [_with_predictions(base, draw())], settings).regressed
        for _ in range(500)
    )
    assert alarms <= 0.01 * 500, alarms


def test_runs_on_different_data_are_refused(tmp_path: Path, capsys) -> None:
    base = _run()
    other = dataclasses.replace(base, data=dataclasses.replace(base.data, fingerprint="0" * 64))
    with pytest.raises(ResultsError, match="different data"):
        compare_runs([base], [other], SETTINGS)
    base.save(tmp_path / "a")
    other.save(tmp_path / "b")
    assert cli_main(["compare", str(tmp_path / "a"), str(tmp_path / "b")]) == 2
    assert "different data" in capsys.readouterr().err


def test_costs_gate_exactly_unless_accepted() -> None:
    base = _run()
    bigger = dataclasses.replace(
        base, model=dataclasses.replace(base.model, params_total=base.model.params_total + 1)
    )
    assert compare_runs([base], [bigger], SETTINGS).exit_code == 1
    accepted = GateSettings(n_resamples=99, accept=frozenset({"params"}))
    assert compare_runs([base], [bigger], accepted).exit_code == 0


def _timed(run, samples, job):
    stats = LatencyStats.from_samples([s / 1e3 for s in samples], keep=True)
    env = {**run.environment, "job_id": job}
    eff = dataclasses.replace(run.efficiency, latency_b1=stats)
    return dataclasses.replace(run, efficiency=eff, environment=env)


def test_latency_is_gated_only_within_one_job() -> None:
    rng = np.random.default_rng(0)
    base = _run()
    fast, slow = rng.normal(1.0, 0.05, 300), rng.normal(1.3, 0.05, 300)
    other_job = compare_runs([_timed(base, fast, "a")], [_timed(base, slow, "b")], SETTINGS)
    (lat,) = other_job.latency
    assert not lat.gated and not lat.regressed and other_job.exit_code == 0
    same_job = compare_runs([_timed(base, fast, "a")], [_timed(base, slow, "a")], SETTINGS)
    (lat,) = same_job.latency
    assert lat.gated and lat.regressed and same_job.exit_code == 1
    many = compare_runs(
        [_timed(base, rng.normal(1.0, 0.01, 4000), "a")],
        [_timed(base, rng.normal(1.5, 0.01, 4000), "a")],
        SETTINGS,
    )
    assert 0 < many.latency[0].pvalue < 1e-300  # never 0, even where the approximation underflows
    noise = compare_runs(
        [_timed(base, fast, "a")], [_timed(base, rng.normal(1.02, 0.05, 300), "a")], SETTINGS
    )
    assert not noise.latency[0].regressed  # below the 10% minimum effect


def test_a_missing_seed_is_a_regression_and_the_summary_says_so(tmp_path: Path) -> None:
    base = [_run(s) for s in (42, 43)]
    report = compare_runs(base, base[:1], SETTINGS)
    assert report.missing == ("bert-tiny (random): seed 43",) and report.exit_code == 1
    for r in base:
        r.save(tmp_path / "base")
    base[0].save(tmp_path / "cand")
    out = tmp_path / "summary.md"
    code = cli_main(
        ["compare", str(tmp_path / "base"), str(tmp_path / "cand"), "--markdown", str(out)]
    )
    text = out.read_text(encoding="utf-8")
    assert code == 1 and text.startswith("## emobench compare: FAIL")
    assert "| bert-tiny (random) | accuracy | 42 " in text and "seed 43" in text


def _rounds(run, medians, job="ab", spread=0.05, seed=0):
    """One run per interleaved round, each with 200 per-call samples around its median."""
    rng = np.random.default_rng(seed)
    out = []
    for k, m in enumerate(medians, start=1):
        timed = _timed(run, rng.normal(m, spread * m, 200), job)
        env = {**timed.environment, "ab_round": k}
        out.append(dataclasses.replace(timed, environment=env, run_id=f"{run.run_id}-r{k}"))
    return out


def test_interleaved_rounds_are_tested_on_their_medians_so_drift_cancels() -> None:
    base = _run()
    drift = np.linspace(1.0, 1.3, 8)  # the machine slows down during the job
    # the tree is the base, timed after it in each round: the pooled samples look slower, the
    # rounds do not (a rank test on the raw samples of the last rounds alone would flag it)
    same = compare_runs(_rounds(base, drift), _rounds(base, drift * 1.0, seed=1), SETTINGS)
    (lat,) = same.latency
    assert lat.gated and lat.rounds == 8 and "Wilcoxon" in lat.test
    assert not lat.regressed and same.exit_code == 0
    slower = compare_runs(_rounds(base, drift), _rounds(base, drift * 1.2, seed=1), SETTINGS)
    (lat,) = slower.latency
    assert lat.regressed and lat.pvalue == pytest.approx(2**-8)  # all 8 rounds slower
    assert lat.change == pytest.approx(0.2, abs=0.03)
    few = compare_runs(_rounds(base, drift[:5]), _rounds(base, drift[:5] * 1.2), SETTINGS)
    assert not few.latency[0].regressed  # 5 rounds cannot reach alpha 0.01: 2**-5 > 0.01


def test_a_retrained_candidate_and_another_thread_count_are_noted() -> None:
    from emobench_core.report.compare import gate_markdown

    base = [_run(s) for s in (42, 43)]
    base = [
        dataclasses.replace(
            r, training=dataclasses.replace(r.training, threads=1, precision="bf16 autocast")
        )
        for r in base
    ]
    assert compare_runs(base, base, SETTINGS).notes == ()  # reproduced: nothing to note
    # seed 42 retrained (a fresh draw of its errors: 0.11 of the examples wrong, elsewhere) on
    # two threads; seed 43 reproduced
    again = _with_predictions(base[0], np.asarray(_run(42, model_index=1).predictions["y_pred"]))
    again = dataclasses.replace(again, training=dataclasses.replace(again.training, threads=2))
    report = compare_runs(base, [again, base[1]], SETTINGS)
    moved = np.mean(np.asarray(again.predictions["y_pred"]) != base[0].predictions["y_pred"])
    retrained, threads = report.notes
    assert f"on {100 * moved:.1f}% (seed 42) of the test examples" in retrained
    assert "seed 43" not in retrained and "not the variation between trainings" in retrained
    assert "baseline trained on 1 CPU thread(s), the candidate on 2" in threads
    assert "OMP_NUM_THREADS=1" in threads
    text = gate_markdown(report, "base", "cand")
    assert all(f"- {note}" in text for note in report.notes)


def _in(run, precision: str):
    return dataclasses.replace(run, training=dataclasses.replace(run.training, precision=precision))


def test_a_row_trained_in_another_precision_is_refused_not_judged() -> None:
    """A fp32 retrain is another network: judging it against the bf16 baseline cried wolf on the
    unchanged ci recipe (results/baseline/alarm.json)."""
    base = [_in(_run(s), "bf16 autocast") for s in (42, 43)]
    cand = [_in(r, "fp32") for r in base]
    with pytest.raises(ResultsError) as exc:
        compare_runs(base, cand, SETTINGS)
    message = str(exc.value)
    assert "\n" not in message
    assert "baseline trained in bf16 autocast, the candidate in fp32" in message
    assert "results/baseline/ci-fp32" in message
    assert not compare_runs(cand, cand, SETTINGS).regressed


def test_each_run_finds_the_baseline_of_its_own_precision() -> None:
    from emobench_core.study.gate import same_precision

    bf16 = [_in(_run(s), "bf16 autocast") for s in (42, 43)]
    fp32 = [_in(_run(s, model_index=1), "fp32") for s in (42, 43)]
    stored = [*bf16, *fp32]
    assert same_precision(stored, _in(_run(43, model_index=2), "fp32")) == [fp32[1]]
    assert same_precision(stored, _in(_run(42, model_index=2), "bf16 autocast")) == [bf16[0]]
    assert same_precision(bf16, _in(_run(42), "fp32")) == []


def test_a_baseline_made_on_the_runs_kind_of_cpu_comes_first() -> None:
    from emobench_core.study.gate import same_precision

    def on(run, cpu: str):
        return dataclasses.replace(run, environment={**run.environment, "cpu_model": cpu})

    xeon = on(_in(_run(42), "bf16 autocast"), "Intel(R) Xeon(R) Processor")
    epyc = on(_in(_run(42, model_index=1), "bf16 autocast"), "AMD EPYC")
    assert same_precision([xeon, epyc], on(_in(_run(42), "bf16 autocast"), "AMD EPYC")) == [
        epyc,
        xeon,
    ]
    assert same_precision([epyc, xeon], on(_in(_run(42), "bf16 autocast"), "Other")) == [
        epyc,
        xeon,
    ]
