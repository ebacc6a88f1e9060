"""Choose the epoch budget and the learning rate together, on validation macro-F1 over seeds.

Each cell fine-tunes with the recipe's schedule fitted to its budget (it anneals to zero at the
last step), keeps its best epoch, and records that epoch's validation macro-F1; the choice is
the budget and rate with the best mean over seeds. The test split is never looked at. The
report is saved after every cell, so an interrupted run keeps what it measured, and a cell
trains in a checkpoint-cache workspace of its own (keyed like a cached checkpoint), so a cell
that was stopped resumes from its last epoch.

    emobench tune --models bert-tiny --init random --epochs 3,4,6 \\
        --learning-rates 5e-4,1e-3,2e-3 --seeds 42,43 --output results/tune/bert-tiny-random.json
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

from emobench_core.cache import CheckpointCache
from emobench_core.config import Recipe
from emobench_core.data.fingerprint import label_names
from emobench_core.models.loading import build_model
from emobench_core.models.registry import backend_for
from emobench_core.models.spec import ModelSpec
from emobench_core.scenarios.provenance import data_record, now, run_environment
from emobench_core.scenarios.run import cache_parts
from emobench_core.schema.tune import TuneCell, TuneReport
from emobench_core.training.trainer import fine_tune


def new_report(
    dsd: Any,
    recipe: Recipe,
    grid: dict[str, Any],
    device: str,
    data_source: str,
    command: str,
) -> TuneReport:
    return TuneReport(
        grid=grid,
        recipe=recipe.to_dict(),
        data=data_record(dsd, data_source),
        environment=run_environment(device),
        command=command,
        created_at=now(),
    )


def tune(
    models: Sequence[tuple[ModelSpec, str]],
    recipe: Recipe,
    dsd: Any,
    report: TuneReport,
    output: Path,
    *,
    cache: CheckpointCache,
    device: str = "cpu",
    vocab_dir: Any = None,
    quiet: bool = True,
) -> TuneReport:
    """Fine-tune every ``(model, init)`` on every cell of ``report.grid`` not yet in the report
    (a re-run resumes), saving the report after each; ``complete`` at the end. ``cache`` holds
    the tokenized splits and each cell's workspace while it trains."""
    from transformers import set_seed

    done = {(c.model, c.init, c.epochs, c.learning_rate, c.seed) for c in report.cells}
    grid = report.grid
    for spec, init in models:
        for epochs in grid["epochs"]:
            for lr in grid["learning_rates"]:
                for seed in grid["seeds"]:
                    if (spec.name, init, epochs, lr, seed) in done:
                        continue
                    cell = recipe.replace(
                        epochs=epochs, epochs_random=epochs, seed=seed, **_rate(init, lr)
                    )
                    set_seed(seed)
                    model, tokenizer, _ = build_model(
                        spec, init, label_names(dsd), vocab_dir=vocab_dir, seed=seed
                    )
                    data_fp = report.data["fingerprint"]
                    machine = backend_for(spec).machine_parts(cell, device)
                    parts = cache_parts(
                        spec, init, cell, data_fp, device, {"tune_cell": True, "machine": machine}
                    )
                    with cache.workspace(parts, f"tune cell of {spec.name}") as work:
                        info = fine_tune(
                            model,
                            tokenizer,
                            dsd,
                            cell,
                            init=init,
                            output_dir=work,
                            device=device,
                            quiet=quiet,
                            token_cache=cache.tokens(),
                            data_fp=data_fp,
                            resumable=True,
                        )
                    report.cells.append(
                        TuneCell(
                            model=spec.name,
                            init=init,
                            epochs=epochs,
                            learning_rate=lr,
                            seed=seed,
                            val_macro_f1=info.best_val_macro_f1,
                            final_val_macro_f1=info.history[-1].val_macro_f1,
                            best_epoch=info.best_epoch,
                            train_s=info.wall_s,
                            precision=info.precision,
                            resumed_at_epochs=tuple(info.resumed_at_epochs or ()),
                        )
                    )
                    report.save(output)
    report.complete = True
    report.save(output)
    return report


def _rate(init: str, lr: float) -> dict[str, float]:
    return {"learning_rate_random": lr} if init == "random" else {"learning_rate": lr}
