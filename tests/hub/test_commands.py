"""The other commands on the default path, against the local hub with nothing local:
``emobench data`` (the dataset and the bert-base-uncased vocab), ``tune``, ``distill`` (a
pretrained teacher, a randomly initialised student with the hub's vocab) and the pytest
harness (``pytest bench``), each downloading what it needs and recording the hub commits.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from hub_layouts import BERT_BASE, BERT_TINY, EMOTION, MINILM

ROOT = Path(__file__).resolve().parents[2]
TINY = ("--epochs", "1", "--max-train-rows", "48", "--batch-size", "16", "--max-length", "32")


def _got(hub, repo: str, kind: str = "") -> set[str]:
    marker = f"{kind}/{repo}/resolve/"
    return {
        r.split(marker)[1].split("/", 1)[1]
        for r in hub.requests
        if r.startswith("GET") and marker in r
    }


def test_data_reads_the_hub_dataset_and_vocab(hub, emobench, tmp_path):
    proc = emobench("data", "--output", "d")
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((tmp_path / "d" / "data-report.json").read_text())
    assert report["source"] == f"hub:{EMOTION}@{hub.repo('dataset', EMOTION).sha}"
    assert {f"split/{s}-00000-of-00001.parquet" for s in ("train", "validation", "test")} <= _got(
        hub, EMOTION, "/datasets"
    )
    assert "unsplit/train-00000-of-00001.parquet" not in _got(hub, EMOTION, "/datasets")
    assert "vocab.txt" in _got(hub, BERT_BASE) or "tokenizer.json" in _got(hub, BERT_BASE)


def test_tune_fine_tunes_pretrained_hub_weights(hub, emobench, tmp_path):
    proc = emobench(
        "tune", "--models", "bert-tiny", "--epochs", "1", "--learning-rates", "1e-3",
        "--seeds", "42", "--init", "pretrained", "--output", "tune.json", "--cache-dir", "ck",
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    report = json.loads((tmp_path / "tune.json").read_text())
    assert report["data"]["source"] == f"hub:{EMOTION}@{hub.repo('dataset', EMOTION).sha}"
    assert "pytorch_model.bin" in _got(hub, BERT_TINY)


def test_distill_from_a_hub_teacher_into_a_random_student(hub, emobench, tmp_path):
    proc = emobench(
        "distill", "--teacher", "minilm-l6", "--student", "bert-tiny", "--output", "kd",
        "--cache-dir", "ck", *TINY,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    (result,) = [json.loads(p.read_text()) for p in (tmp_path / "kd").glob("*.json")]
    assert (result["distillation"]["teacher"], result["distillation"]["teacher_init"]) == (
        "minilm-l6",
        "pretrained",
    )
    assert {"config.json", "model.safetensors", "tokenizer.json"} <= _got(hub, MINILM)
    assert result["model"]["source"].startswith("random:")
    assert result["data"]["source"] == f"hub:{EMOTION}@{hub.repo('dataset', EMOTION).sha}"
    assert _got(hub, BERT_BASE)  # the student's vocab, from bert-base-uncased


def test_pytest_harness_runs_a_profile_from_the_hub(hub, user_env, tmp_path):
    results = tmp_path / "results"
    proc = subprocess.run(
        [
            sys.executable, "-m", "pytest", str(ROOT / "bench"), "-q", "-p", "no:randomly",
            "-k", "quality and bert-tiny and not kd", "--emobench-profile", "cpu",
            "--emobench-seeds", "42", "--emobench-epochs", "1",
            "--emobench-max-train-rows", "48", "--emobench-results-dir", str(results),
            "--emobench-cache-dir", str(tmp_path / "ck"), "--basetemp", str(tmp_path / "bt"),
            "--rootdir", str(ROOT),
        ],
        env=user_env, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )  # fmt: skip
    (path,) = results.glob("bert-tiny-*.json")  # the thresholds may fail on 48 rows
    result = json.loads(path.read_text())
    assert result["model"]["init"] == "pretrained", proc.stdout[-3000:]
    assert result["model"]["source"] == f"{BERT_TINY}@{hub.repo('model', BERT_TINY).sha}"
    assert result["data"]["source"] == f"hub:{EMOTION}@{hub.repo('dataset', EMOTION).sha}"
