"""``emobench export``, ``emobench run --save-models`` and ``emobench predict`` on exported
folders and run JSON, through real subprocesses (offline, quiet).

    python -m pytest tests/cli/test_export.py -q
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from export_fixtures import Runs, first_rows, train_runs

from emobench_core.outputs import MARKER
from emobench_core.schema.export import CARD_FILE, INT8_DIR
from emobench_core.schema.run import load_result
from tests.cli.test_commands import cli_env, emobench

FAST = ["--warmup", "1", "--min-iters", "3", "--min-seconds", "0.01"]
TEXTS = ["i feel so happy today", "i am scared of the dark"]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, emotion_dir: Path, vocab_dir: Path) -> Runs:
    return train_runs(tmp_path_factory.mktemp("cli-export"), emotion_dir, vocab_dir)


def predictions(stdout: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in stdout.splitlines()]


def test_export_then_predict_from_the_folder_the_int8_folder_and_the_run_json(
    runs: Runs, tmp_path: Path
) -> None:
    out = tmp_path / "shipped"
    proc = emobench(
        ["export", str(runs.bert_json), "--output", str(out), "--cache-dir", str(runs.cache.root)]
        + ["--data-dir", str(runs.data), *FAST],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    assert (out / CARD_FILE).is_file() and (out / INT8_DIR / CARD_FILE).is_file()
    assert f"wrote {out} (model, transformers)" in proc.stdout
    got = {}
    for name, target in (("folder", out), ("int8", out / INT8_DIR), ("run", runs.bert_json)):
        p = emobench(
            ["predict", "--checkpoint", str(target), "--cache-dir", str(runs.cache.root), *TEXTS],
            tmp_path,
        )
        assert p.returncode == 0, p.stderr
        rows = predictions(p.stdout)
        assert [r["text"] for r in rows] == TEXTS
        for r in rows:
            assert r["label"] in runs.bert.labels
            assert list(r["probabilities"]) == list(runs.bert.labels)  # type: ignore[call-overload]
        got[name] = [r["label"] for r in rows]
    assert got["folder"] == got["run"]  # the same model, reached two ways


def test_export_of_a_run_whose_cache_entry_is_gone_is_one_line(runs: Runs, tmp_path: Path) -> None:
    empty = tmp_path / "empty-cache"
    proc = emobench(
        ["export", str(runs.bert_json), "--output", "out", "--cache-dir", str(empty)], tmp_path
    )
    assert proc.returncode == 2
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert lines[0].startswith("emobench export: error: run ")
    assert runs.bert.run_id in lines[0] and str(empty) in lines[0]
    assert "emobench run --models bert-tiny" in lines[0]
    assert not (tmp_path / "out").exists()


def test_run_save_models_exports_each_run_and_predict_reads_the_svm(
    emotion_dir: Path, tmp_path: Path
) -> None:
    data = first_rows(emotion_dir, tmp_path / "data")
    proc = emobench(
        ["run", "--models", "tfidf-svm", "--data-dir", str(data), "--cache-dir", "cache"]
        + ["--output", "runs", "--save-models", "shipped"],
        tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    (run_json,) = (tmp_path / "runs").glob("*.json")
    result = load_result(run_json)
    folder = tmp_path / "shipped" / result.run_id
    assert sorted(p.name for p in folder.iterdir() if p.name != MARKER) == [
        "README.md",
        "config.json",
        "model.skops",
    ]
    assert (tmp_path / "cache" / result.environment["cache_entry"] / "model.skops").is_file()
    p = emobench(["predict", "--checkpoint", str(folder), *TEXTS], tmp_path, env=cli_env())
    assert p.returncode == 0, p.stderr
    rows = predictions(p.stdout)
    assert all(r["label"] in result.labels for r in rows)
    assert all(len(r["decision_function"]) == len(result.labels) for r in rows)  # type: ignore[arg-type]
