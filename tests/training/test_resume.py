"""A training stopped after an epoch resumes from that epoch's checkpoint, in a new call on the
same folder, to the weights and history of a training that ran through; a checkpoint cache
build and a tune cell keep their folder for that."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch

from emobench_core.cache import RESUME_FILE, CheckpointCache
from emobench_core.config import Recipe
from emobench_core.models.loading import load_tokenizer
from emobench_core.training import trainer as trainer_module
from emobench_core.training.trainer import fine_tune
from tests.training.test_recipe_fast_path import _dsd, _tiny_bert

RECIPE = Recipe(epochs=3, batch_size=16, max_length=32, cpu_bf16=False)


class Stop(Exception):
    """What ends the process in the test: raised right after an epoch's checkpoint is saved."""


def _stop_after(monkeypatch: pytest.MonkeyPatch, epoch: int) -> None:
    make = trainer_module._resume_recorder

    def stopping(output_dir: Path, earlier):  # noqa: ANN001, ANN202
        recorder = make(output_dir, earlier)
        record = recorder.on_save

        def on_save(args, state, control, **kwargs):  # noqa: ANN001, ANN202
            record(args, state, control, **kwargs)
            if round(state.epoch) == epoch:
                raise Stop

        recorder.on_save = on_save
        return recorder

    monkeypatch.setattr(trainer_module, "_resume_recorder", stopping)


def _train(vocab_dir: Path, out: Path, resumable: bool = True):  # noqa: ANN202
    tokenizer = load_tokenizer(str(vocab_dir))
    model = _tiny_bert()
    info = fine_tune(
        model,
        tokenizer,
        _dsd(),
        RECIPE,
        init="random",
        output_dir=out,
        quiet=True,
        resumable=resumable,
    )
    return model, info


def test_a_stopped_training_resumes_to_the_run_that_went_through(
    vocab_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    whole, whole_info = _train(vocab_dir, tmp_path / "whole", resumable=False)
    out = tmp_path / "stopped"
    with monkeypatch.context() as m:
        _stop_after(m, 1)
        with pytest.raises(Stop):
            _train(vocab_dir, out)
    record = json.loads((out / RESUME_FILE).read_text())
    assert record["epoch"] == 1 and (out / "trainer" / record["checkpoint"]).is_dir()
    assert record["wall_s"] > 0
    resumed, info = _train(vocab_dir, out)
    assert info.resumed_at_epochs == [1] and whole_info.resumed_at_epochs == []
    assert [h.epoch for h in info.history] == [1, 2, 3]
    assert [h.val_macro_f1 for h in info.history] == [h.val_macro_f1 for h in whole_info.history]
    assert [h.train_loss for h in info.history] == [h.train_loss for h in whole_info.history]
    assert info.steps == whole_info.steps and info.final_learning_rate == 0.0
    assert info.wall_s > record["wall_s"]  # both processes' time
    for (name, a), b in zip(whole.state_dict().items(), resumed.state_dict().values(), strict=True):
        assert torch.equal(a, b), name
    assert not (out / RESUME_FILE).exists() and not (out / "trainer").exists()


def test_a_resume_record_without_its_checkpoint_starts_over(
    vocab_dir: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    out = tmp_path / "run"
    out.mkdir()
    (out / RESUME_FILE).write_text(json.dumps({"epoch": 2, "checkpoint": "checkpoint-12"}))
    _, info = _train(vocab_dir, out)
    assert info.resumed_at_epochs == [] and info.epochs_run == 3
    assert "names no intact checkpoint" in caplog.text


def _resumable_build(calls: list[str], fail: bool):  # noqa: ANN202
    def build(staging: Path) -> None:
        calls.append("resumed" if (staging / RESUME_FILE).is_file() else "fresh")
        (staging / RESUME_FILE).write_text("{}")
        if fail:
            raise Stop
        (staging / RESUME_FILE).unlink()
        (staging / "model.bin").write_bytes(b"w")

    return build


def test_a_stopped_cache_build_keeps_its_checkpoint_and_resumes(tmp_path: Path) -> None:
    cache, calls = CheckpointCache(tmp_path), []
    with pytest.raises(Stop):
        cache.get_or_build({"model": "m"}, _resumable_build(calls, fail=True))
    assert [p.name for p in tmp_path.glob(".*.staging")]  # kept for the resume
    folder, hit = cache.get_or_build({"model": "m"}, _resumable_build(calls, fail=False))
    assert calls == ["fresh", "resumed"] and not hit and (folder / "model.bin").is_file()
    assert not list(tmp_path.glob(".*.staging*"))


def test_a_build_stopped_before_its_first_checkpoint_starts_over(tmp_path: Path) -> None:
    cache, calls = CheckpointCache(tmp_path), []

    def half(staging: Path) -> None:
        (staging / "half.bin").write_bytes(b"h")
        raise Stop

    with pytest.raises(Stop):
        cache.get_or_build({"model": "m"}, half)
    assert not list(tmp_path.glob(".*.staging*"))  # nothing to resume: nothing left
    cache.get_or_build({"model": "m"}, _resumable_build(calls, fail=False))
    assert calls == ["fresh"]


def test_a_workspace_is_kept_only_while_it_holds_a_resume_point(tmp_path: Path) -> None:
    cache = CheckpointCache(tmp_path)
    with pytest.raises(Stop), cache.workspace({"cell": 1}, "cell") as work:
        (work / RESUME_FILE).write_text("{}")
        raise Stop
    with cache.workspace({"cell": 1}, "cell") as again:
        assert again == work and (again / RESUME_FILE).is_file()
    assert not work.exists()
    with pytest.raises(Stop), cache.workspace({"cell": 2}, "cell") as other:
        raise Stop
    assert not other.exists()
