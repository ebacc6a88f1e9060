"""A model kind is a plug-in: this file alone adds one (a keyword classifier with none of the
named capabilities) and runs it through the benchmark entry, the report and ``recommend``; no
other module of the package names it.

    pytest tests/models/test_plugin_kind.py
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from export_fixtures import first_rows

from emobench_core import BenchmarkConfig, DataRequest, run_benchmark
from emobench_core.cli import main
from emobench_core.errors import RegistryError, UsageError
from emobench_core.models.backends.base import Backend, Predictor, Trained, TrainJob
from emobench_core.models.kinds import KINDS, REGISTRY, register_kind, register_model
from emobench_core.models.spec import ModelSpec
from emobench_core.scenarios.benchmark import Case
from emobench_core.schema.records import TrainingInfo

KIND = "keyword-test"
MODEL = "keywords"
MODEL_FILE = "keywords.json"


def _words(text: str) -> list[str]:
    return text.lower().split()


class KeywordBackend(Backend):
    """Each class's most telling word in the training split; a text takes the class of the
    first such word it contains, else the majority class."""

    kind = KIND
    seeded = ()

    def train(self, staging: Path, job: TrainJob) -> Trained:
        texts, labels = job.dsd["train"]["text"], [int(y) for y in job.dsd["train"]["label"]]
        majority = Counter(labels).most_common(1)[0][0]
        words: dict[int, Counter[str]] = {c: Counter() for c in range(len(job.labels))}
        for text, y in zip(texts, labels, strict=True):
            words[y].update(set(_words(text)))
        everywhere = Counter[str]()
        for counts in words.values():
            everywhere.update(counts)
        keywords = {
            max(counts, key=lambda w: (counts[w] / everywhere[w], counts[w], w)): c
            for c, counts in words.items()
            if counts
        }
        model = {"majority": majority, "keywords": keywords, "labels": list(job.labels)}
        (staging / MODEL_FILE).write_text(json.dumps(model), encoding="utf-8")
        info = TrainingInfo(
            wall_s=0.01,
            samples_per_s=len(texts) / 0.01,
            train_rows=len(texts),
            epochs_run=1,
            best_epoch=1,
            best_val_macro_f1=0.0,
            hyperparameters={},
            peak_memory_mb=0.0,
            device="cpu",
        )
        test = [_classify(model, t) for t in job.dsd["test"]["text"]]
        return Trained(info, np.asarray(test), "keywords of the training split")

    def load(self, entry: Path) -> Any:
        return json.loads((entry / MODEL_FILE).read_text(encoding="utf-8"))

    def predictor(self, folder: Path, labels: Sequence[str] | None = None) -> Predictor:
        model = self.load(folder)

        def scores(texts: list[str]) -> np.ndarray:
            out = np.zeros((len(texts), len(model["labels"])))
            out[np.arange(len(texts)), [_classify(model, t) for t in texts]] = 1.0
            return out

        return Predictor(tuple(model["labels"]), "probabilities", scores)

    def forward(
        self, model: Any, texts: list[str], batch_size: int, max_length: int, device: str
    ) -> Callable[[int], Any]:
        return lambda i: [_classify(model, t) for t in texts[i : i + batch_size]]

    def encode_one(self, model: Any, text: str, max_length: int) -> Any:
        return _words(text)


def _classify(model: dict[str, Any], text: str) -> int:
    for word in _words(text):
        if word in model["keywords"]:
            return int(model["keywords"][word])
    return int(model["majority"])


@pytest.fixture
def keyword_kind() -> Iterator[ModelSpec]:
    register_kind(KeywordBackend())
    spec = register_model(ModelSpec(MODEL, "keywords", kind=KIND, description="keyword lookup"))
    yield spec
    REGISTRY.pop(MODEL)
    KINDS.pop(KIND)


def test_a_kind_registered_here_runs_reports_and_is_recommended(
    keyword_kind: ModelSpec,
    emotion_dir: Path,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    data = first_rows(emotion_dir, tmp_path / "data")
    monkeypatch.setenv("EMOBENCH_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.chdir(tmp_path)
    config = BenchmarkConfig(
        models=(MODEL, "tfidf-svm"), seeds=(42,), data=DataRequest(data_dir=str(data))
    )
    runs = tmp_path / "runs"
    results = list(run_benchmark(config))
    for result in results:
        result.save(runs)
    ours = next(r for r in results if r.model.kind == KIND)
    assert (ours.label, ours.model.init, ours.environment["seeded"]) == (MODEL, "n/a", [])
    assert 0 < ours.metrics.accuracy <= 1 and ours.efficiency.latency_b1.p50_ms > 0

    report = tmp_path / "RESULTS.md"
    assert (
        main(["--quiet", "report", "--no-bench", "--results", str(runs), "--output", str(report)])
        == 0
    )
    text = report.read_text(encoding="utf-8")
    assert f"| {MODEL} " in text and "| tfidf-svm " in text

    capsys.readouterr()
    assert main(["recommend", "--results", str(runs)]) == 0
    assert MODEL in capsys.readouterr().out


def test_a_kind_without_a_capability_says_so_before_any_work(keyword_kind: ModelSpec) -> None:
    with pytest.raises(RegistryError, match="no 'export' capability"):
        KeywordBackend().export(Path("entry"), Path("dst"), ["a"])
    with pytest.raises(UsageError, match="'keywords' .* cannot distil"):
        BenchmarkConfig(models=(MODEL,), teacher="bert-tiny")
    with pytest.raises(UsageError, match="'keywords' .* cannot distil"):
        BenchmarkConfig(models=(Case("bert-tiny", teacher=MODEL),))


def test_the_latency_probe_refuses_a_kind_without_it(keyword_kind: ModelSpec) -> None:
    from emobench_core.scenarios.probe import probe_models

    with pytest.raises(RegistryError, match="'keywords' is of kind 'keyword-test', which has no"):
        probe_models([MODEL, "tfidf-svm"], data_dir="no-such-folder")
