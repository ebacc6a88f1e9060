"""Fail-fast checks of a command's whole selection, before torch is imported and before the
first model trains: output paths, model names, seeds, device, weight sources, the vocab and the
data folder. Each failure is one :class:`~emobench_core.errors.EmobenchError` line (exit 2).

    emobench run --models bert-tiny,bert-tinyy     # refused in a second, nothing trained
    emobench train --model bert-tiny --output .    # refused: a folder train did not write

Light on purpose: nothing here imports torch, transformers or datasets.
"""

from __future__ import annotations

import argparse
import ctypes.util
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emobench_core.cache import default_cache_dir
from emobench_core.errors import RegistryError, UsageError
from emobench_core.outputs import Guard, protected_paths

if TYPE_CHECKING:
    from emobench_core.data.source import DataRequest
    from emobench_core.models.spec import ModelSpec

PRETRAINED = "pretrained"


def data_dir_of(request: DataRequest) -> Path | None:
    """The local data folder a request reads (``--data-dir`` or ``$EMOBENCH_DATA_DIR``)."""
    from emobench_core.data.source import as_source

    folder = as_source(request).resolved().data_dir
    return Path(folder).expanduser() if folder else None


def cache_dir_of(ns: argparse.Namespace) -> Path:
    """The checkpoint cache of ``--cache-dir`` (default ``$EMOBENCH_CACHE_DIR`` or ~/.cache)."""
    return Path(getattr(ns, "cache_dir", None) or default_cache_dir()).expanduser()


def guard(
    ns: argparse.Namespace,
    command: str,
    *,
    data: DataRequest | None = None,
    cache: bool = True,
    inputs: Iterable[tuple[str, str | Path | None]] = (),
) -> Guard:
    """The output guard of a command: its ``--overwrite``, inputs, data folder and cache."""
    data_dir = data_dir_of(data) if data is not None else None
    return Guard.of(
        command,
        overwrite=bool(getattr(ns, "overwrite", False)),
        inputs=inputs,
        protected=protected_paths(data_dir, cache_dir_of(ns) if cache else None),
    )


def model_inputs(specs: Iterable[ModelSpec]) -> list[tuple[str, str | Path | None]]:
    """The local model folders of ``specs``, as guard inputs."""
    return [("model folder", s.source) for s in specs if Path(s.source).is_dir()]


def check_device(device: str) -> None:
    """``--device cuda`` on a machine without the CUDA driver is refused without importing torch
    (the driver library is looked for); where it exists, torch decides later."""
    if device == "cuda" and ctypes.util.find_library("cuda") is None:
        raise UsageError(
            "--device cuda was given but this machine has no CUDA device "
            "torch can use (no CUDA driver found); drop --device (CPU is the default)"
        )


def check_vocab(vocab_dir: str | Path | None) -> None:
    """The bert-base-uncased vocab a random init needs: the folder given must hold it; from the
    hub, offline, the local HF cache must."""
    from emobench_core.hub import offline_mode
    from emobench_core.models.loading import (
        VOCAB_FIX,
        VOCAB_HUB_ID,
        VOCAB_WHAT,
        resolve_vocab_dir,
    )

    if resolve_vocab_dir(vocab_dir) != VOCAB_HUB_ID or not offline_mode("HF_HUB_OFFLINE"):
        return  # a folder (checked by resolve_vocab_dir), or the hub: the loader asks it
    from huggingface_hub import try_to_load_from_cache

    if not isinstance(try_to_load_from_cache(VOCAB_HUB_ID, "vocab.txt"), str):
        raise RegistryError(  # the loader's own words (models.loading.load_tokenizer)
            f"cannot fetch {VOCAB_WHAT} ({VOCAB_HUB_ID}) from the Hugging Face hub "
            f"(HF_HUB_OFFLINE={os.environ['HF_HUB_OFFLINE']} is set) and it is not in the "
            f"local cache; {VOCAB_FIX}"
        )


def check_weights(specs: Sequence[tuple[ModelSpec, str]], vocab_dir: str | Path | None) -> None:
    """Every model's weight source, before the first one trains: pretrained weights within
    reach (hub, local folder or copy), the vocab for random init.

    Raises:
        RegistryError: one line naming the model and the way out.
    """
    from emobench_core.models.backends.capabilities import RANDOM_INIT, supports
    from emobench_core.models.loading import pretrained_source
    from emobench_core.models.registry import backend_for

    vocab = False
    for spec, init in specs:
        if not supports(backend_for(spec), RANDOM_INIT):
            continue
        if init == PRETRAINED:
            pretrained_source(spec)
            check_local_model(spec)
        else:
            vocab = True
    if vocab:
        check_vocab(vocab_dir)


def check_local_model(spec: ModelSpec) -> None:
    """A local model folder must hold a config and weights transformers reads; refused here,
    in one line, before torch loads."""
    from emobench_core.models.snapshot import WEIGHT_FILES

    folder = Path(spec.source)
    if not folder.is_dir():
        return
    fix = "pass a folder written by `save_pretrained` (config.json, model.safetensors, tokenizer)"
    if not (folder / "config.json").is_file():
        raise RegistryError(
            f"model folder {folder} has no config.json, so it is not a transformers "
            f"checkpoint; {fix}"
        )
    if not any((folder / name).is_file() for name in WEIGHT_FILES):
        raise RegistryError(
            f"model folder {folder} has no weights transformers reads ({', '.join(WEIGHT_FILES)}"
            f"); {fix}"
        )


def check_data(request: DataRequest) -> None:
    """A local data folder exists, holds the splits, and its files can be read."""
    from emobench_core.data.files import fix_source, split_files

    folder = data_dir_of(request)
    if folder is None:
        return
    fix = fix_source(request.text_column, request.label_column)
    for path in [folder, *split_files(folder, fix).values(), folder / "labels.txt"]:
        if path.exists() and not os.access(path, os.R_OK | (os.X_OK if path.is_dir() else 0)):
            from emobench_core.errors import DataError

            raise DataError(
                f"{path} cannot be read (no permission); fix its permissions (chmod u+r) or "
                "pass a copy you can read with --data-dir"
            )


def resolved_inits(cases: Iterable[tuple[ModelSpec, str]]) -> list[tuple[ModelSpec, str]]:
    """``(spec, init)`` with ``auto`` resolved the way the run will resolve it."""
    from emobench_core.models.registry import resolve_init

    return [(spec, resolve_init(spec, init)) for spec, init in cases]


def check_benchmark(config: Any) -> None:
    """Every case of a :class:`~emobench_core.scenarios.benchmark.BenchmarkConfig` (students
    and teachers): device, data folder, weight sources; before anything trains."""
    from emobench_core.models.registry import get_spec

    check_device(config.device)
    check_data(config.data)
    pairs = []
    for case in config.cases:
        pairs.append((get_spec(case.model), case.init))
        if case.teacher:
            pairs.append((get_spec(case.teacher), case.teacher_init))
    check_weights(resolved_inits(pairs), config.vocab_dir)
