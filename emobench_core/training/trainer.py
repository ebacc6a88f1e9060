"""Fine-tuning with the Hugging Face ``Trainer`` under the shared :class:`~.config.Recipe`.

Tokenization happens once per split and is cached on disk keyed by the tokenizer and the data
fingerprint (:func:`cached_tokenize`); batches are pre-padded and length-grouped
(:mod:`.batches`); AdamW is fused. The schedule spans the epoch budget; the validation split
selects the epoch kept (best macro-F1).

    emobench train --model bert-tiny --init random --output runs/bert-tiny
"""

from __future__ import annotations

import hashlib
import inspect
import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np

from emobench_core.cache import RESUME_FILE, CheckpointCache
from emobench_core.config import Recipe
from emobench_core.data.fingerprint import fingerprint
from emobench_core.measure.hardware import cpu_has_bf16
from emobench_core.measure.memory import CUDA_PEAK, OwnPeak
from emobench_core.schema.records import EpochRecord, TrainingInfo
from emobench_core.training.batches import PaddedSplit, fast_trainer_class, whole_batch
from emobench_core.training.distill import distillation_trainer_class
from emobench_core.training.sparse import sparse_embedding_trainer_class

BF16 = "bf16 autocast"
FP32 = "fp32"


def tokenize_splits(dsd: Any, tokenizer: Any, max_length: int) -> Any:
    """Token ids for every split (no padding; truncation at ``max_length``), plus a
    ``length`` column for length-grouped sampling. Labels become ``labels``."""

    def encode(batch: dict[str, list[Any]]) -> dict[str, Any]:
        enc = tokenizer(batch["text"], truncation=True, max_length=max_length)
        enc["length"] = [len(ids) for ids in enc["input_ids"]]
        return enc

    out = dsd.map(
        encode, batched=True, remove_columns=["text"], desc="tokenize", load_from_cache_file=False
    )
    return out.rename_column("label", "labels")


def tokenizer_fingerprint(tokenizer: Any) -> str:
    """SHA-256 of what decides a tokenizer's output: its class, its full serialised pipeline
    (vocab, normaliser, pre-tokenizer, post-processor) for fast tokenizers, else its vocab."""
    backend = getattr(tokenizer, "backend_tokenizer", None)
    if backend is not None:
        # the backend also stores the truncation/padding of its last call: not part of identity
        state = json.loads(backend.to_str())
        state.pop("truncation", None)
        state.pop("padding", None)
    else:
        state = sorted(tokenizer.get_vocab())
    blob = json.dumps(
        [type(tokenizer).__name__, tokenizer.model_input_names, state], sort_keys=True
    )
    return hashlib.sha256(blob.encode()).hexdigest()


def cached_tokenize(
    dsd: Any, tokenizer: Any, max_length: int, cache: CheckpointCache, data_fp: str | None = None
) -> tuple[Any, bool]:
    """:func:`tokenize_splits`, done once per tokenizer, max length and data, then read back.

    Entries live in ``cache`` beside the checkpoints (same atomic publish, checksums and lock), so
    every model sharing the bert-base-uncased vocabulary, and every seed, reuses one tokenization.

    Returns:
        ``(tokenized, hit)``.
    """
    import datasets

    parts = {
        "kind": "tokens",
        "tokenizer": tokenizer_fingerprint(tokenizer),
        "max_length": max_length,
        "data": data_fp or fingerprint(dsd),
        "datasets": datasets.__version__,
    }
    entry, hit = cache.get_or_build(
        parts, lambda staging: tokenize_splits(dsd, tokenizer, max_length).save_to_disk(staging)
    )
    return datasets.load_from_disk(str(entry)), hit


def _macro_f1_metrics(eval_pred: Any) -> dict[str, float]:
    from sklearn.metrics import accuracy_score, f1_score

    logits, labels = eval_pred
    preds = np.asarray(logits).argmax(-1)
    return {
        "macro_f1": float(f1_score(labels, preds, average="macro", zero_division=0)),
        "accuracy": float(accuracy_score(labels, preds)),
    }


def group_by_length_argument() -> dict[str, Any]:
    """The ``TrainingArguments`` option for length-grouped batches (renamed between
    transformers 5 minor versions: ``train_sampling_strategy`` or ``group_by_length``)."""
    from transformers import TrainingArguments

    if "train_sampling_strategy" in inspect.signature(TrainingArguments.__init__).parameters:
        return {"train_sampling_strategy": "group_by_length"}
    return {"group_by_length": True}


def precision(recipe: Recipe, device: str) -> str:
    """The precision the recipe trains in on ``device``: bf16 autocast where the recipe asks
    for it and the hardware has it (CUDA: ``cuda_bf16``; CPU: ``cpu_bf16`` on a CPU with native
    bf16), else fp32. Recorded in every result; the cache key holds only the request."""
    if device == "cuda":
        return BF16 if recipe.cuda_bf16 else FP32
    return BF16 if recipe.cpu_bf16 and cpu_has_bf16() else FP32


def training_arguments(
    recipe: Recipe, init: str, output_dir: Path, device: str, quiet: bool
) -> Any:
    """``TrainingArguments`` for the recipe: one dict of defaults, the recipe merged over it."""
    from transformers import TrainingArguments

    args: dict[str, Any] = {
        "output_dir": str(output_dir),
        "per_device_train_batch_size": recipe.batch_size,
        "per_device_eval_batch_size": recipe.eval_batch_size,
        "num_train_epochs": recipe.epochs_for(init),
        "learning_rate": recipe.lr_for(init),
        "weight_decay": recipe.weight_decay,
        "warmup_steps": recipe.warmup_ratio,  # transformers 5: a float in [0, 1) is a ratio
        "lr_scheduler_type": recipe.lr_scheduler,
        "optim": recipe.optimizer,
        "dataloader_pin_memory": device == "cuda",
        "eval_strategy": "epoch",
        "save_strategy": "epoch",
        "save_total_limit": 1,
        "save_only_model": True,
        "load_best_model_at_end": True,
        "metric_for_best_model": "macro_f1",
        "greater_is_better": True,
        "logging_strategy": "epoch",
        "report_to": "none",
        "seed": recipe.seed,
        "data_seed": recipe.seed,
        "disable_tqdm": quiet,
        "use_cpu": device == "cpu",
        "bf16": precision(recipe, device) == BF16,
        "tf32": True if device == "cuda" else None,
        "dataloader_num_workers": 0,
        "torch_compile": recipe.compile or None,
    }
    if recipe.group_by_length:
        args.update(group_by_length_argument())
    return TrainingArguments(**{k: v for k, v in args.items() if v is not None})


def fine_tune(
    model: Any,
    tokenizer: Any,
    dsd: Any,
    recipe: Recipe,
    *,
    init: str,
    output_dir: Path,
    device: str = "cpu",
    quiet: bool = False,
    teacher_logits: np.ndarray | None = None,
    token_cache: CheckpointCache | None = None,
    data_fp: str | None = None,
    resumable: bool = False,
) -> TrainingInfo:
    """Fine-tune ``model`` on ``dsd['train']``, select on ``dsd['validation']``.

    With ``teacher_logits`` (one row per training example, in dataset order) the training loss
    is the distillation loss of :mod:`.distill`; selection stays on validation macro-F1.

    With ``token_cache`` the tokenized splits are read from (or added to) that cache, keyed by
    ``data_fp`` (the data fingerprint, computed here when not given).

    The best model and its tokenizer are saved to ``output_dir / "model"``; Trainer
    checkpoints go to ``output_dir / "trainer"`` and are removed at the end.

    With ``resumable`` each epoch's checkpoint holds the optimizer, schedule and random states
    too, and ``output_dir / RESUME_FILE`` records it with the time and memory spent so far: a
    call on the same ``output_dir`` after a stop resumes from that epoch (the caller makes sure
    the folder belongs to the same training: same model, recipe, data and machine kind).
    """
    import shutil

    import torch
    from transformers import DataCollatorWithPadding, EarlyStoppingCallback, Trainer

    tok_start = time.perf_counter()
    if token_cache is None:  # both branches say whether the token cache answered
        tokenized, hit = tokenize_splits(dsd, tokenizer, recipe.max_length), None
    else:
        tokenized, hit = cached_tokenize(dsd, tokenizer, recipe.max_length, token_cache, data_fp)
    tokenize_s = time.perf_counter() - tok_start
    if (kernel := recipe.attention(device)) is not None:
        model.set_attn_implementation(kernel)
    args = training_arguments(recipe, init, output_dir / "trainer", device, quiet)
    earlier = _resume_point(output_dir) if resumable else None
    if resumable:
        args.save_only_model = False  # the optimizer, schedule and RNG states a resume needs
    train, val, collator = _datasets(tokenized, tokenizer, recipe, teacher_logits)
    trainer_cls: Any = Trainer
    extra: dict[str, Any] = {}
    if teacher_logits is not None:
        args.remove_unused_columns = False  # keep teacher_logits; the trainer pops it
        trainer_cls = distillation_trainer_class(trainer_cls)
        extra = {"kd_alpha": recipe.kd_alpha, "kd_temperature": recipe.kd_temperature}
    if recipe.padded_batches:
        args.remove_unused_columns = False  # the batches hold the model's inputs only
        trainer_cls = fast_trainer_class(trainer_cls)
    if recipe.sparse_embeddings:
        trainer_cls = sparse_embedding_trainer_class(trainer_cls)
    callbacks: list[Any] = []
    recorder = _resume_recorder(output_dir, earlier) if resumable else None
    if recorder is not None:
        callbacks.append(recorder)
    if recipe.early_stopping_patience is not None:
        callbacks.append(EarlyStoppingCallback(recipe.early_stopping_patience))
    trainer = trainer_cls(
        model=model,
        args=args,
        train_dataset=train,
        eval_dataset=val,
        processing_class=tokenizer,
        data_collator=collator or DataCollatorWithPadding(tokenizer),
        compute_metrics=_macro_f1_metrics,
        callbacks=callbacks,
        **extra,
    )
    if quiet:  # with tqdm off the Trainer prints every log dict instead; --quiet means silent
        from transformers import PrinterCallback

        trainer.remove_callback(PrinterCallback)
    if device == "cuda":
        torch.cuda.reset_peak_memory_stats()
    start = time.perf_counter()
    checkpoint = None if earlier is None else output_dir / "trainer" / earlier["checkpoint"]
    with OwnPeak() as own_peak:
        if recorder is not None:
            recorder.start, recorder.own_peak = start, own_peak
        trainer.train(resume_from_checkpoint=None if checkpoint is None else str(checkpoint))
    wall = time.perf_counter() - start + (earlier["wall_s"] if earlier else 0.0)
    resumed_at = [*earlier["resumed_at_epochs"], earlier["epoch"]] if earlier else []
    history = _history(trainer.state.log_history)
    best = max(history, key=lambda h: h.val_macro_f1)
    cuda = device == "cuda"
    peak = torch.cuda.max_memory_allocated() / 2**20 if cuda else own_peak.mb
    if earlier:
        peak = max(peak, earlier["peak_memory_mb"])
    model_dir = output_dir / "model"
    trainer.save_model(str(model_dir))
    (output_dir / RESUME_FILE).unlink(missing_ok=True)
    shutil.rmtree(output_dir / "trainer", ignore_errors=True)
    rows = len(tokenized["train"])
    return TrainingInfo(
        wall_s=wall,
        samples_per_s=rows * len(history) / wall if wall > 0 else math.nan,
        train_rows=rows,
        epochs_run=len(history),
        best_epoch=best.epoch,
        best_val_macro_f1=best.val_macro_f1,
        hyperparameters={"learning_rate": recipe.lr_for(init)},
        peak_memory_mb=float(peak),
        peak_memory_basis=CUDA_PEAK if cuda else own_peak.basis,
        device=device,
        history=history,
        tokenize_s=tokenize_s,
        token_cache_hit=hit,
        precision=precision(recipe, device),
        steps=trainer.state.global_step,
        final_learning_rate=float(trainer.lr_scheduler.get_last_lr()[0]),
        threads=torch.get_num_threads(),
        resumed_at_epochs=resumed_at,
    )


def _resume_point(output_dir: Path) -> dict[str, Any] | None:
    """What ``output_dir / RESUME_FILE`` records of an earlier, stopped call, if its checkpoint
    is there (else ``None``: the training starts over)."""
    import logging

    record = output_dir / RESUME_FILE
    if not record.is_file():
        return None
    try:
        earlier = json.loads(record.read_text())
        folder = output_dir / "trainer" / earlier["checkpoint"]
    except (ValueError, KeyError, TypeError):
        earlier, folder = None, None
    if earlier is None or folder is None or not (folder / "trainer_state.json").is_file():
        logging.getLogger(__name__).warning(
            "%s names no intact checkpoint; training starts over", record
        )
        return None
    logging.getLogger(__name__).warning(
        "resuming the training stopped after epoch %s from %s", earlier["epoch"], folder
    )
    return dict(earlier)


def _resume_recorder(output_dir: Path, earlier: dict[str, Any] | None) -> Any:
    """A callback that, after each checkpoint is saved, records it in ``RESUME_FILE`` (written
    whole, then renamed) with the training time and peak memory spent up to it."""
    import os

    from transformers import TrainerCallback

    before_s = earlier["wall_s"] if earlier else 0.0
    before_mb = earlier["peak_memory_mb"] if earlier else 0.0
    resumed = [*earlier["resumed_at_epochs"], earlier["epoch"]] if earlier else []

    class ResumeRecorder(TrainerCallback):
        start: float = 0.0
        own_peak: OwnPeak | None = None

        def on_save(self, args: Any, state: Any, control: Any, **kwargs: Any) -> None:
            record = {
                "epoch": round(state.epoch),
                "checkpoint": f"checkpoint-{state.global_step}",
                "wall_s": before_s + time.perf_counter() - self.start,
                "peak_memory_mb": max(before_mb, self.own_peak.so_far() if self.own_peak else 0.0),
                "resumed_at_epochs": resumed,
            }
            tmp = output_dir / f".{RESUME_FILE}.tmp"
            tmp.write_text(json.dumps(record, indent=1))
            os.replace(tmp, output_dir / RESUME_FILE)

    return ResumeRecorder()


def _datasets(
    tokenized: Any, tokenizer: Any, recipe: Recipe, teacher_logits: np.ndarray | None
) -> tuple[Any, Any, Any]:
    """``(train, validation, collator)``: :class:`PaddedSplit` batches with ``padded_batches``
    (collator: the batch itself), else the splits and ``None``; the teacher's logits ride along."""
    train, val = tokenized["train"], tokenized["validation"]
    if teacher_logits is not None and len(teacher_logits) != len(train):
        raise ValueError(f"teacher_logits has {len(teacher_logits)} rows for {len(train)} examples")
    if recipe.padded_batches:
        names, pad = tokenizer.model_input_names, tokenizer.pad_token_id
        return (
            PaddedSplit(train, names, pad, teacher_logits),
            PaddedSplit(val, names, pad),
            whole_batch,
        )
    if teacher_logits is not None:
        rows = [row.tolist() for row in np.asarray(teacher_logits)]
        train = train.add_column("teacher_logits", rows)
    return train, val, None


def _history(log_history: list[dict[str, Any]]) -> list[EpochRecord]:
    losses = {round(e["epoch"]): e["loss"] for e in log_history if "loss" in e}
    rates = {round(e["epoch"]): e["learning_rate"] for e in log_history if "learning_rate" in e}
    return [
        EpochRecord(
            epoch=round(e["epoch"]),
            val_macro_f1=float(e["eval_macro_f1"]),
            val_accuracy=float(e["eval_accuracy"]),
            train_loss=losses.get(round(e["epoch"])),
            learning_rate=rates.get(round(e["epoch"])),
        )
        for e in log_history
        if "eval_macro_f1" in e
    ]
