"""Sentence embeddings of a frozen pretrained encoder, with the encoder's own pooling, cached by
content.

A sentence-transformers folder says how it pools (``modules.json``, ``1_Pooling/config.json``,
``sentence_bert_config.json``): all-MiniLM-L6-v2 takes the mean of the token states under the
attention mask, L2-normalised, over at most 256 tokens. A plain transformers folder has none of
these files and gets mean pooling without normalisation, truncated at the recipe's length.

Embeddings are cached like checkpoints (:class:`~emobench_core.cache.CheckpointCache`): the key
is the encoder's content hash (the bytes of its weights, config and tokenizer files), the
texts' fingerprint and the pooling, so the same texts through the same encoder are embedded
once, whichever command asks (``emobench run``, ``mteb-protocol``, ``efficiency``).

    emobench run --models minilm-l6-frozen --output runs/
"""

from __future__ import annotations

import hashlib
import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from emobench_core.cache import CheckpointCache
from emobench_core.errors import RegistryError
from emobench_core.models.loading import load_tokenizer

EMBEDDINGS_FILE = "embeddings.npy"
TIMING_FILE = "timing.json"
POOLING_MODES = ("mean", "cls", "max")
_ST_POOLING = {
    "pooling_mode_mean_tokens": "mean",
    "pooling_mode_cls_token": "cls",
    "pooling_mode_max_tokens": "max",
}


@dataclass(frozen=True)
class Pooling:
    """How token states become one sentence vector.

    Attributes:
        mode: ``mean`` (over the attention mask), ``cls`` or ``max``.
        normalize: L2-normalise the pooled vector (sentence-transformers' ``Normalize``).
        max_length: Tokens kept per text (the encoder's ``max_seq_length``).
        source: Where the settings were read (``sentence-transformers config`` or ``default``).
    """

    mode: str = "mean"
    normalize: bool = False
    max_length: int = 128
    source: str = "default"

    def __post_init__(self) -> None:
        if self.mode not in POOLING_MODES:
            raise ValueError(f"`pooling.mode` ({self.mode!r}) must be one of {POOLING_MODES}")
        if self.max_length < 1:
            raise ValueError(f"`pooling.max_length` ({self.max_length}) must be >= 1")

    def key(self) -> dict[str, Any]:
        """What changes the vectors (the cache key's part): not where it was read."""
        return {"mode": self.mode, "normalize": self.normalize, "max_length": self.max_length}


def read_pooling(folder: str | Path, default_max_length: int = 128) -> Pooling:
    """The pooling the encoder in ``folder`` declares (sentence-transformers files), else mean
    pooling without normalisation at ``default_max_length`` tokens.

    Raises:
        RegistryError: A pooling emobench does not implement (e.g. several modes concatenated).
    """
    folder = Path(folder)
    modules_file = folder / "modules.json"
    if not modules_file.is_file():
        return Pooling("mean", False, default_max_length, "default (no modules.json)")
    modules = json.loads(modules_file.read_text(encoding="utf-8"))
    types = [str(m.get("type", "")) for m in modules]
    normalize = any(t.endswith(".Normalize") for t in types)
    mode = "mean"
    pooling_dir = next((m.get("path", "") for m in modules if m["type"].endswith(".Pooling")), None)
    if pooling_dir is not None:
        config = json.loads((folder / pooling_dir / "config.json").read_text(encoding="utf-8"))
        modes = [m for k, m in _ST_POOLING.items() if config.get(k)]
        others = [k for k, v in config.items() if k.startswith("pooling_mode") and v]
        if len(modes) != 1 or len(others) != 1:
            raise RegistryError(
                f"{folder / pooling_dir / 'config.json'} asks for pooling {others or 'none'}; "
                "emobench embeds with exactly one of mean, cls or max"
            )
        mode = modes[0]
    max_length = default_max_length
    st_config = folder / "sentence_bert_config.json"
    if st_config.is_file():
        value = json.loads(st_config.read_text(encoding="utf-8")).get("max_seq_length")
        max_length = int(value) if value else default_max_length
    return Pooling(mode, normalize, max_length, "sentence-transformers config")


_HASHES: dict[tuple[str, int, int], str] = {}


def _file_sha256(path: Path) -> str:
    stat = path.stat()
    key = (str(path.resolve()), stat.st_size, stat.st_mtime_ns)
    if key not in _HASHES:
        h = hashlib.sha256()
        with path.open("rb") as fh:
            for chunk in iter(lambda: fh.read(1 << 20), b""):
                h.update(chunk)
        _HASHES[key] = h.hexdigest()
    return _HASHES[key]


def content_hash(folder: str | Path) -> str:
    """SHA-256 over the relative name and bytes of every file in ``folder`` that can change
    what it embeds (all but docs and hidden files): weights, config, tokenizer, pooling."""
    folder = Path(folder)
    h = hashlib.sha256()
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder).as_posix()
        if (
            not path.is_file()
            or path.suffix == ".md"
            or any(p.startswith(".") for p in rel.split("/"))
        ):
            continue
        h.update(f"{rel}\0{_file_sha256(path)}\n".encode())
    return h.hexdigest()


def texts_fingerprint(texts: Sequence[str]) -> str:
    """SHA-256 of the texts, in order (one JSON string per line)."""
    h = hashlib.sha256()
    for t in texts:
        h.update(json.dumps(t, ensure_ascii=False).encode() + b"\n")
    return h.hexdigest()


@dataclass(frozen=True)
class Encoder:
    """A loaded frozen encoder: the transformers model (eval mode), its tokenizer, its pooling,
    the folder it was read from and that folder's :func:`content_hash`."""

    model: Any
    tokenizer: Any
    pooling: Pooling
    folder: str
    content: str
    device: str = "cpu"

    def tokenize(self, texts: list[str]) -> Any:
        enc = self.tokenizer(
            texts,
            truncation=True,
            max_length=self.pooling.max_length,
            padding=True,
            return_tensors="pt",
        )
        return enc.to(self.device)

    def pooled(self, enc: Any) -> Any:
        """The pooled (and, if asked, normalised) vectors of one tokenized batch (a tensor)."""
        import torch

        with torch.inference_mode():
            hidden = self.model(**enc).last_hidden_state
            mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            if self.pooling.mode == "cls":
                out = hidden[:, 0]
            elif self.pooling.mode == "max":
                out = hidden.masked_fill(mask == 0, float("-inf")).max(dim=1).values
            else:
                out = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            if self.pooling.normalize:
                out = torch.nn.functional.normalize(out, p=2, dim=1)
        return out


def load_encoder(
    folder: str | Path, *, device: str = "cpu", default_max_length: int = 128
) -> Encoder:
    """The encoder in ``folder`` (fp32, eval mode), with the pooling it declares."""
    import torch
    from transformers import AutoModel

    folder = Path(folder)
    pooling = read_pooling(folder, default_max_length)
    model = AutoModel.from_pretrained(str(folder), dtype=torch.float32).eval().to(device)
    fix = "pass a folder with the encoder and its tokenizer"
    tokenizer = load_tokenizer(str(folder), what=f"the tokenizer of {folder.name}", fix=fix)
    return Encoder(model, tokenizer, pooling, str(folder), content_hash(folder), device)


def embed(encoder: Encoder, texts: Sequence[str], batch_size: int = 64) -> np.ndarray:
    """``[len(texts), dim]`` float32 sentence vectors (batches of similar length; input order)."""
    order = np.argsort([len(t) for t in texts], kind="stable")
    out: np.ndarray | None = None
    for start in range(0, len(texts), batch_size):
        idx = order[start : start + batch_size]
        vectors = encoder.pooled(encoder.tokenize([texts[i] for i in idx])).float().cpu().numpy()
        if out is None:
            out = np.zeros((len(texts), vectors.shape[1]), dtype=np.float32)
        out[idx] = vectors
    if out is None:
        raise ValueError("no texts to embed")
    return out


def embedding_key(encoder: Encoder, texts: Sequence[str]) -> dict[str, Any]:
    """The cache key's parts of ``texts`` embedded by ``encoder``."""
    return {
        "kind": "embeddings",
        "encoder": encoder.content,
        "texts": texts_fingerprint(texts),
        "rows": len(texts),
        "pooling": encoder.pooling.key(),
        "dtype": "float32",
    }


_MEMO: dict[tuple[str, str], dict[str, np.ndarray]] = {}
"""Vectors this process computed or loaded, per (encoder content, pooling): text -> vector. A
subset of texts already embedded (the efficiency curve's nested subsets) costs no forward pass."""


def _memo(encoder: Encoder) -> dict[str, np.ndarray]:
    return _MEMO.setdefault((encoder.content, json.dumps(encoder.pooling.key())), {})


def _embed_memo(encoder: Encoder, texts: Sequence[str], batch_size: int) -> np.ndarray:
    memo = _memo(encoder)
    missing = list(dict.fromkeys(t for t in texts if t not in memo))
    if missing:
        memo.update(zip(missing, embed(encoder, missing, batch_size), strict=True))
    return np.stack([memo[t] for t in texts]) if texts else np.zeros((0, 0), dtype=np.float32)


def cached_embeddings(
    cache: CheckpointCache | None, encoder: Encoder, texts: Sequence[str], batch_size: int = 64
) -> tuple[np.ndarray, bool, float]:
    """``(vectors, hit, seconds)``: the embeddings of ``texts``, from ``cache`` when it holds
    them (``hit``), else computed (and stored there); ``seconds`` is what computing them took
    when they were made (recorded in the entry), so a cost stays honest on a hit."""
    if cache is None:
        start = time.perf_counter()
        vectors = _embed_memo(encoder, texts, batch_size)
        return vectors, False, time.perf_counter() - start

    def build(staging: Path) -> None:
        start = time.perf_counter()
        vectors = _embed_memo(encoder, texts, batch_size)
        seconds = time.perf_counter() - start
        np.save(staging / EMBEDDINGS_FILE, vectors)
        (staging / TIMING_FILE).write_text(
            json.dumps({"seconds": seconds, "device": encoder.device})
        )

    entry, hit = cache.get_or_build(embedding_key(encoder, texts), build)
    seconds = float(json.loads((entry / TIMING_FILE).read_text())["seconds"])
    vectors = np.load(entry / EMBEDDINGS_FILE)
    if hit:
        _memo(encoder).update(zip(texts, vectors, strict=True))
    return vectors, hit, seconds
