"""Unit tests for emobench_core.scenarios.deploy and emobench_core.schema.deploy: the rows of the
five variants and their deltas, the report's JSON and markdown, and ``emobench deploy``.

The orchestration is tested with stand-in variants, and the command line end to end on one tiny
checkpoint (a BERT of hidden size 32) with a three-call latency rule, so nothing depends on
machine speed. The export itself is tested in ``tests/models/test_export.py``.
"""

from __future__ import annotations

import json
import sys
from dataclasses import replace

import numpy as np
import pytest
import torch
from deploy_fixtures import TEXTS, tiny_bert

import emobench_core.scenarios.deploy as deploy
from emobench_core.cli import main
from emobench_core.errors import ResultsError
from emobench_core.measure.latency import LatencySettings
from emobench_core.models.export import EXTRA_HINT
from emobench_core.models.loading import load_tokenizer
from emobench_core.report.deploy import markdown_rows
from emobench_core.scenarios.deploy import evaluate_variants
from emobench_core.schema.deploy import (
    VARIANTS,
    DeployReport,
    DeployRow,
    load_deploy,
    with_deltas,
)
from emobench_core.schema.records import LatencyStats

TINY_RULE = LatencySettings(warmup=1, min_iters=3, min_seconds=0)
STATS = LatencyStats.from_samples([0.001, 0.002, 0.003], warmup=1)


@pytest.fixture(scope="module")
def tokenizer(vocab_dir):
    return load_tokenizer(str(vocab_dir))


@pytest.fixture(scope="module")
def model():
    return tiny_bert()


# ---------------------------------------------------------------------------- orchestration


class FakeVariant:
    """Stand-in with fixed predictions: class ``shift + i`` mod 6 for text i."""

    def __init__(self, name, shift, size_bytes=2_000_000):
        self.name, self.shift, self.size_bytes, self.calls = name, shift, size_bytes, []

    def logits(self, texts, *, batch_size=64):
        return np.eye(6)[[(i + self.shift) % 6 for i in range(len(texts))]]

    def forward_batch1(self, texts):
        return self.calls.append


def test_evaluate_variants_rows_and_deltas(model, tokenizer, tmp_path, monkeypatch):
    shifts = {"torch-fp32": 0, "onnx-fp32": 0, "onnx-int8": 1, "torch-int8": 0, "torch-bf16": 0}
    fakes = [FakeVariant(n, s) for n, s in shifts.items()]
    monkeypatch.setattr(deploy, "build_variants", lambda *a, **k: fakes)
    before = torch.get_num_threads()
    labels = [i % 6 for i in range(12)]
    labels[0] = 1  # torch-fp32 gets 11 of 12, the shifted onnx-int8 1 of 12
    rows = evaluate_variants(
        (model, tokenizer),
        [f"t{i}" for i in range(12)],
        labels,
        threads=1,
        workdir=tmp_path,
        settings=TINY_RULE,
        name="tiny",
    )
    assert torch.get_num_threads() == before
    assert [r.variant for r in rows] == list(VARIANTS)
    ref, onnx, int8 = rows[0], rows[1], rows[2]
    assert (ref.model, ref.init, ref.threads, ref.size_mb) == ("tiny", "random", 1, 2.0)
    assert ref.accuracy == pytest.approx(11 / 12) and ref.delta_accuracy_pts == 0
    assert onnx.delta_accuracy_pts == 0 and onnx.agreement == 1.0
    assert int8.delta_accuracy_pts == pytest.approx(100 * (1 / 12 - 11 / 12))
    assert int8.agreement == 0.0 and int8.delta_macro_f1_pts < 0
    for fake, row in zip(fakes, rows, strict=True):
        assert len(fake.calls) == 1 + 3 and row.latency_b1.n == 3  # warm-up + timed calls


def test_evaluate_variants_without_accuracy(model, tokenizer, tmp_path, monkeypatch):
    monkeypatch.setattr(deploy, "build_variants", lambda *a, **k: [FakeVariant(REF, 0)])
    rows = evaluate_variants(
        (model, tokenizer), ["a", "b"], threads=1, workdir=tmp_path, settings=TINY_RULE,
        with_accuracy=False,
    )  # fmt: skip
    assert rows[0].accuracy is None and rows[0].delta_accuracy_pts is None
    with pytest.raises(ValueError, match="one label per text"):
        evaluate_variants((model, tokenizer), ["a"], threads=1, workdir=tmp_path)


REF = "torch-fp32"


def _row(variant, accuracy=None, macro_f1=None, model="m"):
    return DeployRow(model, "fine-tuned", variant, 4.5, STATS, 2, accuracy, macro_f1)


def test_deltas_are_points_against_the_same_models_reference():
    rows = with_deltas(
        [
            _row(REF, 0.9000, 0.8500),
            _row("onnx-int8", 0.8850, 0.8600),
            _row(REF, 0.5, 0.4, model="other"),
            _row("torch-int8", 0.6, 0.3, model="other"),
            _row("onnx-fp32", None, None),
        ]
    )
    assert rows[0].delta_accuracy_pts == 0 and rows[0].delta_macro_f1_pts == 0
    assert rows[1].delta_accuracy_pts == pytest.approx(-1.5)
    assert rows[1].delta_macro_f1_pts == pytest.approx(1.0)
    assert rows[3].delta_accuracy_pts == pytest.approx(10.0)
    assert rows[3].delta_macro_f1_pts == pytest.approx(-10.0)
    assert rows[4].delta_accuracy_pts is None
    assert with_deltas([_row("onnx-int8", 0.9)])[0].delta_accuracy_pts is None  # no reference


# ---------------------------------------------------------------------------- report


def _report(rows):
    return DeployReport(
        threads=2,
        environment={"cpu_model": "test"},
        rule={"warmup": 20, "min_iters": 200, "min_seconds": 2.0},
        data_fingerprint="abc",
        export={"exporter": "torch.onnx.export(dynamo=True)"},
        rows=rows,
    )


def test_report_round_trips_through_json(tmp_path):
    report = _report(with_deltas([_row(REF, 0.9, 0.85), _row("onnx-int8", 0.89, 0.84)]))
    path = report.save(tmp_path / "deploy.json")
    assert load_deploy(path) == report
    data = json.loads(path.read_text())
    assert (data["schema"], data["schema_version"]) == ("emobench.deploy", 1)
    assert DeployRow.from_dict(data["rows"][1]) == report.rows[1]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        ({"schema": "emobench.deploy", "schema_version": 99}, "schema version 1"),
        ({"schema": "emobench.latency", "schema_version": 1}, "not an emobench deploy report"),
        ([1, 2], "holds a JSON list"),
        ({"schema": "emobench.deploy", "schema_version": 1, "threads": 2}, "malformed"),
    ],
)
def test_load_deploy_rejects_other_files(tmp_path, content, message):
    path = tmp_path / "x.json"
    path.write_text(json.dumps(content))
    with pytest.raises(ResultsError, match=message):
        load_deploy(path)


def test_load_deploy_of_a_missing_file(tmp_path):
    with pytest.raises(ResultsError, match="no deploy report file at .*emobench deploy --output"):
        load_deploy(tmp_path / "absent.json")


def test_row_rejects_unknown_variant():
    with pytest.raises(ValueError, match="`variant` \\('onnx-fp16'\\) must be one of"):
        _row("onnx-fp16")


def test_markdown_rows():
    rows = with_deltas([_row(REF, 0.9, 0.85), _row("onnx-int8", 0.895, 0.86)])
    rows.append(replace(_row("onnx-fp32"), init="random"))
    headers, table = markdown_rows(_report(rows))
    assert headers[:3] == ["model", "variant", "size (MB)"] and len(headers) == 11
    assert headers[-1] == "checkpoint"
    assert table[1] == [
        "m", "onnx-int8", "4.5", "2.000", "2.800", "2.980", "0.8950", "-0.50", "0.8600", "+1.00",
        "not recorded",
    ]  # fmt: skip
    assert table[2][0] == "m (random)" and table[2][6:] == ["—"] * 4 + ["random weights"]
    named = [replace(r, checkpoint="entry1") for r in rows[:1]]
    assert markdown_rows(_report(named))[1][0][-1] == "folder `entry1`"
    assert markdown_rows(_report(named), {"entry1": "bert-tiny-s42"})[1][0][-1] == (
        "`bert-tiny-s42`"
    )


# ---------------------------------------------------------------------------- command line


def test_missing_extra_exits_2_with_the_pip_hint(tmp_path, monkeypatch, capsys):
    monkeypatch.setitem(sys.modules, "onnxruntime", None)  # `import onnxruntime` fails
    out = tmp_path / "deploy.json"
    assert main(["deploy", "--models", "bert-tiny", "--output", str(out)]) == 2
    err = capsys.readouterr().err
    assert EXTRA_HINT in err and len(err.strip().splitlines()) == 1
    assert not out.exists()


def test_bad_checkpoint_exits_2_and_writes_nothing(tmp_path, capsys):
    out = tmp_path / "deploy.json"
    code = main(["deploy", "--checkpoint", str(tmp_path / "nope"), "--output", str(out)])
    assert code == 2
    assert "no fine-tuned checkpoint in" in capsys.readouterr().err
    assert list(tmp_path.iterdir()) == []


def test_nothing_to_deploy_exits_2(tmp_path, capsys):
    assert main(["deploy", "--output", str(tmp_path / "d.json")]) == 2
    assert "nothing to deploy" in capsys.readouterr().err


def test_cli_measures_a_checkpoint(model, tokenizer, tmp_path, capsys):
    checkpoint = tmp_path / "runs" / "tiny-bert"
    model.save_pretrained(checkpoint)
    tokenizer.save_pretrained(checkpoint)
    data = tmp_path / "emotion"
    data.mkdir()
    for split in ("train", "validation", "test"):
        lines = [json.dumps({"text": t, "label": i % 6}) for i, t in enumerate(TEXTS * 2)]
        (data / f"{split}.jsonl").write_text("\n".join(lines) + "\n")
    out, work = tmp_path / "deploy.json", tmp_path / "work"
    rule = ["--warmup", "1", "--min-iters", "3", "--min-seconds", "0"]
    args = ["--checkpoint", str(checkpoint), "--data-dir", str(data), "--threads", "1", *rule]
    assert main(["deploy", *args, "--output", str(out), "--workdir", str(work)]) == 0
    assert "wrote" in capsys.readouterr().out
    report = load_deploy(out)
    assert [r.variant for r in report.rows] == list(VARIANTS)
    assert {(r.model, r.init, r.threads) for r in report.rows} == {("tiny-bert", "fine-tuned", 1)}
    assert report.data_fingerprint and report.rule == {
        "warmup": 1,
        "min_iters": 3,
        "min_seconds": 0.0,
    }
    by = {r.variant: r for r in report.rows}
    assert by["onnx-fp32"].delta_accuracy_pts == 0 and by["onnx-fp32"].agreement == 1.0
    assert by["onnx-int8"].size_mb < 0.5 * by["onnx-fp32"].size_mb
    assert all(r.accuracy is not None and r.latency_b1.n == 3 for r in report.rows)
    files = {p.name for p in (work / "tiny-bert").iterdir()}
    assert {"model.onnx", "model.int8.onnx", "torch-int8.pt", "torch-fp32"} <= files


def test_report_renders_the_deployment_rows_under_the_leaderboard(tmp_path):
    from report_fixtures import make_results

    runs = tmp_path / "runs"
    for r in make_results():
        r.save(runs)
    rows = with_deltas([_row(REF, 0.9, 0.85, model="bert-tiny"), _row("onnx-int8", 0.885, 0.86)])
    path = _report(rows).save(tmp_path / "deploy-cpu.json")
    out = tmp_path / "R.md"
    argv = ["--no-bench", "--results", str(runs), "--output", str(out), "--bootstrap", "20"]
    assert main(["report", *argv, "--deploy", str(path)]) == 0
    text = out.read_text(encoding="utf-8")
    section = text.index("### Deployment variants on CPU")
    assert text.index("## Leaderboard") < section < text.index("\n## ", section)
    assert "--deploy deploy-cpu.json`" in text and "- `deploy-cpu.json`" in text
    cells = [
        [c.strip() for c in line.strip("|").split("|")]
        for line in text[section:].splitlines()
        if line.startswith("| m ")
    ]
    assert cells[0][:2] == ["m", "onnx-int8"] and cells[0][6:8] == ["0.8850", "—"]
    path.write_text("[]")
    assert main(["report", *argv, "--deploy", str(path)]) == 2
