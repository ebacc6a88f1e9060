"""Unit tests for emobench_core.report.render: sections, byte-identical re-renders, inputs, CLI."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from report_fixtures import bench_json, make_results

import emobench_core
from emobench_core.cli import main
from emobench_core.errors import ResultsError
from emobench_core.report import markdown as report_markdown
from emobench_core.report import render as render_module
from emobench_core.report.render import (
    DEFAULT_ANCHORS,
    ReportInputs,
    load_anchors,
    load_bench_json,
    render_report,
)
from emobench_core.schema.run import load_results

RESAMPLES = 100
SECTIONS = (
    "## What was run",
    "### Initialisation",
    "## Leaderboard",
    "## Significance",
    "## Per emotion",
    "## Pareto frontier",
    "## Pretraining effect",
    "## Recommendations",
    "## Findings",
    "## pytest-benchmark records",
    "## Environment",
    "## Published reference numbers (not produced by this benchmark)",
)


@pytest.fixture(scope="module")
def results():
    return make_results()


@pytest.fixture
def runs_dir(tmp_path, results):
    """The fixtures saved as results JSON, with a pytest-benchmark file beside them."""
    folder = tmp_path / "runs"
    for r in results:
        r.save(folder)
    (folder / "bench.json").write_text(json.dumps(bench_json()), encoding="utf-8")
    return folder


def _render(results, folder, **kw):
    return render_report(
        ReportInputs(
            results=results,
            bench_json=bench_json(),
            out_path=folder / "RESULTS.md",
            figures_dir=folder,
            anchors=load_anchors(DEFAULT_ANCHORS),
            n_resamples=RESAMPLES,
            **kw,
        )
    )


def test_sections_in_order(tmp_path, results):
    text = _render(results, tmp_path)
    positions = [text.index(h) for h in SECTIONS]
    assert positions == sorted(positions)
    assert text == (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert text.startswith("# emobench results")
    assert "must not be edited by hand" in text
    for name in (
        "results_per_class_f1.png",
        "results_confusion.png",
        "results_pareto_latency.png",
        "results_pareto_params.png",
    ):
        assert f"]({name})" in text and (tmp_path / name).is_file()


def test_a_section_is_one_entry_of_the_list(tmp_path, results, monkeypatch):
    """The report walks its list of sections: a new entry is rendered where it stands, an entry
    taken out is gone, and nothing else changes."""
    captured = []

    def spy(d, sections=report_markdown.SECTIONS):
        captured.append(d)
        return report_markdown.markdown(d, sections)

    monkeypatch.setattr(render_module, "markdown", spy)
    text = _render(results, tmp_path)
    (data,) = captured
    assert report_markdown.markdown(data) == text

    def hello(d):
        return ["## Hello", "", f"{len(d.study.summaries)} rows"]

    at = report_markdown.SECTIONS.index(report_markdown.pretraining)
    sections = [*report_markdown.SECTIONS[:at], hello, *report_markdown.SECTIONS[at:]]
    added = report_markdown.markdown(data, sections)
    assert added.index("## Pareto frontier") < added.index("## Hello\n\n")
    assert added.index("## Hello\n\n") < added.index("## Pretraining effect")
    assert added.replace(f"## Hello\n\n{len(data.study.summaries)} rows\n\n", "") == text
    without = [s for s in report_markdown.SECTIONS if s is not report_markdown.significance]
    assert "## Significance" in text
    assert "## Significance" not in report_markdown.markdown(data, without)


def test_report_inputs_is_one_frozen_value(tmp_path, results):
    inputs = ReportInputs(
        results=list(results),
        out_path=tmp_path / "R.md",
        figures_dir=tmp_path,
        perf_paths=[tmp_path / "p.json"],
    )
    assert isinstance(inputs.results, tuple) and inputs.perf_paths == (tmp_path / "p.json",)
    assert inputs.bench_json is None and inputs.anchors is None and inputs.html_path is None
    with pytest.raises(dataclasses.FrozenInstanceError):
        inputs.title = "x"  # type: ignore[misc]
    with pytest.raises(ValueError, match=r"`n_resamples` \(0\) must be >= 1"):
        ReportInputs(
            results=results, out_path=tmp_path / "R.md", figures_dir=tmp_path, n_resamples=0
        )


def test_anchors_ship_with_the_package_and_another_file_can_be_given(tmp_path, runs_dir):
    package = Path(emobench_core.__file__).parent
    assert DEFAULT_ANCHORS.is_file() and DEFAULT_ANCHORS.is_relative_to(package)
    args = [str(runs_dir / "bench.json"), "--bootstrap", str(RESAMPLES), "--output"]
    assert main(["report", *args, str(tmp_path / "default.md")]) == 0
    default = (tmp_path / "default.md").read_text(encoding="utf-8")
    assert "gokulsg/BERT-and-Friends, Part 1 " in default  # the package's file
    own = tmp_path / "own.toml"
    own.write_text(
        '[[anchor]]\nmodel = "My-BERT"\naccuracy = "0.5"\nmacro_f1 = "0.4"\nsplit = "test"\n'
        'recipe = "none"\nsource = "my notes"\n',
        encoding="utf-8",
    )
    assert main(["report", *args, str(tmp_path / "own.md"), "--anchors", str(own)]) == 0
    text = (tmp_path / "own.md").read_text(encoding="utf-8")
    assert "| My-BERT " in text and "my notes" in text and "gokulsg" not in text


def test_leaderboard_and_footnotes(tmp_path, results):
    text = _render(results, tmp_path)
    board = text[text.index("## Leaderboard") : text.index("## Significance")]
    rows = [line for line in board.splitlines() if line.startswith("| ") and "tier" not in line]
    assert rows[0].startswith("| 1 ") and "bert-mini" in rows[0]
    assert "| 1 †" in board and "| 2 †" in board and "† Fewer seeds than the 3" in board
    assert "With 300 test examples, a 95% interval" in board
    assert "distilbert were out of reach offline" in text
    assert "bert-tiny ran both ways" in text
    assert "test_latency[bert-tiny-b1]" in text and "0.900" in text
    assert "| BERT-Tiny (L-2 H-128)" in text and "gokulsg/BERT-and-Friends, Part 1 " in text


def test_no_random_rows_means_no_fallback_sentence_nor_pretraining(tmp_path, results):
    subset = [r for r in results if r.model.init != "random"]
    text = render_report(
        ReportInputs(
            results=subset,
            bench_json=None,
            out_path=tmp_path / "R.md",
            figures_dir=tmp_path / "fig",
            n_resamples=RESAMPLES,
        )
    )
    assert "out of reach" not in text and "## Pretraining effect" not in text
    assert "rendered with `--no-bench`" in text and "No reference file was given." in text
    assert "](fig/results_confusion.png)" in text
    assert "no results on that device (cuda)" in text


def test_one_model_renders(tmp_path, results):
    one = [r for r in results if r.model.name == "tfidf-svm"]
    text = render_report(
        ReportInputs(
            results=one,
            bench_json=None,
            out_path=tmp_path / "R.md",
            figures_dir=tmp_path,
            n_resamples=RESAMPLES,
        )
    )
    assert "Only one model: nothing to compare." in text


def test_rerender_from_saved_json_is_byte_identical(tmp_path, runs_dir):
    loaded = load_results(runs_dir)
    sources = sorted(runs_dir.glob("*-s4*.json"))
    outputs = []
    for name in ("a", "b"):
        folder = tmp_path / name
        _render(loaded, folder, sources=sources, bench_path=runs_dir / "bench.json")
        outputs.append({p.name: p.read_bytes() for p in sorted(folder.iterdir())})
    assert outputs[0] == outputs[1]
    assert len([n for n in outputs[0] if n.endswith(".png")]) == 4
    text = outputs[0]["RESULTS.md"].decode()
    assert "- `../runs/bert-mini-pretrained-s42-abcdef12.json`" in text
    assert "`emobench report ../runs/bench.json --results ../runs --output RESULTS.md" in text


def test_load_bench_json_errors(tmp_path):
    good = tmp_path / "bench.json"
    good.write_text(json.dumps(bench_json()), encoding="utf-8")
    assert load_bench_json(good)["benchmarks"][0]["name"] == "test_latency[bert-tiny-b1]"
    cases = {"missing.json": None, "broken.json": "{", "other.json": json.dumps({"a": 1})}
    for name, content in cases.items():
        path = tmp_path / name
        if content is not None:
            path.write_text(content, encoding="utf-8")
        with pytest.raises(ResultsError, match="pytest bench/ --benchmark-json FILE") as info:
            load_bench_json(path)
        assert str(path) in str(info.value)


def test_anchors_file_transcribes_every_row(tmp_path, shared_dir):
    """Every row of the shared ANCHORS.md table is in the package's anchors, as published."""
    rows = load_anchors(DEFAULT_ANCHORS)
    table = [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in (shared_dir / "ANCHORS.md").read_text(encoding="utf-8").splitlines()
        if line.startswith("| ") and not line.startswith("| model |")
    ]
    assert len(table) >= 12
    published = {(m, a, f, src) for m, a, f, _split, _recipe, src in table}
    ours = {(r["model"], r["accuracy"], r["macro_f1"], r["source"]) for r in rows}
    assert published == ours
    assert len(rows) == len(table) == 12
    assert rows[0] == {
        "model": "DistilBERT-base-uncased",
        "accuracy": "0.927",
        "macro_f1": "0.8825",
        "split": "test (auto-evaluated)",
        "recipe": "lr 2e-5, bs 64, 8 epochs, wd 0.01",
        "source": "model card bhadresh-savani/distilbert-base-uncased-emotion",
    }
    bad = tmp_path / "anchors.toml"
    bad.write_text('[[anchor]]\nmodel = "x"\naccuracy = 0.9\n', encoding="utf-8")
    with pytest.raises(ResultsError, match="string fields"):
        load_anchors(bad)


def test_main_defaults(tmp_path, runs_dir, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["report", str(runs_dir / "bench.json"), "--bootstrap", str(RESAMPLES)]) == 0
    text = (tmp_path / "RESULTS.md").read_text(encoding="utf-8")
    assert "](runs/results_per_class_f1.png)" in text and "test_latency[bert-tiny-b32]" in text
    assert (runs_dir / "results_confusion.png").is_file()
    assert "wrote RESULTS.md" in capsys.readouterr().out


def test_main_renders_several_benchmark_files_each_in_its_own_table(tmp_path, runs_dir):
    """A study run in parts (one model group at a time) has one pytest-benchmark file per part:
    each is listed, named in the command and rendered under its own name."""
    other = runs_dir / "group-2.json"
    doc = bench_json()
    doc["benchmarks"][0]["name"] = "test_latency[bert-mini-b1]"
    doc["machine_info"]["cpu"]["brand_raw"] = "Other CPU"
    other.write_text(json.dumps(doc), encoding="utf-8")
    out = tmp_path / "R.md"
    argv = [str(runs_dir / "bench.json"), str(other), "--results", str(runs_dir)]
    assert main(["report", *argv, "--output", str(out), "--bootstrap", str(RESAMPLES)]) == 0
    text = out.read_text(encoding="utf-8")
    records = text[text.index("## pytest-benchmark records") : text.index("## Environment")]
    first, second = records.index("### `runs/bench.json`"), records.index("### `runs/group-2.json`")
    assert first < records.index("Test CPU") < second < records.index("Other CPU")
    assert "test_latency[bert-mini-b1]" in records[second:]
    assert "- `runs/bench.json`" in text and "- `runs/group-2.json`" in text
    assert "`emobench report runs/bench.json runs/group-2.json --results runs" in text
    with pytest.raises(ValueError, match="needs a first pytest-benchmark file"):
        ReportInputs(results=[], out_path=out, figures_dir=tmp_path, more_bench=[(other, doc)])


def test_main_schema_mismatch_exits_2(tmp_path, runs_dir, capsys):
    path = next(runs_dir.glob("bert-mini-*.json"))
    data = json.loads(path.read_text(encoding="utf-8"))
    path.write_text(json.dumps({**data, "schema_version": 99}), encoding="utf-8")
    argv = ["--no-bench", "--results", str(runs_dir), "--output", str(tmp_path / "R.md")]
    assert main(["report", *argv]) == 2
    err = capsys.readouterr().err
    assert err.startswith("emobench report: error: ") and "schema version 1" in err
    assert "version=99" in err and err.count("\n") == 1
    assert not (tmp_path / "R.md").exists()


def test_main_bad_bench_json_exits_2(tmp_path, runs_dir, capsys):
    bad = runs_dir / "bench.json"
    bad.write_text(json.dumps({"not": "benchmarks"}), encoding="utf-8")
    assert main(["report", str(bad), "--output", str(tmp_path / "R.md")]) == 2
    assert "is not pytest-benchmark output" in capsys.readouterr().err


def test_recommend_main(runs_dir, capsys):
    argv = ["recommend", "--results", str(runs_dir)]
    argv += ["--max-latency-ms", "2", "--max-params", "15e6"]
    assert main(argv) == 0
    assert "Recommended — tfidf-svm:" in capsys.readouterr().out  # the cheapest of the ties
    assert main([*argv, "--rank-by", "mean"]) == 0
    assert "Recommended — bert-tiny:" in capsys.readouterr().out
    assert main(["recommend", "--results", str(runs_dir), "--max-latency-ms", "0.01"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("emobench recommend: error: no model meets max_latency_ms=0.01 on cpu")
    assert main(["recommend", "--results", str(runs_dir), "--max-params", "-1"]) == 2
    assert "`max_params` (-1) must be > 0" in capsys.readouterr().err


def test_every_leaderboard_cell_is_the_runs_own_figure(tmp_path, results):
    """Each row's accuracy and macro-F1 cell is recomputed here from its runs (mean, std with
    ddof 1), rows in descending seed-mean macro-F1; not a substring search."""
    import numpy as np

    text = _render(results, tmp_path)
    board = text[text.index("## Leaderboard") : text.index("## Significance")]
    lines = [ln for ln in board.splitlines() if ln.startswith("| ") and "tier" not in ln]
    cells = [[c.strip() for c in ln.strip("|").split("|")] for ln in lines]
    by_label: dict[str, list] = {}
    for r in results:
        label = r.model.name + (" (random init)" if r.model.init == "random" else "")
        by_label.setdefault(label, []).append(r)
    assert [c[1] for c in cells] == sorted(
        by_label, key=lambda k: -np.mean([r.metrics.macro_f1 for r in by_label[k]])
    )
    for row in cells:
        runs = by_label[row[1]]
        for value, cell in (
            ([r.metrics.accuracy for r in runs], row[4]),
            ([r.metrics.macro_f1 for r in runs], row[5]),
        ):
            head = f"{np.mean(value):.4f}"
            if len(runs) > 1:
                head += f" ± {np.std(value, ddof=1):.4f}"
            assert cell.startswith(head + " ["), (row[1], cell, head)
            low, high = (float(x) for x in cell.split("[", 1)[1].rstrip("]").split(","))
            assert low <= np.mean(value) <= high
