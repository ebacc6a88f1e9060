"""Tests for emobench_core.schema.run: save/load round trips, schema checks, atomic writes."""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
from pathlib import Path

import pytest

from emobench_core.config import Recipe
from emobench_core.data.loading import EMOTION_LABELS
from emobench_core.errors import ResultsError
from emobench_core.measure.environment import environment, git_commit
from emobench_core.metrics.evaluation import compute_metrics
from emobench_core.schema.base import write_json_atomic
from emobench_core.schema.records import EpochRecord, LatencyStats, TrainingInfo
from emobench_core.schema.run import (
    SCHEMA_NAME,
    SCHEMA_VERSION,
    DataInfo,
    Efficiency,
    ModelInfo,
    RunResult,
    load_result,
    load_results,
)


def make_result(run_id: str = "bert-tiny-random-s42-abcd1234", init: str = "random") -> RunResult:
    """A small, fully populated result built by hand."""
    y_true, y_pred = [0, 1, 2, 3, 4, 5, 1, 0], [0, 1, 2, 3, 4, 4, 1, 1]
    latency = LatencyStats.from_samples([0.002, 0.003, 0.004], warmup=2)
    return RunResult(
        run_id=run_id,
        model=ModelInfo(
            name="bert-tiny",
            source="random:google/bert_uncased_L-2_H-128_A-2",
            init=init,
            kind="transformer",
            description="BERT-Tiny",
            params_total=4_386_694,
            params_non_embedding=414_086,
            size_on_disk_bytes=17_550_000,
        ),
        seed=42,
        recipe=Recipe(epochs=2, max_train_rows=64).to_dict(),
        data=DataInfo(
            source="/data/emotion",
            fingerprint="0123abcd",
            rows={"train": 64, "validation": 8, "test": 8},
            max_train_rows=64,
        ),
        environment={"python": "3.11.9", "torch": "2.13.0", "gpu_name": None},
        training=TrainingInfo(
            wall_s=12.5,
            samples_per_s=10.24,
            train_rows=64,
            epochs_run=2,
            best_epoch=2,
            best_val_macro_f1=0.41,
            hyperparameters={"learning_rate": 1e-3},
            peak_memory_mb=812.0,
            device="cpu",
            history=[
                EpochRecord(epoch=1, val_macro_f1=0.3, val_accuracy=0.5, train_loss=1.7),
                EpochRecord(epoch=2, val_macro_f1=0.41, val_accuracy=0.625),
            ],
        ),
        metrics=compute_metrics(y_true, y_pred, EMOTION_LABELS),
        efficiency=Efficiency(
            device="cpu",
            threads=2,
            latency_b1=latency,
            tokenizer_b1=LatencyStats.from_samples([0.0001]),
            throughput_b32=1234.5,
        ),
        predictions={"y_true": y_true, "y_pred": y_pred},
        created_at="2026-01-01T00:00:00+00:00",
        tags={"profile": "smoke"},
    )


def test_save_then_load_gives_an_equal_result(tmp_path: Path) -> None:
    result = make_result()
    path = result.save(tmp_path)
    assert path == tmp_path / f"{result.run_id}.json"
    loaded = load_result(path)
    assert loaded == result
    assert isinstance(loaded.training.history[0], EpochRecord)
    assert isinstance(loaded.efficiency.latency_b1, LatencyStats)
    assert Recipe.from_dict(loaded.recipe) == Recipe(epochs=2, max_train_rows=64)


def test_saved_file_is_versioned_json(tmp_path: Path) -> None:
    data = json.loads(make_result().save(tmp_path).read_text(encoding="utf-8"))
    assert (data["schema"], data["schema_version"]) == (SCHEMA_NAME, SCHEMA_VERSION)
    assert data["metrics"]["confusion_matrix"][5] == [0, 0, 0, 0, 1, 0]


def test_saved_file_has_a_normal_files_mode(tmp_path: Path) -> None:
    mask = os.umask(0o022)
    try:
        path = make_result().save(tmp_path)
    finally:
        os.umask(mask)
    assert path.stat().st_mode & 0o777 == 0o644  # not mkstemp's private 0600


def test_label_shows_non_pretrained_init() -> None:
    assert make_result(init="random").label == "bert-tiny (random)"
    assert make_result(init="pretrained").label == "bert-tiny"


def test_load_results_from_a_folder(tmp_path: Path) -> None:
    b = make_result("b-run")
    a = make_result("a-run", init="pretrained")
    b.save(tmp_path)
    a.save(tmp_path)
    (tmp_path / "benchmark.json").write_text('{"benchmarks": []}')  # other JSON: left out
    (tmp_path / "notes.txt").write_text("not a result")
    assert load_results(tmp_path) == [a, b]
    assert load_results([tmp_path / "b-run.json", tmp_path]) == [b, a, b]


def test_load_results_empty_folder(tmp_path: Path) -> None:
    (tmp_path / "other.json").write_text("{}")
    with pytest.raises(ResultsError, match="no run results"):
        load_results(tmp_path)


def test_wrong_schema_version_names_the_version(tmp_path: Path) -> None:
    data = make_result().to_dict()
    data["schema_version"] = 99
    path = tmp_path / "old.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ResultsError, match=f"schema version {SCHEMA_VERSION}") as err:
        load_result(path)
    assert "version=99" in str(err.value)
    assert str(path) in str(err.value)
    with pytest.raises(ResultsError, match="version=99"):
        load_results(tmp_path)


def test_not_a_run_result(tmp_path: Path) -> None:
    path = tmp_path / "list.json"
    path.write_text("[1, 2, 3]")
    with pytest.raises(ResultsError, match="JSON list, not an emobench run result"):
        load_result(path)


def test_malformed_result(tmp_path: Path) -> None:
    data = make_result().to_dict()
    del data["model"]["params_total"]
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(data))
    with pytest.raises(ResultsError, match="malformed run result"):
        load_result(path)


def test_truncated_file(tmp_path: Path) -> None:
    path = make_result().save(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: len(text) // 2], encoding="utf-8")
    with pytest.raises(ResultsError, match="not valid JSON.*truncated"):
        load_result(path)
    # in a folder too: a truncated result is reported, not silently left out of the report
    make_result("other").save(tmp_path)
    with pytest.raises(ResultsError, match=path.name):
        load_results(tmp_path)


def test_binary_garbage(tmp_path: Path) -> None:
    path = tmp_path / "garbage.json"
    path.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(ResultsError, match="not valid JSON"):
        load_result(path)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(ResultsError, match="no run result file at .*missing.json"):
        load_result(tmp_path / "missing.json")


def test_write_json_atomic_creates_folders_and_leaves_no_temp(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "out.json"
    write_json_atomic(path, {"a": [1, 2]})
    write_json_atomic(path, {"a": [3]})
    assert json.loads(path.read_text()) == {"a": [3]}
    assert [p.name for p in path.parent.iterdir()] == ["out.json"]


def test_write_json_atomic_failure_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    write_json_atomic(path, {"version": "old"})
    # json.dump streams: the first keys are written before it meets the object it can't encode
    with pytest.raises(TypeError, match="not JSON serializable"):
        write_json_atomic(path, {"version": "new", "padding": "x" * 100_000, "bad": object()})
    assert json.loads(path.read_text()) == {"version": "old"}
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


def test_replace_keeps_results_immutable() -> None:
    result = make_result()
    tagged = dataclasses.replace(result, tags={"case": "x"})
    assert result.tags == {"profile": "smoke"}
    assert tagged.tags == {"case": "x"}


def test_environment_records_versions() -> None:
    import torch

    env = environment("cpu")
    assert env["torch"] == torch.__version__
    assert env["device"] == "cpu"
    assert {"python", "transformers", "datasets", "scikit_learn", "cpu_model"} <= set(env)


def test_git_commit(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("GIT_CEILING_DIRECTORIES", str(tmp_path.parent))
    assert git_commit(tmp_path) is None  # not a checkout
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@t", "-c", "commit.gpgsign=false"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "f.txt").write_text("1")
    subprocess.run([*git, "add", "f.txt"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-q", "-m", "c"], cwd=tmp_path, check=True)
    sha = git_commit(tmp_path)
    assert sha is not None and len(sha) == 40
    (tmp_path / "f.txt").write_text("2")
    assert git_commit(tmp_path) == sha + "+dirty"
