"""CPU latency and inference memory of each architecture, measured on this machine.

Latency and memory of a transformer do not depend on its weight values, so each transformer is
built from its published config with random weights (no fine-tuned checkpoint needed) and timed
on the CPU with a pinned thread count; ``tfidf-svm`` is fitted on the training split (seconds).
Each model is measured in a fresh Python process, so its inference memory is its own: that
process's peak RSS minus its RSS before the model was loaded (imports and inputs excluded).

Every model is timed on the same test tweets: the first 64 at batch 1 (as ``emobench run`` does),
tweets at the 10th, 50th and 90th percentile of WordPiece length, and 8 batches of 32.

    emobench latency --models bert-tiny,bert-mini,bert-small,distilbert,minilm-l6,tfidf-svm \\
        --output results/latency-cpu.json
    emobench report --no-bench --results runs/ --latency results/latency-cpu.json
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict
from pathlib import Path
from typing import Any

from emobench_core.config import Recipe
from emobench_core.data.fingerprint import label_names
from emobench_core.data.loading import load_data
from emobench_core.data.source import DataRequest
from emobench_core.errors import ProbeError, RegistryError
from emobench_core.measure.environment import environment, git_commit
from emobench_core.measure.latency import LatencySettings, cpu_count, measure_latency, peak_rss_mb
from emobench_core.measure.memory import memory_baseline, proc_status_mb
from emobench_core.models.backends.capabilities import LATENCY_PROBE, RANDOM_INIT, supports
from emobench_core.models.backends.sklearn import save_pipeline
from emobench_core.models.loading import load_tokenizer, resolve_vocab_dir
from emobench_core.models.registry import backend_for, model_names, parse_models
from emobench_core.models.spec import ModelSpec
from emobench_core.scenarios.probe_texts import ProbeTexts, probe_texts
from emobench_core.schema.base import write_json_atomic
from emobench_core.schema.latency import (
    LatencyReport,
    ModelLatency,
)

__all__ = ["measure_model", "probe_models"]


def _rule(settings: LatencySettings) -> dict[str, Any]:
    return {
        "warmup": settings.warmup,
        "min_iters": settings.min_iters,
        "min_seconds": settings.min_seconds,
    }


def measure_model(
    spec: ModelSpec,
    texts: ProbeTexts,
    settings: LatencySettings,
    *,
    vocab_dir: str | Path | None = None,
    svm: Any = None,
    fresh_process: bool = False,
    labels: Sequence[str],
) -> ModelLatency:
    """Load ``spec`` (random weights with a head of ``len(labels)`` classes, or the fitted
    ``svm`` pipeline / its skops file) and time it on ``texts`` in this process, on the
    threads already set.

    Batch 1 (overall and by length) follows ``settings``; the tokenizer gets a quarter of its
    ``min_seconds``, batch 32 at most 3 warm-up and 10 timed calls and half of it.

    ``fresh_process``: this process exists for this measurement, so its peak memory may be
    reset first (see :func:`_memory_baseline`); otherwise the memory figure is a lower bound.
    """
    before, reset = memory_baseline(fresh_process)
    backend = backend_for(spec)
    model = backend.architecture(spec, labels, vocab_dir=vocab_dir, fitted=svm)
    total, non_embedding = backend.parameters(model)
    weights = backend.probe_weights

    def forward(batch: list[str], size: int) -> Callable[[int], Any]:
        return backend.forward(model, batch, size, texts.max_length, "cpu")

    def tokenize(text: str) -> Any:
        return backend.encode_one(model, text, texts.max_length)

    rule = _rule(settings)
    b1 = measure_latency(forward(texts.sample, 1), **rule)
    by_length = {k: measure_latency(forward(v, 1), **rule) for k, v in texts.by_length.items()}
    sample = texts.sample
    tok = measure_latency(
        lambda i: tokenize(sample[i % len(sample)]),
        warmup=settings.warmup,
        min_iters=settings.min_iters,
        min_seconds=settings.min_seconds / 4,
    )
    b32 = measure_latency(
        forward(texts.batch, 32),
        warmup=min(3, settings.warmup),
        min_iters=min(10, settings.min_iters),
        min_seconds=settings.min_seconds / 2,
    )
    after = (proc_status_mb("VmHWM") if reset else None) or peak_rss_mb()
    return ModelLatency(
        kind=spec.kind,
        params_total=total,
        params_non_embedding=non_embedding,
        b1=b1,
        b1_by_length=by_length,
        token_lengths=dict(texts.token_lengths),
        tokenizer_b1=tok,
        throughput_b32=32e3 / b32.p50_ms,
        inference_peak_rss_mb=max(0.0, after - before),
        process_peak_rss_mb=after,
        weights=weights,
    )


def _measure_isolated(job: dict[str, Any], workdir: Path) -> ModelLatency:
    """Run :func:`measure_model` for ``job`` in a fresh
    ``python -m emobench_core.scenarios.probe``."""
    name = job["name"]
    inputs, output = workdir / f"{name}.in.json", workdir / f"{name}.out.json"
    inputs.write_text(json.dumps(job), encoding="utf-8")
    root = str(Path(__file__).resolve().parents[2])  # the folder holding emobench_core
    path = os.pathsep.join(p for p in (root, os.environ.get("PYTHONPATH")) if p)
    env = {**os.environ, "PYTHONPATH": path, "TOKENIZERS_PARALLELISM": "false"}
    cmd = [sys.executable, "-m", "emobench_core.scenarios.probe", "--one", str(inputs), str(output)]
    proc = subprocess.run(cmd, env=env, capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not output.is_file():
        tail = "\n".join(proc.stderr.strip().splitlines()[-15:])
        raise ProbeError(
            f"measuring {name!r} in a subprocess failed (exit {proc.returncode}); re-run with "
            f"--in-process for the full traceback. Its stderr ended with:\n{tail}"
        )
    return ModelLatency.from_dict(json.loads(output.read_text(encoding="utf-8")))


def _preload(spec: ModelSpec) -> None:
    """Import the model's code and start torch's CPU runtime before the memory baseline: both
    are the same for every model of a family (about 100 MiB for BERT), not the model's cost."""
    import sklearn.feature_extraction.text  # noqa: F401
    import sklearn.svm  # noqa: F401
    import skops.io  # noqa: F401  how the fitted SVM reaches the subprocess
    import torch

    with torch.inference_mode():
        torch.nn.functional.gelu(torch.nn.Linear(64, 64)(torch.ones(8, 64))).softmax(-1)
    if supports(backend_for(spec), RANDOM_INIT) and spec.config is not None:
        from transformers import AutoConfig
        from transformers.models.auto.modeling_auto import (
            MODEL_FOR_SEQUENCE_CLASSIFICATION_MAPPING as CLASSES,
        )

        CLASSES[type(AutoConfig.for_model(spec.config["model_type"]))]  # imports its module


def _child(inputs: Path, output: Path) -> int:
    """The subprocess side of :func:`_measure_isolated`: pin threads, preload, then measure."""
    import torch

    job = json.loads(inputs.read_text(encoding="utf-8"))
    spec = parse_models([job["name"]])[0]
    torch.set_num_threads(job["threads"])
    _preload(spec)
    result = measure_model(
        spec,
        ProbeTexts(**job["texts"]),
        LatencySettings(**job["settings"]),
        vocab_dir=job["vocab_dir"],
        svm=job["svm"],
        fresh_process=True,
        labels=job["labels"],
    )
    write_json_atomic(output, result.to_dict())
    return 0


def probe_models(
    names: str | Sequence[str],
    *,
    data_dir: DataRequest | str | Path | None = None,
    vocab_dir: str | Path | None = None,
    threads: int | None = None,
    settings: LatencySettings = LatencySettings(),  # noqa: B008  frozen, so safe to share
    isolate: bool = True,
) -> LatencyReport:
    """Measure the CPU latency and inference memory of ``names`` (registry models).

    Args:
        names: Registry names, a list or comma-separated; transformers need a published config.
        data_dir: The data: a :class:`~emobench_core.data.source.DataRequest` or a folder
            (see :func:`emobench_core.data.loading.load_data`).
        vocab_dir: Folder with the bert-base-uncased ``vocab.txt`` (see ``resolve_vocab_dir``).
        threads: Torch threads; default: the CPUs this process may use.
        settings: The batch-1 latency rule.
        isolate: Each model in its own subprocess (its memory its own); ``False`` measures in
            this process (for tests), where the memory figures are only lower bounds.

    Raises:
        RegistryError: An unknown name, or a model known only by hub id or folder.
        DataError: The data cannot be loaded.
        ProbeError: A subprocess failed.
    """
    import torch

    specs = parse_models(names)
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else None
    for spec in specs:
        if not supports(backend_for(spec), LATENCY_PROBE):
            raise RegistryError(
                f"{spec.name!r} is of kind {spec.kind!r}, which has no latency probe; "
                "time it with `emobench run` (its results record the latency)"
            )
        if supports(backend_for(spec), RANDOM_INIT) and spec.config is None:
            raise RegistryError(
                f"{spec.name!r} has no published config in the registry, and the probe builds "
                f"architectures with random weights; choose from {', '.join(model_names())}"
            )
    threads = cpu_count() if threads is None else threads
    if threads < 1:
        raise ValueError(f"`threads` ({threads}) must be >= 1, e.g. {cpu_count()}")
    if settings.warmup < 0 or settings.min_iters < 1 or settings.min_seconds < 0:
        raise ValueError(
            f"bad latency rule: warmup={settings.warmup} (>= 0), min_iters={settings.min_iters} "
            f"(>= 1), min_seconds={settings.min_seconds} (>= 0)"
        )
    max_length = Recipe().max_length
    dsd = load_data(data_dir)
    vocab = resolve_vocab_dir(vocab_dir)
    texts = probe_texts(list(dsd["test"]["text"]), load_tokenizer(vocab), max_length)
    labels = list(label_names(dsd))
    svm = None
    for spec in specs:
        if backend_for(spec).probe_needs_fit and svm is None:
            svm = backend_for(spec).fit_for_probe(dsd, Recipe())
    models: dict[str, ModelLatency] = {}
    previous = torch.get_num_threads()
    with tempfile.TemporaryDirectory(prefix="emobench-latency-") as tmp:
        svm_path = None
        if svm is not None and isolate:
            svm_path = str(save_pipeline(svm, Path(tmp) / "tfidf-svm.skops"))
        try:
            torch.set_num_threads(threads)
            for spec in specs:
                if isolate:
                    job = {
                        "name": spec.name,
                        "threads": threads,
                        "settings": _rule(settings),
                        "vocab_dir": vocab,
                        "svm": svm_path if backend_for(spec).probe_needs_fit else None,
                        "labels": labels,
                        "texts": asdict(texts),
                    }
                    models[spec.name] = _measure_isolated(job, Path(tmp))
                else:
                    models[spec.name] = measure_model(
                        spec, texts, settings, vocab_dir=vocab, svm=svm, labels=labels
                    )
        finally:
            torch.set_num_threads(previous)
    env = environment("cpu")
    env["torch_threads"] = threads
    env["git_commit"] = git_commit(Path(__file__).parent)
    env["load_average_1m"] = load  # other work on the CPUs inflates every latency
    return LatencyReport(
        threads=threads,
        environment=env,
        rule=_rule(settings),
        models=models,
        max_length=max_length,
        isolated=isolate,
    )


if __name__ == "__main__":  # the isolated subprocess of _measure_isolated; `emobench latency`
    # is the command line (emobench_core.cli.latency)
    if len(sys.argv) != 4 or sys.argv[1] != "--one":
        sys.exit("usage: python -m emobench_core.scenarios.probe --one INPUTS OUTPUT (internal)")
    sys.exit(_child(Path(sys.argv[2]), Path(sys.argv[3])))
