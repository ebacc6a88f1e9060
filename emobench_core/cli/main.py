"""The ``emobench`` command line.

    emobench run --models bert-tiny,tfidf-svm --init random --output runs/
    emobench data --output runs/data
    emobench predict --checkpoint runs/bert-tiny "i feel happy"

Run ``emobench COMMAND --help`` for each command's options.
"""

from __future__ import annotations

import argparse
import logging
import os
import shutil
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from emobench_core.config import INITS, LABELS, Recipe
from emobench_core.errors import UsageError

log = logging.getLogger("emobench")


def _recipe_args(p: argparse.ArgumentParser) -> None:
    d = Recipe()
    g = p.add_argument_group("recipe (defaults: the shared recipe, see README)")
    g.add_argument("--epochs", type=int, default=d.epochs, help=f"default: {d.epochs}")
    g.add_argument("--batch-size", type=int, default=d.batch_size, help=f"default: {d.batch_size}")
    g.add_argument("--max-length", type=int, default=d.max_length, help=f"default: {d.max_length}")
    g.add_argument(
        "--learning-rate",
        type=float,
        default=d.learning_rate,
        help=f"for pretrained weights; default: {d.learning_rate}",
    )
    g.add_argument(
        "--learning-rate-random",
        type=float,
        default=d.learning_rate_random,
        help=f"for random init; default: {d.learning_rate_random}",
    )
    g.add_argument(
        "--max-train-rows",
        type=int,
        default=None,
        help="train on a seeded sample of this many rows; default: all",
    )


def _data_args(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--data-dir",
        default=None,
        help="folder with train/validation/test as .jsonl/.csv/.parquet; default: "
        "$EMOBENCH_DATA_DIR, else dair-ai/emotion from the hub",
    )


def _model_args(p: argparse.ArgumentParser, *, init: bool = True) -> None:
    """--init (unless the command has its own), --vocab-dir, --device, --cache-dir."""
    if init:
        p.add_argument(
            "--init",
            choices=INITS,
            default="pretrained",
            help="pretrained weights, or the same architecture randomly initialised; "
            "default: pretrained",
        )
    p.add_argument(
        "--vocab-dir",
        default=None,
        help="folder with the bert-base-uncased vocab.txt, for random init; "
        "default: $EMOBENCH_VOCAB_DIR, else the hub",
    )
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="default: cpu")
    p.add_argument(
        "--cache-dir",
        default=None,
        help="checkpoint cache; default: $EMOBENCH_CACHE_DIR or ~/.cache/emobench",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="emobench",
        description="Fine-tune, evaluate and measure compact transformer emotion classifiers.",
    )
    parser.add_argument("--quiet", action="store_true", help="no progress bars; default: off")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "run",
        help="the main job: every model through the whole pipeline",
        description="Fine-tune (or reuse from the cache), evaluate and measure "
        "each model and seed; write one results JSON per run.",
    )
    p.add_argument(
        "--models",
        default="bert-tiny,bert-mini,tfidf-svm",
        help="comma-separated registry names, hub ids or folders; "
        "default: bert-tiny,bert-mini,tfidf-svm",
    )
    p.add_argument("--seeds", default="42", help="comma-separated seeds; default: 42")
    p.add_argument("--output", required=True, type=Path, help="folder for the results JSON")
    _data_args(p)
    _model_args(p)
    _recipe_args(p)

    p = sub.add_parser(
        "distill",
        help="students taught by a fine-tuned teacher (knowledge distillation)",
        description="Fine-tune (or reuse) the teacher, cache its logits on the training split, "
        "then train each student on the Hinton objective (Recipe.kd_alpha, kd_temperature); "
        "one results JSON per student and seed, as rows '<student> ← <teacher> (KD)'.",
    )
    p.add_argument("--teacher", default="minilm-l6", help="default: minilm-l6")
    p.add_argument(
        "--teacher-init", choices=INITS, default="pretrained", help="default: pretrained"
    )
    p.add_argument(
        "--student",
        dest="models",
        default="bert-tiny",
        help="comma-separated student models; default: bert-tiny",
    )
    p.add_argument(
        "--student-init", dest="init", choices=INITS, default="random", help="default: random"
    )
    p.add_argument("--seeds", default="42", help="comma-separated seeds; default: 42")
    p.add_argument("--output", required=True, type=Path, help="folder for the results JSON")
    _data_args(p)
    _model_args(p, init=False)
    _recipe_args(p)

    p = sub.add_parser(
        "train",
        help="fine-tune one model and save its checkpoint",
        description="Fine-tune one model (or reuse it from the cache) and copy "
        "the checkpoint to --output.",
    )
    p.add_argument("--model", required=True, help="registry name, hub id or folder")
    p.add_argument("--seed", type=int, default=42, help="default: 42")
    p.add_argument("--output", required=True, type=Path, help="folder for the checkpoint")
    _data_args(p)
    _model_args(p)
    _recipe_args(p)

    p = sub.add_parser("evaluate", help="test-split metrics of a fine-tuned checkpoint")
    p.add_argument(
        "--checkpoint", required=True, type=Path, help="folder written by `emobench train`"
    )
    p.add_argument("--device", choices=("cpu", "cuda"), default="cpu", help="default: cpu")
    p.add_argument("--output", type=Path, default=None, help="write metrics JSON here")
    _data_args(p)

    p = sub.add_parser(
        "predict",
        help="label and probabilities for texts",
        description="Texts come as arguments, or one per line on stdin.",
    )
    p.add_argument(
        "--checkpoint", required=True, type=Path, help="folder written by `emobench train`"
    )
    p.add_argument("texts", nargs="*", help="texts to classify; default: read stdin")

    p = sub.add_parser(
        "perf",
        help="training cost: the naive Trainer pipeline against the recipe, in one run",
        description="Time the naive pipeline (Trainer defaults, padding to 128, fp32) and the "
        "project's recipe on each model, same epochs, same machine, one after the other; "
        "optionally the recipe's changes one at a time (--ladder) and the recipe on 25%%/50%% "
        "of the training rows (--scaling). Prints the ratios; writes every row to --output.",
    )
    p.add_argument("--models", default="bert-tiny,bert-mini", help="default: bert-tiny,bert-mini")
    p.add_argument(
        "--init",
        choices=(*INITS, "auto"),
        default="random",
        help="auto: pretrained where the weights can be had, else random; default: random",
    )
    p.add_argument(
        "--ladder", default="", help="models that also get each change on its own; default: none"
    )
    p.add_argument(
        "--ladder-from",
        default=None,
        metavar="STEP",
        help="time the ladder from this step on (the earlier steps still apply); default: all",
    )
    p.add_argument(
        "--scaling", default="", help="models also timed on 25%%/50%% of the rows; default: none"
    )
    p.add_argument(
        "--select-lr",
        action="append",
        default=[],
        metavar="MODEL=LR,LR",
        help="random-init learning rates to choose from on validation macro-F1 (repeatable)",
    )
    p.add_argument("--no-naive", action="store_true", help="time the recipe alone")
    p.add_argument("--seed", type=int, default=42, help="default: 42")
    p.add_argument("--output", required=True, type=Path, help="the perf JSON to write")
    p.add_argument(
        "--workdir", type=Path, default=None, help="scratch folder; default: a temporary one"
    )
    _data_args(p)
    _model_args(p, init=False)
    _recipe_args(p)
    p.set_defaults(epochs=3)

    p = sub.add_parser("data", help="the data-understanding report (markdown + PNG)")
    p.add_argument("--output", required=True, type=Path, help="folder for data.md and PNGs")
    p.add_argument(
        "--max-length",
        type=int,
        default=Recipe().max_length,
        help=f"default: {Recipe().max_length}",
    )
    p.add_argument(
        "--vocab-dir",
        default=None,
        help="folder with the bert-base-uncased vocab.txt; default: "
        "$EMOBENCH_VOCAB_DIR, else the hub",
    )
    _data_args(p)

    for name, text in (
        ("report", "render RESULTS.md from benchmark and results JSON"),
        ("latency", "CPU latency and inference memory of each architecture (random weights)"),
        ("recommend", "the best model under a latency / size / memory budget"),
        ("deploy", "ONNX Runtime and int8 variants: size, CPU latency, accuracy change"),
    ):
        p = sub.add_parser(name, help=text, add_help=False)
        p.add_argument("args", nargs=argparse.REMAINDER, help=argparse.SUPPRESS)

    sub.add_parser("models", help="list the registered models")
    return parser


def _recipe(ns: argparse.Namespace, seed: int) -> Recipe:
    try:
        return Recipe(
            epochs=ns.epochs,
            batch_size=ns.batch_size,
            max_length=ns.max_length,
            learning_rate=ns.learning_rate,
            learning_rate_random=ns.learning_rate_random,
            max_train_rows=ns.max_train_rows,
            seed=seed,
        )
    except ValueError as exc:
        raise UsageError(str(exc)) from exc


def _check_device(device: str) -> None:
    if device == "cuda":
        import torch

        if not torch.cuda.is_available():
            raise UsageError(
                "--device cuda was given but this machine has no CUDA device "
                "torch can use; drop --device (CPU is the default)"
            )


def _seeds(value: str) -> list[int]:
    try:
        seeds = [int(s) for s in value.split(",") if s.strip()]
    except ValueError as exc:
        raise UsageError(
            f"--seeds {value!r} must be comma-separated integers, e.g. 42,43,44"
        ) from exc
    if not seeds:
        raise UsageError("--seeds is empty; give at least one, e.g. --seeds 42")
    return seeds


def _cache(ns: argparse.Namespace) -> Any:
    from emobench_core.cache import CheckpointCache, default_cache_dir

    return CheckpointCache(ns.cache_dir or default_cache_dir())


def cmd_run(ns: argparse.Namespace) -> int:
    from emobench_core.data.loading import load_emotion, source_label
    from emobench_core.models.registry import get_spec, parse_models
    from emobench_core.scenarios.run import Teacher, run_model

    specs = parse_models(ns.models)
    teacher = None
    if getattr(ns, "teacher", None):
        teacher = Teacher(get_spec(ns.teacher), ns.teacher_init)
    seeds = _seeds(ns.seeds)
    _check_device(ns.device)
    recipes = [_recipe(ns, s) for s in seeds]
    dsd = load_emotion(ns.data_dir, max_train_rows=ns.max_train_rows)
    source = source_label(ns.data_dir)
    cache = _cache(ns)
    rows = []
    for spec in specs:
        for recipe in recipes if spec.is_transformer else recipes[:1]:
            log.info("== %s (%s), seed %d", spec.name, ns.init, recipe.seed)
            result = run_model(
                spec,
                ns.init,
                recipe,
                dsd,
                cache=cache,
                device=ns.device,
                data_source=source,
                vocab_dir=ns.vocab_dir,
                quiet=ns.quiet,
                teacher=teacher,
            )
            path = result.save(ns.output)
            m, e = result.metrics, result.efficiency
            rows.append(
                [
                    result.label,
                    result.seed,
                    f"{m.accuracy:.4f}",
                    f"{m.macro_f1:.4f}",
                    f"{result.model.params_total / 1e6:.2f}M",
                    f"{e.latency_b1.p50_ms:.2f}",
                    f"{result.training.wall_s:.0f}",
                    path.name,
                ]
            )
    from tabulate import tabulate

    print(
        tabulate(
            rows,
            headers=[
                "model",
                "seed",
                "accuracy",
                "macro-F1",
                "params",
                "p50 ms (b1)",
                "train s",
                "results file",
            ],
        )
    )
    return 0


def cmd_train(ns: argparse.Namespace) -> int:
    from emobench_core.data.loading import load_emotion
    from emobench_core.models.registry import get_spec
    from emobench_core.scenarios.run import train_checkpoint

    spec = get_spec(ns.model)
    _check_device(ns.device)
    recipe = _recipe(ns, ns.seed)
    dsd = load_emotion(ns.data_dir, max_train_rows=ns.max_train_rows)
    entry, hit = train_checkpoint(
        spec,
        ns.init,
        recipe,
        dsd,
        cache=_cache(ns),
        device=ns.device,
        vocab_dir=ns.vocab_dir,
        quiet=ns.quiet,
    )
    src = entry / "model" if spec.is_transformer else entry
    init = ns.init if spec.is_transformer else "n/a"
    _publish_copy(src, ns.output)
    print(f"{'reused' if hit else 'trained'} {spec.name} ({init}); checkpoint in {ns.output}")
    return 0


def _publish_copy(src: Path, dst: Path) -> None:
    """Copy ``src`` to ``dst`` through a staging folder, so ``dst`` is whole or absent."""
    staging = dst.with_name(f".{dst.name}.staging-{os.getpid()}")
    shutil.rmtree(staging, ignore_errors=True)
    try:
        shutil.copytree(src, staging)
        if dst.exists():
            shutil.rmtree(dst)
        os.replace(staging, dst)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def cmd_evaluate(ns: argparse.Namespace) -> int:
    from emobench_core.data.loading import load_emotion
    from emobench_core.metrics.evaluation import compute_metrics
    from emobench_core.scenarios.run import load_checkpoint, predict_logits
    from emobench_core.schema.base import write_json_atomic

    _check_device(ns.device)
    model, tok = load_checkpoint(ns.checkpoint)
    dsd = load_emotion(ns.data_dir)
    logits = predict_logits(
        model,
        tok,
        list(dsd["test"]["text"]),
        max_length=Recipe().max_length,
        batch_size=256,
        device=ns.device,
    )
    metrics = compute_metrics(list(dsd["test"]["label"]), logits.argmax(-1).tolist())
    print(
        f"accuracy {metrics.accuracy:.4f}  macro-F1 {metrics.macro_f1:.4f}  "
        f"weighted-F1 {metrics.weighted_f1:.4f}  (n={metrics.n})"
    )
    for name, c in metrics.per_class.items():
        print(f"  {name:<9} P {c.precision:.3f}  R {c.recall:.3f}  F1 {c.f1:.3f}  n={c.support}")
    if ns.output:
        write_json_atomic(ns.output, metrics.to_dict())
    return 0


def cmd_predict(ns: argparse.Namespace) -> int:
    import json

    import numpy as np

    from emobench_core.scenarios.run import load_checkpoint, predict_logits

    texts = ns.texts or [line.rstrip("\n") for line in sys.stdin if line.strip()]
    if not texts:
        raise UsageError("no texts given: pass them as arguments or one per line on stdin")
    model, tok = load_checkpoint(ns.checkpoint)
    logits = predict_logits(
        model, tok, texts, max_length=Recipe().max_length, batch_size=64, device="cpu"
    )
    probs = np.exp(logits - logits.max(-1, keepdims=True))
    probs /= probs.sum(-1, keepdims=True)
    for text, p in zip(texts, probs, strict=True):
        print(
            json.dumps(
                {
                    "text": text,
                    "label": LABELS[int(p.argmax())],
                    "probabilities": {
                        n: round(float(v), 4) for n, v in zip(LABELS, p, strict=True)
                    },
                }
            )
        )
    return 0


def cmd_data(ns: argparse.Namespace) -> int:
    from emobench_core.data.loading import load_emotion
    from emobench_core.data.report import data_report
    from emobench_core.models.registry import load_tokenizer, resolve_vocab_dir

    dsd = load_emotion(ns.data_dir)
    tok = load_tokenizer(resolve_vocab_dir(ns.vocab_dir))
    path = data_report(dsd, tok, ns.output, max_length=ns.max_length)
    print(f"wrote {path}")
    return 0


def _lr_candidates(values: list[str], names: list[str]) -> dict[str, list[float]]:
    out = {}
    for value in values:
        model, _, lrs = value.partition("=")
        if model not in names:
            raise UsageError(
                f"--select-lr {value!r}: {model!r} is not in --models ({', '.join(names)})"
            )
        try:
            out[model] = [float(x) for x in lrs.split(",") if x.strip()]
        except ValueError:
            out[model] = []
        if not out[model] or min(out[model]) <= 0:
            raise UsageError(
                f"--select-lr {value!r} must be MODEL=LR,LR with positive rates, "
                "e.g. distilbert=1e-4,2e-4"
            )
    return out


def cmd_perf(ns: argparse.Namespace) -> int:
    import shlex
    import tempfile

    from emobench_core.data.loading import load_emotion, source_label
    from emobench_core.models.registry import parse_models, resolve_init
    from emobench_core.report.perf import summary_lines
    from emobench_core.scenarios.perf import PerfPlan, execute, new_report
    from emobench_core.schema.perf import ladder_steps

    specs = [s for s in parse_models(ns.models) if s.is_transformer]
    if not specs:
        raise UsageError(f"--models {ns.models!r} names no transformer model to fine-tune")
    names = [s.name for s in specs]
    for option in ("ladder", "scaling"):
        extra = [m for m in getattr(ns, option).split(",") if m and m not in names]
        if extra:
            raise UsageError(f"--{option} names {extra}, which --models does not include")
    _check_device(ns.device)
    steps = ladder_steps(ns.device)
    if ns.ladder_from is not None and ns.ladder_from not in steps:
        raise UsageError(f"--ladder-from {ns.ladder_from!r} must be one of {', '.join(steps)}")
    plan = PerfPlan(
        models=[(s, resolve_init(s, ns.init)) for s in specs],
        ladder=[m for m in ns.ladder.split(",") if m],
        ladder_from=ns.ladder_from,
        scaling=[m for m in ns.scaling.split(",") if m],
        lr_candidates=_lr_candidates(ns.select_lr, names),
        naive=not ns.no_naive,
    )
    recipe = _recipe(ns, ns.seed)
    dsd = load_emotion(ns.data_dir, max_train_rows=ns.max_train_rows)
    argv = sys.argv[1:]
    command = "emobench perf " + shlex.join(
        argv[argv.index("perf") + 1 :] if "perf" in argv else []
    )
    report = new_report(dsd, recipe, ns.device, source_label(ns.data_dir), command)
    with tempfile.TemporaryDirectory(prefix="emobench-perf-") as tmp:
        workdir = ns.workdir or Path(tmp)
        execute(
            plan,
            recipe,
            dsd,
            report,
            ns.output,
            workdir=workdir,
            device=ns.device,
            vocab_dir=ns.vocab_dir,
            quiet=ns.quiet,
        )
    print("\n\n".join(summary_lines(report)))
    print(f"\nwrote {ns.output}")
    return 0


def cmd_models(ns: argparse.Namespace) -> int:
    from emobench_core.models.registry import REGISTRY

    for spec in REGISTRY.values():
        print(f"{spec.name:<11} {spec.source:<40} {spec.description}")
    return 0


COMMANDS = {
    "distill": cmd_run,
    "run": cmd_run,
    "train": cmd_train,
    "evaluate": cmd_evaluate,
    "predict": cmd_predict,
    "data": cmd_data,
    "models": cmd_models,
    "perf": cmd_perf,
}


def main(argv: Sequence[str] | None = None) -> int:
    from emobench_core.errors import DataError, RegistryError, ResultsError

    args = list(sys.argv[1:] if argv is None else argv)
    own = args[1:] if args[:1] == ["--quiet"] else args  # they print no progress anyway
    if own and own[0] in ("report", "recommend"):  # own parsers, own --help
        from emobench_core.report.render import main as report_main
        from emobench_core.report.render import recommend_main

        return (report_main if own[0] == "report" else recommend_main)(own[1:])
    if own and own[0] == "latency":  # own parser, own --help
        from emobench_core.scenarios.probe import main as latency_main

        return latency_main(own[1:])
    if own and own[0] == "deploy":  # own parser, own --help
        from emobench_core.scenarios.deploy import main as deploy_main

        return deploy_main(own[1:])
    ns = build_parser().parse_args(args)
    logging.basicConfig(
        level=logging.WARNING if ns.quiet else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if ns.quiet:
        os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
        import datasets
        import transformers

        datasets.disable_progress_bars()
        transformers.utils.logging.disable_progress_bar()
        transformers.utils.logging.set_verbosity_error()
    try:
        return COMMANDS[ns.command](ns)
    except (UsageError, DataError, RegistryError, ResultsError, FileNotFoundError) as exc:
        print(f"emobench {ns.command}: error: {exc}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
