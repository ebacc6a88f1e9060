"""The SVM row's file: the fitted pipeline in skops' format (``model.skops``, the Hub's format
for scikit-learn), byte-reproducible, and loaded with skops' default trusted types only, so
loading it runs no code from the file; a pickle (the ``model.joblib`` of older entries) is
refused, never unpickled.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from emobench_core.errors import RegistryError

MODEL_FILE = "model.skops"
PICKLED_FILE = "model.joblib"
"""What entries written before skops held: a pickle, refused by :func:`load_pipeline`."""
CONFIG_FILE = "config.json"
SKOPS_FORMAT = "skops"


def save_pipeline(pipe: Any, path: str | Path) -> Path:
    """Write the fitted ``pipe`` to ``path`` in skops' format (no pickle), deflate-compressed and
    byte-reproducible.

    The vectorizer's ``stop_words_`` (every term ``min_df``/``max_features`` dropped; scikit-learn:
    "only for introspection and can be safely removed") is dropped first: kept, it made the
    file 85 MB instead of 9 MB, which the regression gate's size check caught. skops names
    objects (``__id__``, array files) by their ``id()`` in the writing process, so two runs of
    one fit gave files of different sizes: they are renumbered in order of appearance, and the
    zip entries get fixed timestamps. This is ``skops.io.dump`` (its state tree, from skops'
    own ``get_state``) with the renumbering done before anything is written and the schema
    written compact: indented, the full-data schema took 4 s to encode, twice."""
    import zipfile

    import skops
    from skops.io._utils import SaveContext, get_state

    for _, step in getattr(pipe, "steps", []):
        if getattr(step, "stop_words_", None) is not None:
            step.stop_words_ = None
        if hasattr(step, "_stop_words_id"):  # id() of a list: a memo, re-made on first use
            del step._stop_words_id
    files = _Files()
    context = SaveContext(zip_file=files)
    state = get_state(pipe, context)
    context.clear_memo()
    state["protocol"] = context.protocol
    state["_skops_version"] = skops.__version__
    renamed = _renumbered(state, files.data)
    renamed["schema.json"] = json.dumps(state, separators=(",", ":")).encode()
    with zipfile.ZipFile(path, "w") as zf:
        for name in sorted(renamed):
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, renamed[name])
    return Path(path)


class _Files:
    """What skops' ``get_state`` writes to its zip file (arrays), kept until renumbered."""

    def __init__(self) -> None:
        self.data: dict[str, bytes] = {}

    def namelist(self) -> list[str]:
        return list(self.data)

    def writestr(self, name: str, data: Any) -> None:
        self.data[name] = bytes(data)


def _renumbered(schema: Any, files: dict[str, bytes]) -> dict[str, bytes]:
    """Renumber ``schema``'s object ids (in place) and the array files named by them, in
    order of appearance; returns the files under their new names."""
    ids: dict[int, int] = {}
    seen: set[int] = set()  # a node skops shares between two places is renumbered once

    def renumber(old: int) -> int:
        return ids.setdefault(old, len(ids) + 1)

    def renamed(name: str) -> str:  # "<id>.npy" -> "<new id>.npy"; other names stay
        return f"{renumber(int(name[:-4]))}{name[-4:]}" if name[:-4].isdigit() else name

    def walk(node: Any) -> None:
        seen.add(id(node))
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in list(items):
            if key == "__id__" and isinstance(value, int):
                node[key] = renumber(value)
            elif key == "file" and isinstance(value, str):
                node[key] = renamed(value)
            elif isinstance(value, dict | list | tuple) and id(value) not in seen:
                walk(value)

    walk(schema)
    return {renamed(name): data for name, data in files.items()}


def load_pipeline(path: str | Path) -> Any:
    """The pipeline skops wrote to ``path``, loaded with skops' default trusted types only.

    Raises:
        RegistryError: ``path`` is missing where a pickled ``model.joblib`` lies beside it
            (never unpickled: unpickling runs code from the file), or the file holds a type
            skops does not trust by default, or is no skops file.
        FileNotFoundError: there is no model file at all.
    """
    import zipfile

    import skops.io as sio
    from skops.io.exceptions import UntrustedTypesFoundException

    path = Path(path)
    if not path.is_file():
        if (path.parent / PICKLED_FILE).is_file():
            raise RegistryError(
                f"{path.parent} holds a pickled SVM ({PICKLED_FILE}, written before emobench "
                "saved it with skops); it is not loaded, since unpickling runs code from the "
                "file: re-run the SVM (`emobench run --models tfidf-svm`, whose cache key now "
                f"names the format, retrains it as {MODEL_FILE}), use that run, and delete "
                f"{path.parent}"
            )
        raise FileNotFoundError(
            f"no {MODEL_FILE} in {path.parent}; pass a folder written by `emobench export` or "
            "`emobench train --model tfidf-svm`"
        )
    try:
        return sio.load(path)
    except UntrustedTypesFoundException as exc:
        raise RegistryError(
            f"{path} holds types skops does not trust by default ({exc}); it was not loaded: "
            "use a model file written by emobench"
        ) from exc
    except (OSError, ValueError, KeyError, zipfile.BadZipFile) as exc:  # not skops, or broken
        raise RegistryError(f"{path} is not a readable skops file ({exc}); re-export it") from exc
