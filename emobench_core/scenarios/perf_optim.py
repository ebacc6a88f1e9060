"""The optimizer part of a training step as ``emobench perf`` times it: AdamW as the Trainer
builds it (:func:`lean_optimizer`), and the step's update (clip to norm 1, update, zero) the
recipe's way (sparse word-embedding gradients updated by ``torch.optim.SparseAdam`` where
``Recipe.sparse_embeddings`` says so) or a timed-only variant's (:func:`updater`): bf16 weights
with fp32 master copies.

    emobench perf --models bert-tiny --steps-only --ab embeddings=sparse --output perf.json
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from emobench_core.config import Recipe
from emobench_core.training.sparse import clip_grad_norm, split_optimizer


def lean_optimizer(
    model: Any,
    recipe: Recipe,
    lr: float,
    *,
    skip: Sequence[Any] = (),
    masters: Mapping[Any, Any] | None = None,
) -> Any:
    """AdamW as the Trainer builds it: weight decay on every weight but biases and LayerNorm.
    ``skip``: parameters another optimizer updates; ``masters``: the tensor to update in each
    parameter's place (fp32 master copies of bf16 weights)."""
    import torch

    decay: list[Any] = []
    no_decay: list[Any] = []
    skipped = {id(p) for p in skip}
    for name, p in model.named_parameters():
        if not p.requires_grad or id(p) in skipped:
            continue
        target = p if masters is None else masters[p]
        (no_decay if name.endswith("bias") or "LayerNorm" in name else decay).append(target)
    groups = [
        {"params": decay, "weight_decay": recipe.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    fused = recipe.optimizer == "adamw_torch_fused"
    return torch.optim.AdamW(groups, lr=lr, fused=fused)


def updater(
    model: Any,
    recipe: Recipe,
    lr: float,
    *,
    bf16_weights: bool = False,
) -> Any:
    """The optimizer part of one training step: clip the gradients to norm 1, update, zero.
    The recipe's: AdamW over every weight (:func:`lean_optimizer`); with
    ``recipe.sparse_embeddings``, the word embeddings' gradient made sparse and updated by
    ``SparseAdam`` (as :mod:`emobench_core.training.sparse` trains); ``bf16_weights``: the
    model's weights cast to bf16, AdamW updating fp32 master copies copied back each step."""
    import torch

    params = [p for p in model.parameters() if p.requires_grad]
    if recipe.sparse_embeddings:
        embeddings = model.get_input_embeddings()
        embeddings.sparse = True
        both = split_optimizer(
            lean_optimizer(model, recipe, lr, skip=[embeddings.weight]),
            torch.optim.SparseAdam([embeddings.weight], lr=lr),
        )

        def sparse_update() -> None:
            clip_grad_norm(params, 1.0)
            both.step()
            both.zero_grad(set_to_none=True)

        return sparse_update
    if bf16_weights:
        masters = {p: p.detach().float().clone().requires_grad_(True) for p in params}
        model.to(torch.bfloat16)  # in place: the parameters keep their identity
        opt = lean_optimizer(model, recipe, lr, masters=masters)
        pairs = list(masters.items())

        def master_update() -> None:
            for p, m in pairs:
                m.grad = None if p.grad is None else p.grad.float()
                p.grad = None
            torch.nn.utils.clip_grad_norm_([m for _, m in pairs], 1.0)
            opt.step()
            opt.zero_grad(set_to_none=True)
            torch._foreach_copy_([p.data for p, _ in pairs], [m.detach() for _, m in pairs])

        return master_update
    opt = lean_optimizer(model, recipe, lr)

    def recipe_update() -> None:
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)

    return recipe_update
