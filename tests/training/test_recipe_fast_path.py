"""The recipe's fast path: pre-padded, length-grouped batches that hold what the slow path's
batches held; a schedule that ends where training ends; bf16 only where the CPU has it."""

from __future__ import annotations

from pathlib import Path

import datasets
import numpy as np
import pytest
import torch

from emobench_core.config import Recipe
from emobench_core.data.loading import EMOTION_LABELS as LABELS
from emobench_core.models.loading import load_tokenizer
from emobench_core.training import trainer as trainer_module
from emobench_core.training.batches import PaddedSplit, fast_trainer_class
from emobench_core.training.trainer import BF16, FP32, fine_tune, precision, tokenize_splits

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


def _dsd(rows: int = 96) -> datasets.DatasetDict:
    rng = np.random.default_rng(0)
    texts = [" ".join(rng.choice(WORDS, size=int(rng.integers(1, 30)))) for _ in range(rows)]
    labels = [i % len(LABELS) for i in range(rows)]
    features = datasets.Features(
        {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=list(LABELS))}
    )
    ds = datasets.Dataset.from_dict({"text": texts, "label": labels}, features=features)
    return datasets.DatasetDict({"train": ds, "validation": ds, "test": ds})


def _tiny_bert() -> torch.nn.Module:
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = BertConfig(
        vocab_size=30522,
        hidden_size=16,
        num_hidden_layers=1,
        num_attention_heads=2,
        intermediate_size=32,
        num_labels=len(LABELS),
    )
    return BertForSequenceClassification(config)


@pytest.fixture
def tokenized(vocab_dir: Path) -> tuple[datasets.DatasetDict, object]:
    tokenizer = load_tokenizer(str(vocab_dir))
    return tokenize_splits(_dsd(), tokenizer, 32), tokenizer


def test_padded_batches_hold_what_the_collator_would_have_padded(tokenized) -> None:
    from transformers import DataCollatorWithPadding

    splits, tokenizer = tokenized
    train = splits["train"]
    padded = PaddedSplit(train, tokenizer.model_input_names, tokenizer.pad_token_id)
    idx = [5, 0, 17, 3]
    batch = padded.__getitems__(idx)
    features = [
        {k: train[i][k] for k in ("input_ids", "attention_mask", "token_type_ids", "labels")}
        for i in idx
    ]
    expected = DataCollatorWithPadding(tokenizer)(features)
    assert set(batch) == set(expected)
    for key in expected:
        assert torch.equal(batch[key], expected[key]), key


def test_the_sampler_on_stored_lengths_draws_the_slow_paths_batches(tokenized) -> None:
    """Same examples each epoch, each once, in the same length-grouped order as transformers'
    sampler that measures every row."""
    from transformers.trainer_pt_utils import LengthGroupedSampler

    splits, tokenizer = tokenized
    train = splits["train"].remove_columns(["length"])
    padded = PaddedSplit(splits["train"], tokenizer.model_input_names, tokenizer.pad_token_id)

    class Args:
        train_batch_size, gradient_accumulation_steps = 8, 1

    fast = fast_trainer_class(object).__new__(fast_trainer_class(object))
    fast.args, fast.train_dataset = Args(), padded
    torch.manual_seed(3)
    ours = list(fast._get_train_sampler())
    torch.manual_seed(3)
    theirs = list(LengthGroupedSampler(8, dataset=train, model_input_name="input_ids"))
    assert ours == theirs
    assert sorted(ours) == list(range(len(train)))  # every example once an epoch
    spreads = [np.ptp(padded.lengths[ours[i : i + 8]]) for i in range(0, len(ours), 8)]
    assert np.mean(spreads) < np.ptp(padded.lengths)  # batches are length groups


@pytest.mark.parametrize("budget", [1, 2, 3])
def test_the_schedule_ends_at_the_last_training_step(
    budget: int, vocab_dir: Path, tmp_path: Path
) -> None:
    tokenizer = load_tokenizer(str(vocab_dir))
    recipe = Recipe(epochs=budget, batch_size=16, max_length=32, cpu_bf16=False)
    info = fine_tune(
        _tiny_bert(), tokenizer, _dsd(), recipe, init="random", output_dir=tmp_path, quiet=True
    )
    assert info.epochs_run == budget  # no early stop: the whole budget runs
    assert [h.epoch for h in info.history] == list(range(1, budget + 1))
    assert info.steps == budget * 6  # 96 rows in batches of 16
    assert info.final_learning_rate == 0.0  # annealed to zero at the last step
    assert all(h.learning_rate and h.learning_rate > 0 for h in info.history)
    assert info.precision == FP32


def test_bf16_is_off_where_the_cpu_lacks_it(monkeypatch: pytest.MonkeyPatch, tmp_path) -> None:
    monkeypatch.setattr(trainer_module, "cpu_has_bf16", lambda: False)
    assert precision(Recipe(), "cpu") == FP32
    args = trainer_module.training_arguments(Recipe(), "random", tmp_path, "cpu", True)
    assert not args.bf16
    monkeypatch.setattr(trainer_module, "cpu_has_bf16", lambda: True)
    assert precision(Recipe(), "cpu") == BF16
    assert trainer_module.training_arguments(Recipe(), "random", tmp_path, "cpu", True).bf16
    assert precision(Recipe(cpu_bf16=False), "cpu") == FP32
    assert precision(Recipe(), "cuda") == FP32  # cuda_bf16 is its own switch


def test_bf16_is_recorded_where_on(monkeypatch, vocab_dir: Path, tmp_path: Path) -> None:
    monkeypatch.setattr(trainer_module, "cpu_has_bf16", lambda: True)
    tokenizer = load_tokenizer(str(vocab_dir))
    recipe = Recipe(epochs=1, batch_size=16, max_length=32)
    info = fine_tune(
        _tiny_bert(), tokenizer, _dsd(), recipe, init="random", output_dir=tmp_path, quiet=True
    )
    assert info.precision == BF16


def test_training_peak_memory_is_the_models_own(tmp_path: Path, vocab_dir: Path) -> None:
    """A small model trained after a large allocation reports its own peak, not the process's."""
    from emobench_core.measure.memory import OwnPeak

    block = np.ones(800 * 2**20, dtype=np.uint8)
    del block
    tokenizer = load_tokenizer(str(vocab_dir))
    recipe = Recipe(epochs=1, batch_size=16, max_length=32, cpu_bf16=False)
    info = fine_tune(
        _tiny_bert(), tokenizer, _dsd(), recipe, init="random", output_dir=tmp_path, quiet=True
    )
    assert info.peak_memory_basis == OwnPeak.RESET
    assert 0 <= info.peak_memory_mb < 500  # ru_maxrss would include the 800 MiB block
