"""The step benchmark of ``emobench perf`` (scenarios/perf_step.py) on tiny shapes: variants,
batches, padding and the counts of a timed step (no timing assertions)."""

from __future__ import annotations

from pathlib import Path

import datasets
import numpy as np
import pytest

from emobench_core.cache import CheckpointCache
from emobench_core.config import Recipe
from emobench_core.data.loading import EMOTION_LABELS as LABELS
from emobench_core.measure.flops import EncoderShape
from emobench_core.models.registry import get_spec
from emobench_core.report.perf_steps import embedding_table, step_blocks
from emobench_core.scenarios.perf_step import (
    padding_row,
    parse_ab,
    step_rows,
    train_split,
    variants,
)
from emobench_core.scenarios.perf_timing import epoch_batches, schedule, spread
from emobench_core.schema.perf import PerfReport
from emobench_core.schema.perf_steps import FROZEN, RECIPE


def test_parse_ab_reads_recipe_fields_and_threads() -> None:
    base = Recipe()
    compiled = parse_ab("compile=true", base)
    assert compiled.name == "compile=True" and compiled.recipe == base.replace(compile=True)
    assert parse_ab("attn-implementation=eager", base).recipe.attn_implementation == "eager"
    assert parse_ab("batch_size=64", base).recipe.batch_size == 64
    assert parse_ab("cpu_bf16=false", base).recipe.cpu_bf16 is False
    threads = parse_ab("threads=1", base)
    assert threads.threads == 1 and threads.recipe == base
    assert threads.steps_only and not compiled.steps_only
    sparse = parse_ab("embeddings=sparse", base)
    # the recipe field, by the name the first step runs gave it: fine-tuning can run it too
    assert sparse.recipe == base.replace(sparse_embeddings=True) and not sparse.steps_only
    assert parse_ab("sparse_embeddings=true", base).recipe == sparse.recipe
    weights = parse_ab("weights=bf16", base)
    assert weights.bf16_weights and weights.recipe == base and weights.steps_only
    assert "SparseAdam" in sparse.change and "master" in weights.change
    both = parse_ab("attn_implementation=eager, embeddings=sparse", base)
    assert both.name == "attn_implementation='eager' + embeddings=sparse"
    assert both.recipe == base.replace(attn_implementation="eager", sparse_embeddings=True)
    assert not both.steps_only and not both.bf16_weights
    # the combined change says what each part does, not just the joined name
    assert both.change.startswith("the recipe with attn_implementation='eager'; and ")
    assert both.change.endswith(sparse.change)


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("compile", "must be FIELD=VALUE"),
        ("speed=fast", "'speed' is not a recipe field"),
        ("threads=0", "threads must be a whole number >= 1"),
        ("embeddings=dense", "embeddings takes one value, sparse"),
        ("weights=fp16", "weights takes one value, bf16"),
        ("compile=true,speed=fast", "'speed' is not a recipe field"),
        ("attn_implementation=flash", "recipe.attn_implementation"),
        ("batch_size=0", "recipe.batch_size"),
    ],
)
def test_parse_ab_refuses_what_it_cannot_run(spec: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_ab(spec, Recipe())


def test_variants_are_the_recipe_then_each_ab_then_the_frozen_embeddings() -> None:
    names = [v.name for v in variants(Recipe(), ["compile=true"], embedding_cost=True)]
    assert names == [RECIPE, "compile=True", FROZEN]
    assert [v.name for v in variants(Recipe(), [], embedding_cost=False)] == [RECIPE]


def test_padding_counts_token_slots_against_real_tokens_and_sorted_batches() -> None:
    lengths = np.array([5, 3, 2, 2])
    row = padding_row("m", lengths, [np.array([0, 2]), np.array([1, 3])])
    assert (row.batch_size, row.batches, row.real_tokens) == (2, 2, 12)
    assert row.padded_tokens == 2 * 5 + 2 * 3  # each batch padded to its longest row
    assert row.sorted_padded_tokens == 2 * 2 + 2 * 5  # [2, 2] and [3, 5]
    assert row.pad_tokens == 4


def test_an_epochs_batches_hold_every_row_once() -> None:
    lengths = np.random.default_rng(0).integers(1, 40, size=70)
    batches = epoch_batches(lengths, 16, seed=42)
    assert [len(b) for b in batches] == [16, 16, 16, 16, 6]
    assert sorted(np.concatenate(batches).tolist()) == list(range(70))
    again = epoch_batches(lengths, 16, seed=42)
    assert all((a == b).all() for a, b in zip(batches, again, strict=True))


def test_spread_picks_batches_across_the_epoch_and_cycles_when_short() -> None:
    batches = [np.array([i]) for i in range(10)]
    assert [int(b[0]) for b in spread(batches, 5)] == [0, 2, 4, 6, 8]
    assert [int(b[0]) for b in spread(batches[:3], 5)] == [0, 1, 2, 0, 1]


def _dsd(rows: int = 40) -> datasets.DatasetDict:
    rng = np.random.default_rng(1)
    words = ["i", "feel", "so", "happy", "sad", "today"]
    texts = [" ".join(rng.choice(words, size=int(rng.integers(1, 12)))) for _ in range(rows)]
    features = datasets.Features(
        {"text": datasets.Value("string"), "label": datasets.ClassLabel(names=list(LABELS))}
    )
    labels = [i % len(LABELS) for i in range(rows)]
    ds = datasets.Dataset.from_dict({"text": texts, "label": labels}, features=features)
    return datasets.DatasetDict({"train": ds, "validation": ds, "test": ds})


def test_the_timed_steps_interleave_the_variants_each_first_in_one_round() -> None:
    order = schedule(3, [6, 6, 3])
    # every step of every variant timed once, each variant's steps in their order
    for v, count in enumerate([6, 6, 3]):
        assert [i for w, i in order if w == v] == list(range(count))
    # three rounds, each started by another variant (not all of one variant, then the next)
    firsts = [order[0][0], order[2 + 2 + 1][0], order[2 * (2 + 2 + 1)][0]]
    assert firsts == [0, 1, 2]
    assert [w for w, _ in order[:5]] == [0, 0, 1, 1, 2]
    assert schedule(1, [4]) == [(0, 0), (0, 1), (0, 2), (0, 3)]


def test_step_rows_count_tokens_and_flops_of_the_batches_they_time(
    vocab_dir: Path, tmp_path: Path
) -> None:
    spec = get_spec("bert-tiny")
    recipe = Recipe(batch_size=8, max_length=32, cpu_bf16=False)
    chosen = variants(
        recipe, ["threads=1", "embeddings=sparse", "weights=bf16"], embedding_cost=True
    )
    cache = CheckpointCache(tmp_path / "tokens")
    padding, shape, rows = step_rows(
        spec,
        "random",
        recipe,
        _dsd(),
        chosen,
        token_cache=cache,
        steps=3,
        warmup=1,
        profile_steps=1,
        vocab_dir=vocab_dir,
    )
    assert shape == EncoderShape.from_config(spec.config or {})
    (pad,) = padding
    assert (pad.batch_size, pad.batches) == (8, 5)
    assert [r.variant for r in rows] == [
        RECIPE,
        "threads=1",
        "embeddings=sparse",
        "weights=bf16",
        FROZEN,
    ]
    assert rows[3].precision == "bf16 weights, fp32 master weights"
    recipe_row = rows[0]
    assert recipe_row.steps == 3 and recipe_row.precision == "fp32"
    assert recipe_row.non_embedding_params == shape.non_embedding_params
    # the same three batches for every variant (the same seed and batch size)
    assert len({(r.real_tokens, r.padded_tokens, r.flops) for r in rows}) == 1
    # the three timed batches, spread over the epoch: tokens and FLOPs counted from them
    split, _ = train_split(spec, "random", recipe, _dsd(), cache, vocab_dir)
    timed = [split.lengths[b] for b in spread(epoch_batches(split.lengths, 8, 42), 3)]
    assert recipe_row.real_tokens == sum(int(t.sum()) for t in timed)
    assert recipe_row.padded_tokens == sum(8 * int(t.max()) for t in timed)
    padded = sum(8 * int(t.max()) * shape.flops_per_token(int(t.max())) for t in timed)
    assert recipe_row.flops == pytest.approx(padded)
    assert recipe_row.useful_flops == pytest.approx(sum(shape.sequence_flops(t) for t in timed))
    assert recipe_row.useful_flops < recipe_row.flops
    assert rows[1].threads == 1
    assert sum(recipe_row.kernel_shares.values()) == pytest.approx(1.0)
    assert recipe_row.kernel_shares["matmul"] > 0
    # the dense embedding gradients are profiled
    assert recipe_row.embedding_backward_s is not None and recipe_row.embedding_backward_s > 0
    report = PerfReport("cpu", 2, 1, 42, {}, {}, "emobench perf", steps=rows, padding=padding)
    assert embedding_table(report)  # recipe minus frozen, per phase
    assert len(step_blocks(report)) == 4  # steps, kernels, embedding cost, padding


def test_clip_grad_norm_counts_sparse_gradients_as_their_dense_twins() -> None:
    import torch

    from emobench_core.training.sparse import clip_grad_norm

    torch.manual_seed(0)
    dense, twin_e, lin, twin_l = (torch.nn.Parameter(torch.randn(6, 3)) for _ in range(4))
    grad = torch.sparse_coo_tensor(
        [[1, 4, 1]], torch.randn(3, 3), (6, 3), check_invariants=True
    )  # row 1 twice: uncoalesced
    dense.grad, twin_e.grad = grad.clone(), grad.to_dense()
    lin.grad = torch.randn(6, 3)
    twin_l.grad = lin.grad.clone()
    total = clip_grad_norm([dense, lin], 0.5)
    expected = torch.nn.utils.clip_grad_norm_([twin_e, twin_l], 0.5)
    assert float(total) == pytest.approx(float(expected), rel=1e-6)
    assert torch.allclose(dense.grad.to_dense(), twin_e.grad, atol=1e-6)
    assert torch.allclose(lin.grad, twin_l.grad, atol=1e-6)


def test_the_steps_only_updates_change_what_they_say(vocab_dir: Path) -> None:
    import torch

    from emobench_core.scenarios.perf_optim import updater
    from emobench_core.scenarios.perf_runs import build_for_perf

    spec, recipe = get_spec("bert-tiny"), Recipe(cpu_bf16=False)
    ids = torch.tensor([[101, 1045, 2514, 102]])
    batch = {"input_ids": ids, "attention_mask": torch.ones_like(ids), "labels": torch.tensor([1])}

    # sparse embeddings: only the batch's rows of the table move; every other weight too
    model, _ = build_for_perf(spec, "random", 42, vocab_dir, "cpu", list(LABELS))
    table = model.get_input_embeddings().weight
    before = table.detach().clone()
    update = updater(model, recipe.replace(sparse_embeddings=True), 1e-3)
    model(**batch).loss.backward()
    assert table.grad is not None and table.grad.is_sparse
    update()
    moved = (table.detach() != before).any(dim=1).nonzero().flatten().tolist()
    assert moved == sorted(set(ids.flatten().tolist()))
    assert table.grad is None

    # bf16 weights: the model's weights stay bf16 and move (updated through fp32 masters)
    model, _ = build_for_perf(spec, "random", 42, vocab_dir, "cpu", list(LABELS))
    weight = model.classifier.weight
    update = updater(model, recipe, 1e-3, bf16_weights=True)
    assert weight.dtype == torch.bfloat16
    start = weight.detach().clone()
    model(**batch).loss.backward()
    update()
    assert weight.dtype == torch.bfloat16 and weight.grad is None
    assert not torch.equal(weight.detach(), start)

    # the fp32 masters keep updates smaller than bf16 can hold: at lr 1e-5 one AdamW step moves
    # a weight of about 0.02 by about 1e-5, under half a bf16 step there (about 4e-5), so bf16
    # weights updated in place would never move; through the masters they move once enough
    # steps have added up
    model, _ = build_for_perf(spec, "random", 42, vocab_dir, "cpu", list(LABELS))
    weight = model.classifier.weight
    update = updater(model, recipe, 1e-5, bf16_weights=True)
    start = weight.detach().clone()
    moved = []
    for _ in range(20):
        model(**batch).loss.backward()
        update()
        moved.append(float((weight.detach() != start).float().mean()))
    assert moved[0] < 0.5 < moved[-1]


def test_schema_4_round_trips_and_a_schema_3_report_loads_with_no_step_rows(
    tmp_path: Path,
) -> None:
    from emobench_core.schema.perf import load_perf
    from emobench_core.schema.perf_steps import MatmulRow, PaddingRow, StepRow

    step = StepRow(
        "bert-tiny", "random", RECIPE, "the recipe", "fp32", 2, 32, 4, 100, 90, 120, 1e9, 8e8,
        0.1, 0.2, 0.05, 1.0, {"matmul": 0.5, "other": 0.5}, [["aten::mm", 3.0]], 0.01,
    )  # fmt: skip
    report = PerfReport(
        "cpu", 2, 1, 42, {}, {}, "emobench perf",
        machine={"cpu_model": "x"},
        matmuls=[MatmulRow("square", 8, 8, 8, "float32", 1e-6, 3)],
        steps=[step],
        padding=[PaddingRow("bert-tiny", 32, 2, 90, 120, 100)],
    )  # fmt: skip
    back = load_perf(report.save(tmp_path / "perf.json"))
    assert back == report
    assert back.steps[0].gflops == pytest.approx(1e9 / 4 / ((0.1 + 0.2 + 0.05) / 4) / 1e9)
    old = load_perf(Path(__file__).resolve().parents[2] / "results/perf/perf-cpu-pipeline.json")
    assert old.rows and not (old.steps or old.matmuls or old.padding or old.machine)
    assert not step_blocks(old)  # an old report renders as before
