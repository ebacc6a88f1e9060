"""The deployment rows as tables: the section of RESULTS.md under the leaderboard, the rows of
the leaderboard page (:mod:`~emobench_core.report.html`) and the table ``emobench deploy``
prints, drawn from a saved :class:`~emobench_core.schema.deploy.DeployReport`.

    emobench deploy --checkpoint runs/bert-tiny --output results/deploy-cpu.json
    emobench report --deploy results/deploy-cpu.json
"""

from __future__ import annotations

from collections.abc import Mapping

from emobench_core.report.tables import table
from emobench_core.schema.deploy import FINE_TUNED, DeployReport, DeployRow

MARKDOWN_HEADERS: tuple[str, ...] = (
    "model",
    "variant",
    "size (MB)",
    "p50 b1 (ms)",
    "p90 b1 (ms)",
    "p99 b1 (ms)",
    "accuracy",
    "Δ accuracy (pts)",
    "macro-F1",
    "Δ macro-F1 (pts)",
)


def _fmt(value: float | None, spec: str) -> str:
    return "—" if value is None else format(value, spec)


def checkpoint_label(row: DeployRow, runs: Mapping[str, str] | None = None) -> str:
    """Which weights a row measured: the results file of the run that trained its checkpoint
    (``runs``: cache entry -> run id), else the checkpoint folder, else random weights."""
    if row.init != FINE_TUNED:
        return "random weights"
    if row.checkpoint is None:
        return "not recorded"
    run = (runs or {}).get(row.checkpoint)
    return f"`{run}`" if run else f"folder `{row.checkpoint}`"


def markdown_rows(
    report: DeployReport, runs: Mapping[str, str] | None = None
) -> tuple[list[str], list[list[str]]]:
    """``(headers, rows)`` for the leaderboard: one row per model and variant; quality with 4
    decimals, changes in points with 2, milliseconds with 3, ``—`` where not measured; the
    last column names the checkpoint measured (:func:`checkpoint_label`)."""
    rows = [
        [
            r.label,
            r.variant,
            f"{r.size_mb:.1f}",
            f"{r.latency_b1.p50_ms:.3f}",
            f"{r.latency_b1.p90_ms:.3f}",
            f"{r.latency_b1.p99_ms:.3f}",
            _fmt(r.accuracy, ".4f"),
            _fmt(r.delta_accuracy_pts, "+.2f"),
            _fmt(r.macro_f1, ".4f"),
            _fmt(r.delta_macro_f1_pts, "+.2f"),
            checkpoint_label(r, runs),
        ]
        for r in report.rows
    ]
    return [*MARKDOWN_HEADERS, "checkpoint"], rows


_WAYS = {4: "four", 5: "five"}


def _ways(report: DeployReport) -> str:
    n = len({r.variant for r in report.rows})
    return _WAYS.get(n, str(n))


def _has_bf16(report: DeployReport) -> bool:
    return any(r.variant == "torch-bf16" for r in report.rows)


def markdown_lines(
    label: str, report: DeployReport, runs: Mapping[str, str] | None = None
) -> list[str]:
    """The deployment rows, as a RESULTS.md section (``label``: the file; ``runs``: cache entry
    -> run id of the results rendered with it, to name the run each checkpoint came from)."""
    env = report.environment
    headers, rows = markdown_rows(report, runs)
    rule = report.rule
    return [
        f"### Deployment variants on CPU (`{label}`)",
        "",
        f"Each model run {_ways(report)} ways on this CPU ({env.get('cpu_model')}, "
        f"{report.threads} threads; torch {env.get('torch')}, {report.export.get('exporter')}, "
        f"onnxruntime {report.export.get('onnxruntime')}; commit "
        f"{str(env.get('git_commit'))[:7]}; data {str(report.data_fingerprint)[:12]}): "
        "torch fp32 (the reference), exported to ONNX and run with ONNX Runtime, that graph "
        "with ONNX Runtime's dynamic int8 quantization, and torch's dynamic int8 quantization of "
        "every Linear layer"
        + ("; and torch with bf16 weights and activations. " if _has_bf16(report) else ". ")
        + "Batch-1 latency of the model call on pre-tokenized test tweets "
        f"({rule.get('warmup')} warm-up calls, then at least {rule.get('min_iters')} calls and "
        f"{rule.get('min_seconds')} s); size on disk; test accuracy and its change against "
        "torch fp32 in points. Rows marked *(random)* are the architecture with random weights: "
        "latency and size only. The last column names the checkpoint each row measured: a "
        "results file listed above when the checkpoint is the one that file's run trained (its "
        "cache entry), else the folder that was passed; a checkpoint that no listed results "
        "file trained is not a leaderboard row, and its scores are not the leaderboard's.",
        "",
        table(headers, rows),
    ]
