"""Fault injection: cache keys name everything that shapes the weights, and an export or a
prediction from a results JSON uses only the entry that run trained (issue 33 point 6).

A local model folder is keyed by its content, not its path; the effective precision, the CPU's
kernel family and the thread count are in a transformer's key (the SVM's key is unchanged);
``emobench export`` and ``emobench predict`` refuse, in one line and writing nothing, an entry
that records another run's training or test predictions, a link, or weights that predict the
test split otherwise. BERT-Tiny and the SVM are trained once, on 300 rows (a few seconds).

    python -m pytest tests/faults/test_cache_keys.py -n 0 -q
"""

from __future__ import annotations

import hashlib
import json
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from export_fixtures import Runs, train_runs
from fault_tools import hashes

from emobench_core.cache import MANIFEST, CheckpointCache, cache_key
from emobench_core.cli import main
from emobench_core.config import Recipe, RecipeRequest
from emobench_core.models.backends import transformer
from emobench_core.models.registry import get_spec
from emobench_core.models.spec import ModelSpec
from emobench_core.scenarios.run import cache_parts, train_checkpoint


@pytest.mark.parametrize(
    ("flags", "family"),
    [
        ({"avx2", "avx512f", "avx512_bf16", "amx_bf16", "amx_tile"}, "amx-bf16"),  # Xeon SPR
        ({"avx2", "avx512f", "avx512_bf16"}, "avx512-bf16"),  # EPYC Genoa
        ({"avx2", "avx512f"}, "avx512"),
        ({"avx2", "fma"}, "avx2"),
        (set(), "aarch64"),
    ],
)
def test_kernel_family_of_cpu_flags(flags: set[str], family: str) -> None:
    from emobench_core.measure.hardware import kernel_family

    assert kernel_family(flags, "aarch64") == family


def model_folder(folder: Path, weights: bytes) -> Path:
    folder.mkdir(parents=True)
    (folder / "model.safetensors").write_bytes(weights)
    (folder / "config.json").write_text('{"model_type": "bert"}')
    (folder / "vocab.txt").write_text("[PAD]\n[UNK]\n")
    return folder


def test_a_local_folder_is_keyed_by_its_content_not_its_path(tmp_path: Path) -> None:
    a = model_folder(tmp_path / "a" / "m", b"weights-1")
    b = model_folder(tmp_path / "b" / "m", b"weights-1")

    def key(folder: Path) -> str:
        spec = ModelSpec(name="m", source=str(folder))
        return cache_key(cache_parts(spec, "pretrained", Recipe(), "fp", "cpu"))

    assert key(a) == key(b)  # moved or copied: the same entry
    before = key(a)
    (a / "README.md").write_text("notes")  # not a weight, config or tokenizer file
    assert key(a) == before
    (a / "model.safetensors").write_bytes(b"weights-2")  # new weights, same path
    assert key(a) != before
    from emobench_core.cache import folder_digest

    assert folder_digest(a) != folder_digest(b)


class Stop(Exception):
    pass


def captured_parts(
    monkeypatch: pytest.MonkeyPatch, runs: Runs, name: str, **recipe: Any
) -> dict[str, Any]:
    """The cache key parts ``train_checkpoint`` asks the cache for (nothing is trained)."""
    seen: dict[str, Any] = {}

    def get_or_build(self: CheckpointCache, parts: dict[str, Any], build: Callable) -> Any:
        seen.update(parts)
        raise Stop  # before any training

    with monkeypatch.context() as patch, pytest.raises(Stop):
        patch.setattr(CheckpointCache, "get_or_build", get_or_build)
        train_checkpoint(
            get_spec(name),
            "random",
            RecipeRequest(epochs=1, seed=42, **recipe),
            runs.dsd,
            cache=CheckpointCache(runs.cache.root / "unused"),
        )
    return seen


def test_precision_kernel_family_and_threads_are_in_a_transformers_key(
    runs: Runs, monkeypatch: pytest.MonkeyPatch
) -> None:
    parts = captured_parts(monkeypatch, runs, "bert-tiny")
    machine = parts["machine"]
    assert set(machine) == {"precision", "cpu_kernels", "threads"}
    monkeypatch.setattr(transformer, "cpu_kernel_family", lambda: "other-family")
    other_cpu = captured_parts(monkeypatch, runs, "bert-tiny")
    assert other_cpu["machine"]["cpu_kernels"] == "other-family"
    assert cache_key(other_cpu) != cache_key(parts)
    fp32 = captured_parts(monkeypatch, runs, "bert-tiny", cpu_bf16=False)
    assert fp32["machine"]["precision"] == "fp32"
    key = json.loads(
        (runs.cache.entry(runs.bert.environment["cache_entry"]) / "key.json").read_text()
    )
    assert set(key["machine"]) == set(machine)  # what trained the entry is recorded in it


def test_the_svm_key_holds_no_machine(runs: Runs, monkeypatch: pytest.MonkeyPatch) -> None:
    parts = captured_parts(monkeypatch, runs, "tfidf-svm")
    assert "machine" not in parts


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, emotion_dir: Path, vocab_dir: Path) -> Runs:
    return train_runs(tmp_path_factory.mktemp("fault-keys"), emotion_dir, vocab_dir)


def run_json(runs: Runs, folder: Path, edit: Callable[[dict[str, Any]], None]) -> Path:
    doc = json.loads(runs.bert_json.read_text(encoding="utf-8"))
    edit(doc)
    path = folder / runs.bert_json.name
    path.write_text(json.dumps(doc), encoding="utf-8")
    return path


def flip_predictions(doc: dict[str, Any]) -> None:
    pred = doc["predictions"]["y_pred"]
    for i in range(10):
        pred[i] = (pred[i] + 1) % len(doc["data"]["labels"])


def other_seed(doc: dict[str, Any]) -> None:
    doc["seed"] = 43
    doc["recipe"]["seed"] = 43


def other_recipe(doc: dict[str, Any]) -> None:
    doc["recipe"]["weight_decay"] = 0.5


def other_data(doc: dict[str, Any]) -> None:
    doc["data"]["fingerprint"] = "0" * 64


def export_argv(path: Path, cache: Path, runs: Runs, out: Path) -> list[str]:
    return ["--quiet", "export", str(path), "--output", str(out), "--cache-dir", str(cache)] + [
        "--data-dir",
        str(runs.data),
        "--no-onnx",
    ]


def refused(argv: list[str], root: Path, capsys: pytest.CaptureFixture[str], *needles: str) -> str:
    before = hashes(root)
    code = main(argv)
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and "Traceback" not in err, err
    for needle in needles:
        assert needle in lines[0], lines[0]
    assert hashes(root) == before
    assert not (root / "out").exists()
    return lines[0]


def test_the_runs_own_entry_exports_and_predicts(
    runs: Runs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(export_argv(runs.bert_json, runs.cache.root, runs, tmp_path / "out")) == 0
    assert (tmp_path / "out" / "config.json").is_file()
    argv = ["--quiet", "predict", "--checkpoint", str(runs.bert_json)]
    assert main([*argv, "--cache-dir", str(runs.cache.root), "i feel happy"]) == 0


EDITS = [
    ("other-seed", other_seed, "its seed is 42, not 43"),
    ("other-recipe", other_recipe, "its recipe differs"),
    ("other-data", other_data, "its data is"),
    ("other-predictions", flip_predictions, "test predictions differ on 10 of 100"),
]


@pytest.mark.parametrize("command", ["export", "predict"])
@pytest.mark.parametrize(("edit", "says"), [e[1:] for e in EDITS], ids=[e[0] for e in EDITS])
def test_an_entry_that_another_run_trained_is_refused(
    command: str,
    edit: Callable[[dict[str, Any]], None],
    says: str,
    runs: Runs,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    path = run_json(runs, tmp_path, edit)
    if command == "export":
        argv = export_argv(path, runs.cache.root, runs, tmp_path / "out")
    else:
        argv = ["--quiet", "predict", "--checkpoint", str(path), "--cache-dir"]
        argv += [str(runs.cache.root), "i feel happy"]
    line = refused(argv, tmp_path, capsys, says, runs.bert.environment["cache_entry"])
    assert "re-create it with `emobench run --models bert-tiny" in line


def test_another_models_entry_under_this_runs_card_is_refused(
    runs: Runs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    svm_entry = runs.svm.environment["cache_entry"]
    path = run_json(runs, tmp_path, lambda d: d["environment"].update(cache_entry=svm_entry))
    argv = export_argv(path, runs.cache.root, runs, tmp_path / "out")
    refused(argv, tmp_path, capsys, "its model is 'tfidf-svm', not 'bert-tiny'")


def test_an_entry_that_is_a_link_out_of_the_cache_is_refused(
    runs: Runs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    name = runs.bert.environment["cache_entry"]
    elsewhere = tmp_path / "elsewhere"
    shutil.copytree(runs.cache.entry(name), elsewhere)
    cache = tmp_path / "cache"
    cache.mkdir()
    (cache / name).symlink_to(elsewhere)
    argv = export_argv(runs.bert_json, cache, runs, tmp_path / "out")
    refused(argv, tmp_path, capsys, "holds a link")


def remanifest(entry: Path) -> None:
    files = {
        str(p.relative_to(entry)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(entry.rglob("*"))
        if p.is_file() and p.name != MANIFEST
    }
    manifest = json.loads((entry / MANIFEST).read_text())
    (entry / MANIFEST).write_text(json.dumps({**manifest, "files": files}))


def test_weights_that_predict_otherwise_than_the_run_are_refused(
    runs: Runs, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Another machine's weights under this run's entry (manifest and recorded predictions
    intact): the exported weights must predict a sample of the test split as the run did."""
    from safetensors.torch import load_file, save_file

    name = runs.bert.environment["cache_entry"]
    cache = tmp_path / "cache"
    shutil.copytree(runs.cache.entry(name), cache / name)
    weights = cache / name / "model" / "model.safetensors"
    tensors = load_file(str(weights))
    preds = runs.bert.predictions["y_pred"]
    rarest = min(range(len(runs.bert.labels)), key=preds.count)
    (bias,) = [k for k in tensors if k.endswith("classifier.bias")]
    tensors[bias][:] = 0.0
    tensors[bias][rarest] = 1e4  # every text: the class the run predicted least
    save_file(tensors, str(weights), metadata={"format": "pt"})
    remanifest(cache / name)
    argv = export_argv(runs.bert_json, cache, runs, tmp_path / "out")
    refused(argv, tmp_path, capsys, "predict", "of the first 64 test rows otherwise")
