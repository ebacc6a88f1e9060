"""Results do not depend on how a run was split (docs/scaling.md): one small profile run
whole, with `pytest -n 2 --dist loadgroup`, and as two pytest-split shards (run at once, one
shared cache) merged by `emobench report` gives the same quality rows, and each way trains
every checkpoint exactly once.

The small profile is `smoke` cut to 200 training rows and one epoch, seed 42 (two checkpoints:
BERT-Tiny and the SVM) on the first 400/150/300 rows of the real data: about a minute on 2
cores for the three ways, most of it process start-up and each result's own latency
measurement (2 s a batch size).
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from emobench_core.cli import main
from emobench_core.schema.run import RunResult, load_results
from emobench_core.study.merge import merge_parts

pytest_plugins = ["pytester"]
pytest.importorskip("xdist")
pytest.importorskip("pytest_split")

BENCH = Path(__file__).resolve().parents[2] / "bench"

TRAIN_LOG = """
import os

from emobench_core.cache import CheckpointCache, cache_key

_get_or_build = CheckpointCache.get_or_build


def _logged(self, parts, build):
    def build_and_log(staging):
        with open(os.environ["SCALEOUT_TRAIN_LOG"], "a") as fh:
            fh.write(f"{self.root}\\t{cache_key(parts)}\\t{os.getpid()}\\n")
        build(staging)

    return _get_or_build(self, parts, build_and_log)


CheckpointCache.get_or_build = _logged  # every build, in whichever process, is logged
"""

FLOORS = """
[smoke."bert-tiny@random"]
accuracy = 0.0
macro_f1 = 0.0

[smoke.tfidf-svm]
accuracy = 0.0
macro_f1 = 0.0
"""


@pytest.fixture
def bench(
    pytester: pytest.Pytester,
    tmp_path: Path,
    emotion_dir: Path,
    vocab_dir: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> tuple[pytest.Pytester, list[str]]:
    data = tmp_path / "data"
    data.mkdir()
    for split, n in (("train", 400), ("validation", 150), ("test", 300)):
        with (emotion_dir / f"{split}.jsonl").open(encoding="utf-8") as fh:
            (data / f"{split}.jsonl").write_text("".join(next(fh) for _ in range(n)))
    shutil.copy(BENCH / "test_models.py", pytester.path / "test_models.py")
    (pytester.path / "thresholds.toml").write_text(FLOORS)
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    pytester.makeconftest(TRAIN_LOG)
    monkeypatch.setenv("SCALEOUT_TRAIN_LOG", str(tmp_path / "trained.log"))
    monkeypatch.setenv("OMP_NUM_THREADS", "1")  # tiny models: one thread each on a busy CPU
    monkeypatch.delenv("PYTEST_XDIST_WORKER", raising=False)
    # one revision for every way, even if the checkout gets a commit while this test runs
    monkeypatch.setenv("EMOBENCH_GIT_COMMIT", "0" * 40)
    args = [
        *("--emobench-profile", "smoke", "--emobench-seeds", "42"),
        *("--emobench-max-train-rows", "200", "--emobench-epochs", "1"),
        *("--emobench-data-dir", str(data), "--emobench-vocab-dir", str(vocab_dir)),
        *("--emobench-thresholds", str(pytester.path / "thresholds.toml")),
        *("--benchmark-disable", "-v", "-rs"),
    ]
    return pytester, args


def _way(tmp: Path, name: str) -> list[str]:
    return ["--emobench-cache-dir", str(tmp / name / "cache")]


def _rows(results: list[RunResult]) -> dict[tuple[str, str, int], tuple[Any, ...]]:
    return {
        (r.model.name, r.model.init, r.seed): (
            r.metrics.accuracy,
            r.metrics.macro_f1,
            r.model.params_total,
            tuple(r.predictions["y_pred"]),
        )
        for r in results
    }


def _builds(log: Path, cache: Path) -> Counter[str]:
    lines = [line.split("\t") for line in log.read_text().splitlines()]
    return Counter(key for root, key, _ in lines if Path(root) == cache)


def _entries(cache: Path) -> set[str]:
    return {p.name for p in cache.iterdir() if p.is_dir() and not p.name.startswith(".")} - {
        "tokens"
    }


def test_whole_xdist_and_shards_give_the_same_rows_and_train_each_checkpoint_once(
    bench: tuple[pytest.Pytester, list[str]], tmp_path: Path
) -> None:
    p, args = bench
    durations = tmp_path / "test_durations.json"
    walls = {}

    start = time.perf_counter()
    whole = p.runpytest_subprocess(
        *args,
        *_way(tmp_path, "whole"),
        *("--emobench-results-dir", str(tmp_path / "whole" / "results")),
        *("--store-durations", "--durations-path", str(durations)),
    )
    walls["whole"] = time.perf_counter() - start
    whole.assert_outcomes(passed=6, skipped=1)  # 2 quality, 4 latency; no claim in smoke

    start = time.perf_counter()
    xdist = p.runpytest_subprocess(
        *args,
        *_way(tmp_path, "xdist"),
        *("--emobench-results-dir", str(tmp_path / "xdist" / "results")),
        *("-n", "2", "--dist", "loadgroup"),
    )
    walls["-n 2"] = time.perf_counter() - start
    xdist.assert_outcomes(passed=2, skipped=5)  # latency is never timed in a worker
    xdist.stdout.fnmatch_lines(["*SKIPPED [[]4[]]*latency is never timed under pytest-xdist*"])
    workers: dict[str, set[str]] = {}
    for line in xdist.outlines:
        m = re.match(r"\[(gw\d)\] .* (PASSED|SKIPPED) \S+@(\S+)", line)
        if m:
            workers.setdefault(m.group(3), set()).add(m.group(1))
    assert set(workers) == {"bert-tiny:random-s42", "tfidf-svm-s42"}
    assert all(len(w) == 1 for w in workers.values()), workers  # one checkpoint, one worker

    start = time.perf_counter()
    shards = [
        subprocess.Popen(
            [
                *(sys.executable, "-m", "pytest", *args, *_way(tmp_path, "shards")),
                *("--emobench-results-dir", str(tmp_path / "shards" / f"results-{i}")),
                *("--splits", "2", "--group", str(i), "--durations-path", str(durations)),
                f"--basetemp={tmp_path / 'shards' / f'tmp-{i}'}",
            ],
            cwd=p.path,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ},
        )
        for i in (1, 2)
    ]
    outputs = [s.communicate(timeout=300)[0] for s in shards]
    walls["2 shards"] = time.perf_counter() - start
    for i, (shard, out) in enumerate(zip(shards, outputs, strict=True), start=1):
        assert shard.returncode == 0, out
        assert f"[pytest-split] Running group {i}/2" in out

    parts = [(str(d), load_results(d)) for d in sorted((tmp_path / "shards").glob("results-*"))]
    rows = {
        "whole": _rows(load_results(tmp_path / "whole" / "results")),
        "-n 2": _rows(load_results(tmp_path / "xdist" / "results")),
        "2 shards": _rows(merge_parts(parts)),
    }
    assert len(rows["whole"]) == 2
    assert rows["-n 2"] == rows["whole"]
    assert rows["2 shards"] == rows["whole"]

    log = tmp_path / "trained.log"
    for way in ("whole", "xdist", "shards"):
        cache = tmp_path / way / "cache"
        builds = _builds(log, cache)
        assert set(builds) == _entries(cache) and len(builds) == 2, (way, builds)
        assert set(builds.values()) == {1}, (way, builds)  # trained once, wherever asked

    print("scale-out wall s:", {k: round(v, 1) for k, v in walls.items()})
    out = tmp_path / "shards" / "RESULTS.md"
    argv = ["report", "--no-bench", "--results", *(d for d, _ in parts), "--output", str(out)]
    assert main([*argv, "--bootstrap", "20"]) == 0
    assert "bert-tiny (random init)" in out.read_text()
