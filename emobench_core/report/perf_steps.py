"""The step tables of one perf report (schema 4): the machine and its matmul peak, each model's
training throughput and share of that peak, where a step's time goes (phases, kernels, the word
embeddings), the padding work, and the recipe against its A/B rows. An older report has none
of them (every function returns no lines).

    emobench perf --models bert-tiny,bert-small --steps 20 --ab compile=true --output perf.json
"""

from __future__ import annotations

from collections.abc import Sequence

from emobench_core.schema.perf import PerfReport, ab_rows
from emobench_core.schema.perf_steps import FROZEN, RECIPE, MatmulRow, PaddingRow, StepRow

BF16_DTYPE, FP32_DTYPE = "bfloat16", "float32"
FLOP_NOTE = (
    "FLOPs per token = 6 × non-embedding parameters + 12 × layers × hidden × sequence length "
    "(Kaplan et al. 2020; PaLM, Chowdhery et al. 2022, appendix B), padding included: the work "
    "the machine does"
)


def _table(rows: list[list[str]], headers: list[str], markdown: bool) -> list[str]:
    from tabulate import tabulate

    fmt = "github" if markdown else "simple"
    return [tabulate(rows, headers=headers, tablefmt=fmt, disable_numparse=True)]


def peak(report: PerfReport, dtype: str) -> float | None:
    """The fastest matmul rate measured in ``dtype`` (GFLOP/s)."""
    rates = [m.gflops for m in report.matmuls if m.dtype == dtype]
    return max(rates) if rates else None


def attainable(report: PerfReport, model: str, dtype: str) -> float | None:
    """The matmul rate at ``model``'s step shapes: a layer's four projections and two
    feed-forward products, timed alone (GFLOP/s); ``None``: not measured."""
    rows = {m.label: m for m in report.matmuls if m.dtype == dtype}
    counts = {"projection": 4, "ffn up": 1, "ffn down": 1}
    parts = [(rows.get(f"{model} {role}"), n) for role, n in counts.items()]
    if any(m is None for m, _ in parts):
        return None
    flops = sum(n * m.flops for m, n in parts if m)
    return flops / sum(n * m.seconds for m, n in parts if m) / 1e9


def _pct(value: float | None, of: float | None) -> str:
    return "—" if value is None or not of else f"{100 * value / of:.0f}%"


def machine_lines(report: PerfReport) -> list[str]:
    m = report.machine
    if not m:
        return []
    flags = ", ".join(f"{k} {'yes' if v else 'no'}" for k, v in m.get("flags", {}).items())
    return [
        f"Machine: {m.get('cpu_model')}; {flags}; torch CPU capability "
        f"{m.get('torch_cpu_capability')}; native bf16 {'yes' if m.get('native_bf16') else 'no'}; "
        f"{m.get('threads')} threads."
    ]


def peak_table(report: PerfReport, *, markdown: bool = True) -> list[str]:
    """Each shape's bf16 and fp32 rate; the peak is the fastest of each column."""
    if not report.matmuls:
        return []
    shapes: dict[tuple[str, int, int, int], dict[str, MatmulRow]] = {}
    for m in report.matmuls:
        shapes.setdefault((m.label, m.m, m.k, m.n), {})[m.dtype] = m
    body = []
    for (label, mm, k, n), by in shapes.items():
        rates = [by.get(d) for d in (BF16_DTYPE, FP32_DTYPE)]
        cells = ["—" if r is None else f"{r.gflops:.0f}" for r in rates]
        ratio = f"{rates[0].gflops / rates[1].gflops:.2f}×" if rates[0] and rates[1] else "—"
        body.append([label, f"{mm}×{k}×{n}", *cells, ratio])
    headers = ["matmul", "m×k×n", "bf16 GFLOP/s", "fp32 GFLOP/s", "bf16 / fp32"]
    return [
        "Matrix-multiply rates (`torch.mm`, median of repeats); the peak of each precision is "
        "its fastest row:",
        "",
        *_table(body, headers, markdown),
    ]


def _padding(report: PerfReport, row: StepRow) -> PaddingRow | None:
    return next(
        (p for p in report.padding if p.model == row.model and p.batch_size == row.batch_size),
        None,
    )


def step_table(report: PerfReport, *, markdown: bool = True) -> list[str]:
    """Per model and variant: the step's phases, tokens/s, achieved GFLOP/s and share of the
    peak, the rate the step's shapes allow, and the projected seconds per epoch."""
    if not report.steps:
        return []
    top = {d: peak(report, d) for d in (BF16_DTYPE, FP32_DTYPE)}
    body = []
    for r in report.steps:
        dtype = BF16_DTYPE if r.precision.startswith("bf16") else FP32_DTYPE
        shapes = attainable(report, r.model, dtype)
        pad = _padding(report, r)
        epoch = "—" if pad is None else f"{pad.padded_tokens / r.tokens_per_s(padded=True):.0f}"
        body.append(
            [
                r.model,
                r.variant,
                r.precision,
                str(r.threads),
                f"{1000 * r.step_s:.1f}",
                " / ".join(f"{1000 * s / r.steps:.1f}" for s in _phases(r)),
                f"{r.tokens_per_s():,.0f}",
                f"{r.tokens_per_s(padded=True):,.0f}",
                f"{r.gflops:.0f}",
                _pct(r.gflops, top[BF16_DTYPE]),
                _pct(r.gflops, top[FP32_DTYPE]),
                _pct(shapes, top[dtype]) if shapes else "—",
                epoch,
            ]
        )
    headers = [
        "model",
        "variant",
        "precision",
        "threads",
        "ms / step",
        "fwd / bwd / opt ms",
        "real tokens/s",
        "padded tokens/s",
        "GFLOP/s",
        "of bf16 peak",
        "of fp32 peak",
        "shapes' own rate, of peak",
        "s / epoch (projected)",
    ]
    return [
        f"Training steps timed phase by phase ({report.steps[0].steps} steps spread over an "
        f"epoch, after untimed warm-up steps). {FLOP_NOTE}. The shapes' own rate: the step's "
        "matmuls timed alone, as a share of the same precision's peak (the most the step could "
        "reach). s / epoch: an epoch's token slots at the padded tokens/s:",
        "",
        *_table(body, headers, markdown),
    ]


def _phases(r: StepRow) -> tuple[float, float, float]:
    return r.forward_s, r.backward_s, r.optimizer_s


def kernel_table(report: PerfReport, *, markdown: bool = True) -> list[str]:
    rows = [r for r in report.steps if r.kernel_shares]
    if not rows:
        return []
    kinds = list(rows[0].kernel_shares)
    body = [
        [
            r.model,
            r.variant,
            *(f"{100 * r.kernel_shares.get(k, 0.0):.0f}%" for k in kinds),
            "—" if r.embedding_backward_s is None else f"{1000 * r.embedding_backward_s:.1f}",
            ", ".join(f"{name} {ms:.1f}" for name, ms in r.top_ops[:3]),
        ]
        for r in rows
    ]
    headers = ["model", "variant", *kinds, "embedding grad ms", "costliest kernels, ms / step"]
    return [
        "Where a step's time goes (torch.profiler, self CPU time by kind of kernel; matmul: "
        "aten::mm/addmm/bmm/linear and their bf16 and oneDNN variants; copy: mostly bf16 "
        "autocast's casts of the weights; embedding grad: the embedding tables' dense gradients "
        "with their children, per step):",
        "",
        *_table(body, headers, markdown),
    ]


def embedding_table(report: PerfReport, *, markdown: bool = True) -> list[str]:
    """The dense word-embedding gradient and its update: the recipe's step against the same
    step with the word embeddings frozen."""
    body = []
    for frozen in (r for r in report.steps if r.variant == FROZEN):
        base = next(
            (r for r in report.steps if r.model == frozen.model and r.variant == RECIPE), None
        )
        if base is None:
            continue
        cells = []
        for a, b in zip(_phases(base), _phases(frozen), strict=True):
            cells.append(f"{1000 * (a - b) / base.steps:.1f}")
        cost = base.step_s - frozen.step_s
        body.append([frozen.model, *cells, f"{1000 * cost:.1f}", _pct(cost, base.step_s)])
    if not body:
        return []
    headers = ["model", "forward ms", "backward ms", "optimizer ms", "step ms", "share of step"]
    return [
        "What the word embeddings' dense gradient and optimizer update cost (recipe step minus "
        "the same step with them frozen):",
        "",
        *_table(body, headers, markdown),
    ]


def padding_table(report: PerfReport, *, markdown: bool = True) -> list[str]:
    if not report.padding:
        return []
    body = [
        [
            p.model,
            str(p.batch_size),
            str(p.batches),
            f"{p.real_tokens:,}",
            f"{p.padded_tokens:,}",
            f"{p.pad_tokens:,} ({p.pad_tokens / p.padded_tokens:.1%})",
            f"{p.pad_tokens / p.batches:.1f}",
            f"{p.sorted_padded_tokens - p.real_tokens:,}",
        ]
        for p in report.padding
    ]
    headers = [
        "model",
        "batch",
        "batches / epoch",
        "real tokens / epoch",
        "token slots / epoch",
        "padding / epoch",
        "padding / batch",
        "padding if sorted",
    ]
    return [
        "Padding work of the recipe's length-grouped batches (padding if sorted: batches of the "
        "same size cut from the rows sorted by length, the least possible):",
        "",
        *_table(body, headers, markdown),
    ]


def ab_table(report: PerfReport, models: Sequence[str], *, markdown: bool = True) -> list[str]:
    """The recipe against each of its A/B rows, same run: train s, per epoch, validation."""
    body = []
    for model in models:
        base = next((r for r in report.rows if r.model == model and r.setup == "recipe"), None)
        for row in ab_rows(report, model) if base else []:
            assert base is not None
            body.append(
                [
                    model,
                    row.setup,
                    f"{base.train_s / base.epochs:.1f}",
                    f"{row.train_s / row.epochs:.1f}",
                    f"{base.train_s / row.train_s:.2f}×",
                    *(f"{v:.4f}" if v is not None else "—" for v in _scores(base, row)),
                ]
            )
    if not body:
        return []
    headers = [
        "model",
        "variant",
        "recipe s / epoch",
        "variant s / epoch",
        "speed-up",
        "recipe val macro-F1",
        "variant val macro-F1",
        "recipe test macro-F1",
        "variant test macro-F1",
    ]
    return [
        "The recipe against its variants, whole fine-tunings in the same run (s / epoch "
        "includes the per-epoch validation):",
        "",
        *_table(body, headers, markdown),
    ]


def _scores(base: object, row: object) -> list[float | None]:
    return [getattr(x, k) for k in ("val_macro_f1", "macro_f1") for x in (base, row)]


def step_blocks(report: PerfReport, *, markdown: bool = True) -> list[list[str]]:
    """Every step table of ``report`` that has rows, in reading order."""
    models = list(dict.fromkeys(r.model for r in report.rows))
    blocks = [
        machine_lines(report),
        peak_table(report, markdown=markdown),
        step_table(report, markdown=markdown),
        kernel_table(report, markdown=markdown),
        embedding_table(report, markdown=markdown),
        padding_table(report, markdown=markdown),
        ab_table(report, models, markdown=markdown),
    ]
    return [b for b in blocks if b]
