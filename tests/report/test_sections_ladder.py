"""The "Size ladder" section (emobench_core.study.ladder, emobench_core.report.sections_ladder):
per step down, the change of seed means with the architecture test, Holm-adjusted over the
ladder's steps; costs as factors; the emotion that loses most; missing steps said in words; stale
rows never used; published numbers marked external. Synthetic results, no model is trained."""

from __future__ import annotations

import dataclasses
import re

import numpy as np
import pytest
from report_fixtures import make_result

from emobench_core.metrics.ranking import holm
from emobench_core.report.blocks import html, markdown_lines
from emobench_core.report.render import DEFAULT_ANCHORS, ReportInputs, load_anchors, render_report
from emobench_core.report.sections_ladder import PUBLISHED_TITLE, TITLE, ladder_blocks
from emobench_core.schema.latency import RANDOM_WEIGHTS, LatencyReport, ModelLatency
from emobench_core.schema.records import LatencyStats
from emobench_core.study.build import build_study
from emobench_core.study.ladder import size_ladders

RESAMPLES = 60
OLD_RECIPE = {"epochs": 10, "optimizer": "adamw_torch", "early_stopping_patience": 2}
# name, init, seeds, base error, params, train seconds per seed
LADDER_ROWS = (
    ("distilbert", "random", (42, 43, 44), 0.03, 66_960_000, (900.0, 950.0, 2000.0)),
    ("bert-small", "random", (42, 43, 44), 0.05, 28_770_000, (400.0, 410.0, 1000.0)),
    ("bert-mini", "random", (42, 43, 44), 0.09, 11_170_000, (200.0, 220.0, 210.0)),
    ("bert-tiny", "random", (42, 43, 44), 0.16, 4_390_000, (100.0, 104.0, 103.0)),
    ("minilm-l6", "random", (42, 43), 0.12, 22_720_000, (300.0, 310.0)),
    ("minilm-l6", "pretrained", (42, 43), 0.03, 22_720_000, (320.0, 330.0)),
    ("tfidf-svm", "n/a", (42,), 0.10, 750_000, (8.0,)),
)


def ladder_results(drop=(), stale=()):
    """Runs of every ladder row on CPU, leaving out the ``(name, init)`` in ``drop`` and
    recording those in ``stale`` as trained by older code."""
    out = []
    for i, (name, init, seeds, err, params, times) in enumerate(LADDER_ROWS):
        if (name, init) in drop:
            continue
        kind = "sklearn" if name == "tfidf-svm" else "transformer"
        for seed, wall in zip(seeds, times, strict=True):
            r = make_result(
                name, init, kind, "cpu", seed, err, params, 1.0, wall, 500, model_index=i
            )
            if (name, init) in stale:
                r = dataclasses.replace(r, recipe={**r.recipe, **OLD_RECIPE}, recipe_request=None)
            out.append(r)
    return out


def ladder_of(results, **kw):
    st = build_study(results, n_resamples=RESAMPLES, **kw)
    (ladder,) = size_ladders(st, results)
    return st, ladder


def text_of(results, anchors=None, **kw):
    st, ladder = ladder_of(results, **kw)
    return "\n".join(markdown_lines(ladder_blocks([ladder], st, anchors)))


@pytest.fixture(scope="module")
def full():
    results = ladder_results()
    st, ladder = ladder_of(results)
    return results, st, ladder


def _runs(results, name, init="random"):
    return [r for r in results if r.model.name == name and r.model.init == init]


def test_each_step_is_the_smaller_minus_the_larger_seed_mean(full):
    results, st, ladder = full
    steps = {(s.frm.name, s.to.name): s for s in ladder.steps}
    assert list(steps) == [
        ("distilbert", "bert-small"),
        ("bert-small", "bert-mini"),
        ("bert-mini", "bert-tiny"),
        ("bert-small", "minilm-l6"),
    ]
    text = text_of(results)
    for (big, small), step in steps.items():
        assert step.measured
        for metric in ("accuracy", "macro_f1"):
            want = np.mean([getattr(r.metrics, metric) for r in _runs(results, small)]) - np.mean(
                [getattr(r.metrics, metric) for r in _runs(results, big)]
            )
            assert getattr(step, metric).estimate == pytest.approx(want, abs=1e-12)
            assert f"{100 * want:+.2f} [" in text
        for e in st.labels:
            want = np.mean([r.metrics.per_class[e].f1 for r in _runs(results, small)]) - np.mean(
                [r.metrics.per_class[e].f1 for r in _runs(results, big)]
            )
            assert step.per_class[e].estimate == pytest.approx(want, abs=1e-12)
        worst = min(st.labels, key=lambda e: step.per_class[e].estimate)
        assert step.worst == worst
    # costs: parameters as recorded, training time the median over seeds (not the mean)
    row = next(line for line in text.splitlines() if line.startswith("| distilbert → bert-small"))
    assert "66.96 → 28.77M (2.33×)" in row
    assert "950 → 410 s (2.32×)" in row


def test_a_missing_step_says_which_model_is_not_yet_measured():
    results = ladder_results(drop={("distilbert", "random"), ("minilm-l6", "random")})
    text = text_of(results)
    assert (
        "- distilbert → bert-small: not yet measured: no current row of distilbert (random init) "
        "on cpu." in text
    )
    assert "- bert-small → minilm-l6 (beside): not yet measured: no current row of minilm-l6 " in (
        text
    )
    assert "minilm-l6: random init → pretrained: not yet measured" in text
    table_rows = [line for line in text.splitlines() if line.startswith("| ")]
    assert not any(line.startswith("| distilbert") for line in table_rows)
    assert any(line.startswith("| bert-small → bert-mini") for line in table_rows)


def test_with_no_measured_step_there_is_no_empty_table():
    results = [r for r in ladder_results() if r.model.name in ("bert-tiny", "tfidf-svm")]
    text = text_of(results)
    assert "step (larger → smaller)" not in text
    assert text.count(": not yet measured: no current row of ") == 5  # 3 steps, beside, twin
    assert "| bert-tiny " in text  # the one measured rung


def test_holm_is_over_the_ladders_steps(full):
    _, _, ladder = full
    for metric in ("accuracy", "macro_f1"):
        raw = [getattr(s, metric).pvalue for s in ladder.steps]
        adjusted = [getattr(s, f"{metric}_holm") for s in ladder.steps]
        assert adjusted == pytest.approx(holm(raw))
        assert any(a > r for a, r in zip(adjusted, raw, strict=True))
    raw = [s.per_class[e].pvalue for s in ladder.steps for e in s.per_class]
    adjusted = [s.per_class_holm[e] for s in ladder.steps for e in s.per_class]
    assert len(raw) == 4 * 6 and adjusted == pytest.approx(holm(raw))


def test_p_values_are_never_printed_as_zero(full):
    results, _, _ = full
    text = text_of(results)
    rows = [line for line in text.splitlines() if line.startswith("| ")]
    cells = {c.strip() for line in rows for c in line.split("|")}
    assert not cells & {"0", "0.0000", "0.0e+00", "0e+00"}


def test_published_numbers_are_marked_external_with_their_source(full):
    results, _, _ = full
    text = text_of(results, anchors=load_anchors(DEFAULT_ANCHORS))
    section = text.split(f"### {PUBLISHED_TITLE}", 1)[1]
    tiny = next(line for line in section.splitlines() if line.startswith("| bert-tiny"))
    assert "0.902" in tiny and "gokulsg/BERT-and-Friends, Part 1" in tiny
    assert tiny.rstrip(" |").endswith("external, not measured here")
    published = [line for line in section.splitlines() if "external, not measured here" in line]
    assert len(published) == 7  # four DistilBERT rows, BERT-Small, BERT-Mini, BERT-Tiny
    assert "| minilm-l6 " in section and "none in the reference file" in section
    # the measured part above never quotes a published figure
    assert "gokulsg" not in text.split(f"### {PUBLISHED_TITLE}", 1)[0]


def test_a_stale_row_is_not_used():
    results = ladder_results(stale={("bert-small", "random")})
    for include_stale in (False, True):
        st, ladder = ladder_of(results, include_stale=include_stale)
        small = next(r for r in ladder.rungs if r.name == "bert-small")
        assert small.row is None and small.elsewhere == ("stale rows on cpu",)
        measured = [(s.frm.name, s.to.name) for s in ladder.steps if s.measured]
        assert measured == [("bert-mini", "bert-tiny")]
    text = text_of(results)
    assert (
        "- bert-small → bert-mini: not yet measured: no current row of bert-small (random init) "
        "on cpu (bert-small (random init): stale rows on cpu)." in text
    )


def test_the_pretraining_effect_is_pretrained_minus_random(full):
    results, _, ladder = full
    p = ladder.pretraining
    want = np.mean([r.metrics.macro_f1 for r in _runs(results, "minilm-l6", "pretrained")])
    want -= np.mean([r.metrics.macro_f1 for r in _runs(results, "minilm-l6")])
    assert p.macro_f1 is not None and p.macro_f1.estimate == pytest.approx(want, abs=1e-12)
    assert want > 0
    assert "| minilm-l6: pretrained − random init | 2 / 2 " in text_of(results)


def test_the_report_and_the_page_open_the_study_with_the_ladder(tmp_path):
    results = ladder_results(stale={("bert-tiny", "random")})
    render_report(
        ReportInputs(
            results=results,
            out_path=tmp_path / "RESULTS.md",
            figures_dir=tmp_path / "figures",
            anchors=load_anchors(DEFAULT_ANCHORS),
            n_resamples=RESAMPLES,
            html_path=tmp_path / "RESULTS.html",
        )
    )
    text = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    headings = re.findall(r"^## (.+)$", text, flags=re.M)
    assert headings[0] == TITLE
    page = (tmp_path / "RESULTS.html").read_text(encoding="utf-8")
    assert page.index(f"<h2>{TITLE}</h2>") < page.index("<h2>Budget</h2>")
    st, ladder = ladder_of(results)
    assert html(ladder_blocks([ladder], st, load_anchors(DEFAULT_ANCHORS))) in page
    # the leaderboard holds the current rows only; the stale one is in the archive below it
    start = page.index('id="leaderboard"')
    board = page[start : page.index("</table>", start)]
    assert 'data-label="bert-tiny (random init)"' not in board
    assert 'data-label="bert-mini (random init)"' in board
    archive = page.split("<h2>Archive: stale rows (not current)</h2>", 1)[1].split("<h2>", 1)[0]
    assert '<td class="l">bert-tiny (random init)</td>' in archive and "epochs: 10" in archive


def _probe(cpu_model: str) -> LatencyReport:
    def stats(p50: float) -> LatencyStats:
        return LatencyStats(p50, p50, p50, p50, 0.0, p50, p50, 200, 20, 1.0)

    models = {
        name: ModelLatency(
            kind="transformer",
            params_total=params,
            params_non_embedding=params // 2,
            b1=stats(p50),
            b1_by_length={},
            token_lengths={},
            tokenizer_b1=stats(0.05),
            throughput_b32=1000.0,
            inference_peak_rss_mb=50.0,
            process_peak_rss_mb=450.0,
            weights=RANDOM_WEIGHTS,
        )
        for name, p50, params in (("bert-mini", 1.8, 11_170_000), ("bert-tiny", 0.6, 4_390_000))
    }
    env = {"cpu_model": cpu_model, "cpu_count": 2}
    rule = {"warmup": 20, "min_iters": 200, "min_seconds": 2.0}
    return LatencyReport(threads=2, environment=env, rule=rule, models=models, isolated=True)


def test_the_latency_factor_comes_from_the_probe_and_names_its_machine(full):
    results, _, _ = full
    text = text_of(results, latency=_probe("Test CPU @ 2.0GHz"))
    row = next(line for line in text.splitlines() if line.startswith("| bert-mini → bert-tiny"))
    assert "1.800 → 0.600 ms (3.00×)" in row
    assert "CPU latency probe on Test CPU @ 2.0GHz (2 torch thread(s))" in text
    assert "different machines" not in text
    other = text_of(results, latency=_probe("Other CPU"))
    assert "probe on Other CPU" in other
    assert "not the CPU the rows were trained on, Test CPU @ 2.0GHz" in other


def _in_precision(runs, name, precision):
    return [
        dataclasses.replace(r, training=dataclasses.replace(r.training, precision=precision))
        if r.model.name == name
        else r
        for r in runs
    ]


def test_a_step_between_precisions_is_marked_and_explained():
    bf16 = ladder_results()
    for name in ("distilbert", "bert-small", "bert-mini", "bert-tiny", "minilm-l6", "tfidf-svm"):
        bf16 = _in_precision(bf16, name, "bf16 autocast")
    text = text_of(bf16)
    assert "different precisions" not in text
    mini_row = next(line for line in text.splitlines() if line.startswith("| bert-mini "))
    assert mini_row.rstrip(" |").endswith("bf16 autocast")

    mixed = text_of(_in_precision(bf16, "bert-mini", "fp32"))
    marked = {
        line.split("|")[1].strip()
        for line in mixed.splitlines()
        if "(different precisions)" in line
    }
    assert marked == {
        "bert-small → bert-mini (different precisions)",
        "bert-mini → bert-tiny (different precisions)",
    }
    assert "These rows were trained in different precisions" in mixed
    mini_row = next(line for line in mixed.splitlines() if line.startswith("| bert-mini "))
    assert mini_row.rstrip(" |").endswith("fp32")
    # a row from before the precision was recorded is not said to differ
    assert "different precisions" not in text_of(ladder_results())
    unknown = text_of(_in_precision(bf16, "bert-mini", None))
    assert "different precisions" not in unknown
