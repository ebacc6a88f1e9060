"""Fetching a model's hub repository into the local HF cache: the files a fine-tune reads, at
one commit, and nothing else.

The repository's file list (``model_info``) decides what to fetch: ``config.json``, one
weights format (safetensors before ``pytorch_model.bin``, shards by their index) and the
tokenizer's files; the large alternates (TF, Flax, ONNX, the other weights format) stay on the
hub. Every file comes from the commit ``main`` (or the pinned revision) named when the list was
read, so a run records one revision (``owner/name@<commit>``) and a rerun that names it gets
the same weights. huggingface_hub downloads to ``*.incomplete`` and renames only a complete
file, so a failed fetch leaves nothing half-written and a rerun reuses what arrived.

    emobench run --models bert-tiny@<commit> --init pretrained
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection
from pathlib import Path

from emobench_core.errors import RegistryError
from emobench_core.hub import hub_error, split_revision

COMMIT = re.compile(r"[0-9a-f]{40}")
"""A full commit id: a revision that never moves."""
WEIGHT_FILES = (
    "model.safetensors",
    "model.safetensors.index.json",
    "pytorch_model.bin",
    "pytorch_model.bin.index.json",
)
"""Weights transformers reads, in the order they are preferred."""
TOKENIZER_FILES = (
    "tokenizer.json",
    "tokenizer_config.json",
    "vocab.txt",
    "special_tokens_map.json",
    "added_tokens.json",
)
"""A tokenizer's files; ``tokenizer.json`` or ``vocab.txt`` must be among them."""
MODEL_FIX = "pass a local folder with the model and its tokenizer as the model name"


def needed_files(repo: str, names: Collection[str]) -> list[str]:
    """The files of ``names`` (a repository's list) a fine-tune reads.

    Raises:
        RegistryError: No ``config.json``, no weights transformers reads, or no tokenizer.
    """
    found = ", ".join(sorted(names)[:12]) or "nothing"
    if "config.json" not in names:
        raise RegistryError(
            f"model {repo} has no config.json (found: {found}), so it is not a transformers "
            f"checkpoint; {MODEL_FIX}"
        )
    weights = next((w for w in WEIGHT_FILES if w in names), None)
    if weights is None:
        raise RegistryError(
            f"model {repo} has no weights transformers reads (model.safetensors or "
            f"pytorch_model.bin; found: {found}); {MODEL_FIX}"
        )
    tokenizer = [t for t in TOKENIZER_FILES if t in names]
    if not {"tokenizer.json", "vocab.txt"} & set(tokenizer):
        raise RegistryError(
            f"model {repo} has no tokenizer (neither tokenizer.json nor vocab.txt; found: "
            f"{found}); {MODEL_FIX}"
        )
    return ["config.json", weights, *tokenizer]


def _shards(folder: Path, index: str) -> list[str]:
    if not index.endswith(".index.json"):
        return []
    weight_map = json.loads((folder / index).read_text(encoding="utf-8"))["weight_map"]
    return sorted(set(weight_map.values()))


def fetch_snapshot(source: str) -> Path:
    """Download what :func:`needed_files` names of ``source`` (``owner/name[@REV]``) into the
    HF cache; returns the snapshot folder (``.../snapshots/<commit>``).

    Raises:
        RegistryError: One line: what the hub answered (no such repository or revision,
            gated, a file missing or cut off) or what the repository lacks.
    """
    from huggingface_hub import HfApi, hf_hub_download

    repo, revision = split_revision(source)
    try:
        info = HfApi().model_info(repo, revision=revision)
        names = [s.rfilename for s in info.siblings or []]
        files = needed_files(repo, names)
        # config.json by the revision asked for, so the cache records where it points (an
        # offline rerun finds ``main`` there); the rest by the commit it named
        folder = Path(hf_hub_download(repo, files[0], revision=revision)).parent
        for name in files[1:]:
            hf_hub_download(repo, name, revision=folder.name)
        for shard in _shards(folder, files[1]):
            hf_hub_download(repo, shard, revision=folder.name)
    except RegistryError:
        raise
    except Exception as exc:  # every hub, HTTP and network failure: one line, its cause
        raise RegistryError(f"{hub_error(exc, repo)}; or {MODEL_FIX}") from exc
    return folder


def cached_snapshot(source: str) -> Path | None:
    """The HF cache's snapshot of ``source`` (its ``main`` or pinned revision) when it holds
    every file :func:`needed_files` asks for, else ``None``; never touches the network."""
    from huggingface_hub import snapshot_download

    repo, revision = split_revision(source)
    try:
        folder = Path(snapshot_download(repo, revision=revision, local_files_only=True))
    except Exception:  # not cached (or not a valid id): nothing local
        return None
    names = {p.relative_to(folder).as_posix() for p in folder.rglob("*") if p.is_file()}
    try:
        files = needed_files(repo, names)
        if not all((folder / s).is_file() for s in _shards(folder, files[1])):
            return None
    except (RegistryError, OSError, KeyError, ValueError):
        return None
    return folder
