"""A tiny BERT and a few tweets for the deployment tests (``models/test_export.py``,
``scenarios/test_deploy.py``): no model is trained, and nothing depends on machine speed."""

from __future__ import annotations

from typing import Any

import torch

TEXTS = [
    "i feel happy",
    "i am so angry that nobody listened to me at the meeting again today",
    "scared",
    "i love the way the light falls on the river in the evening",
    "what a surprise to see you here",
    "i feel so sad and alone tonight",
]
"""Different lengths, so a batch of them is padded and the attention mask matters."""


def tiny_bert(**overrides: Any) -> Any:
    """A random BERT of hidden size 32 (two layers, six labels) with BERT's vocab size."""
    from transformers import BertConfig, BertForSequenceClassification

    torch.manual_seed(0)
    config = {
        "vocab_size": 30522,
        "hidden_size": 32,
        "num_hidden_layers": 2,
        "num_attention_heads": 2,
        "intermediate_size": 64,
        "num_labels": 6,
        # wider than BERT's 0.02, so the random logits are far apart and predictions differ
        "initializer_range": 0.2,
        **overrides,
    }
    return BertForSequenceClassification(BertConfig(**config)).eval()
