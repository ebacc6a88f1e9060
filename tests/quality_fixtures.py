"""Hand-made splits for the data-quality tests: each kind of repeat once, counts known by hand.

python -m pytest tests/data/test_quality.py tests/data/test_filters.py -q
"""

from __future__ import annotations

import json
from pathlib import Path

from emobench_core.data.quality import data_quality
from emobench_core.schema.data_report import DataReport

SADNESS, JOY, LOVE, ANGER, FEAR, SURPRISE = range(6)

SPLITS = {
    "train": [
        ("I feel happy", JOY),
        ("  i  feel\tHAPPY ", JOY),  # exact duplicate of the first, same label
        ("i am sad", SADNESS),
        ("I am sad", ANGER),  # exact duplicate, other label: a conflict
        ("sooo tired!!", SADNESS),
        ("so tired", SADNESS),  # a near-duplicate only (repeated letters, punctuation)
        ("unique one", LOVE),
        ("shared text", FEAR),
        ("again shared", SURPRISE),
    ],
    "validation": [("Again shared", SURPRISE), ("val only", JOY)],
    "test": [
        ("shared TEXT", JOY),  # in train with another label
        ("i am sad", SADNESS),  # in train, and its label is one of the train copies'
        ("so tiiired", LOVE),  # in train only under the near key
        ("test only", ANGER),
    ],
}


def write_jsonl(folder: Path, splits: dict[str, list[tuple[str, int]]]) -> Path:
    """The staged format: one ``{"text": ..., "label": id}`` per line and split."""
    folder.mkdir(parents=True, exist_ok=True)
    for split, rows in splits.items():
        lines = "".join(json.dumps({"text": t, "label": y}) + "\n" for t, y in rows)
        (folder / f"{split}.jsonl").write_text(lines, encoding="utf-8")
    return folder


def make_data_report(fingerprint: str = "f" * 64, max_length: int = 128) -> DataReport:
    """A data report of :data:`SPLITS` as ``emobench data`` would write it (lengths made up)."""
    from emobench_core.data.loading import EMOTION_LABELS as LABELS

    classes = {
        s: {name: sum(y == i for _, y in rows) for i, name in enumerate(LABELS)}
        for s, rows in SPLITS.items()
    }
    stats = {"mean": 2.5, "p50": 2.0, "p90": 3.0, "p99": 4.0, "max": 4.0}
    return DataReport(
        source="local:data",
        fingerprint=fingerprint,
        filters=(),
        labels=LABELS,
        tokenizer="bert-base-uncased",
        max_length=max_length,
        rows={s: len(rows) for s, rows in SPLITS.items()},
        classes=classes,
        words={s: dict(stats) for s in SPLITS},
        tokens={s: {**stats, "truncated": 0.25 if s == "train" else 0.0} for s in SPLITS},
        informal={s: {"hashtag": 0.0, "elongated": 0.5 if s == "train" else 0.0} for s in SPLITS},
        long_texts=dict.fromkeys(SPLITS, 0),
        quality=data_quality(SPLITS, LABELS),
    )
