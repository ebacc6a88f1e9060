"""The CPU latency probe as a table: what ``emobench latency`` prints and RESULTS.md's CPU probe
section shows, drawn from a saved :class:`~emobench_core.schema.latency.LatencyReport`.

    emobench latency --models bert-tiny,tfidf-svm --output results/latency-cpu.json
"""

from __future__ import annotations

from emobench_core.schema.latency import LENGTH_PERCENTILES, LatencyReport

TABLE_HEADERS: tuple[str, ...] = (
    "model",
    "params (M)",
    "p50 b1 (ms)",
    "p90 b1 (ms)",
    "p99 b1 (ms)",
    "short p50 (ms)",
    "median p50 (ms)",
    "long p50 (ms)",
    "tokenizer p50 (ms)",
    "b32 (samples/s)",
    "inference (MiB)",
)


def table_rows(report: LatencyReport) -> list[list[str]]:
    """One row per model, in :data:`TABLE_HEADERS` order, formatted for the CLI and the report."""
    return [
        [
            name,
            f"{m.params_total / 1e6:.2f}",
            f"{m.b1.p50_ms:.3f}",
            f"{m.b1.p90_ms:.3f}",
            f"{m.b1.p99_ms:.3f}",
            *(f"{m.b1_by_length[k].p50_ms:.3f}" for k in LENGTH_PERCENTILES),
            f"{m.tokenizer_b1.p50_ms:.3f}",
            f"{m.throughput_b32:.1f}",
            f"{m.inference_peak_rss_mb:.1f}",
        ]
        for name, m in report.models.items()
    ]


def length_note(report: LatencyReport) -> str:
    """E.g. ``"short / median / long: 10th / 50th / 90th percentile ... (9 / 19 / 38 tokens)"``."""
    lengths = {
        tuple(m.token_lengths[k] for k in LENGTH_PERCENTILES) for m in report.models.values()
    }
    shown = " or ".join(" / ".join(map(str, t)) for t in sorted(lengths))
    pct = " / ".join(f"{q}th" for q in LENGTH_PERCENTILES.values())
    return (
        f"short / median / long: test tweets at the {pct} percentile of WordPiece length "
        f"({shown} tokens)"
    )
