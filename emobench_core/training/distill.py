"""Task-specific knowledge distillation (Hinton et al. 2015): a small student learns from the
gold labels and from a fine-tuned teacher's softened predictions.

Loss per batch: ``alpha * CE(student, gold) + (1 - alpha) * T**2 * KL(p_teacher^T || p_student^T)``
where ``p^T = softmax(logits / T)``; ``alpha`` and ``T`` are ``Recipe.kd_alpha`` and
``Recipe.kd_temperature``. The teacher's logits on the training split come from the pipeline
(:mod:`emobench_core.scenarios.teacher`), computed once and cached.

    emobench distill --teacher minilm-l6 --student bert-tiny --student-init random --output runs/
"""

from __future__ import annotations

from typing import Any


def kd_loss(
    student_logits: Any, teacher_logits: Any, labels: Any, alpha: float, temperature: float
) -> Any:
    """The Hinton distillation loss, averaged over the batch.

    Args:
        student_logits: ``(batch, classes)`` tensor.
        teacher_logits: ``(batch, classes)`` tensor (no gradient flows into it).
        labels: ``(batch,)`` gold label ids.
        alpha: Weight of the gold-label cross-entropy, in [0, 1]; 1 is plain fine-tuning.
        temperature: Softening temperature ``T`` > 0; the KL term is scaled by ``T**2`` so its
            gradient magnitude does not shrink as ``T`` grows.
    """
    import torch.nn.functional as F

    if not 0.0 <= alpha <= 1.0:
        raise ValueError(f"`kd_alpha` ({alpha}) must be in [0, 1]")
    if temperature <= 0:
        raise ValueError(f"`kd_temperature` ({temperature}) must be > 0")
    s = student_logits.float()
    ce = F.cross_entropy(s, labels)
    if alpha == 1.0:
        return ce
    log_p_s = F.log_softmax(s / temperature, dim=-1)
    log_p_t = F.log_softmax(teacher_logits.float().detach() / temperature, dim=-1)
    kl = F.kl_div(log_p_s, log_p_t, reduction="batchmean", log_target=True)
    return alpha * ce + (1.0 - alpha) * temperature**2 * kl


def distillation_trainer_class(base: type | None = None) -> type:
    """``base`` (default: ``Trainer``) whose training loss is :func:`kd_loss` on the batch's
    ``teacher_logits``.

    Built lazily so importing this module does not import transformers.
    """
    import torch.nn.functional as F
    from transformers import Trainer

    parent: Any = Trainer if base is None else base

    class DistillationTrainer(parent):
        def __init__(
            self, *args: Any, kd_alpha: float, kd_temperature: float, **kwargs: Any
        ) -> None:
            super().__init__(*args, **kwargs)
            self.kd_alpha = kd_alpha
            self.kd_temperature = kd_temperature

        def compute_loss(
            self,
            model: Any,
            inputs: dict[str, Any],
            return_outputs: bool = False,
            num_items_in_batch: Any = None,
        ) -> Any:
            teacher = inputs.pop("teacher_logits", None)
            inputs.pop("length", None)
            labels = inputs.pop("labels")
            outputs = model(**inputs)
            if teacher is None:  # evaluation batches: plain cross-entropy on gold labels
                loss = F.cross_entropy(outputs.logits.float(), labels)
            else:
                loss = kd_loss(outputs.logits, teacher, labels, self.kd_alpha, self.kd_temperature)
            return (loss, outputs) if return_outputs else loss

    return DistillationTrainer
