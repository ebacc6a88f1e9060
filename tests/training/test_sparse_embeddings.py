"""``Recipe.sparse_embeddings``: fine-tuning updates only the word-embedding rows of the tokens it
trains on (``SparseAdam``: lazy moments, no weight decay on the table), every other weight as the
recipe does, under the recipe's schedule and clipping."""

from __future__ import annotations

from pathlib import Path

import pytest
import torch

from emobench_core.config import Recipe
from emobench_core.models.loading import load_tokenizer
from emobench_core.training.sparse import clip_grad_norm, split_optimizer
from emobench_core.training.trainer import fine_tune
from tests.training.test_recipe_options import _dsd, _tiny_bert

RECIPE = Recipe(epochs=2, batch_size=16, max_length=32, learning_rate_random=1e-2, cpu_bf16=False)


def _rows_moved(recipe: Recipe, vocab_dir: Path, out: Path) -> tuple[set[int], set[int], bool]:
    """``(rows moved, token ids trained on, whether the classifier moved)``."""
    tokenizer = load_tokenizer(str(vocab_dir))
    model = _tiny_bert()
    table = model.get_input_embeddings().weight.detach().clone()
    head = model.classifier.weight.detach().clone()
    dsd = _dsd()
    fine_tune(model, tokenizer, dsd, recipe, init="random", output_dir=out, quiet=True)
    after = model.get_input_embeddings().weight.detach()
    moved = set((after != table).any(dim=1).nonzero().flatten().tolist())
    seen = {t for text in dsd["train"]["text"] for t in tokenizer(text)["input_ids"]}
    return moved, seen, not torch.equal(model.classifier.weight.detach(), head)


def test_only_the_rows_of_the_tokens_trained_on_move(vocab_dir: Path, tmp_path: Path) -> None:
    moved, seen, head_moved = _rows_moved(
        RECIPE.replace(sparse_embeddings=True), vocab_dir, tmp_path / "sparse"
    )
    assert moved and moved <= seen and head_moved
    # the recipe's dense AdamW decays every row of the table, seen or not
    dense_moved, _, _ = _rows_moved(RECIPE, vocab_dir, tmp_path / "dense")
    assert len(dense_moved - seen) > 30_000


def test_the_schedule_sets_both_optimizers_and_one_norm_clips_both() -> None:
    table = torch.nn.Parameter(torch.randn(10, 4))
    weight = torch.nn.Parameter(torch.randn(4, 4))
    dense = torch.optim.AdamW([weight], lr=1.0)
    lazy = torch.optim.SparseAdam([table], lr=1.0)
    both = split_optimizer(dense, lazy)
    schedule = torch.optim.lr_scheduler.LambdaLR(both, lambda step: 0.5)
    assert [g["lr"] for g in dense.param_groups + lazy.param_groups] == [0.5, 0.5]
    table.grad = torch.sparse_coo_tensor(
        [[2, 7]], torch.full((2, 4), 3.0), (10, 4), check_invariants=True
    )
    weight.grad = torch.full((4, 4), 4.0)
    norm = clip_grad_norm([table, weight], 1.0)
    assert float(norm) == pytest.approx((2 * 4 * 9 + 16 * 16) ** 0.5)
    clipped = torch.cat([table.grad.coalesce().values().flatten(), weight.grad.flatten()])
    assert float(torch.linalg.vector_norm(clipped)) == pytest.approx(1.0, rel=1e-5)
    before = table.detach().clone()
    both.step()
    schedule.step()
    rows = (table.detach() != before).any(dim=1).nonzero().flatten().tolist()
    assert rows == [2, 7]
    both.zero_grad()
    assert table.grad is None and weight.grad is None
    assert set(both.state_dict()) == {"dense", "lazy"}
