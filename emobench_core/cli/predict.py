"""``emobench predict``: label and probabilities of each text, one JSON line per text.

emobench predict --checkpoint runs/bert-tiny "i feel happy"
cat tweets.txt | emobench predict --checkpoint runs/bert-tiny
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from emobench_core.config import Recipe
from emobench_core.errors import UsageError


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "predict",
        help="label and probabilities for texts",
        description="Texts come as arguments, or one per line on stdin.",
    )
    p.add_argument(
        "--checkpoint", required=True, type=Path, help="folder written by `emobench train`"
    )
    p.add_argument("texts", nargs="*", help="texts to classify; default: read stdin")
    p.set_defaults(func=predict)
    return p


def predict(ns: argparse.Namespace) -> int:
    import numpy as np

    from emobench_core.models.backends.transformer import load_checkpoint, predict_logits

    texts = ns.texts or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    if not texts:
        raise UsageError("no texts given: pass them as arguments or one per line on stdin")
    model, tok = load_checkpoint(ns.checkpoint)
    logits = predict_logits(
        model, tok, texts, max_length=Recipe().max_length, batch_size=64, device="cpu"
    )
    id2label = model.config.id2label  # the label set the checkpoint was fine-tuned on
    labels = [str(id2label[i]) for i in range(model.config.num_labels)]
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    for text, p in zip(texts, probs, strict=True):
        print(
            json.dumps(
                {
                    "text": text,
                    "label": labels[int(p.argmax())],
                    "probabilities": {
                        n: round(float(v), 4) for n, v in zip(labels, p, strict=True)
                    },
                }
            )
        )
    return 0
