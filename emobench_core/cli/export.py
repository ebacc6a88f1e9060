"""``emobench export``: ship a run's model as a folder ``transformers.pipeline`` loads (the SVM:
a skops file), with a model card, and its ONNX Runtime int8 variant in ``onnx-int8/``.

    emobench export results/cpu/bert-tiny-random-s42-89ce31e7.json --output shipped/bert-tiny
    emobench export runs/tfidf-svm-n_a-s42-*.json --cache-dir ~/.cache/emobench --output shipped/svm
"""

from __future__ import annotations

import argparse
import logging
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from emobench_core.cli.options import (
    add_data_arguments,
    add_latency_rule_arguments,
    bad_input,
    checkpoint_cache,
    data_request,
    latency_rule,
)
from emobench_core.errors import ExportError
from emobench_core.hub import offline_mode

if TYPE_CHECKING:
    from emobench_core.cache import CheckpointCache
    from emobench_core.measure.latency import LatencySettings
    from emobench_core.schema.export import Exported
    from emobench_core.schema.run import RunResult

log = logging.getLogger("emobench")


def add_parser(subparsers: Any) -> argparse.ArgumentParser:
    p: argparse.ArgumentParser = subparsers.add_parser(
        "export",
        help="ship a run's model: a folder transformers.pipeline loads, a model card, ONNX int8",
        description="Write the model a results JSON names (its checkpoint-cache entry) as a "
        "folder that transformers.pipeline loads with named labels (the SVM: skops), with a "
        "model card (README.md), and its ONNX Runtime int8 variant in onnx-int8/.",
    )
    p.add_argument("run_json", type=Path, metavar="RUN_JSON", help="results JSON of the run")
    p.add_argument(
        "--output",
        required=True,
        type=Path,
        help="folder to write (an earlier export there is replaced; required)",
    )
    p.add_argument(
        "--cache-dir",
        default=None,
        help="checkpoint cache that holds the run's entry; default: $EMOBENCH_CACHE_DIR or "
        "~/.cache/emobench",
    )
    add_data_arguments(p, filters=False)  # the run's own filters apply
    p.add_argument(
        "--no-onnx",
        action="store_true",
        help="skip the ONNX Runtime int8 variant (measured on the run's test split, so it "
        "needs the run's data); default: written when the onnx extra is installed",
    )
    p.add_argument(
        "--license",
        default=None,
        help="the cards' license (a Hub licence id, e.g. mit); default: the model registry's "
        "(`emobench models`), none for a model given by hub id or folder",
    )
    p.add_argument(
        "--push-to-hub",
        default=None,
        metavar="REPO",
        help="then upload the exported folder, card included, to this hub model repository "
        "(owner/name; created if missing; needs a token that may write: `hf auth login` or "
        "HF_TOKEN); default: no upload",
    )
    add_latency_rule_arguments(p)
    p.set_defaults(func=export)
    return p


def onnx_available() -> bool:
    """Whether the onnx extra imports; if not, say that the int8 variant is skipped."""
    from emobench_core.errors import MissingExtraError
    from emobench_core.models.export import require_extra

    try:
        require_extra()
    except MissingExtraError as exc:
        log.warning("not writing the ONNX int8 variant: %s", exc)
        return False
    return True


def save_model(
    result: RunResult,
    cache: CheckpointCache,
    output: Path,
    *,
    source: str | Path = "",
    data: Callable[[], Any] | None = None,
    onnx: bool = True,
    settings: LatencySettings | None = None,
    license: str | None = None,
) -> list[Exported]:
    """Export ``result``'s model from ``cache`` to ``output``, with a card per folder (what
    ``emobench export`` and ``emobench run --save-models`` do)."""
    from emobench_core.measure.latency import LatencySettings
    from emobench_core.report.card import model_card
    from emobench_core.scenarios.export import export_model, find_entry

    entry = find_entry(result, cache, source)
    return export_model(
        result,
        entry,
        output,
        card=lambda item, shipped: model_card(result, item, shipped, license=license),
        data=data,
        onnx=onnx and onnx_available(),
        settings=settings or LatencySettings(),
    )


def run_data(ns: argparse.Namespace, result: RunResult) -> Any:
    """The splits ``result`` was scored on, from the data options (with the run's filters and
    training-row cap)."""
    import dataclasses

    from emobench_core.data.loading import load_data

    on = set(result.data.filters)
    request = dataclasses.replace(
        data_request(ns),
        dedupe_train="dedupe-train" in on,
        drop_test_overlap="drop-test-overlap" in on,
    )
    return load_data(request, max_train_rows=result.data.max_train_rows)


def describe(output: Path, shipped: list[Exported]) -> list[str]:
    """One line per exported folder."""
    return [
        f"wrote {output / item.subfolder} ({item.variant}, {item.library_name}): accuracy "
        f"{item.metrics.accuracy:.4f}, macro-F1 {item.metrics.macro_f1:.4f}, "
        f"{item.weights_bytes / 1e6:.2f} MB, p50 {item.latency_b1.p50_ms:.2f} ms"
        for item in shipped
    ]


def push_folder(folder: Path, repo: str, *, message: str) -> str:
    """Upload every file of ``folder`` (an exported model, its card included) to the model
    repository ``repo`` on the hub (``HF_ENDPOINT``), creating it if needed; the commit's URL.

    Raises:
        ExportError: One line: what the hub answered and how to fix it (a token that may write).
    """
    from huggingface_hub import HfApi

    if offline_mode("HF_HUB_OFFLINE"):
        raise ExportError(f"cannot push to {repo}: HF_HUB_OFFLINE is set; unset it to upload")
    api = HfApi()
    try:
        api.create_repo(repo, exist_ok=True)
        info = api.upload_folder(folder_path=str(folder), repo_id=repo, commit_message=message)
    except Exception as exc:  # every hub, HTTP and network failure: one line, its cause
        first = (str(exc).splitlines() or [""])[0][:160]
        raise ExportError(
            f"could not push {folder} to model {repo} on the hub ({type(exc).__name__}: "
            f"{first}); check the id (owner/name) and log in with `hf auth login` or set "
            "HF_TOKEN to a token that may write to it"
        ) from exc
    return str(info.commit_url)


def export(ns: argparse.Namespace) -> int:
    from emobench_core.schema.run import load_result

    result = load_result(ns.run_json)
    with bad_input(OSError):  # an unwritable --output
        shipped = save_model(
            result,
            checkpoint_cache(ns),
            ns.output,
            source=ns.run_json,
            data=lambda: run_data(ns, result),
            onnx=not ns.no_onnx,
            settings=latency_rule(ns),
            license=ns.license,
        )
    print("\n".join(describe(ns.output, shipped)))
    if ns.push_to_hub:
        url = push_folder(ns.output, ns.push_to_hub, message=f"emobench export of {result.run_id}")
        print(f"pushed {ns.output} to {ns.push_to_hub}: {url}")
    return 0
