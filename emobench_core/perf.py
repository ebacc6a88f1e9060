"""Training cost: the naive ``Trainer`` pipeline against the project's recipe, timed in one run.

The naive pipeline is what a first script does: ``TrainingArguments(output_dir)`` with every
default (batch 8, learning rate 5e-5, no warm-up, a checkpoint every 500 steps, evaluation batch
8), every example padded to 128 tokens, fp32, then ``trainer.predict`` on the test split. The
recipe is :func:`~.training.fine_tune` as the benchmark runs it (dynamic padding, length-grouped
batches, tokenization cached, TF32 on CUDA, the best validation epoch kept),
then the test split. Both run the same number of epochs on the same machine in the same process,
one after the other; each row's wall time covers building the model, tokenizing, training
(with the recipe's per-epoch validation) and predicting the test split.

A *ladder* adds the recipe's changes to the naive pipeline one at a time, so each is measured on
its own. (Fused AdamW is not a step: it is ``TrainingArguments``' default optimizer in
transformers 5, so both sides use it; each row records its optimizer.) *Scaling* rows time the
recipe on 25%, 50% (and 100%) of the training rows.

    emobench perf --models bert-tiny,bert-mini --init random --ladder bert-tiny \\
        --scaling bert-tiny --output results/perf/perf-cpu.json
"""

from __future__ import annotations

import dataclasses
import datetime as _dt
import logging
import shutil
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from .cache import CheckpointCache
from .config import Recipe
from .data import fingerprint
from .evaluation import compute_metrics
from .registry import ModelSpec, build_model
from .results import ResultsError, environment, git_commit, read_json, write_json_atomic

log = logging.getLogger(__name__)

SCHEMA = 2
MISORDERED = frozenset({"length-grouping", "recipe-batch-lr", "eval-batch", "tf32", "bf16"})
"""Ladder steps whose test accuracy schema 1 got wrong: it compared length-grouped predictions
with the labels in dataset order. Read from a schema-1 file, their scores are dropped."""
KIND = "emobench-perf"
TRAINER_DEFAULT_LR = 5e-5
"""``TrainingArguments.learning_rate``'s default: the naive pipeline's step size."""


@dataclass(frozen=True)
class Setup:
    """One way to fine-tune: the naive pipeline plus zero or more of the recipe's changes."""

    name: str
    change: str
    pad_to_max_length: bool = True
    save_checkpoints: bool = True
    group_by_length: bool = False
    recipe_hyperparameters: bool = False
    eval_batch_size: int | None = None
    tf32: bool = False
    bf16: bool = False


NAIVE = Setup(
    "naive",
    "Trainer defaults (batch 8, lr 5e-5, no warm-up, a checkpoint every 500 steps, "
    "eval batch 8); every example padded to 128 tokens; fp32",
)


def ladder(device: str, recipe: Recipe) -> list[Setup]:
    """The naive setup, then the recipe's changes added one at a time (cumulative)."""
    steps: list[tuple[str, str, dict[str, Any]]] = [
        ("no-mid-checkpoints", "no checkpoint every 500 steps", {"save_checkpoints": False}),
        (
            "dynamic-padding",
            "each batch padded to its longest tweet, not to 128",
            {"pad_to_max_length": False},
        ),
        ("length-grouping", "batches of similar length", {"group_by_length": True}),
        (
            "recipe-batch-lr",
            f"batch {recipe.batch_size} with the recipe's learning rate, "
            f"{recipe.warmup_ratio:.0%} warm-up, weight decay {recipe.weight_decay}",
            {"recipe_hyperparameters": True},
        ),
        (
            "eval-batch",
            f"evaluation batch {recipe.eval_batch_size}",
            {"eval_batch_size": recipe.eval_batch_size},
        ),
    ]
    if device == "cuda":
        steps.append(("tf32", "TF32 matmuls", {"tf32": True}))
        steps.append(("bf16", "bf16 autocast (not in the recipe)", {"bf16": True}))
    out = [NAIVE]
    for name, change, knobs in steps:
        out.append(dataclasses.replace(out[-1], name=name, change=change, **knobs))
    return out


@dataclass(frozen=True)
class PerfRow:
    """One timed fine-tuning of one model."""

    model: str
    init: str
    setup: str
    change: str
    train_rows: int
    epochs: int
    steps: int
    learning_rate: float
    batch_size: int
    optim: str
    build_s: float
    tokenize_s: float
    train_s: float
    test_s: float
    accuracy: float | None
    """``None``: not valid (a ladder step read from a schema-1 report, see ``MISORDERED``)."""
    macro_f1: float | None
    val_macro_f1: float | None = None
    token_cache_hit: bool | None = None
    selected: bool = True
    """False for a learning-rate candidate that validation did not choose."""

    @property
    def total_s(self) -> float:
        return self.build_s + self.tokenize_s + self.train_s + self.test_s

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "total_s": self.total_s}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> PerfRow:
        known = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})


@dataclass
class PerfReport:
    """Every row of one ``emobench perf`` run, with what it ran on."""

    device: str
    threads: int
    epochs: int
    seed: int
    data: dict[str, Any]
    environment: dict[str, Any]
    command: str
    rows: list[PerfRow] = field(default_factory=list)
    complete: bool = False
    created_at: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "schema": SCHEMA,
            "kind": KIND,
            **{k: v for k, v in asdict(self).items() if k != "rows"},
            "rows": [r.to_dict() for r in self.rows],
        }

    @classmethod
    def from_dict(cls, data: Any, *, origin: str = "<dict>") -> PerfReport:
        if not isinstance(data, dict) or data.get("kind") != KIND:
            raise ResultsError(f"{origin} is not an emobench perf report (no kind {KIND!r})")
        if data.get("schema") == 1:  # same fields; drop the scores schema 1 got wrong
            data = {
                **data,
                "rows": [
                    {**r, "accuracy": None, "macro_f1": None} if r["setup"] in MISORDERED else r
                    for r in data.get("rows", [])
                ],
            }
        elif data.get("schema") != SCHEMA:
            raise ResultsError(
                f"{origin} has perf schema {data.get('schema')!r}; this emobench reads schema "
                f"{SCHEMA}: re-run `emobench perf` to remake it"
            )
        fields = {f.name for f in dataclasses.fields(cls)} - {"rows"}
        try:
            rows = [PerfRow.from_dict(r) for r in data["rows"]]
            return cls(**{k: data[k] for k in fields if k in data}, rows=rows)
        except (KeyError, TypeError) as exc:
            raise ResultsError(
                f"{origin} is an incomplete perf report ({exc}); re-run `emobench perf`"
            ) from exc

    def save(self, path: str | Path) -> Path:
        write_json_atomic(path, self.to_dict())
        return Path(path)


def load_perf(path: str | Path) -> PerfReport:
    path = Path(path)
    data = read_json(path, missing="perf report", remake="re-run `emobench perf`")
    return PerfReport.from_dict(data, origin=str(path))


def _sync(device: str) -> None:
    if device == "cuda":
        import torch

        torch.cuda.synchronize()


def _build(spec: ModelSpec, init: str, seed: int, vocab_dir: Any, device: str) -> Any:
    from transformers import set_seed

    set_seed(seed)
    model, tokenizer, _ = build_model(spec, init, vocab_dir=vocab_dir, seed=seed)
    model.to(device)
    _sync(device)
    return model, tokenizer


def _scores(logits: Any, labels: Any) -> tuple[float, float]:
    m = compute_metrics([int(y) for y in labels], logits.argmax(-1).tolist())
    return m.accuracy, m.macro_f1


def tokenize_padded(dsd: Any, tokenizer: Any, max_length: int) -> Any:
    """The naive tokenization: every example padded (and truncated) to ``max_length``."""
    return dsd.map(
        lambda b: tokenizer(
            b["text"], truncation=True, max_length=max_length, padding="max_length"
        ),
        batched=True,
        remove_columns=["text"],
        load_from_cache_file=False,
    ).rename_column("label", "labels")


def run_setup(
    setup: Setup,
    spec: ModelSpec,
    init: str,
    recipe: Recipe,
    dsd: Any,
    *,
    workdir: Path,
    device: str = "cpu",
    vocab_dir: Any = None,
    quiet: bool = True,
) -> PerfRow:
    """Fine-tune ``spec`` the ``setup`` way for ``recipe.epochs`` epochs, then predict the test
    split; every phase timed (with a CUDA synchronise at each boundary)."""
    from transformers import (
        DataCollatorWithPadding,
        PrinterCallback,
        Trainer,
        default_data_collator,
    )

    from .training import tokenize_splits

    start = time.perf_counter()
    model, tokenizer = _build(spec, init, recipe.seed, vocab_dir, device)
    built = time.perf_counter()
    if setup.pad_to_max_length:
        tokenized = tokenize_padded(dsd, tokenizer, recipe.max_length)
    else:
        tokenized = tokenize_splits(dsd, tokenizer, recipe.max_length)
    tokenized_at = time.perf_counter()
    out = workdir / f"trainer-{spec.name}-{setup.name}"
    args = _setup_arguments(setup, recipe, init, out, device, quiet)
    trainer = Trainer(
        model=model,
        args=args,
        train_dataset=tokenized["train"],
        data_collator=default_data_collator
        if setup.pad_to_max_length
        else DataCollatorWithPadding(tokenizer),
    )
    if quiet:
        trainer.remove_callback(PrinterCallback)
    trainer.train()
    _sync(device)
    trained = time.perf_counter()
    prediction = trainer.predict(tokenized["test"])
    _sync(device)
    done = time.perf_counter()
    shutil.rmtree(out, ignore_errors=True)
    # With length-grouped batches, transformers 5 groups the evaluation batches by length too:
    # predictions come back in that order, not the dataset's; label_ids come in the same order.
    accuracy, macro_f1 = _scores(prediction.predictions, prediction.label_ids)
    return PerfRow(
        model=spec.name,
        init=init,
        setup=setup.name,
        change=setup.change,
        train_rows=len(dsd["train"]),
        epochs=recipe.epochs,
        steps=trainer.state.global_step,
        learning_rate=args.learning_rate,
        batch_size=args.per_device_train_batch_size,
        optim=str(getattr(args.optim, "value", args.optim)),
        build_s=built - start,
        tokenize_s=tokenized_at - built,
        train_s=trained - tokenized_at,
        test_s=done - trained,
        accuracy=accuracy,
        macro_f1=macro_f1,
    )


def _setup_arguments(
    setup: Setup, recipe: Recipe, init: str, out: Path, device: str, quiet: bool
) -> Any:
    """``TrainingArguments`` of a ladder setup: the defaults, plus the setup's changes."""
    import inspect

    from transformers import TrainingArguments

    args: dict[str, Any] = {
        "output_dir": str(out),
        "num_train_epochs": recipe.epochs,
        "seed": recipe.seed,
        "report_to": "none",
        "disable_tqdm": quiet,
        "use_cpu": device == "cpu",
    }
    if not setup.save_checkpoints:
        args["save_strategy"] = "no"
    if setup.group_by_length:
        accepted = inspect.signature(TrainingArguments.__init__).parameters
        if "train_sampling_strategy" in accepted:
            args["train_sampling_strategy"] = "group_by_length"
        else:
            args["group_by_length"] = True
    if setup.recipe_hyperparameters:
        args.update(
            per_device_train_batch_size=recipe.batch_size,
            learning_rate=recipe.lr_for(init),
            warmup_steps=recipe.warmup_ratio,
            weight_decay=recipe.weight_decay,
        )
    if setup.eval_batch_size:
        args["per_device_eval_batch_size"] = setup.eval_batch_size
    if setup.tf32 and device == "cuda":
        args["tf32"] = True
    if setup.bf16 and device == "cuda":
        args["bf16"] = True
    return TrainingArguments(**args)


def run_recipe(
    spec: ModelSpec,
    init: str,
    recipe: Recipe,
    dsd: Any,
    *,
    workdir: Path,
    token_cache: CheckpointCache,
    device: str = "cpu",
    vocab_dir: Any = None,
    quiet: bool = True,
    setup: str = "recipe",
) -> PerfRow:
    """The benchmark's own path: :func:`~.training.fine_tune`, then the test split."""
    from .pipeline import predict_logits
    from .training import fine_tune

    start = time.perf_counter()
    model, tokenizer = _build(spec, init, recipe.seed, vocab_dir, device)
    built = time.perf_counter()
    out = workdir / f"recipe-{spec.name}-{setup}"
    info = fine_tune(
        model,
        tokenizer,
        dsd,
        recipe,
        init=init,
        output_dir=out,
        device=device,
        quiet=quiet,
        token_cache=token_cache,
    )
    _sync(device)
    trained = time.perf_counter()
    logits = predict_logits(
        model,
        tokenizer,
        list(dsd["test"]["text"]),
        max_length=recipe.max_length,
        batch_size=recipe.eval_batch_size,
        device=device,
    )
    _sync(device)
    done = time.perf_counter()
    shutil.rmtree(out, ignore_errors=True)
    accuracy, macro_f1 = _scores(logits, dsd["test"]["label"])
    tokenize_s = info.tokenize_s or 0.0
    return PerfRow(
        model=spec.name,
        init=init,
        setup=setup,
        change="the project's recipe (fine_tune), per-epoch validation, best epoch kept",
        train_rows=info.train_rows,
        epochs=info.epochs_run,
        steps=-(-info.train_rows // recipe.batch_size) * info.epochs_run,
        learning_rate=recipe.lr_for(init),
        batch_size=recipe.batch_size,
        optim=recipe.optimizer,
        build_s=built - start,
        tokenize_s=tokenize_s,
        train_s=trained - built - tokenize_s,
        test_s=done - trained,
        accuracy=accuracy,
        macro_f1=macro_f1,
        val_macro_f1=info.best_val_macro_f1,
        token_cache_hit=info.token_cache_hit,
    )


def subset(dsd: Any, fraction: float) -> Any:
    """``dsd`` with ``fraction`` of its training rows, drawn as ``load_emotion`` draws them."""
    import datasets

    n = max(1, round(len(dsd["train"]) * fraction))
    train = dsd["train"].shuffle(seed=0).select(range(n))
    return datasets.DatasetDict({**dsd, "train": train})


@dataclass(frozen=True)
class PerfPlan:
    """What one ``emobench perf`` run times."""

    models: list[tuple[ModelSpec, str]]
    """``(spec, init)`` pairs; each gets a naive and a recipe row."""
    ladder: list[str] = field(default_factory=list)
    """Models that also get every ladder step (from ``ladder_from`` on)."""
    ladder_from: str | None = None
    """The first ladder step to time (the earlier ones still shape it); ``None``: all."""
    scaling: list[str] = field(default_factory=list)
    """Models whose recipe is also timed on each of ``fractions`` of the training rows."""
    fractions: tuple[float, ...] = (0.25, 0.5)
    lr_candidates: dict[str, list[float]] = field(default_factory=dict)
    """Random-init learning rates to choose from on validation macro-F1, per model."""
    naive: bool = True


def execute(
    plan: PerfPlan,
    recipe: Recipe,
    dsd: Any,
    report: PerfReport,
    output: Path,
    *,
    workdir: Path,
    device: str = "cpu",
    vocab_dir: Any = None,
    quiet: bool = True,
) -> PerfReport:
    """Run ``plan``, saving ``report`` (atomically) after every row; ``complete`` at the end."""
    token_cache = CheckpointCache(workdir / "tokens")
    common = {"workdir": workdir, "device": device, "vocab_dir": vocab_dir, "quiet": quiet}

    def add(row: PerfRow) -> None:
        report.rows.append(row)
        report.save(output)
        log.info("%s %s %s: %.1f s", row.model, row.init, row.setup, row.total_s)

    for spec, init in plan.models:
        lrs = plan.lr_candidates.get(spec.name, []) if init == "random" else []
        if lrs:
            candidates = [
                run_recipe(
                    spec,
                    init,
                    recipe.replace(learning_rate_random=lr),
                    dsd,
                    token_cache=token_cache,
                    setup=f"recipe lr={lr:g}",
                    **common,
                )
                for lr in lrs
            ]
            best = max(candidates, key=lambda r: r.val_macro_f1 or 0.0)
            for row in candidates:
                chosen_row = row is best
                add(
                    dataclasses.replace(
                        row, setup="recipe" if chosen_row else row.setup, selected=chosen_row
                    )
                )
            chosen = recipe.replace(learning_rate_random=best.learning_rate)
        else:
            add(run_recipe(spec, init, recipe, dsd, token_cache=token_cache, **common))
            chosen = recipe
        if plan.naive:
            add(run_setup(NAIVE, spec, init, chosen, dsd, **common))
        if spec.name in plan.ladder:
            steps = ladder(device, chosen)
            first = [s.name for s in steps].index(plan.ladder_from) if plan.ladder_from else 1
            for setup in steps[max(first, 1) :]:
                add(run_setup(setup, spec, init, chosen, dsd, **common))
        if spec.name in plan.scaling:
            for fraction in plan.fractions:
                add(
                    run_recipe(
                        spec,
                        init,
                        chosen,
                        subset(dsd, fraction),
                        token_cache=token_cache,
                        setup=f"recipe {fraction:.0%} rows",
                        **common,
                    )
                )
    report.complete = True
    report.save(output)
    return report


def new_report(dsd: Any, recipe: Recipe, device: str, data_source: str, command: str) -> PerfReport:
    import torch

    env = environment(device)
    env["git_commit"] = git_commit(Path(__file__).parent)
    return PerfReport(
        device=device,
        threads=torch.get_num_threads(),
        epochs=recipe.epochs,
        seed=recipe.seed,
        data={
            "source": data_source,
            "fingerprint": fingerprint(dsd),
            "rows": {k: len(v) for k, v in dsd.items()},
        },
        environment=env,
        command=command,
        created_at=_dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
    )


@dataclass(frozen=True)
class Comparison:
    """Naive against recipe for one model, from one report."""

    model: str
    init: str
    naive: PerfRow
    recipe: PerfRow

    @property
    def speedup(self) -> float:
        return self.naive.total_s / self.recipe.total_s

    @property
    def accuracy_delta(self) -> float:
        """Recipe minus naive, in points."""
        return 100 * (_score(self.recipe.accuracy) - _score(self.naive.accuracy))


def _score(value: float | None) -> float:
    if value is None:
        raise ValueError("a naive or recipe row without test scores")
    return value


def _f4(value: float | None) -> str:
    return "—" if value is None else f"{value:.4f}"


def comparisons(report: PerfReport) -> list[Comparison]:
    out = []
    for row in report.rows:
        if row.setup != "recipe" or not row.selected:
            continue
        naive = [r for r in report.rows if r.setup == "naive" and r.model == row.model]
        if naive:
            out.append(Comparison(row.model, row.init, naive[0], row))
    return out


def selected_recipe_rows(report: PerfReport) -> list[PerfRow]:
    return [r for r in report.rows if r.setup == "recipe" and r.selected]


def ladder_rows(report: PerfReport, model: str) -> list[PerfRow]:
    names = [s.name for s in ladder(report.device, Recipe())]
    rows = {r.setup: r for r in report.rows if r.model == model and r.setup in names}
    return [rows[n] for n in names if n in rows]


def scaling_rows(report: PerfReport, model: str) -> list[PerfRow]:
    rows = [
        r
        for r in report.rows
        if r.model == model
        and r.selected
        and (r.setup == "recipe" or r.setup.startswith("recipe ") and r.setup.endswith("rows"))
    ]
    return sorted(rows, key=lambda r: r.train_rows) if len(rows) > 1 else []


def _fmt_rows(rows: Sequence[PerfRow]) -> list[list[str]]:
    return [
        [
            r.model,
            r.setup,
            f"{r.total_s:.1f}",
            f"{r.train_s:.1f}",
            f"{r.tokenize_s:.2f}",
            f"{r.test_s:.2f}",
            str(r.steps),
            _f4(r.accuracy),
            _f4(r.macro_f1),
        ]
        for r in rows
    ]


ROW_HEADERS = [
    "model",
    "setup",
    "total s",
    "train s",
    "tokenize s",
    "test s",
    "steps",
    "accuracy",
    "macro-F1",
]


def summary_lines(report: PerfReport) -> list[str]:
    """Plain-text tables of a report: the comparison, the ladder, the scaling."""
    from tabulate import tabulate

    lines = []
    comps = comparisons(report)
    if comps:
        lines.append(
            tabulate(
                [
                    [
                        c.model,
                        c.init,
                        f"{c.naive.total_s:.1f}",
                        f"{c.recipe.total_s:.1f}",
                        f"{c.speedup:.2f}x",
                        _f4(c.naive.accuracy),
                        _f4(c.recipe.accuracy),
                        f"{c.accuracy_delta:+.2f}",
                    ]
                    for c in comps
                ],
                headers=[
                    "model",
                    "init",
                    "naive s",
                    "recipe s",
                    "speed-up",
                    "naive acc",
                    "recipe acc",
                    "Δ acc (points)",
                ],
            )
        )
    recipes = selected_recipe_rows(report)
    if recipes:
        total = sum(r.total_s for r in recipes)
        lines.append(f"recipe, {len(recipes)} model(s), {report.epochs} epochs: {total:.1f} s")
    lines.append(tabulate(_fmt_rows(report.rows), headers=ROW_HEADERS))
    return lines


# ---------------------------------------------------------------------------- markdown


def _where(report: PerfReport) -> str:
    env = report.environment
    stack = f"torch {env.get('torch')}, transformers {env.get('transformers')}"
    machine = env.get("gpu_name") or env.get("cpu_model") or report.device
    commit = str(env.get("git_commit") or "unknown")[:7]
    return (
        f"{report.device.upper()}: {machine}, {report.threads} threads; {stack}; commit {commit}; "
        f"data {str(report.data.get('fingerprint', ''))[:12]} "
        f"({report.data.get('rows', {}).get('train', '?')} training rows); seed {report.seed}; "
        f"{report.epochs} epochs"
    )


def _comparison_table(report: PerfReport) -> list[str]:
    from tabulate import tabulate

    comps = comparisons(report)
    if not comps:
        return []
    rows = [
        [
            c.model,
            c.init,
            f"{c.naive.total_s:.1f}",
            f"{c.recipe.total_s:.1f}",
            f"**{c.speedup:.2f}×**",
            _f4(c.naive.accuracy),
            _f4(c.recipe.accuracy),
            f"{c.accuracy_delta:+.2f}",
            _f4(c.naive.macro_f1),
            _f4(c.recipe.macro_f1),
        ]
        for c in comps
    ]
    naive = sum(c.naive.total_s for c in comps)
    recipe = sum(c.recipe.total_s for c in comps)
    rows.append(
        ["all", "", f"{naive:.1f}", f"{recipe:.1f}", f"**{naive / recipe:.2f}×**"] + [""] * 5
    )
    headers = [
        "model",
        "init",
        "naive s",
        "recipe s",
        "speed-up",
        "naive accuracy",
        "recipe accuracy",
        "Δ accuracy (points)",
        "naive macro-F1",
        "recipe macro-F1",
    ]
    return [tabulate(rows, headers=headers, tablefmt="github", disable_numparse=True)]


def _ladder_table(report: PerfReport, model: str) -> list[str]:
    from tabulate import tabulate

    rows = ladder_rows(report, model)
    if len(rows) < 2:
        return []
    naive = next((r for r in rows if r.setup == "naive"), None)
    body = []
    for prev, row in zip([None, *rows], rows, strict=False):
        body.append(
            [
                row.setup,
                row.change,
                f"{row.total_s:.1f}",
                f"{row.train_s:.1f}",
                f"{row.test_s:.2f}",
                "—" if prev is None else f"{prev.total_s / row.total_s:.2f}×",
                "—" if naive is None else f"{naive.total_s / row.total_s:.2f}×",
                _f4(row.accuracy),
            ]
        )
    headers = [
        "step",
        "change (cumulative)",
        "total s",
        "train s",
        "test s",
        "× previous step",
        "× naive",
        "accuracy",
    ]
    return [
        f"Each change on its own, {model} ({rows[0].init}):",
        "",
        tabulate(body, headers=headers, tablefmt="github", disable_numparse=True),
    ]


def _scaling_table(report: PerfReport, model: str) -> list[str]:
    from tabulate import tabulate

    rows = scaling_rows(report, model)
    if not rows:
        return []
    full = max(r.train_rows for r in rows)
    small = rows[0]
    body = [
        [
            f"{r.train_rows:,}",
            f"{r.train_rows / full:.0%}",
            f"{r.train_s:.1f}",
            f"{1000 * r.train_s / r.train_rows:.2f}",
            f"{r.train_s / small.train_s:.2f}",
            _f4(r.accuracy),
        ]
        for r in rows
    ]
    headers = [
        "training rows",
        "share",
        "train s",
        "train s per 1,000 rows",
        "train s / smallest",
        "accuracy",
    ]
    return [
        f"Training time against training rows, recipe, {model} ({rows[0].init}) "
        "(train s includes the per-epoch validation, a fixed cost):",
        "",
        tabulate(body, headers=headers, tablefmt="github", disable_numparse=True),
    ]


def _lr_table(report: PerfReport) -> list[str]:
    from tabulate import tabulate

    models = {r.model for r in report.rows if not r.selected}
    rows = [
        r
        for r in report.rows
        if r.model in models and (r.setup == "recipe" or r.setup.startswith("recipe lr="))
    ]
    if not rows:
        return []
    body = [
        [
            r.model,
            f"{r.learning_rate:g}",
            f"{r.val_macro_f1:.4f}" if r.val_macro_f1 is not None else "—",
            "chosen" if r.selected else "",
            _f4(r.accuracy),
        ]
        for r in rows
    ]
    return [
        "Random-init learning rate chosen on validation macro-F1 (test accuracy shown, not used):",
        "",
        tabulate(
            body,
            headers=["model", "learning rate", "val macro-F1", "", "test accuracy"],
            tablefmt="github",
            disable_numparse=True,
        ),
    ]


def markdown_lines(reports: Sequence[tuple[str, PerfReport]]) -> list[str]:
    """The "Training cost" section of RESULTS.md from perf reports (label = file path)."""
    if not reports:
        return []
    out = [
        "## Training cost: the naive pipeline against the recipe (`emobench perf`)",
        "",
        "Naive: " + NAIVE.change + ". Recipe: the benchmark's `fine_tune` (dynamic padding, "
        "length-grouped batches, batch 32, evaluation batch 256, tokenization cached, TF32 on "
        "CUDA, validation after every epoch with the best epoch kept), then the test "
        "split. Both sides: the same epochs and seed, one after the other in one process; wall "
        "time covers building the model, tokenizing, training and predicting the test split. "
        "Speed-up = naive s / recipe s; Δ = recipe − naive.",
        "",
    ]
    for label, report in reports:
        out += [f"### {report.device.upper()} (`{label}`)", "", _where(report), ""]
        if not report.complete:
            out += ["**This run did not finish: only the rows below were measured.**", ""]
        if any(r.accuracy is None for r in report.rows):
            out += [
                "—: no valid test score. This run's code compared the length-grouped "
                "predictions of those ladder steps with labels in dataset order (fixed since: "
                "perf schema 2); their times stand.",
                "",
            ]
        out += [f"Command: `{report.command}`", ""]
        for block in (
            _comparison_table(report),
            _lr_table(report),
            *(_ladder_table(report, m) for m in sorted({r.model for r in report.rows})),
            *(_scaling_table(report, m) for m in sorted({r.model for r in report.rows})),
        ):
            if block:
                out += [*block, ""]
    return out
