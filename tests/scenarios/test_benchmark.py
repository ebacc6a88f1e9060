"""One way through: the Python API (``BenchmarkConfig`` / ``run_benchmark``), the command line and
the pytest harness run the same entry, with the same data options."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from export_fixtures import first_rows

from emobench_core import BenchmarkConfig, DataRequest, RecipeRequest, run_benchmark
from emobench_core.cli import main
from emobench_core.errors import EmobenchError
from emobench_core.scenarios.benchmark import Benchmark, Case

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[2]


def _readme_example() -> str:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = re.search(r"<!-- api-example -->\s*```python\n(.*?)```", text, re.S)
    assert found, "README.md lost its `<!-- api-example -->` Python block"
    return found.group(1)


def test_the_readme_example_runs(
    emotion_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys
) -> None:
    data = first_rows(emotion_dir, tmp_path / "my-data")
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("EMOBENCH_CACHE_DIR", str(tmp_path / "cache"))
    assert data == tmp_path / "my-data"
    exec(compile(_readme_example(), "README.md", "exec"), {})  # noqa: S102
    printed = capsys.readouterr().out.split()
    assert printed[:2] == ["tfidf-svm", "42"] and 0 < float(printed[2]) <= 1


def test_the_cli_and_the_api_run_the_same_entry(
    emotion_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    data = first_rows(emotion_dir, tmp_path / "data")
    monkeypatch.setenv("EMOBENCH_CACHE_DIR", str(tmp_path / "cache"))
    argv = ["--quiet", "run", "--models", "tfidf-svm", "--seeds", "42", "--data-dir", str(data)]
    assert main([*argv, "--dedupe-train", "--output", str(tmp_path / "cli")]) == 0
    [cli] = [json.loads(p.read_text()) for p in (tmp_path / "cli").glob("*.json")]
    config = BenchmarkConfig(
        models=("tfidf-svm",), data=DataRequest(data_dir=str(data), dedupe_train=True)
    )
    [api] = list(run_benchmark(config))
    assert api.predictions["y_pred"] == cli["predictions"]["y_pred"]
    assert api.data.filters == cli["data"]["filters"] == ["dedupe-train"]
    assert api.data.fingerprint == cli["data"]["fingerprint"]
    assert api.data.labels == cli["data"]["labels"] == list(api.labels)
    assert api.recipe_request == cli["recipe_request"] == {"seed": 42}


def test_a_config_is_checked_before_any_work() -> None:
    with pytest.raises(EmobenchError, match="unknown model 'bert-tiyn'"):
        BenchmarkConfig(models=("bert-tiyn",))
    with pytest.raises(EmobenchError, match="seed -1"):
        BenchmarkConfig(models=("tfidf-svm",), seeds=(-1,))
    with pytest.raises(EmobenchError, match="device"):
        BenchmarkConfig(models=("tfidf-svm",), device="tpu")
    with pytest.raises(EmobenchError, match="seeds"):
        BenchmarkConfig(models=("tfidf-svm",), recipe=RecipeRequest(seed=3))
    with pytest.raises(EmobenchError, match="init"):
        Case("bert-tiny", init="warm")


def test_one_run_per_seed_and_seed_blind_models_once(tmp_path: Path) -> None:
    bench = Benchmark(BenchmarkConfig(models=("bert-tiny", "tfidf-svm"), seeds=(1, 2, 3)))
    cases = bench.config.cases
    assert [bench.seeds_of(c) for c in cases] == [(1, 2, 3), (1,)]
    assert cases[0] == Case("bert-tiny", "pretrained")


def test_a_case_with_its_own_seeds_runs_those() -> None:
    models = (Case("bert-tiny", seeds=(5, 6)), "bert-mini", Case("tfidf-svm", seeds=(9, 10)))
    bench = Benchmark(BenchmarkConfig(models=models, seeds=(1, 2, 3)))
    assert [bench.seeds_of(c) for c in bench.config.cases] == [(5, 6), (1, 2, 3), (9,)]
    with pytest.raises(EmobenchError, match="seed -2"):
        Case("bert-tiny", seeds=(1, -2))
    with pytest.raises(EmobenchError, match="`seeds` of 'bert-tiny'"):
        Case("bert-tiny", seeds=())


def test_the_harness_takes_every_data_option_of_the_cli(
    pytester: pytest.Pytester, emotion_dir: Path, vocab_dir: Path, tmp_path: Path
) -> None:
    """``--emobench-dedupe-train`` (and the other data options) reach the harness's runs: the
    old harness had only --emobench-data-dir and could not bench filtered or hub data."""
    data = first_rows(emotion_dir, tmp_path / "data")
    shutil.copy(ROOT / "bench" / "test_models.py", pytester.path / "test_models.py")
    shutil.copy(ROOT / "bench" / "thresholds.toml", pytester.path / "thresholds.toml")
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    result = pytester.runpytest_subprocess(
        "--emobench-profile=smoke",
        f"--emobench-data-dir={data}",
        f"--emobench-vocab-dir={vocab_dir}",
        f"--emobench-cache-dir={tmp_path / 'cache'}",
        f"--emobench-results-dir={tmp_path / 'results'}",
        f"--emobench-thresholds={pytester.path / 'thresholds.toml'}",
        "--emobench-dedupe-train",
        "--emobench-text-column=text",
        "-k",
        "quality and tfidf-svm",
    )
    [path] = (tmp_path / "results").glob("tfidf-svm-*.json")
    saved = json.loads(path.read_text())
    assert saved["data"]["filters"] == ["dedupe-train"], result.stdout.str()
    assert saved["data"]["labels"] == ["sadness", "joy", "love", "anger", "fear", "surprise"]
