"""The lean reference row of ``emobench perf``: the same model, optimizer, schedule, epochs,
batches and precision as the recipe, in a plain eager loop with no ``Trainer``, no validation
and no checkpoint, so "how close to this machine's pace" is a measured ratio.

    emobench perf --models bert-tiny,bert-mini --init random --output results/perf/perf-cpu.json
"""

from __future__ import annotations

import contextlib
import math
import time
from pathlib import Path
from typing import Any

from emobench_core.cache import CheckpointCache
from emobench_core.config import Recipe
from emobench_core.data.fingerprint import label_names
from emobench_core.models.spec import ModelSpec
from emobench_core.scenarios.perf_runs import build_for_perf, predict_and_score
from emobench_core.schema.perf import PerfRow
from emobench_core.training.batches import PaddedSplit
from emobench_core.training.trainer import BF16, cached_tokenize, precision

LEAN_CHANGE = (
    "plain eager loop over the recipe's pre-padded length-grouped batches: same optimizer "
    "(fused AdamW, no decay on biases and LayerNorm), schedule, epochs and precision; "
    "no Trainer, no validation, no checkpoint"
)


def _optimizer(model: Any, recipe: Recipe, lr: float) -> Any:
    """AdamW as the Trainer builds it: weight decay on every weight but biases and LayerNorm."""
    import torch

    decay: list[Any] = []
    no_decay: list[Any] = []
    for name, p in model.named_parameters():
        if not p.requires_grad:
            continue
        (no_decay if name.endswith("bias") or "LayerNorm" in name else decay).append(p)
    groups = [
        {"params": decay, "weight_decay": recipe.weight_decay},
        {"params": no_decay, "weight_decay": 0.0},
    ]
    fused = recipe.optimizer == "adamw_torch_fused"
    return torch.optim.AdamW(groups, lr=lr, fused=fused)


def run_lean(
    spec: ModelSpec,
    init: str,
    recipe: Recipe,
    dsd: Any,
    *,
    workdir: Path,
    token_cache: CheckpointCache,
    device: str = "cpu",
    vocab_dir: Any = None,
    quiet: bool = True,
) -> PerfRow:
    """Train ``spec`` the lean way for ``recipe.epochs`` epochs, then predict the test split."""
    import torch
    from transformers import get_linear_schedule_with_warmup
    from transformers.trainer_pt_utils import LengthGroupedSampler

    start = time.perf_counter()
    model, tokenizer = build_for_perf(spec, init, recipe.seed, vocab_dir, device, label_names(dsd))
    built = time.perf_counter()
    tokenized, hit = cached_tokenize(dsd, tokenizer, recipe.max_length, token_cache)
    train = PaddedSplit(tokenized["train"], tokenizer.model_input_names, tokenizer.pad_token_id)
    tokenized_at = time.perf_counter()
    per_epoch = math.ceil(len(train) / recipe.batch_size)
    total = per_epoch * recipe.epochs
    lr = recipe.lr_for(init)
    opt = _optimizer(model, recipe, lr)
    schedule = get_linear_schedule_with_warmup(opt, math.ceil(recipe.warmup_ratio * total), total)
    autocast = (
        torch.autocast(device_type=device, dtype=torch.bfloat16)
        if precision(recipe, device) == BF16
        else contextlib.nullcontext()
    )
    model.train().to(device)
    for _ in range(recipe.epochs):
        order = list(LengthGroupedSampler(recipe.batch_size, lengths=train.lengths.tolist()))
        for i in range(0, len(order), recipe.batch_size):
            batch = {
                k: v.to(device)
                for k, v in train.__getitems__(order[i : i + recipe.batch_size]).items()
            }
            with autocast:
                loss = model(**batch).loss
            loss.backward()
            torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)  # the Trainer's default
            opt.step()
            schedule.step()
            opt.zero_grad(set_to_none=True)
    trained, done, (accuracy, macro_f1) = predict_and_score(model, tokenizer, recipe, dsd, device)
    return PerfRow(
        model=spec.name,
        init=init,
        setup="lean",
        change=LEAN_CHANGE,
        train_rows=len(train),
        epochs=recipe.epochs,
        steps=total,
        learning_rate=lr,
        batch_size=recipe.batch_size,
        optim=recipe.optimizer,
        build_s=built - start,
        tokenize_s=tokenized_at - built,
        train_s=trained - tokenized_at,
        test_s=done - trained,
        accuracy=accuracy,
        macro_f1=macro_f1,
        token_cache_hit=hit,
    )
