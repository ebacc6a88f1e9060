"""Batches the ``Trainer`` takes without per-example Python: the tokenized split held as one
padded array, sliced per batch to its longest row, and a length-grouped sampler that reads the
stored lengths instead of measuring every row again.

With ``Recipe.padded_batches`` the recipe trains on these; the batches hold the same examples,
in the same length-grouped order, as ``DataCollatorWithPadding`` over the ``datasets`` split
with transformers' own length-grouped sampler (tested), at a fraction of the cost.

    emobench perf --models bert-tiny --ladder bert-tiny --output perf.json   # ladder step
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np


class PaddedSplit:
    """A tokenized split as arrays: ``ids`` ``(rows, longest)`` right-padded once, ``lengths``
    and ``labels``; :meth:`__getitems__` returns a whole batch, padded to its longest row.

    A map-style dataset for ``torch.utils.data.DataLoader`` (which calls ``__getitems__`` for a
    batch when a dataset has one); torch is imported only when a batch is built.

    Args:
        split: A tokenized ``datasets`` split with ``input_ids`` and ``labels`` (as
            :func:`~emobench_core.training.trainer.tokenize_splits` makes it).
        input_names: The model's input names (``tokenizer.model_input_names``): which of
            ``input_ids``, ``attention_mask`` and ``token_type_ids`` a batch carries.
        pad_id: The tokenizer's padding id.
        teacher_logits: Optional ``(rows, classes)`` logits of a teacher, carried per batch as
            ``teacher_logits`` (knowledge distillation).
    """

    def __init__(
        self,
        split: Any,
        input_names: Sequence[str],
        pad_id: int,
        teacher_logits: np.ndarray | None = None,
    ) -> None:
        cols = split.select_columns(["input_ids", "labels"])[:]  # one read of what is used
        rows = cols["input_ids"]
        self.lengths = np.fromiter((len(r) for r in rows), dtype=np.int64, count=len(rows))
        width = int(self.lengths.max()) if len(rows) else 0
        self.ids = np.full((len(rows), width), pad_id, dtype=np.int64)
        for i, r in enumerate(rows):  # once per split, not once per epoch
            self.ids[i, : len(r)] = r
        self.labels = np.asarray(cols["labels"], dtype=np.int64)
        self.input_names = tuple(input_names)
        if teacher_logits is not None and len(teacher_logits) != len(rows):
            raise ValueError(
                f"teacher_logits has {len(teacher_logits)} rows for {len(rows)} training examples"
            )
        self.teacher_logits = (
            None if teacher_logits is None else np.asarray(teacher_logits, dtype=np.float32)
        )

    def __len__(self) -> int:
        return len(self.labels)

    def __getitem__(self, index: int) -> dict[str, Any]:
        return self.__getitems__([index])

    def __getitems__(self, indices: Sequence[int]) -> dict[str, Any]:
        import torch

        idx = np.asarray(indices, dtype=np.int64)
        lengths = self.lengths[idx]
        longest = int(lengths.max())
        batch: dict[str, Any] = {"input_ids": torch.from_numpy(self.ids[idx, :longest])}
        if "attention_mask" in self.input_names:
            mask = np.arange(longest)[None, :] < lengths[:, None]
            batch["attention_mask"] = torch.from_numpy(mask.astype(np.int64))
        if "token_type_ids" in self.input_names:
            batch["token_type_ids"] = torch.zeros((len(idx), longest), dtype=torch.int64)
        batch["labels"] = torch.from_numpy(self.labels[idx])
        if self.teacher_logits is not None:
            batch["teacher_logits"] = torch.from_numpy(self.teacher_logits[idx])
        return batch


def whole_batch(batch: Any) -> Any:
    """The collator for :class:`PaddedSplit`: the batch is already built."""
    return batch


def fast_trainer_class(base: type) -> type:
    """``base`` (a ``Trainer`` class) whose length-grouped samplers read a
    :class:`PaddedSplit`'s stored lengths instead of measuring every row.

    The samplers are transformers' own ``LengthGroupedSampler``, built as the ``Trainer``
    builds them (the training one on the global generator ``set_seed`` seeded, the evaluation
    one on ``data_seed``), so the batches are the ones the slower path would have drawn.
    """
    import torch
    from transformers.trainer_pt_utils import LengthGroupedSampler

    class FastBatchesTrainer(base):
        def _get_train_sampler(self, train_dataset: Any = None) -> Any:
            dataset = self.train_dataset if train_dataset is None else train_dataset
            if not isinstance(dataset, PaddedSplit):
                return super()._get_train_sampler(train_dataset)
            return LengthGroupedSampler(
                self.args.train_batch_size * self.args.gradient_accumulation_steps,
                lengths=dataset.lengths.tolist(),
            )

        def _get_eval_sampler(self, eval_dataset: Any) -> Any:
            if not isinstance(eval_dataset, PaddedSplit):
                return super()._get_eval_sampler(eval_dataset)
            seed = self.args.data_seed if self.args.data_seed is not None else self.args.seed
            return LengthGroupedSampler(
                self.args.eval_batch_size,
                lengths=eval_dataset.lengths.tolist(),
                generator=torch.Generator().manual_seed(seed),
            )

    return FastBatchesTrainer
