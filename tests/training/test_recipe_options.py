"""Recipe options that change how fast a step runs, not what it computes: the attention kernel
(``attn_implementation``) and ``torch.compile`` (``compile``) train to the same predictions as
the recipe. Dropout is off here: each kernel draws its dropout masks its own way, so with dropout
on the runs differ by their random streams (a quality question, measured by ``emobench perf``)."""

from __future__ import annotations

from pathlib import Path

import datasets
import numpy as np
import pytest
import torch

from emobench_core.config import Recipe
from emobench_core.data.loading import EMOTION_LABELS as LABELS
from emobench_core.models.backends.transformer import predict_logits
from emobench_core.models.loading import load_tokenizer
from emobench_core.scenarios.perf_runs import prepared
from emobench_core.training.trainer import fine_tune, training_arguments

WORDS = [
    "i",
    "feel",
    "so",
    "very",
    "happy",
    "sad",
    "angry",
    "scared",
    "loving",
    "surprised",
    "today",
    "and",
    "now",
    "again",
]


def _dsd(rows: int = 48, *, same_length: bool = False) -> datasets.DatasetDict:
    """``rows`` texts of 1 to 19 words (``same_length``: 8 words each, so one batch shape)."""
    rng = np.random.default_rng(0)
    sizes = [8 if same_length else int(rng.integers(1, 20)) for _ in range(rows)]
    texts = [" ".join(rng.choice(WORDS, size=n)) for n in sizes]
    features = datasets.Features(
        {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=list(LABELS))}
    )
    labels = [i % len(LABELS) for i in range(rows)]
    ds = datasets.Dataset.from_dict({"text": texts, "label": labels}, features=features)
    return datasets.DatasetDict({"train": ds, "validation": ds, "test": ds})


def _tiny_bert() -> torch.nn.Module:
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=16,
        num_hidden_layers=2,
        num_attention_heads=2,
        intermediate_size=32,
        num_labels=len(LABELS),
        hidden_dropout_prob=0.0,
        attention_probs_dropout_prob=0.0,
    )
    return BertForSequenceClassification(config)


def _train(
    recipe: Recipe, vocab_dir: Path, out: Path, *, same_length: bool = False
) -> tuple[torch.nn.Module, np.ndarray]:
    tokenizer = load_tokenizer(str(vocab_dir))
    model = _tiny_bert()
    dsd = _dsd(same_length=same_length)
    fine_tune(model, tokenizer, dsd, recipe, init="random", output_dir=out, quiet=True)
    texts = list(dsd["test"]["text"])
    logits = predict_logits(model, tokenizer, texts, max_length=32, batch_size=16, device="cpu")
    return model, np.asarray(logits)


BASE = Recipe(epochs=2, batch_size=16, max_length=32, cpu_bf16=False, learning_rate_random=1e-3)


def test_the_attention_kernel_trains_to_the_same_predictions(
    vocab_dir: Path, tmp_path: Path
) -> None:
    """Either kernel, asked for on every device or on the CPU only, trains to the predictions
    of transformers' own choice (sdpa) when dropout is off."""
    model, default = _train(BASE, vocab_dir, tmp_path / "default")
    assert model.config._attn_implementation == "sdpa"  # transformers' own choice
    variants = {
        "eager": BASE.replace(attn_implementation="eager"),
        "sdpa": BASE.replace(attn_implementation="sdpa"),
        "cpu-eager": BASE.replace(cpu_attn_implementation="eager"),
    }
    for name, recipe in variants.items():
        model, logits = _train(recipe, vocab_dir, tmp_path / name)
        assert model.config._attn_implementation == name.removeprefix("cpu-")  # it took effect
        assert (logits.argmax(-1) == default.argmax(-1)).all()
        np.testing.assert_allclose(logits, default, atol=1e-4)


def test_the_attention_kernel_of_each_device() -> None:
    assert Recipe().attention("cpu") is None and Recipe().attention("cuda") is None
    cpu_eager = Recipe(cpu_attn_implementation="eager")
    assert cpu_eager.attention("cpu") == "eager"
    assert cpu_eager.attention("cuda") is None  # transformers' choice: not measured there
    assert cpu_eager.replace(attn_implementation="sdpa").attention("cpu") == "sdpa"
    assert Recipe(attn_implementation="eager").attention("cuda") == "eager"
    with pytest.raises(ValueError, match="recipe.cpu_attn_implementation"):
        Recipe(cpu_attn_implementation="flash")


def test_compile_trains_to_the_same_predictions(vocab_dir: Path, tmp_path: Path) -> None:
    """One batch shape, one epoch: few graphs to compile (each new shape compiles again)."""
    recipe = BASE.replace(epochs=1)
    _, eager = _train(recipe, vocab_dir, tmp_path / "eager", same_length=True)
    compiled_recipe = recipe.replace(compile=True)
    _, compiled = _train(compiled_recipe, vocab_dir, tmp_path / "compiled", same_length=True)
    assert (compiled.argmax(-1) == eager.argmax(-1)).all()
    np.testing.assert_allclose(compiled, eager, atol=1e-3)


def test_compile_reaches_the_trainer_and_the_lean_loop(tmp_path: Path) -> None:
    on = training_arguments(Recipe(compile=True), "random", tmp_path, "cpu", True)
    off = training_arguments(Recipe(), "random", tmp_path, "cpu", True)
    assert on.torch_compile and not off.torch_compile
    model = _tiny_bert()
    assert prepared(model, Recipe()) is model
    prepared(model, Recipe(cpu_attn_implementation="eager"), "cpu")
    assert model.config._attn_implementation == "eager"  # the CPU's kernel
    compiled = prepared(model, Recipe(compile=True, attn_implementation="eager"))
    assert isinstance(compiled, torch._dynamo.eval_frame.OptimizedModule)
    assert model.config._attn_implementation == "eager"
