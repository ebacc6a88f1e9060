"""Is CPU bf16 autocast safe to keep in the recipe? Fine-tune one model with the recipe in fp32
and in bf16 autocast for each seed, score both on the test split, and save every figure.

The recipe keeps ``cpu_bf16`` only if the mean test accuracy over the seeds stays within half a
point of fp32's.

    python scripts/bf16_check.py --model bert-tiny --seeds 42,43,44 \\
        --data-dir ../shared/data/emotion --vocab-dir ../shared/data/tokenizers/bert-base-uncased \\
        --output results/recipe/bf16-check-bert-tiny.json
"""

from __future__ import annotations

import argparse
import datetime as _dt
import tempfile
from pathlib import Path

import numpy as np
from transformers import set_seed

from emobench_core.config import RecipeRequest
from emobench_core.data.fingerprint import fingerprint, label_names
from emobench_core.data.loading import load_data
from emobench_core.measure.environment import environment, git_commit
from emobench_core.metrics.evaluation import compute_metrics
from emobench_core.models.backends.transformer import predict_logits
from emobench_core.models.loading import build_model
from emobench_core.models.recipes import recipe_for
from emobench_core.models.registry import get_spec
from emobench_core.schema.base import write_json_atomic
from emobench_core.training.trainer import fine_tune

MARGIN_PTS = 0.5


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--model", default="bert-tiny")
    p.add_argument("--seeds", default="42,43,44")
    p.add_argument("--data-dir", default=None)
    p.add_argument("--vocab-dir", default=None)
    p.add_argument("--output", type=Path, required=True)
    ns = p.parse_args()
    spec = get_spec(ns.model)
    dsd = load_data(ns.data_dir)
    labels = label_names(dsd)
    y_true = list(dsd["test"]["label"])
    rows = []
    for bf16 in (False, True):
        for seed in [int(s) for s in ns.seeds.split(",")]:
            recipe = recipe_for(spec, RecipeRequest(seed=seed, cpu_bf16=bf16))
            set_seed(seed)
            model, tok, _ = build_model(spec, "random", labels, vocab_dir=ns.vocab_dir, seed=seed)
            with tempfile.TemporaryDirectory() as tmp:
                info = fine_tune(
                    model, tok, dsd, recipe, init="random", output_dir=Path(tmp), quiet=True
                )
            logits = predict_logits(
                model,
                tok,
                list(dsd["test"]["text"]),
                max_length=recipe.max_length,
                batch_size=recipe.eval_batch_size,
                device="cpu",
            )
            m = compute_metrics(y_true, logits.argmax(-1).tolist(), labels)
            rows.append(
                {
                    "precision": info.precision,
                    "seed": seed,
                    "train_s": info.wall_s,
                    "val_macro_f1": info.best_val_macro_f1,
                    "test_accuracy": m.accuracy,
                    "test_macro_f1": m.macro_f1,
                    "recipe": recipe.to_dict(),
                }
            )
            print(rows[-1]["precision"], seed, f"{m.accuracy:.4f}", f"{info.wall_s:.1f} s")
    acc = {
        k: float(np.mean([r["test_accuracy"] for r in rows if r["precision"] == k]))
        for k in {r["precision"] for r in rows}
    }
    diff = 100 * (acc.get("bf16 autocast", np.nan) - acc.get("fp32", np.nan))
    env = environment("cpu")
    env["git_commit"] = git_commit(Path(__file__).parent)
    write_json_atomic(
        ns.output,
        {
            "schema": "emobench.bf16-check",
            "schema_version": 1,
            "model": spec.name,
            "data_fingerprint": fingerprint(dsd),
            "margin_pts": MARGIN_PTS,
            "mean_test_accuracy": acc,
            "bf16_minus_fp32_pts": diff,
            "keep_bf16": bool(abs(diff) <= MARGIN_PTS or diff > 0),
            "rows": rows,
            "environment": env,
            "created_at": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        },
    )
    print(f"bf16 - fp32: {diff:+.2f} points of mean test accuracy (margin {MARGIN_PTS})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
