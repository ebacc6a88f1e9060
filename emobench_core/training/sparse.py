"""Sparse word-embedding updates (``Recipe.sparse_embeddings``).

BERT-Tiny's parameters are 89% word embeddings (30,522 x 128), yet a batch of 32 tweets touches a
few hundred of those rows. With a dense gradient every training step still writes the whole
table's gradient and runs AdamW over all of it. With ``sparse_embeddings`` the embedding layer
returns a sparse gradient (the rows of the batch's tokens only), ``torch.optim.SparseAdam``
updates those rows (lazy Adam: the moments of a row move only when it is in a batch; no weight
decay on the table), the recipe's AdamW updates every other weight as before, and one global
norm clips the sparse and dense gradients together (``torch.nn.utils.clip_grad_norm_`` refuses
sparse gradients).

The training differs from the recipe's (no decay on the word embeddings, lazy moments), so it is
a recipe field, measured for speed (``emobench perf --ab sparse_embeddings=true``) and for
validation quality over seeds (``emobench tune --recipe sparse_embeddings=true``) before any
architecture's recipe uses it.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def clip_grad_norm(params: Sequence[Any], max_norm: float) -> Any:
    """``torch.nn.utils.clip_grad_norm_`` for gradients some of which are sparse (which it
    refuses): one global 2-norm over every gradient's values, every gradient scaled by
    ``min(1, max_norm / (norm + 1e-6))``. Returns the norm before clipping."""
    import torch

    grads = []
    for p in params:
        if p.grad is None:
            continue
        if p.grad.is_sparse:
            p.grad = p.grad.coalesce()  # a row seen twice in the batch counts once, summed
            grads.append(p.grad._values())
        else:
            grads.append(p.grad)
    if not grads:
        return torch.tensor(0.0)
    total = torch.linalg.vector_norm(
        torch.stack([torch.linalg.vector_norm(g.float()) for g in grads])
    )
    scale = torch.clamp(max_norm / (total + 1e-6), max=1.0)
    for g in grads:
        g.mul_(scale.to(g.dtype))
    return total


def split_optimizer(dense: Any, lazy: Any) -> Any:
    """One ``torch.optim.Optimizer`` over two: ``dense`` (AdamW, every weight but the word
    embeddings) and ``lazy`` (``SparseAdam``, the word embeddings). Its param groups are theirs
    (the same dicts), so a learning-rate schedule set on it sets both."""
    import torch

    class SplitOptimizer(torch.optim.Optimizer):
        def __init__(self) -> None:
            self.dense, self.lazy = dense, lazy
            super().__init__([*dense.param_groups, *lazy.param_groups], {})

        def step(self, closure: Any = None) -> Any:
            loss = closure() if closure is not None else None
            self.dense.step()
            self.lazy.step()
            return loss

        def zero_grad(self, set_to_none: bool = True) -> None:
            self.dense.zero_grad(set_to_none)
            self.lazy.zero_grad(set_to_none)

        def state_dict(self) -> dict[str, Any]:
            return {"dense": self.dense.state_dict(), "lazy": self.lazy.state_dict()}

        def load_state_dict(self, state_dict: dict[str, Any]) -> None:
            self.dense.load_state_dict(state_dict["dense"])
            self.lazy.load_state_dict(state_dict["lazy"])

    return SplitOptimizer()


def sparse_embedding_trainer_class(base: type) -> type:
    """``base`` (a ``Trainer`` class) training its model's word embeddings with a sparse
    gradient updated by ``SparseAdam``, and every other weight by the optimizer ``base`` would
    build (the recipe's fused AdamW, weight decay as the Trainer groups it), one norm clipping
    both (:func:`clip_grad_norm`)."""
    import torch

    parent: Any = base

    class SparseEmbeddingTrainer(parent):
        optimizer: Any

        def create_optimizer(self, model: Any = None) -> Any:
            if self.optimizer is not None:
                return self.optimizer
            opt_model = self.model if model is None else model
            embeddings = opt_model.get_input_embeddings()
            embeddings.sparse = True
            table = embeddings.weight
            decay = set(self.get_decay_parameter_names(opt_model))
            named = [
                (n, p)
                for n, p in opt_model.named_parameters()
                if p.requires_grad and p is not table
            ]
            groups = [
                {
                    "params": [p for n, p in named if n in decay],
                    "weight_decay": self.args.weight_decay,
                },
                {"params": [p for n, p in named if n not in decay], "weight_decay": 0.0},
            ]
            cls, kwargs = self.get_optimizer_cls_and_kwargs(self.args, opt_model)
            dense = cls(groups, **kwargs)
            lazy = torch.optim.SparseAdam(
                [table],
                lr=kwargs["lr"],
                betas=kwargs.get("betas", (0.9, 0.999)),
                eps=kwargs.get("eps", 1e-8),
            )
            self.optimizer = split_optimizer(dense, lazy)
            return self.optimizer

        def _clip_grad_norm(self, model: Any) -> Any:
            params = [p for p in model.parameters() if p.requires_grad]
            return clip_grad_norm(params, self.args.max_grad_norm)

        def _get_grad_norm(self, model: Any, grad_norm: Any = None) -> Any:
            if grad_norm is None:  # without clipping (max_grad_norm 0): the norm, unclipped
                params = [p for p in model.parameters() if p.requires_grad]
                grad_norm = clip_grad_norm(params, float("inf"))
            return grad_norm

    SparseEmbeddingTrainer.__name__ = f"SparseEmbedding{base.__name__}"
    return SparseEmbeddingTrainer
