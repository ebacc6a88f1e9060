"""The prose sections of an exported model's card (:mod:`~emobench_core.report.card`): its
variants, intended use, limitations and licence, and how a source is named without a local
path of the machine that made it.

    emobench export results/cpu/bert-tiny-random-s42-89ce31e7.json --output shipped/bert-tiny
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import PurePosixPath

from emobench_core.models.registry import REGISTRY
from emobench_core.schema.export import INT8, Exported
from emobench_core.schema.run import RunResult

HUB_ID = re.compile(r"[A-Za-z0-9][\w.-]*(/[\w.-]+)?(@[\w.-]+)?")
"""A hub repository id (``owner/name``, or a bare name such as ``distilbert-base-uncased``),
with an optional ``@revision``."""
NOISY_LABELS = {
    "dair-ai/emotion": "its labels were assigned from the emotion hashtags the tweets carried "
    "(distant supervision: Saravia et al. 2018, CARER), so some are wrong: part of the error "
    "measured here is label noise, and the model has learned some of it."
}
"""Datasets whose labels are known to be noisy, and why."""


def public_source(source: str) -> str:
    """``source`` (a data or model source) as a card may name it: a hub id as is, in code
    quotes; a local folder (``local:PATH`` or a path) by its last name only."""
    kind, sep, rest = source.partition(":")
    if sep and kind == "local":
        return f"a local copy named `{PurePosixPath(rest).name or rest}`"
    if sep and kind == "hub":
        return f"`{rest}`"
    if HUB_ID.fullmatch(source) and not source.startswith("."):
        return f"`{source}`"
    return f"a local folder named `{PurePosixPath(source.replace(chr(92), '/')).name}`"


def variants(item: Exported, shipped: Sequence[Exported]) -> list[str]:
    """The model's other folders in this export (its int8 variant), with what each scores and
    costs; on a variant's own card, where the model it was made from is."""
    if item.subfolder:
        return [
            "It was made from the fine-tuned model in the folder above (`../`), whose card "
            "gives that model's figures.",
            "",
        ]
    others = [s for s in shipped if s.subfolder]
    if not others:
        return []
    lines = ["## Variants", ""]
    for o in others:
        what = (
            "the ONNX Runtime dynamic int8 quantization of this model"
            if o.variant == INT8
            else f"the `{o.variant}` variant"
        )
        agree = "" if o.agreement is None else f"; {o.agreement:.2%} of test predictions as here"
        lines.append(
            f"- `{o.subfolder}/` ({o.variant}): {what}: accuracy {o.metrics.accuracy:.4f}, "
            f"macro-F1 {o.metrics.macro_f1:.4f}{agree}; {o.weights_bytes / 1e6:.2f} MB, "
            f"batch-1 p50 {o.latency_b1.p50_ms:.2f} ms on {o.device}. Its own card: "
            f"`{o.subfolder}/README.md`."
        )
    return [*lines, ""]


def intended_use(result: RunResult) -> list[str]:
    """What the model is for, and what it is not for."""
    n = len(result.labels)
    return [
        "- Research and benchmarking: comparing compact text classifiers, and a baseline or "
        "starting point for one's own fine-tuning.",
        f"- Short English texts like those it was trained on ({result.data.dataset}), each "
        f"given one of its {n} classes.",
        "- Not for decisions about people (health, hiring, moderation, surveillance) without a "
        "person reviewing each one: see the limitations.",
    ]


def limitations(result: RunResult, item: Exported) -> list[str]:
    """What the model cannot do, from how it was made and what it scored."""
    n, dataset = len(result.labels), result.data.dataset
    lines = [
        f"- It knows {n} classes ({', '.join(result.labels)}) and gives every text one of "
        "them, a neutral or mixed one included.",
    ]
    if result.model.init == "random":
        rows = result.data.rows.get("train")
        lines.append(
            "- Random init: no pretrained weights. All it knows of language comes from the "
            f"{rows or 'training'} training texts of {dataset}; wording, topics or lengths "
            "unlike them will be misread more often than the test score suggests."
        )
    if "max_length" in result.recipe:
        lines.append(
            f"- Trained on texts cut to {result.recipe['max_length']} tokens; a longer text is "
            "truncated at the model's limit (`model_max_length` in tokenizer_config.json; pass "
            "`truncation=True` to the pipeline), so only its start counts."
        )
    if result.model.kind == "sklearn":
        lines.append(
            "- A bag of words and word pairs: no word order beyond pairs, and words not seen "
            "in training are ignored."
        )
    noise = NOISY_LABELS.get(dataset.partition(":")[0])
    lines.append(
        f"- {dataset}: {noise}"
        if noise
        else f"- Its scores are on {dataset}'s own labels: any noise in them is in these figures."
    )
    lines.append(
        f"- One training run (seed {result.seed}) on one test split of {item.metrics.n} texts: "
        "a difference of about a point from another model can be seed-to-seed variation; "
        "emobench's report gives intervals over seeds. Its weakest classes are under "
        "Evaluation."
    )
    if item.agreement is not None:
        lines.append(
            f"- Quantized: its predictions differ from the fp32 model's on "
            f"{1 - item.agreement:.2%} of the test texts."
        )
    return lines


def licence(result: RunResult, override: str | None) -> tuple[str | None, str]:
    """The card's licence (a Hub licence id, or ``None``) and the sentence that says where it
    comes from: ``--license``, else the registry's (``ModelSpec.license``), else none."""
    if override:
        return override, f"`{override}` (stated at export with `--license`)."
    spec = REGISTRY.get(result.model.name)
    if spec is not None and spec.kind == result.model.kind and spec.license:
        return spec.license, (
            f"`{spec.license}`, from emobench's model registry (`{spec.name}`: the licence of "
            f"what it is built from, {public_source(spec.source)}). The training data's own "
            f"terms apply as well: see the card of {result.data.dataset}. Pass `--license` at "
            "export to state another."
        )
    return None, (
        f"None stated: the licence of {public_source(result.model.source)} applies; pass "
        "`--license ID` (a Hub licence id) at export to state one."
    )
