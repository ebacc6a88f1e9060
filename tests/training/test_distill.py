"""Distillation: the Hinton loss against hand-computed values, teacher logits computed once and
reused from the cache, and a tiny distilled fine-tuning run end to end."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest
import torch

import emobench_core.training.distill as distill
from emobench_core.cache import CheckpointCache
from emobench_core.config import Recipe, RecipeRequest
from emobench_core.data.loading import EMOTION_LABELS as LABELS
from emobench_core.scenarios import teacher
from emobench_core.scenarios.teacher import Teacher

LN3 = math.log(3.0)
# teacher softmax [0.75, 0.25] vs student [0.5, 0.5]: KL = 0.75 ln 1.5 + 0.25 ln 0.5
KL = 0.75 * math.log(1.5) + 0.25 * math.log(0.5)


def _loss(student, teacher, labels, alpha, temperature) -> float:
    return float(
        distill.kd_loss(
            torch.tensor(student), torch.tensor(teacher), torch.tensor(labels), alpha, temperature
        )
    )


@pytest.mark.parametrize(
    ("student", "teacher", "alpha", "temperature", "expected"),
    [
        # alpha 1: plain cross-entropy, the teacher is ignored: -log(e^2 / (e^2 + 1))
        ([[2.0, 0.0]], [[0.0, 9.0]], 1.0, 3.0, math.log1p(math.exp(-2.0))),
        # alpha 0, T 1: the KL term alone
        ([[0.0, 0.0]], [[LN3, 0.0]], 0.0, 1.0, KL),
        # T 2: teacher logits 2*ln3 soften to the same [0.75, 0.25]; KL scaled by T^2 = 4
        ([[0.0, 0.0]], [[2 * LN3, 0.0]], 0.0, 2.0, 4 * KL),
        # alpha 0.5, T 2: 0.5 * ln 2 (CE of a uniform student) + 0.5 * 4 * KL
        ([[0.0, 0.0]], [[2 * LN3, 0.0]], 0.5, 2.0, 0.5 * math.log(2) + 2 * KL),
        # a student that matches the teacher pays only its CE share
        ([[1.0, -1.0]], [[1.0, -1.0]], 0.3, 5.0, 0.3 * math.log1p(math.exp(-2.0))),
    ],
)
def test_kd_loss_hand_computed(student, teacher, alpha, temperature, expected) -> None:
    assert _loss(student, teacher, [0], alpha, temperature) == pytest.approx(expected, rel=1e-5)


def test_kd_loss_is_a_batch_mean() -> None:
    one = _loss([[0.0, 0.0]], [[LN3, 0.0]], [0], 0.5, 1.0)
    two = _loss([[0.0, 0.0], [0.0, 0.0]], [[LN3, 0.0], [LN3, 0.0]], [0, 0], 0.5, 1.0)
    assert two == pytest.approx(one)


def test_kd_loss_sends_no_gradient_to_the_teacher() -> None:
    s = torch.zeros(1, 2, requires_grad=True)
    t = torch.tensor([[LN3, 0.0]], requires_grad=True)
    distill.kd_loss(s, t, torch.tensor([0]), 0.5, 2.0).backward()
    assert s.grad is not None and t.grad is None


@pytest.mark.parametrize(
    ("alpha", "temperature", "match"),
    [(1.5, 3.0, "kd_alpha"), (-0.1, 3.0, "kd_alpha"), (0.5, 0.0, "kd_temperature")],
)
def test_kd_loss_rejects_bad_settings(alpha, temperature, match) -> None:
    with pytest.raises(ValueError, match=match):
        _loss([[0.0, 0.0]], [[0.0, 0.0]], [0], alpha, temperature)


@pytest.mark.parametrize(("field", "value"), [("kd_alpha", 1.2), ("kd_temperature", 0)])
def test_recipe_validates_kd_fields(field, value) -> None:
    with pytest.raises(ValueError, match=f"recipe.{field}"):
        Recipe(**{field: value})


def _tiny_bert():
    """A seeded 1-layer, 16-wide BERT classifier over the real vocabulary size."""
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    return BertForSequenceClassification(
        BertConfig(
            vocab_size=30522,
            hidden_size=16,
            num_hidden_layers=1,
            num_attention_heads=2,
            intermediate_size=32,
            num_labels=len(LABELS),
        )
    )


def _tiny_checkpoint(folder: Path, vocab_dir: Path) -> None:
    """A 1-layer, 16-wide BERT classifier with the real vocab, saved as a cache entry."""

    from emobench_core.models.loading import load_tokenizer

    _tiny_bert().save_pretrained(folder / "model")
    load_tokenizer(str(vocab_dir)).save_pretrained(str(folder / "model"))


def test_teacher_logits_computed_once_then_reused(
    tmp_path: Path, vocab_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from emobench_core.models.backends import transformer

    teacher_entry = tmp_path / "teacher-entry"
    _tiny_checkpoint(teacher_entry, vocab_dir)
    calls = []
    real = transformer.predict_logits

    def counting(*args, **kwargs):
        calls.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(transformer, "predict_logits", counting)
    cache = CheckpointCache(tmp_path / "cache")
    texts = ["i feel happy", "i am so angry", "this is scary"]
    kwargs = {"max_length": 32, "batch_size": 2, "device": "cpu"}
    first = teacher.teacher_logits(cache, teacher_entry, texts, "fp", **kwargs)
    second = teacher.teacher_logits(cache, teacher_entry, texts, "fp", **kwargs)
    assert len(calls) == 1
    assert first.shape == (3, len(LABELS))
    np.testing.assert_array_equal(first, second)
    # other data → other entry, computed anew
    teacher.teacher_logits(cache, teacher_entry, texts, "other-fp", **kwargs)
    assert len(calls) == 2


def _feelings():
    """32 rows of four one-word feelings: ``(rows, dsd)`` with the same split three times."""
    import datasets

    rows = {
        "text": [f"i feel {w}" for w in ("happy", "sad", "angry", "scared") * 8],
        "label": [1, 0, 3, 4] * 8,
    }
    features = datasets.Features(
        {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=list(LABELS))}
    )
    ds = datasets.Dataset.from_dict(rows, features=features)
    return rows, datasets.DatasetDict({"train": ds, "validation": ds, "test": ds})


def test_distilled_fine_tune_runs_and_selects_on_validation(
    tmp_path: Path, vocab_dir: Path
) -> None:

    from emobench_core.models.loading import load_tokenizer
    from emobench_core.training.trainer import fine_tune

    rows, dsd = _feelings()
    ds = dsd["train"]
    model = _tiny_bert()
    teacher = np.zeros((len(ds), len(LABELS)), dtype=np.float32)
    teacher[np.arange(len(ds)), rows["label"]] = 5.0
    recipe = Recipe(epochs=2, batch_size=8, learning_rate_random=1e-3)
    info = fine_tune(
        model,
        load_tokenizer(str(vocab_dir)),
        dsd,
        recipe,
        init="random",
        output_dir=tmp_path,
        quiet=True,
        teacher_logits=teacher,
    )
    assert info.epochs_run == 2
    assert (tmp_path / "model" / "config.json").is_file()
    with pytest.raises(ValueError, match="teacher_logits has 3 rows"):
        fine_tune(
            model,
            load_tokenizer(str(vocab_dir)),
            dsd,
            recipe,
            init="random",
            output_dir=tmp_path / "again",
            quiet=True,
            teacher_logits=teacher[:3],
        )


def test_the_teacher_changes_what_the_student_learns(tmp_path: Path, vocab_dir: Path) -> None:
    """Same data, seed and recipe, two teachers that disagree: the students' training losses
    and weights must differ (a student that ignored the teacher's logits would be the same)."""
    from safetensors.torch import load_file

    from emobench_core.models.loading import load_tokenizer
    from emobench_core.training.trainer import fine_tune

    rows, dsd = _feelings()
    ds = dsd["train"]
    recipe = Recipe(epochs=2, batch_size=8, learning_rate_random=1e-3, cpu_bf16=False)
    runs = []
    for name, classes in (("gold", rows["label"]), ("other", [(c + 2) % 6 for c in rows["label"]])):
        logits = np.zeros((len(ds), len(LABELS)), dtype=np.float32)
        logits[np.arange(len(ds)), classes] = 8.0
        info = fine_tune(
            _tiny_bert(),
            load_tokenizer(str(vocab_dir)),
            dsd,
            recipe,
            init="random",
            output_dir=tmp_path / name,
            quiet=True,
            teacher_logits=logits,
        )
        weights = load_file(tmp_path / name / "model" / "model.safetensors")
        runs.append((info.history[-1].train_loss, weights))
    (loss_a, w_a), (loss_b, w_b) = runs
    assert loss_a != loss_b
    assert any(not torch.equal(w_a[k], w_b[k]) for k in w_a)


def test_a_students_own_learning_rate_does_not_reach_its_teacher(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """DistilBERT's registry rate applies to the DistilBERT student only; the teacher is built
    with the shared recipe (and would get its own rate, if it had one)."""
    import datasets

    import emobench_core.scenarios.run as pipeline
    from emobench_core.models.registry import get_spec

    rows = {"text": ["i feel happy", "i feel sad"] * 4, "label": [1, 0] * 4}
    features = datasets.Features(
        {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=list(LABELS))}
    )
    ds = datasets.Dataset.from_dict(rows, features=features)
    dsd = datasets.DatasetDict({"train": ds, "validation": ds, "test": ds})
    built: list[tuple[str, float]] = []

    def fake_get_or_build(self, parts, build):  # type: ignore[no-untyped-def]
        built.append((parts["model"], parts["recipe"]["learning_rate_random"]))
        return tmp_path, True

    monkeypatch.setattr(CheckpointCache, "get_or_build", fake_get_or_build)
    monkeypatch.setattr(pipeline, "teacher_logits", lambda *a, **k: np.zeros((8, 6)))
    teacher = Teacher(get_spec("bert-tiny"), "random")
    pipeline.train_checkpoint(
        get_spec("distilbert"),
        "random",
        RecipeRequest(),
        dsd,
        cache=CheckpointCache(tmp_path),
        teacher=teacher,
    )
    from emobench_core.models.recipes import recipe_for

    teachers_own = recipe_for(get_spec("bert-tiny")).learning_rate_random
    students_own = recipe_for(get_spec("distilbert")).learning_rate_random
    assert teachers_own != students_own  # so the check below can tell the two rates apart
    assert built == [("bert-tiny", teachers_own), ("distilbert", students_own)]
