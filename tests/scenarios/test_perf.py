"""`emobench perf`: the naive baseline is really Trainer's defaults with padding to 128, the
ladder adds one change per step, the token cache is keyed right, and the report is written safely.
No assertion here depends on how fast the machine is."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import datasets
import pytest

import emobench_core.scenarios.perf as perf
import emobench_core.scenarios.perf_runs as perf_runs
from emobench_core.cache import CheckpointCache
from emobench_core.cli import main as cli_main
from emobench_core.config import Recipe
from emobench_core.data.loading import EMOTION_LABELS as LABELS
from emobench_core.errors import ResultsError
from emobench_core.measure.hardware import cpu_has_bf16
from emobench_core.models.loading import load_tokenizer
from emobench_core.models.registry import get_spec
from emobench_core.report.perf import markdown_lines
from emobench_core.scenarios.perf import NAIVE, PerfPlan, ladder
from emobench_core.schema.perf import (
    PerfReport,
    PerfRow,
    comparisons,
    load_perf,
    scaling_rows,
)
from emobench_core.schema.perf_steps import FROZEN
from emobench_core.training.trainer import (
    cached_tokenize,
    tokenizer_fingerprint,
    training_arguments,
)

KNOBS = [f.name for f in dataclasses.fields(perf_runs.Setup) if f.name not in ("name", "change")]


def _dsd(n: int = 32) -> datasets.DatasetDict:
    rows = {
        "text": [f"i feel {w} today" for w in ("happy", "sad", "angry", "scared") * (n // 4)],
        "label": [1, 0, 3, 4] * (n // 4),
    }
    features = datasets.Features(
        {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=list(LABELS))}
    )
    ds = datasets.Dataset.from_dict(rows, features=features)
    return datasets.DatasetDict({"train": ds, "validation": ds, "test": ds})


def _row(setup: str, total: float, accuracy: float, **kw: object) -> PerfRow:
    fields = {
        "model": "bert-tiny",
        "init": "random",
        "setup": setup,
        "change": "",
        "train_rows": 100,
        "epochs": 3,
        "steps": 10,
        "learning_rate": 5e-4,
        "batch_size": 32,
        "optim": "adamw_torch_fused",
        "build_s": 0.0,
        "tokenize_s": 0.0,
        "train_s": total,
        "test_s": 0.0,
        "accuracy": accuracy,
        "macro_f1": accuracy - 0.05,
    }
    fields.update(kw)
    return PerfRow(**fields)  # type: ignore[arg-type]


def _value(option: object) -> object:
    """An enum option's value (TrainingArguments stores some options as enums)."""
    return getattr(option, "value", option)


def _report(rows: list[PerfRow]) -> PerfReport:
    return PerfReport(
        device="cpu",
        threads=2,
        epochs=3,
        seed=42,
        data={"fingerprint": "f"},
        environment={},
        command="emobench perf",
        rows=rows,
    )


@pytest.mark.parametrize("device", ["cpu", "cuda"])
def test_ladder_adds_exactly_one_change_per_step(device: str) -> None:
    steps = ladder(device, Recipe())
    assert steps[0] == NAIVE
    for before, after in zip(steps, steps[1:], strict=False):
        changed = [k for k in KNOBS if getattr(before, k) != getattr(after, k)]
        assert len(changed) == 1, (after.name, changed)
    last = steps[-1]
    assert not last.pad_to_max_length and not last.save_checkpoints
    assert last.group_by_length and last.recipe_hyperparameters
    assert last.tf32 is last.bf16 is (device == "cuda")


def test_naive_arguments_are_trainer_defaults(tmp_path: Path) -> None:
    from transformers import TrainingArguments

    recipe = Recipe(epochs=3)
    naive = perf_runs._setup_arguments(NAIVE, recipe, "random", tmp_path, "cpu", True)
    default = TrainingArguments(output_dir=str(tmp_path), use_cpu=True)
    for name in (
        "per_device_train_batch_size",
        "per_device_eval_batch_size",
        "learning_rate",
        "warmup_steps",
        "weight_decay",
        "optim",
        "save_strategy",
        "save_steps",
        "num_train_epochs",
        "bf16",
    ):
        assert getattr(naive, name) == getattr(default, name), name
    assert naive.per_device_train_batch_size == 8 and naive.learning_rate == 5e-5
    final = perf_runs._setup_arguments(
        ladder("cpu", recipe)[-1], recipe, "random", tmp_path, "cpu", True
    )
    assert final.per_device_train_batch_size == recipe.batch_size
    assert final.learning_rate == recipe.lr_for("random")
    assert final.per_device_eval_batch_size == recipe.eval_batch_size
    assert _value(final.optim) == _value(default.optim)  # fused AdamW in transformers 5
    assert _value(naive.save_strategy) == "steps" and naive.save_steps == 500
    assert _value(final.save_strategy) == "no"


def test_the_recipe_uses_fused_adamw_and_the_naive_pads_to_max_length(
    tmp_path: Path, vocab_dir: Path
) -> None:
    args = training_arguments(Recipe(), "random", tmp_path, "cpu", True)
    assert _value(args.optim) == "adamw_torch_fused"
    tokenizer = load_tokenizer(str(vocab_dir))
    padded = perf_runs.tokenize_padded(_dsd(), tokenizer, 128)
    assert {len(ids) for ids in padded["train"]["input_ids"]} == {128}
    assert "labels" in padded["train"].column_names


def test_token_cache_is_reused_and_keyed_by_tokenizer_length_and_data(
    tmp_path: Path, vocab_dir: Path
) -> None:
    tokenizer = load_tokenizer(str(vocab_dir))
    cache = CheckpointCache(tmp_path)
    dsd = _dsd()
    first, hit1 = cached_tokenize(dsd, tokenizer, 64, cache)
    again, hit2 = cached_tokenize(dsd, tokenizer, 64, cache)
    assert (hit1, hit2) == (False, True)  # though the tokenizer now holds truncation state
    assert again["train"]["input_ids"] == first["train"]["input_ids"]
    assert again["train"]["input_ids"][0] == [101, 1045, 2514, 3407, 2651, 102]
    _, other_length = cached_tokenize(dsd, tokenizer, 32, cache)
    changed = datasets.DatasetDict({**dsd, "test": dsd["test"].select(range(4))})
    _, other_data = cached_tokenize(changed, tokenizer, 64, cache)
    assert (other_length, other_data) == (False, False)

    cased_dir = tmp_path / "cased"
    cased_dir.mkdir()
    vocab = (vocab_dir / "vocab.txt").read_text(encoding="utf-8").splitlines()
    (cased_dir / "vocab.txt").write_text("\n".join(vocab[:-1]) + "\n", encoding="utf-8")
    assert tokenizer_fingerprint(load_tokenizer(str(cased_dir))) != tokenizer_fingerprint(tokenizer)


def test_comparison_ratio_and_accuracy_delta() -> None:
    report = _report([_row("recipe", 10.0, 0.88), _row("naive", 45.0, 0.87)])
    (comp,) = comparisons(report)
    assert comp.speedup == pytest.approx(4.5)
    assert comp.accuracy_delta == pytest.approx(1.0)


def test_scaling_rows_are_ordered_by_training_rows() -> None:
    report = _report(
        [
            _row("recipe", 8.0, 0.88, train_rows=1000),
            _row("recipe 25% rows", 2.0, 0.8, train_rows=250),
            _row("recipe 50% rows", 4.0, 0.85, train_rows=500),
        ]
    )
    assert [r.train_rows for r in scaling_rows(report, "bert-tiny")] == [250, 500, 1000]


def test_report_round_trips_and_rejects_other_files(tmp_path: Path) -> None:
    report = _report([_row("recipe", 10.0, 0.88, token_cache_hit=True)])
    path = report.save(tmp_path / "perf.json")
    back = load_perf(path)
    assert back.rows == report.rows and back.complete is False
    assert json.loads(path.read_text())["rows"][0]["total_s"] == 10.0
    data = json.loads(path.read_text())
    (tmp_path / "old.json").write_text(json.dumps({**data, "schema_version": 99}))
    with pytest.raises(ResultsError, match="schema version 4 .*version=99.*`emobench perf"):
        load_perf(tmp_path / "old.json")
    (tmp_path / "other.json").write_text(json.dumps({"benchmarks": []}))
    with pytest.raises(ResultsError, match="not an emobench perf report"):
        load_perf(tmp_path / "other.json")


def test_execute_chooses_lr_on_validation_and_saves_after_each_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    val = {5e-4: 0.70, 1e-3: 0.75}
    calls: list[str] = []

    def fake_recipe(spec, init, recipe, dsd, *, setup="recipe", **kw):  # type: ignore[no-untyped-def]
        calls.append(setup)
        lr = recipe.learning_rate_random
        return _row(setup, 1.0, 0.8, learning_rate=lr, val_macro_f1=val[lr])

    def fake_setup(setup, spec, init, recipe, dsd, **kw):  # type: ignore[no-untyped-def]
        if setup.name == "length-grouping":
            raise RuntimeError("killed")
        assert recipe.learning_rate_random == 1e-3  # the ladder runs the chosen rate
        return _row(setup.name, 3.0, 0.8)

    monkeypatch.setattr(perf_runs, "run_recipe", fake_recipe)
    monkeypatch.setattr(perf_runs, "run_setup", fake_setup)
    monkeypatch.setattr(
        perf_runs, "run_lean", lambda spec, init, recipe, dsd, **kw: _row("lean", 0.5, 0.8)
    )
    plan = PerfPlan(
        models=[(get_spec("bert-tiny"), "random")],
        ladder=["bert-tiny"],
        lr_candidates={"bert-tiny": [5e-4, 1e-3]},
    )
    out = tmp_path / "perf.json"
    with pytest.raises(RuntimeError, match="killed"):
        perf.execute(plan, Recipe(), _dsd(), _report([]), out, workdir=tmp_path)
    partial = load_perf(out)
    assert partial.complete is False
    assert [(r.setup, r.selected) for r in partial.rows] == [
        ("recipe lr=0.0005", False),
        ("recipe", True),
        ("lean", True),
        ("naive", True),
        ("no-mid-checkpoints", True),
        ("dynamic-padding", True),
    ]
    assert partial.rows[1].learning_rate == 1e-3
    assert not list(tmp_path.glob(".perf.json*"))  # no temporary file left behind


def test_perf_runs_end_to_end_on_tiny_data(
    tmp_path: Path, vocab_dir: Path, emotion_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = tmp_path / "data"
    data.mkdir()
    for split, n in (("train", 64), ("validation", 32), ("test", 32)):
        with (emotion_dir / f"{split}.jsonl").open(encoding="utf-8") as fh:
            (data / f"{split}.jsonl").write_text("".join(next(fh) for _ in range(n)))
    monkeypatch.setenv("EMOBENCH_VOCAB_DIR", str(vocab_dir))
    out = tmp_path / "perf.json"
    argv = ["--quiet", "perf", "--models", "bert-tiny", "--epochs", "1", "--data-dir", str(data)]
    steps = ["--steps", "2", "--warmup-steps", "1", "--profile-steps", "1", "--squares", "64"]
    ab = ["--ab", "attn_implementation=eager", "--ab", "threads=1", "--ab", "embeddings=sparse"]
    ab += ["--ab-runs", "bert-tiny"]  # no fine-tuning for the steps-only variant (threads)
    assert cli_main([*argv, *steps, *ab, "--scaling", "bert-tiny", "--output", str(out)]) == 0
    report = load_perf(out)
    assert report.complete and report.data["rows"]["train"] == 64
    by_setup = {r.setup: r for r in report.rows}
    assert set(by_setup) == {
        "recipe",
        "lean",
        "naive",
        "recipe + attn_implementation='eager'",
        "recipe + embeddings=sparse",  # a recipe field: fine-tuned too
        "recipe 25% rows",
        "recipe 50% rows",
    }
    assert by_setup["naive"].steps == 64 // 8 and by_setup["naive"].batch_size == 8
    # the step benchmark tokenized first, into the same token cache
    assert by_setup["recipe"].steps == 64 // 32 and by_setup["recipe"].token_cache_hit is True
    assert [r.train_rows for r in scaling_rows(report, "bert-tiny")] == [16, 32, 64]
    assert all(r.total_s > 0 and 0 <= r.accuracy <= 1 for r in report.rows)
    variants = [s.variant for s in report.steps]
    assert variants == [
        "recipe",
        "attn_implementation='eager'",
        "threads=1",
        "embeddings=sparse",
        FROZEN,
    ]
    assert all(s.steps == 2 and s.padded_tokens >= s.real_tokens > 0 for s in report.steps)
    assert report.steps[2].threads == 1
    assert sum(report.steps[0].kernel_shares.values()) == pytest.approx(1.0)
    (pad,) = report.padding
    assert (pad.batch_size, pad.batches) == (32, 2)
    assert pad.padded_tokens >= pad.sorted_padded_tokens >= pad.real_tokens > 0
    labels = {(m.label, m.dtype) for m in report.matmuls}
    assert ("square", "float32") in labels and ("bert-tiny ffn up", "float32") in labels
    assert (("square", "bfloat16") in labels) is cpu_has_bf16()  # emulated bf16: no peak
    assert report.machine["torch_cpu_capability"]
    text = "\n".join(markdown_lines([("perf.json", report)]))
    assert "of bf16 peak" in text and "padding / epoch" in text and "variant s / epoch" in text


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (["--ladder", "bert-mini"], "--ladder names ['bert-mini']"),
        (["--ladder-from", "fp16"], "--ladder-from 'fp16' must be one of naive,"),
        (["--select-lr", "bert-tiny=fast"], "must be MODEL=LR,LR"),
        (["--select-lr", "distilbert=1e-4"], "'distilbert' is not in --models"),
        (["--models", "tfidf-svm"], "names no transformer model"),
    ],
)
def test_bad_perf_options_exit_2_and_write_nothing(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], extra: list[str], message: str
) -> None:
    out = tmp_path / "perf.json"
    argv = ["perf", "--models", "bert-tiny", "--output", str(out)]
    if extra[0] == "--models":
        argv = ["perf", *extra, "--output", str(out)]
    else:
        argv += extra
    assert cli_main(argv) == 2
    assert message in capsys.readouterr().err
    assert not out.exists()


def _full_report() -> PerfReport:
    rows = [
        _row("recipe lr=0.0005", 11.0, 0.40, val_macro_f1=0.20, selected=False),
        _row("recipe", 10.0, 0.88, learning_rate=1e-4, val_macro_f1=0.80),
        _row("naive", 40.0, 0.875, batch_size=8, steps=40),
        _row("no-mid-checkpoints", 32.0, 0.875),
        _row("dynamic-padding", 16.0, 0.87),
        _row("recipe 25% rows", 3.0, 0.8, train_rows=25),
        _row("recipe 50% rows", 5.0, 0.85, train_rows=50),
    ]
    report = _report(rows)
    report.complete = True
    return report


def _table_rows(text: str) -> list[list[str]]:
    return [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in text.splitlines()
        if line.startswith("|") and not line.startswith("|--")
    ]


def test_markdown_section_gives_ratios_ladder_scaling_and_lr_choice() -> None:
    text = "\n".join(markdown_lines([("perf/perf-cpu.json", _full_report())]))
    assert "### CPU (`perf/perf-cpu.json`)" in text
    rows = _table_rows(text)
    assert ["bert-tiny", "random", "40.0", "10.0", "**4.00×**", "0.8750", "0.8800", "+0.50"] in [
        r[:8] for r in rows
    ]
    ladder_row = next(r for r in rows if r[0] == "dynamic-padding")
    assert ladder_row[5:7] == ["2.00×", "2.50×"]  # 32 s / 16 s, 40 s / 16 s
    assert ["25", "25%", "3.0", "120.00", "1.00"] in [r[:5] for r in rows]
    assert ["100", "100%", "10.0", "100.00", "3.33"] in [r[:5] for r in rows]
    assert ["bert-tiny", "0.0005", "0.2000", ""] in [r[:4] for r in rows]
    assert ["bert-tiny", "0.0001", "0.8000", "chosen"] in [r[:4] for r in rows]
    assert "did not finish" not in text
    partial = _full_report()
    partial.complete = False
    assert "did not finish" in "\n".join(markdown_lines([("p.json", partial)]))


def test_report_renders_the_perf_section_and_records_it_in_the_command(tmp_path: Path) -> None:
    from report_fixtures import make_results

    runs = tmp_path / "runs"
    for r in make_results():
        r.save(runs)
    path = _full_report().save(tmp_path / "perf-cpu.json")
    out = tmp_path / "R.md"
    argv = ["--no-bench", "--results", str(runs), "--output", str(out), "--bootstrap", "20"]
    assert cli_main(["report", *argv, "--perf", str(path)]) == 0
    text = out.read_text(encoding="utf-8")
    assert "## Training cost: the naive pipeline against the recipe" in text
    assert "--perf perf-cpu.json`" in text and "- `perf-cpu.json`" in text
    assert cli_main(["report", *argv]) == 0
    assert "Training cost" not in out.read_text(encoding="utf-8")
    path.write_text("{}")
    assert cli_main(["report", *argv, "--perf", str(path)]) == 2


@pytest.mark.parametrize("step", ["eval-batch", "padded-batches", "cpu-bf16"])
def test_ladder_scores_length_grouped_predictions_against_their_own_labels(
    step: str, tmp_path: Path, vocab_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """transformers 5 evaluates in length-grouped order too: a short class and a long class,
    interleaved in the data, must still score as learnt (misaligned, they would score ~0.5).
    Every step from length grouping on trains and predicts (pre-padded batches included)."""
    monkeypatch.setenv("EMOBENCH_VOCAB_DIR", str(vocab_dir))
    short, long = "i feel happy", "i feel so very sad and lonely and tired today " * 3
    rows = {"text": [short, long] * 32, "label": [1, 0] * 32}
    features = datasets.Features(
        {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=list(LABELS))}
    )
    ds = datasets.Dataset.from_dict(rows, features=features)
    dsd = datasets.DatasetDict({"train": ds, "validation": ds, "test": ds})
    recipe = Recipe(epochs=8, batch_size=16, eval_batch_size=16, learning_rate_random=1e-3)
    setup = next(s for s in ladder("cpu", recipe) if s.name == step)
    assert setup.group_by_length
    row = perf_runs.run_setup(setup, get_spec("bert-tiny"), "random", recipe, dsd, workdir=tmp_path)
    assert row.accuracy == 1.0


def test_schema_1_reports_lose_only_the_misordered_ladder_scores(tmp_path: Path) -> None:
    report = _full_report()
    report.rows.append(_row("length-grouping", 12.0, 0.26))
    data = report.to_dict()
    del data["schema_version"]
    data.update(schema=1, kind="emobench-perf")  # how schema 1 named itself
    (tmp_path / "old.json").write_text(json.dumps(data))
    back = {r.setup: r for r in load_perf(tmp_path / "old.json").rows}
    assert back["length-grouping"].accuracy is None and back["length-grouping"].macro_f1 is None
    assert back["length-grouping"].total_s == 12.0
    assert back["naive"].accuracy == 0.875 and back["dynamic-padding"].accuracy == 0.87
    text = "\n".join(markdown_lines([("old.json", load_perf(tmp_path / "old.json"))]))
    assert "no valid test score" in text
    assert next(r for r in _table_rows(text) if r[0] == "length-grouping")[-1] == "—"


def test_the_lean_row_trains_like_the_recipe_without_the_trainer(
    tmp_path: Path, vocab_dir: Path, emotion_dir: Path
) -> None:
    """Same steps, optimizer groups and precision as the recipe; no validation, no files."""
    from emobench_core.data.loading import load_data
    from emobench_core.models.registry import get_spec

    dsd = load_data(emotion_dir, max_train_rows=64)
    recipe = Recipe(epochs=2, batch_size=16, max_length=32, cpu_bf16=False)
    cache = CheckpointCache(tmp_path / "tokens")
    row = perf_runs.run_lean(
        get_spec("bert-tiny"),
        "random",
        recipe,
        dsd,
        workdir=tmp_path,
        token_cache=cache,
        vocab_dir=vocab_dir,
    )
    assert (row.setup, row.epochs, row.steps, row.train_rows) == ("lean", 2, 8, 64)
    assert row.accuracy is not None and 0 <= row.accuracy <= 1
    assert row.val_macro_f1 is None  # no validation pass
    assert list(tmp_path.iterdir()) == [tmp_path / "tokens"]  # no checkpoint written


def test_the_lean_optimizer_decays_weights_but_not_biases_or_layernorm() -> None:
    import torch

    model = torch.nn.Module()
    model.dense = torch.nn.Linear(2, 2)
    model.LayerNorm = torch.nn.LayerNorm(2)
    opt = perf_runs.lean_optimizer(model, Recipe(), 1e-3)
    decayed, plain = opt.param_groups
    assert decayed["weight_decay"] == Recipe().weight_decay and len(decayed["params"]) == 1
    assert plain["weight_decay"] == 0.0 and len(plain["params"]) == 3
