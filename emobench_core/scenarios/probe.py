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

import argparse
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import numpy as np

from emobench_core.config import Recipe
from emobench_core.data.loading import load_emotion
from emobench_core.errors import DataError, ProbeError, RegistryError, ResultsError
from emobench_core.measure.environment import environment, git_commit
from emobench_core.measure.latency import count_parameters, cpu_count, measure_latency, peak_rss_mb
from emobench_core.models.registry import (
    ModelSpec,
    build_model,
    load_tokenizer,
    model_names,
    parse_models,
    resolve_vocab_dir,
)
from emobench_core.scenarios.run import (
    LATENCY_INPUTS,
    LatencySettings,
    add_latency_rule_arguments,
    latency_rule,
    svm_forward,
    transformer_forward,
)
from emobench_core.schema.base import write_json_atomic
from emobench_core.schema.latency import (
    LENGTH_PERCENTILES,
    RANDOM_WEIGHTS,
    SVM_WEIGHTS,
    TABLE_HEADERS,
    LatencyReport,
    ModelLatency,
    length_note,
    load_latency,
    table_rows,
)

__all__ = ["LatencyReport", "ModelLatency", "ProbeError", "load_latency", "main", "probe_models"]

TEXTS_PER_LENGTH = 8
"""Test tweets of exactly the percentile's length, cycled through (fewer if fewer exist)."""
B32_BATCHES = 8


# ---------------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class ProbeTexts:
    """The test tweets every model is timed on, chosen once for all models."""

    sample: list[str]
    by_length: dict[str, list[str]]
    token_lengths: dict[str, int]
    batch: list[str]
    max_length: int


def _cycle(texts: Sequence[str], n: int) -> list[str]:
    """``n`` texts, repeating ``texts`` as needed (a small test split still fills each batch)."""
    return [texts[i % len(texts)] for i in range(n)]


def probe_texts(texts: Sequence[str], tokenizer: Any, max_length: int) -> ProbeTexts:
    """Batch-1 sample, percentile-length tweets and batch-32 inputs from the test ``texts``."""
    if not texts:
        raise DataError("the test split is empty: the latency probe needs test tweets to time")
    ids = tokenizer(list(texts), truncation=True, max_length=max_length)["input_ids"]
    lengths = np.asarray([len(x) for x in ids])
    by_length, token_lengths = {}, {}
    for key, q in LENGTH_PERCENTILES.items():
        target = int(np.percentile(lengths, q, method="nearest"))
        chosen = [t for t, n in zip(texts, lengths, strict=True) if n == target]
        by_length[key] = _cycle(chosen[:TEXTS_PER_LENGTH], LATENCY_INPUTS)
        token_lengths[key] = target
    return ProbeTexts(
        sample=_cycle(texts[:LATENCY_INPUTS], LATENCY_INPUTS),
        by_length=by_length,
        token_lengths=token_lengths,
        batch=_cycle(texts[: 32 * B32_BATCHES], 32 * B32_BATCHES),
        max_length=max_length,
    )


# ---------------------------------------------------------------------------- measuring


def _proc_status_mb(key: str) -> float | None:
    """``VmRSS`` / ``VmHWM`` of this process in MiB from /proc/self/status; None off Linux."""
    try:
        for line in Path("/proc/self/status").read_text(encoding="ascii").splitlines():
            if line.startswith(f"{key}:"):
                return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        pass
    return None


def _memory_baseline(fresh: bool) -> tuple[float, bool]:
    """``(baseline MiB, whether the peak was reset)`` before the model is loaded.

    Linux's ``ru_maxrss`` outlives fork + exec, so a subprocess starts with its parent's RSS as
    its "peak" and cannot see a smaller model. In a ``fresh`` process the kernel's peak
    (``VmHWM``) is reset to the current RSS instead (``/proc/self/clear_refs``), and the
    baseline is that current RSS; elsewhere the baseline is ``ru_maxrss`` (a lower bound).
    """
    if fresh:
        try:
            Path("/proc/self/clear_refs").write_text("5", encoding="ascii")
        except OSError:
            pass
        else:
            rss = _proc_status_mb("VmRSS")
            if rss is not None:
                return rss, True
    return peak_rss_mb(), False


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
) -> ModelLatency:
    """Load ``spec`` (random weights, or the fitted ``svm`` pipeline / its joblib path) and
    time it on ``texts`` in this process, on the threads already set.

    Batch 1 (overall and by length) follows ``settings``; the tokenizer gets a quarter of its
    ``min_seconds``, batch 32 at most 3 warm-up and 10 timed calls and half of it.

    ``fresh_process``: this process exists for this measurement, so its peak memory may be
    reset first (see :func:`_memory_baseline`); otherwise the memory figure is a lower bound.
    """
    before, reset = _memory_baseline(fresh_process)
    forward: Callable[[list[str], int], Callable[[int], Any]]
    tokenize: Callable[[str], Any]
    if spec.is_transformer:
        model, tokenizer, _ = build_model(spec, "random", vocab_dir=vocab_dir)
        total, non_embedding = count_parameters(model)
        weights = RANDOM_WEIGHTS

        def forward(batch: list[str], size: int) -> Callable[[int], Any]:
            return transformer_forward(model, tokenizer, batch, size, texts.max_length, "cpu")

        def tokenize(text: str) -> Any:
            return tokenizer(
                text, truncation=True, max_length=texts.max_length, return_tensors="pt"
            )
    else:
        import joblib

        pipe = joblib.load(svm) if isinstance(svm, str | Path) else svm
        if pipe is None:
            raise RegistryError(f"{spec.name!r}: pass the fitted pipeline to measure it")
        total = non_embedding = int(pipe["svm"].coef_.size + pipe["svm"].intercept_.size)
        weights = SVM_WEIGHTS

        def forward(batch: list[str], size: int) -> Callable[[int], Any]:
            return svm_forward(pipe, batch, size)

        def tokenize(text: str) -> Any:
            return pipe["tfidf"].transform([text])

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
    after = (_proc_status_mb("VmHWM") if reset else None) or peak_rss_mb()
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
    """Run :func:`measure_model` for ``job`` in a fresh ``python -m emobench_core.scenarios.probe``."""
    name = job["name"]
    inputs, output = workdir / f"{name}.in.json", workdir / f"{name}.out.json"
    inputs.write_text(json.dumps(job), encoding="utf-8")
    root = str(Path(__file__).resolve().parents[1])
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
    import joblib  # noqa: F401
    import sklearn.feature_extraction.text  # noqa: F401
    import sklearn.svm  # noqa: F401
    import torch

    with torch.inference_mode():
        torch.nn.functional.gelu(torch.nn.Linear(64, 64)(torch.ones(8, 64))).softmax(-1)
    if spec.is_transformer and spec.config is not None:
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
    )
    write_json_atomic(output, result.to_dict())
    return 0


def probe_models(
    names: str | Sequence[str],
    *,
    data_dir: str | Path | None = None,
    vocab_dir: str | Path | None = None,
    threads: int | None = None,
    settings: LatencySettings = LatencySettings(),  # noqa: B008  frozen, so safe to share
    isolate: bool = True,
) -> LatencyReport:
    """Measure the CPU latency and inference memory of ``names`` (registry models).

    Args:
        names: Registry names, a list or comma-separated; transformers need a published config.
        data_dir: Folder with the emotion splits (see :func:`emobench_core.data.load_emotion`).
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
        if spec.is_transformer and spec.config is None:
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
    dsd = load_emotion(data_dir)
    vocab = resolve_vocab_dir(vocab_dir)
    texts = probe_texts(list(dsd["test"]["text"]), load_tokenizer(vocab), max_length)
    svm = None
    if any(not s.is_transformer for s in specs):
        from emobench_core.models.backends.sklearn import fit_svm

        svm, _ = fit_svm(dsd, Recipe())
    models: dict[str, ModelLatency] = {}
    previous = torch.get_num_threads()
    with tempfile.TemporaryDirectory(prefix="emobench-latency-") as tmp:
        svm_path = None
        if svm is not None and isolate:
            import joblib

            svm_path = str(Path(tmp) / "tfidf-svm.joblib")
            joblib.dump(svm, svm_path)
        try:
            torch.set_num_threads(threads)
            for spec in specs:
                if isolate:
                    job = {
                        "name": spec.name,
                        "threads": threads,
                        "settings": _rule(settings),
                        "vocab_dir": vocab,
                        "svm": None if spec.is_transformer else svm_path,
                        "texts": asdict(texts),
                    }
                    models[spec.name] = _measure_isolated(job, Path(tmp))
                else:
                    models[spec.name] = measure_model(
                        spec, texts, settings, vocab_dir=vocab, svm=svm
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


def main(argv: Sequence[str] | None = None) -> int:
    """``emobench latency``: CPU latency and inference memory of each architecture."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["--one"] and len(args) == 3:  # the isolated subprocess
        return _child(Path(args[1]), Path(args[2]))
    p = argparse.ArgumentParser(prog="emobench latency", description=__doc__.splitlines()[0])
    p.add_argument(
        "--models", default=",".join(model_names()), help="comma-separated; default: all"
    )
    p.add_argument("--output", type=Path, required=True, help="JSON report to write (required)")
    p.add_argument("--threads", type=int, help="torch threads; default: the usable CPUs")
    p.add_argument(
        "--data-dir", help="emotion splits folder; default: $EMOBENCH_DATA_DIR, else the hub"
    )
    p.add_argument(
        "--vocab-dir",
        help="folder with bert-base-uncased vocab.txt; default: $EMOBENCH_VOCAB_DIR, else the hub",
    )
    add_latency_rule_arguments(p)
    p.add_argument(
        "--in-process",
        action="store_true",
        help="measure every model in this process (memory figures become lower bounds); "
        "default: off",
    )
    ns = p.parse_args(args)
    try:
        report = probe_models(
            ns.models,
            data_dir=ns.data_dir,
            vocab_dir=ns.vocab_dir,
            threads=ns.threads,
            settings=latency_rule(ns),
            isolate=not ns.in_process,
        )
        report.save(ns.output)
    except (DataError, RegistryError, ResultsError, ProbeError, ValueError) as exc:
        print(f"emobench latency: error: {exc}", file=sys.stderr)
        return 2
    from tabulate import tabulate

    env = report.environment
    print(tabulate(table_rows(report), headers=list(TABLE_HEADERS), disable_numparse=True))
    print(f"\n{length_note(report)}.")
    print(f"CPU: {env.get('cpu_model')}; {report.threads} torch threads; rule: {report.rule}")
    load = env.get("load_average_1m")
    if load is not None and load > 0.5 * (env.get("cpu_count") or 1):
        print(
            f"warning: the machine was busy (1-minute load average {load:.2f} on "
            f"{env.get('cpu_count')} CPUs), which inflates latencies; re-run when it is idle",
            file=sys.stderr,
        )
    print(f"wrote {ns.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
