"""The CPU latency probe in the study and the report (``emobench report --latency FILE``).

A synthetic :class:`LatencyReport` beside the synthetic results of ``report_fixtures``, plus a
distilled row on CUDA (``bert-tiny ← minilm-l6 (KD)``) whose CPU costs are its student's.
"""

from __future__ import annotations

import dataclasses
import json

import pytest
from report_fixtures import MODELS, bench_json, make_result, make_results

from emobench_core.cli import main
from emobench_core.report.render import ReportInputs, render_report
from emobench_core.schema.latency import RANDOM_WEIGHTS, SVM_WEIGHTS, LatencyReport, ModelLatency
from emobench_core.schema.records import LatencyStats
from emobench_core.study.budgets import CPU_PROBE_NOTE, recommend_for
from emobench_core.study.build import build_study
from emobench_core.study.recommend import Budget
from emobench_core.study.summaries import architecture

RESAMPLES = 50
KD = "bert-tiny ← minilm-l6 (KD)"
# name -> (CPU p50 b1 ms, inference MiB, params); bert-mini is left out (no probe entry)
PROBED = {
    "bert-tiny": (0.8, 40.0, 4_386_694),
    "distilbert": (12.0, 380.0, 66_958_086),
    "tfidf-svm": (0.1, 1.5, 30_006),
}


def _stats(p50: float) -> LatencyStats:
    return LatencyStats(p50, p50 * 1.2, p50 * 1.5, p50, p50 / 10, p50 * 0.9, p50 * 2, 200, 20, 1.0)


def make_latency(*, isolated: bool = True) -> LatencyReport:
    models = {
        name: ModelLatency(
            kind="sklearn" if name == "tfidf-svm" else "transformer",
            params_total=params,
            params_non_embedding=params // 2,
            b1=_stats(p50),
            b1_by_length={
                "short": _stats(p50 * 0.8),
                "median": _stats(p50),
                "long": _stats(p50 * 2),
            },
            token_lengths={"short": 9, "median": 19, "long": 41},
            tokenizer_b1=_stats(0.05),
            throughput_b32=32e3 / (10 * p50),
            inference_peak_rss_mb=mb,
            process_peak_rss_mb=mb + 400,
            weights=SVM_WEIGHTS if name == "tfidf-svm" else RANDOM_WEIGHTS,
        )
        for name, (p50, mb, params) in PROBED.items()
    }
    env = {"cpu_model": "Test CPU @ 2.0GHz", "cpu_count": 2, "python": "3.11.2", "torch": "2.5.0"}
    env |= {"transformers": "5.0.0", "git_commit": "0123abcd", "load_average_1m": 0.12}
    rule = {"warmup": 20, "min_iters": 200, "min_seconds": 2.0}
    return LatencyReport(threads=2, environment=env, rule=rule, models=models, isolated=isolated)


@pytest.fixture(scope="module")
def results():
    kd = make_result(
        KD, "pretrained", "transformer", "cuda", 42, 0.07, 4_386_694, 0.4, 200, 1500, model_index=9
    )
    return [*make_results(), kd]


def _render(results, folder, **kw):
    return render_report(
        ReportInputs(
            results=results,
            bench_json=bench_json(),
            out_path=folder / "RESULTS.md",
            figures_dir=folder,
            n_resamples=RESAMPLES,
            **kw,
        )
    )


def _row(text: str, section: str, label: str) -> list[str]:
    """The cells of the first table row of ``section`` that has a cell ``label``."""
    start = text.index(section)
    end = text.find("\n## ", start + 1)
    for line in text[start : None if end < 0 else end].splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if line.startswith("|") and label in cells:
            return cells
    raise AssertionError(f"no row {label!r} in {section!r}")


def test_architecture_of_a_distilled_row_is_its_student():
    assert architecture(KD) == "bert-tiny"
    assert architecture("bert-mini") == "bert-mini"


def test_study_joins_the_probe_by_architecture(results):
    st = build_study(results, n_resamples=RESAMPLES, latency=make_latency())
    for label, name in ((KD, "bert-tiny"), ("bert-tiny (random init)", "bert-tiny")):
        s = st.summary(label)
        assert (s.cpu_latency_p50_ms, s.cpu_inference_mb) == PROBED[name][:2]
    assert st.summary("distilbert (random init)").cpu_latency_p50_ms == 12.0
    assert st.summary("bert-mini").cpu_latency_p50_ms is None
    front = next(f for f in st.pareto if f.axis == "cpu_latency_p50_ms")
    assert front.device == "cpu" and KD in {p[0] for p in front.points}
    assert "bert-mini" not in {p[0] for p in front.points}
    # the device fronts are those of the study without a probe
    plain = build_study(results, n_resamples=RESAMPLES)
    assert [f for f in st.pareto if f.axis in {p.axis for p in plain.pareto}] == list(plain.pareto)


def test_in_process_probe_memory_is_left_out(results):
    st = build_study(results, n_resamples=RESAMPLES, latency=make_latency(isolated=False))
    assert st.summary(KD).cpu_latency_p50_ms == 0.8 and st.summary(KD).cpu_inference_mb is None
    assert not any(f.axis == "cpu_inference_mb" for f in st.pareto)


def test_cpu_recommendation_from_cuda_rows_uses_the_probe(results):
    cuda_only = [r for r in results if r.efficiency.device == "cuda"]
    st = build_study(cuda_only, n_resamples=RESAMPLES, latency=make_latency())
    outcomes = {o.name: o for o in st.recommendations}
    assert outcomes["server CPU"].ok and outcomes["GPU"].ok
    text = outcomes["server CPU"].text
    assert f"Recommended — {KD}: " in text and "latency 0.8 ms" in text and "40 MB" in text
    assert text.endswith(CPU_PROBE_NOTE) and "on the CPU its report names" in text
    assert CPU_PROBE_NOTE not in outcomes["GPU"].text
    gpu = recommend_for(st.summaries, Budget(device="cuda"))
    assert "latency 0.4 ms" in gpu  # the KD row's own CUDA latency
    without = build_study(cuda_only, n_resamples=RESAMPLES)
    assert {o.name: o for o in without.recommendations}["server CPU"].text == (
        "no results on that device (cpu)"
    )


def test_cpu_candidates_all_come_from_the_probe(results):
    st = build_study(results, n_resamples=RESAMPLES, latency=make_latency())
    text = {o.name: o for o in st.recommendations}["server CPU"].text
    assert "Considered 5 model(s) on cpu" in text and "bert-mini" not in text.split("\n")[1]
    assert text.endswith("Left out (no probe entry for the architecture): bert-mini.")
    # tied with bert-tiny (seeds as the unit) and cheaper on the probe: the SVM
    assert "Recommended — tfidf-svm: " in text
    by_mean = recommend_for(st.summaries, Budget(max_latency_ms=20.0), rank_by="mean")
    assert "Recommended — bert-tiny: " in by_mean and "peak memory 40 MB" in by_mean


def test_report_adds_the_section_and_the_joined_columns(tmp_path, results):
    path = tmp_path / "latency-cpu.json"
    make_latency().save(path)
    text = _render(results, tmp_path / "out", latency=make_latency(), latency_path=path)
    heads = (
        "## Leaderboard",
        "## CPU latency and memory (one machine, one run)",
        "## Significance",
    )
    assert [text.index(h) for h in heads] == sorted(text.index(h) for h in heads)
    section = text[text.index(heads[1]) : text.index(heads[2])]
    assert "Test CPU @ 2.0GHz (2 CPUs) with 2 torch thread(s)" in section
    assert "commit 0123abcd, 1-minute load average 0.12 at the start. Weights: " in section
    assert "20 warm-up calls, then at least 200 timed calls and 2 s" in section
    assert "(9 / 19 / 41 tokens)" in section and RANDOM_WEIGHTS in section
    assert _row(section, heads[1], "distilbert")[1:3] == ["66.96", "12.000"]
    board_heads = _row(text, "## Leaderboard", "tier")
    assert board_heads[-3:] == ["CPU p50 b1 (ms)", "CPU inference (MiB)", "device"]
    assert _row(text, "## Leaderboard", KD)[-3:] == ["0.800", "40.0", "cuda"]
    assert _row(text, "## Leaderboard", "bert-mini")[-3:] == ["—", "—", "cpu"]
    pareto = _row(text, "## Pareto frontier", "model")
    assert pareto[-2:] == [
        "front: CPU batch-1 latency p50, CPU probe (ms)",
        "front: CPU inference memory (MiB)",
    ]
    assert _row(text, "## Pareto frontier", "bert-mini")[-2:] == ["—", "—"]
    assert "](results_pareto_cpu_latency.png)" in text
    assert (tmp_path / "out" / "results_pareto_cpu_memory.png").is_file()
    assert "- `../latency-cpu.json`" in text and "--latency ../latency-cpu.json`" in text
    assert "on CPU, latency and memory come from the CPU latency probe" in text


def test_rerender_with_latency_is_byte_identical(tmp_path, results):
    outputs = []
    for name in ("a", "b"):
        _render(results, tmp_path / name, latency=make_latency())
        outputs.append({p.name: p.read_bytes() for p in sorted((tmp_path / name).iterdir())})
    assert outputs[0] == outputs[1]
    assert len([n for n in outputs[0] if n.endswith(".png")]) == 6


def test_without_latency_the_report_is_unchanged(tmp_path, results):
    plain = _render(results, tmp_path / "a")
    assert _render(results, tmp_path / "b", latency=None) == plain
    assert "CPU latency and memory" not in plain and "CPU p50 b1" not in plain
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(
        p.name for p in (tmp_path / "b").iterdir()
    )
    assert len(MODELS) == 5  # the fixtures this file relies on


def test_cli_latency_options(tmp_path, results, capsys):
    runs = tmp_path / "runs"
    for r in results:
        r.save(runs)
    path = make_latency().save(tmp_path / "latency-cpu.json")
    out = tmp_path / "R.md"
    argv = ["--no-bench", "--results", str(runs), "--output", str(out)]
    argv += ["--bootstrap", str(RESAMPLES), "--latency", str(path)]
    assert main(["report", *argv]) == 0
    assert "## CPU latency and memory (one machine, one run)" in out.read_text(encoding="utf-8")
    capsys.readouterr()
    budget = ["--results", str(runs), "--max-latency-ms", "1", "--max-memory-mb", "100"]
    assert main(["recommend", *budget, "--latency", str(path)]) == 0
    assert CPU_PROBE_NOTE in capsys.readouterr().out
    path.write_text(json.dumps({"schema": "emobench.run-result", "schema_version": 1}))
    assert main(["report", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("emobench report: error: ") and "not an emobench latency report" in err


def test_kd_row_without_its_student_probed_has_no_cpu_costs(results):
    lat = make_latency()
    lat = dataclasses.replace(lat, models={k: v for k, v in lat.models.items() if k != "bert-tiny"})
    st = build_study(results, n_resamples=RESAMPLES, latency=lat)
    assert st.summary(KD).cpu_latency_p50_ms is None
