"""One :class:`~emobench_core.study.records.ModelSummary` per model, init and inference device,
aggregated over its seeds from run results, with seed-mean intervals (seeds as the unit); then
the CPU latency probe joined in by architecture. Pure functions, no I/O.

    emobench recommend --results runs/ --max-latency-ms 5   # summarize, then recommend_for
    emobench report bench.json --results runs/ --latency results/latency-cpu.json

Every resampling uses a fixed seed and every collection is sorted explicitly, so the same
results give the same summaries, to the bit.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from emobench_core.errors import ResultsError
from emobench_core.metrics.scores import confusions, f1_per_class
from emobench_core.metrics.seeds import seed_mean_interval
from emobench_core.metrics.significance import DEFAULT_RESAMPLES
from emobench_core.metrics.stats import index_chunks
from emobench_core.schema.run import RunResult
from emobench_core.study.records import ModelSummary
from emobench_core.study.staleness import architecture, stale_reasons

if TYPE_CHECKING:
    from emobench_core.schema.latency import LatencyReport


def per_seed_draws(
    y_true: np.ndarray, preds: np.ndarray, n_resamples: int, seed: int = 0, *, num_labels: int
) -> tuple[np.ndarray, np.ndarray]:
    """Bootstrap draws of each seed's accuracy ``(R, S)`` and per-class F1 ``(R, S, K)``.

    Each draw resamples the test examples once and scores every seed's predictions ``preds``
    (shape ``(seeds, n)``) on the same indices. The indices are drawn as
    :func:`emobench_core.metrics.stats.bootstrap_ci` draws them (same generator, same chunks),
    so with one seed the intervals equal its intervals for the same ``seed``.
    """
    if n_resamples < 1:
        raise ValueError(f"`n_resamples` ({n_resamples}) must be >= 1, e.g. 1000")
    k = num_labels
    acc, f1 = [], []
    for idx in index_chunks(y_true.size, n_resamples, seed):
        t = y_true[idx]
        acc.append(np.stack([np.mean(t == p[idx], axis=1) for p in preds], axis=1))
        f1.append(np.stack([f1_per_class(confusions(t, p[idx], k)) for p in preds], axis=1))
    return np.concatenate(acc), np.concatenate(f1)


def seed_mean_draws(
    y_true: np.ndarray, preds: np.ndarray, n_resamples: int, seed: int = 0, *, num_labels: int
) -> tuple[np.ndarray, np.ndarray]:
    """:func:`per_seed_draws` averaged over seeds: accuracy ``(R,)``, per-class F1 ``(R, K)``."""
    acc, f1 = per_seed_draws(y_true, preds, n_resamples, seed, num_labels=num_labels)
    return acc.mean(axis=1), f1.mean(axis=1)


def _std(values: Sequence[float]) -> float | None:
    return float(np.std(values, ddof=1)) if len(values) > 1 else None


def _summarize(label: str, runs: list[RunResult], n_resamples: int, seed: int) -> ModelSummary:
    first = runs[0]
    y_true = np.asarray(first.predictions["y_true"], dtype=np.int64)
    for r in runs[1:]:
        if r.predictions["y_true"] != first.predictions["y_true"]:
            raise ResultsError(
                f"{label}: runs {first.run_id} and {r.run_id} were scored on different test "
                "sets; render results of one data set at a time"
            )
    preds = np.asarray([r.predictions["y_pred"] for r in runs], dtype=np.int64)
    labels = first.labels
    acc_draws, f1_draws = per_seed_draws(y_true, preds, n_resamples, seed, num_labels=len(labels))
    macro_draws = f1_draws.mean(axis=2)
    accs = [r.metrics.accuracy for r in runs]
    f1s = [r.metrics.macro_f1 for r in runs]
    per_class = {e: float(np.mean([r.metrics.per_class[e].f1 for r in runs])) for e in labels}
    confusion = np.sum([np.asarray(r.metrics.confusion_matrix) for r in runs], axis=0)

    def median(get: Any) -> float:
        return float(np.median([get(r) for r in runs]))

    return ModelSummary(
        label=label,
        name=first.model.name,
        init=first.model.init,
        kind=first.model.kind,
        source=first.model.source,
        description=first.model.description,
        device=first.efficiency.device,
        seeds=tuple(r.seed for r in runs),
        run_ids=tuple(r.run_id for r in runs),
        accuracy_mean=float(np.mean(accs)),
        accuracy_std=_std(accs),
        accuracy_ci=seed_mean_interval(accs, acc_draws),
        macro_f1_mean=float(np.mean(f1s)),
        macro_f1_std=_std(f1s),
        macro_f1_ci=seed_mean_interval(f1s, macro_draws),
        per_class_f1=per_class,
        per_class_ci={
            e: seed_mean_interval([r.metrics.per_class[e].f1 for r in runs], f1_draws[:, :, i])
            for i, e in enumerate(labels)
        },
        confusion=tuple(tuple(int(v) for v in row) for row in confusion),
        n_test=int(y_true.size),
        params_total=first.model.params_total,
        size_on_disk_bytes=first.model.size_on_disk_bytes,
        latency_p50_ms=median(lambda r: r.efficiency.latency_b1.p50_ms),
        latency_p90_ms=median(lambda r: r.efficiency.latency_b1.p90_ms),
        latency_p99_ms=median(lambda r: r.efficiency.latency_b1.p99_ms),
        tokenizer_p50_ms=median(lambda r: r.efficiency.tokenizer_b1.p50_ms),
        throughput_b32=median(lambda r: r.efficiency.throughput_b32),
        train_wall_s=float(np.mean([r.training.wall_s for r in runs])),
        peak_memory_mb=float(max(r.training.peak_memory_mb for r in runs)),
        fingerprints=tuple(sorted({r.data.fingerprint for r in runs})),
        environment=dict(first.environment),
        y_true=tuple(first.predictions["y_true"]),
        predictions={r.seed: tuple(r.predictions["y_pred"]) for r in runs},
        stale=tuple(sorted({reason for r in runs for reason in stale_reasons(r)})),
        accuracy_draws=acc_draws,
        macro_f1_draws=macro_draws,
        per_class_draws=f1_draws,
        per_seed_scores={
            "accuracy": tuple(accs),
            "macro_f1": tuple(f1s),
            **{e: tuple(r.metrics.per_class[e].f1 for r in runs) for e in labels},
        },
    )


def dedupe(results: Sequence[RunResult]) -> tuple[list[RunResult], list[str]]:
    """Keep the latest run per (model, init, device, seed); return kept and superseded ids."""
    latest: dict[tuple[str, str, str, int], RunResult] = {}
    superseded = []
    for r in sorted(results, key=lambda r: (r.created_at, r.run_id)):
        key = (r.model.name, r.model.init, r.efficiency.device, r.seed)
        if key in latest:
            superseded.append(latest[key].run_id)
        latest[key] = r
    return list(latest.values()), sorted(superseded)


def dataset_of(results: Sequence[RunResult]) -> str:
    """The dataset every result was run on; results of different datasets are never mixed in
    one study (``--allow-mixed`` included)."""
    runs: dict[str, list[str]] = defaultdict(list)
    for r in sorted(results, key=lambda r: r.run_id):
        runs[r.data.dataset].append(r.run_id)
    if len(runs) > 1:
        shown = "; ".join(f"{d}: {', '.join(ids[:2])}" for d, ids in sorted(runs.items()))
        raise ResultsError(
            f"the results are of {len(runs)} different datasets ({shown}); a leaderboard ranks "
            "one dataset's runs: render each dataset's results folder on its own"
        )
    return next(iter(runs), "")


def label_set(results: Sequence[RunResult]) -> tuple[str, ...]:
    """The class names every result was scored on; results of different datasets or label
    sets are never mixed in one study."""
    dataset_of(results)
    sets = {r.labels for r in results}
    if len(sets) != 1:
        raise ResultsError(
            f"the results were scored on different label sets ({sorted(sets)}); render the "
            "results of one dataset at a time"
        )
    return next(iter(sets))


def summarize(
    results: Sequence[RunResult],
    *,
    n_resamples: int = DEFAULT_RESAMPLES,
    seed: int = 0,
    include_stale: bool = False,
) -> list[ModelSummary]:
    """One summary per (model, init, device), sorted by mean macro-F1 (best first).

    The label is the model name, plus ``" (random init)"`` for random init (for a distilled
    row, e.g. ``" (random-init student, pretrained teacher (1 teacher))"``) and ``" [device]"``
    when the same model and init were measured on several devices. Stale rows (``stale``
    non-empty) are left out unless ``include_stale``, which labels them ``" (stale)"``; use
    :func:`split_stale` to keep both.
    """
    current, _ = split_stale(
        summarize_all(results, n_resamples=n_resamples, seed=seed), include_stale=include_stale
    )
    return current


def split_stale(
    summaries: Sequence[ModelSummary], *, include_stale: bool = False
) -> tuple[list[ModelSummary], list[ModelSummary]]:
    """``(rows to rank, stale rows shown apart)``; with ``include_stale`` every row is ranked
    and a stale one is labelled ``" (stale)"``."""
    if include_stale:
        marked = [
            dataclasses.replace(s, label=f"{s.label} (stale)") if s.stale else s for s in summaries
        ]
        return marked, []
    return [s for s in summaries if not s.stale], [s for s in summaries if s.stale]


def _init_note(init: str, runs: Sequence[RunResult]) -> str:
    """What a label says about initialisation: ``" (random init)"``; for a distilled row, the
    student's init, the teacher's and how many teachers taught its seeds (a teacher per
    ``teacher_seed``; the student's seed where none was recorded)."""
    kd = [r.distillation for r in runs if r.distillation is not None]
    if not kd:
        return " (random init)" if init == "random" else ""
    teachers = {
        r.distillation.teacher_seed if r.distillation.teacher_seed is not None else r.seed
        for r in runs
        if r.distillation is not None
    }
    inits = "/".join(sorted({d.teacher_init for d in kd}))
    n = len(teachers)
    return f" ({init}-init student, {inits} teacher ({n} teacher{'s' if n > 1 else ''}))"


def summarize_all(
    results: Sequence[RunResult], *, n_resamples: int = DEFAULT_RESAMPLES, seed: int = 0
) -> list[ModelSummary]:
    """One summary per (model, init, device), stale or not, sorted by mean macro-F1."""
    if not results:
        raise ResultsError("no run results to summarize; run `emobench run --output DIR` first")
    label_set(results)
    kept, _ = dedupe(results)
    groups: dict[tuple[str, str, str], list[RunResult]] = defaultdict(list)
    for r in kept:
        groups[(r.model.name, r.model.init, r.efficiency.device)].append(r)
    devices_of: dict[tuple[str, str], set[str]] = defaultdict(set)
    for name, init, device in groups:
        devices_of[(name, init)].add(device)
    out = []
    for (name, init, device), runs in sorted(groups.items()):
        label = name + _init_note(init, runs)
        if len(devices_of[(name, init)]) > 1:
            label += f" [{device}]"
        out.append(_summarize(label, sorted(runs, key=lambda r: r.seed), n_resamples, seed))
    return sorted(out, key=lambda s: (-s.macro_f1_mean, s.label))


def join_cpu_probe(
    summaries: Sequence[ModelSummary], latency: LatencyReport | None
) -> list[ModelSummary]:
    """``summaries`` with ``cpu_latency_p50_ms`` and ``cpu_inference_mb`` from ``latency``,
    joined by :func:`architecture`; rows without a probe entry (and all, without a probe) are
    unchanged. Memory is left out of probes measured in one process (only a lower bound)."""
    if latency is None:
        return list(summaries)
    out = []
    for s in summaries:
        m = latency.models.get(architecture(s.name))
        if m is not None:
            memory = m.inference_peak_rss_mb if latency.isolated else None
            s = dataclasses.replace(s, cpu_latency_p50_ms=m.b1.p50_ms, cpu_inference_mb=memory)
        out.append(s)
    return out
