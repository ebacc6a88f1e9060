"""The model card (``README.md``) of an exported model, built with ``huggingface_hub``'s
``ModelCard``: YAML metadata (``model-index`` with the test accuracy and macro-F1, the licence,
``library_name``, ``pipeline_tag``) over text saying what the folder holds and its variants
(``onnx-int8/``), its intended use and limitations (:mod:`~emobench_core.report.card_notes`),
how the model was made (init, the effective recipe), what it scores per class (and its weakest
classes), what it costs (latency, size) and which emobench version and commit made it. Every
figure comes from the run's results JSON or from measuring the exported file
(:class:`~emobench_core.schema.export.Exported`); nothing is typed by hand, and no local path of
the machine that made it is written.

    emobench export results/cpu/bert-tiny-random-s42-89ce31e7.json --output shipped/bert-tiny
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from emobench_core.measure.environment import git_commit
from emobench_core.models.registry import backend_of_kind
from emobench_core.report.card_notes import (
    intended_use,
    licence,
    limitations,
    public_source,
    variants,
)
from emobench_core.report.tables import table
from emobench_core.schema.export import INT8, Exported
from emobench_core.schema.records import Metrics
from emobench_core.schema.run import NO_INIT, RunResult

TASK = "text-classification"
SPLIT = "test"


def emobench_version() -> str:
    """The installed emobench's version (the package's own where it is not installed)."""
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("emobench")
    except PackageNotFoundError:
        from emobench_core import __version__

        return __version__


def dataset(result: RunResult) -> tuple[str, str | None]:
    """``(id, config)`` of the run's dataset for ``model-index``: the hub id and its config
    (``ID:CONFIG``), or a local folder's name."""
    name, _, config = result.data.dataset.partition(":")
    return name, config or None


def weak_classes(metrics: Metrics) -> list[tuple[str, float]]:
    """The classes whose F1 is below the macro-F1, weakest first (at least the weakest one)."""
    ranked = sorted(((n, c.f1) for n, c in metrics.per_class.items()), key=lambda x: x[1])
    below = [(n, f1) for n, f1 in ranked if f1 < metrics.macro_f1]
    return below or ranked[:1]


def metadata(result: RunResult, item: Exported, *, license: str | None = None) -> dict[str, Any]:
    """The card's YAML metadata, as the Hub's ``ModelCardData`` writes it."""
    import yaml

    return dict(yaml.safe_load(card_data(result, item, license=license).to_yaml()))


def card_data(result: RunResult, item: Exported, *, license: str | None = None) -> Any:
    """The card's metadata, a ``huggingface_hub.ModelCardData``."""
    from huggingface_hub import EvalResult, ModelCardData

    dtype, config = dataset(result)
    common: dict[str, Any] = {
        "task_type": TASK,
        "dataset_type": dtype,
        "dataset_name": result.data.dataset,
        "dataset_config": config,
        "dataset_split": SPLIT,
    }
    m = item.metrics
    return ModelCardData(
        model_name=title(result, item),
        license=license,
        library_name=item.library_name,
        pipeline_tag=TASK,
        base_model=base_model(result),
        datasets=[dtype] if "/" in dtype else None,  # a hub id (owner/name)
        metrics=["accuracy", "f1"],
        tags=["emobench", result.model.kind, f"init-{result.model.init}", item.variant],
        eval_results=[
            EvalResult(**common, metric_type="accuracy", metric_value=m.accuracy),
            EvalResult(
                **common,
                metric_type="f1",
                metric_name="macro-F1",
                metric_config="macro",
                metric_value=m.macro_f1,
            ),
        ],
    )


def base_model(result: RunResult) -> str | None:
    """The hub id a pretrained model was fine-tuned from (``None``: random init, a fit from the
    data alone, or weights from a local folder, whose path stays on its machine)."""
    source = result.model.source
    if result.model.init != "pretrained" or public_source(source) != source:
        return None
    return source


def title(result: RunResult, item: Exported) -> str:
    init = "" if result.model.init == NO_INIT else f"{result.model.init} init, "
    base = f"{result.model.name} ({init}seed {result.seed}) on {dataset(result)[0]}"
    return base if item.variant != INT8 else f"{base}, ONNX Runtime int8"


def _use(result: RunResult, item: Exported) -> list[str]:
    if item.variant == INT8:
        return [
            "```python",
            "import numpy as np, onnxruntime as ort",
            "from transformers import AutoConfig, AutoTokenizer",
            'tok, cfg = AutoTokenizer.from_pretrained("DIR"), AutoConfig.from_pretrained("DIR")',
            'session = ort.InferenceSession("DIR/model.onnx")',
            'enc = tok(["i feel happy"], return_tensors="np", padding=True, truncation=True)',
            "names = [i.name for i in session.get_inputs()]",
            'logits = session.run(["logits"], {n: enc[n].astype(np.int64) for n in names})[0]',
            "print(cfg.id2label[int(logits.argmax(-1)[0])])",
            "```",
        ]
    if item.library_name == "sklearn":
        return [
            "```python",
            "import json, skops.io",
            'pipe = skops.io.load("DIR/model.skops")  # default trusted types only: no pickle',
            'id2label = json.load(open("DIR/config.json"))["id2label"]',
            'print(id2label[str(pipe.predict(["i feel happy"])[0])])',
            "```",
        ]
    return [
        "```python",
        "from transformers import pipeline",
        'classifier = pipeline("text-classification", model="DIR", truncation=True)',
        "print(classifier(\"i feel happy\"))  # [{'label': ..., 'score': ...}]",
        "```",
    ]


def _scores(result: RunResult, item: Exported) -> list[str]:
    m = item.metrics
    rows = [["accuracy", f"{m.accuracy:.4f}"], ["macro-F1", f"{m.macro_f1:.4f}"]]
    rows.append(["weighted F1", f"{m.weighted_f1:.4f}"])
    if item.agreement is not None:
        rows.append(["agreement with the fp32 model", f"{item.agreement:.2%} of predictions"])
        delta = (m.accuracy - result.metrics.accuracy) * 100
        rows.append(["accuracy change against the fp32 model", f"{delta:+.2f} points"])
    per_class = [
        [n, f"{c.f1:.4f}", f"{c.precision:.4f}", f"{c.recall:.4f}", str(c.support)]
        for n, c in m.per_class.items()
    ]
    weak = ", ".join(f"`{n}` (F1 {f1:.4f})" for n, f1 in weak_classes(m))
    return [
        f"On the {SPLIT} split of {result.data.dataset} ({public_source(result.data.source)}; "
        f"{m.n} texts, "
        f"{len(m.per_class)} classes):",
        "",
        table(["metric", "value"], rows),
        "",
        table(["class", "F1", "precision", "recall", "support"], per_class),
        "",
        f"Known weak classes (F1 below the macro-F1 of {m.macro_f1:.4f}, weakest first): {weak}.",
    ]


def _costs(result: RunResult, item: Exported) -> list[str]:
    lat, e = item.latency_b1, result.efficiency
    where = f"{item.device}, {item.threads} threads ({item.hardware})"
    rows = [
        ["batch-1 latency p50 / p90", f"{lat.p50_ms:.2f} / {lat.p90_ms:.2f} ms ({lat.n} calls)"],
        ["measured on", where],
        ["weights on disk", f"{item.weights_bytes / 1e6:.2f} MB"],
    ]
    if item.variant != INT8:
        rows.insert(1, ["tokenizer / vectorizer p50", f"{e.tokenizer_b1.p50_ms:.3f} ms"])
        rows.insert(2, ["throughput at batch 32", f"{e.throughput_b32:.0f} texts/s"])
        rows.append(["parameters", f"{result.model.params_total:,} total"])
    return [
        "The model call alone, on pre-tokenized test texts (tokenizing is timed apart), "
        "as `emobench run` measures it:",
        "",
        table(["cost", "value"], rows),
    ]


def _training(result: RunResult) -> list[str]:
    backend = backend_of_kind(result.model.kind)
    fields = backend.recipe_fields
    recipe = {k: v for k, v in result.recipe.items() if fields is None or k in fields}
    init = {
        "pretrained": f"pretrained weights from {public_source(result.model.source)}",
        "random": "random init: the architecture of "
        f"{public_source(result.model.source.split(':', 1)[-1])} with weights drawn from seed "
        f"{result.seed}",
    }.get(result.model.init, "no pretrained weights (fitted from the data alone)")
    t, d = result.training, result.data
    lines = [
        f"- Model: {result.model.description} ({result.model.kind}); {init}.",
        f"- Data: {d.dataset} ({public_source(d.source)}), rows "
        f"{', '.join(f'{k} {v}' for k, v in d.rows.items())}; "
        f"fingerprint `{d.fingerprint[:12]}`; filters: {', '.join(d.filters) or 'none'}; "
        f"class names from {d.labels_source}; validation: {d.validation}.",
        f"- Training: {t.epochs_run} {backend.budget_unit}, the "
        f"best on validation macro-F1 kept (#{t.best_epoch}, {t.best_val_macro_f1:.4f}); "
        f"{t.wall_s:.0f} s on {t.device}; {_hyper(t.hyperparameters)}.",
    ]
    if result.distillation is not None:
        kd = result.distillation
        lines.append(
            f"- Distilled from {kd.teacher} ({kd.teacher_init}), alpha {kd.alpha}, "
            f"temperature {kd.temperature}."
        )
    rows = [[k, f"`{v}`"] for k, v in recipe.items()]
    note = {
        "random": " (a random init trains with `epochs_random` and `learning_rate_random`)",
        "pretrained": " (pretrained weights train with `epochs` and `learning_rate`)",
    }.get(result.model.init, "")
    return [*lines, "", f"The effective recipe{note}:", "", table(["field", "value"], rows)]


def _hyper(values: dict[str, float]) -> str:
    return ", ".join(f"{k} {v:g}" for k, v in values.items()) or "no hyperparameter selected"


def model_card(
    result: RunResult,
    item: Exported,
    shipped: Sequence[Exported] = (),
    *,
    license: str | None = None,
) -> str:
    """The ``README.md`` of one exported folder (``item``) of ``result``'s model, among the
    folders ``shipped`` together (the model's card names its variants). ``license``: a Hub
    licence id overriding the registry's (``ModelSpec.license``)."""
    from huggingface_hub import ModelCard

    chosen, licence_line = licence(result, license)
    meta = card_data(result, item, license=chosen)
    env = result.environment
    what = (
        "the ONNX Runtime dynamic int8 quantization of the fine-tuned model (int8 weights, "
        "activations quantized at run time), measured at export on the run's test split"
        if item.variant == INT8
        else "the fine-tuned model as its run measured it"
    )
    body = [
        f"# {title(result, item)}",
        "",
        f"A {len(result.labels)}-class text classifier ({', '.join(result.labels)}) trained by "
        f"emobench; this folder holds {what}.",
        "",
        *variants(item, shipped),
        "## Use",
        "",
        *_use(result, item),
        "",
        "## Intended use",
        "",
        *intended_use(result),
        "",
        "## Limitations",
        "",
        *limitations(result, item),
        "",
        "## Evaluation",
        "",
        *_scores(result, item),
        "",
        "## Costs",
        "",
        *_costs(result, item),
        "",
        "## Training",
        "",
        *_training(result),
        "",
        "## Licence",
        "",
        licence_line,
        "",
        "## Provenance",
        "",
        f"- emobench {emobench_version()}; exported at commit "
        f"`{git_commit(Path(__file__).parent) or 'unknown'}`.",
        f"- Run `{result.run_id}` ({result.created_at}), trained at commit "
        f"`{env.get('git_commit') or 'unknown'}` with torch {env.get('torch', '—')}, "
        f"transformers {env.get('transformers', '—')}, scikit-learn "
        f"{env.get('scikit_learn', '—')}; checkpoint-cache entry `{env.get('cache_entry')}`.",
        f"- Files: {', '.join(f'`{f}`' for f in item.files)}.",
        "",
    ]
    card = ModelCard(f"---\n{meta.to_yaml()}\n---\n\n" + "\n".join(body))
    return str(card)
