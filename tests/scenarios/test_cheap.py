"""MTEB's protocol (experiments, counts, determinism), ``emobench mteb-protocol`` and
``emobench efficiency`` end to end on tiny data, and the report sections they add only when
asked (``emobench report --mteb / --efficiency``).

    pytest tests/scenarios/test_cheap.py
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest
from export_fixtures import first_rows
from frozen_fixtures import tiny_encoder

from emobench_core.cli import main
from emobench_core.scenarios.mteb import run_protocol
from emobench_core.schema.cheap import EfficiencyReport, MtebReport
from emobench_core.study.efficiency import summarize


def _blobs(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 4, size=n)
    x = rng.normal(size=(n, 8)) + 3 * np.eye(4, 8)[y]
    return x, y


def test_the_protocol_runs_its_experiments_on_its_samples() -> None:
    x, y = _blobs(400, 0)
    xt, yt = _blobs(200, 1)
    exps = run_protocol(x, y, xt, yt, n_experiments=5, samples_per_label=6, seed=42)
    assert len(exps) == 5
    for e in exps:
        assert Counter(y[e.train_indices].tolist()) == {0: 6, 1: 6, 2: 6, 3: 6}
        assert 0.5 < e.accuracy <= 1 and 0 < e.f1 <= 1 and 0 < e.f1_weighted <= 1
    assert len({tuple(e.train_indices) for e in exps}) == 5  # each experiment samples anew
    again = run_protocol(x, y, xt, yt, n_experiments=5, samples_per_label=6, seed=42)
    assert again == exps
    other = run_protocol(x, y, xt, yt, n_experiments=5, samples_per_label=6, seed=1)
    assert [e.train_indices for e in other] != [e.train_indices for e in exps]


@pytest.fixture(scope="module")
def tiny(tmp_path_factory: pytest.TempPathFactory, emotion_dir: Path, vocab_dir: Path) -> Path:
    root = tmp_path_factory.mktemp("cheap")
    first_rows(emotion_dir, root / "data")
    tiny_encoder(root / "encoder", vocab_dir)
    return root


def test_mteb_protocol_command_and_its_report_section(
    tiny: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "mteb.json"
    argv = [
        "--quiet", "mteb-protocol", "--model", str(tiny / "encoder"), "--data-dir",
        str(tiny / "data"), "--cache-dir", str(tmp_path / "cache"), "--n-experiments", "3",
        "--samples-per-label", "4", "--output", str(out),
    ]  # fmt: skip
    assert main(argv) == 0
    report = MtebReport.load(out)
    assert len(report.experiments) == 3 and report.published == {}  # not the published setup
    assert all(len(e.train_indices) <= 4 * 6 for e in report.experiments)
    assert report.encoder["pooling"]["normalize"] is True
    assert report.protocol["main_score"] == "accuracy" and report.protocol["mteb_files"]
    assert "accuracy" in capsys.readouterr().out
    assert main(argv) == 0  # its own report: replaced; the embeddings come from the cache
    assert MtebReport.load(out).encoder["embeddings_cached"] is True

    not_ours = tmp_path / "notes.json"
    not_ours.write_text('{"mine": 1}', encoding="utf-8")
    argv[argv.index(str(out))] = str(not_ours)
    assert main(argv) == 2  # refused before any work
    assert not_ours.read_text(encoding="utf-8") == '{"mine": 1}'


def test_efficiency_command_resumes_and_renders(
    tiny: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    out = tmp_path / "eff.json"
    argv = [
        "--quiet", "efficiency", "--models", "tfidf-svm", "--sizes", "4,8,all", "--seeds",
        "42,43", "--data-dir", str(tiny / "data"), "--cache-dir", str(tmp_path / "cache"),
        "--output", str(out),
    ]  # fmt: skip
    assert main(argv) == 0
    report = EfficiencyReport.load(out)
    assert report.complete and len(report.cells) == 3 * 2
    rows = {(c.size, c.seed): c.rows for c in report.cells}
    assert rows[(4, 42)] < rows[(8, 42)] < rows[("all", 42)] == 300
    assert all(len(c.y_pred) == len(report.y_true) == 100 for c in report.cells)
    assert main(argv) == 0 and EfficiencyReport.load(out).cells == report.cells  # resumed

    summary = summarize(report, n_resamples=200)
    assert summary.labels == ("tfidf-svm",) and summary.sizes == (4, 8, "all")
    assert summary.smallest["tfidf-svm"] in (4, 8, "all")
    full = summary.point("tfidf-svm", "all")
    assert full is not None and full.vs_full is None

    runs = tmp_path / "runs"
    svm = [
        "--quiet", "run", "--models", "tfidf-svm", "--data-dir", str(tiny / "data"),
        "--cache-dir", str(tmp_path / "cache"), "--output", str(runs),
    ]  # fmt: skip
    assert main(svm) == 0
    plain = tmp_path / "plain.md"
    report_argv = ["report", "--no-bench", "--results", str(runs), "--bootstrap", "50"]
    assert main([*report_argv, "--output", str(plain)]) == 0
    assert "Data efficiency" not in plain.read_text(encoding="utf-8")
    full_md = tmp_path / "full.md"
    assert main([*report_argv, "--output", str(full_md), "--efficiency", str(out)]) == 0
    text = full_md.read_text(encoding="utf-8")
    assert "## Data efficiency" in text and "--efficiency eff.json" in text
    assert (runs / "results_efficiency.png").is_file()


def test_the_mteb_section_sets_the_published_score_beside_the_reproduced_one(
    tmp_path: Path,
) -> None:
    from emobench_core.report.sections_efficiency import mteb_section
    from emobench_core.scenarios.mteb import PUBLISHED

    x, y = _blobs(300, 0)
    xt, yt = _blobs(100, 1)
    published = PUBLISHED["sentence-transformers/all-MiniLM-L6-v2"]
    report = MtebReport(
        task="EmotionClassification",
        protocol={
            "n_experiments": 10,
            "samples_per_label": 16,
            "seed": 42,
            "classifier": "LogisticRegression",
            "eval_split": "test",
            "main_score": "accuracy",
            "mteb_files": ["a.py"],
        },
        encoder={
            "name": "enc",
            "source": "enc",
            "pooling": {"mode": "mean", "normalize": True, "max_length": 256},
        },
        data={},
        environment={},
        command="emobench mteb-protocol",
        published=published,
        experiments=run_protocol(x, y, xt, yt, n_experiments=10, samples_per_label=16),
    )
    text = "\n".join(mteb_section("mteb.json", report))
    assert "enc (here)" in text and "enc (MTEB 1.12.75)" in text and "0.4083 ± 0.0264" in text
    assert published["source"] in text and "Difference (here − published)" in text
    report.save(tmp_path / "mteb.json")
    assert MtebReport.load(tmp_path / "mteb.json") == report
