"""The path every user outside this workplace takes: ``emobench run`` with no local copies
downloads dair-ai/emotion and the pretrained weights of every registry model from the hub
(here a local one, :mod:`hub_server`, serving the real layouts of :mod:`hub_layouts`), trains,
evaluates and records the hub commits it used; a rerun works with the hub gone.

Before this was tested, the real layout of Google's BERT miniatures (``config.json`` without
``model_type``) failed ``--init pretrained`` with a traceback: transformers 5 no longer
guesses the architecture from the repository name.
"""

from __future__ import annotations

import json
from pathlib import Path

from hub_layouts import BERT_SMALL, BERT_TINY, DISTILBERT, EMOTION, MINILM, bert_files, vocab

from emobench_core.models.registry import REGISTRY, model_names

TINY = ("--epochs", "1", "--max-train-rows", "48", "--batch-size", "16", "--max-length", "32")


def _results(folder: Path) -> dict[str, dict]:
    return {
        d["model"]["name"]: d
        for d in (json.loads(p.read_text()) for p in sorted(folder.glob("*.json")))
    }


def _fetched(hub, repo: str) -> set[str]:
    """Files of ``repo`` the server sent (GET)."""
    marker = f"/{repo}/resolve/"
    return {
        r.split(marker)[1].split("/", 1)[1]
        for r in hub.requests
        if r.startswith("GET") and marker in r
    }


def test_run_downloads_data_and_every_registry_model_then_reruns_offline(hub, emobench, tmp_path):
    transformers = model_names(transformers_only=True)
    proc = emobench(
        "run",
        "--models",
        ",".join(transformers),
        "--output",
        "out",
        "--cache-dir",
        "ck",
        "--init",
        "pretrained",
        *TINY,
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    results = _results(tmp_path / "out")
    assert set(results) == set(transformers)
    data_sha = hub.repo("dataset", EMOTION).sha
    for name, result in results.items():
        repo = REGISTRY[name].source
        assert result["model"]["init"] == "pretrained"
        assert result["model"]["source"] == f"{repo}@{hub.repo('model', repo).sha}"
        assert result["data"]["source"] == f"hub:{EMOTION}@{data_sha}"
        assert result["data"]["dataset"] == EMOTION
        assert result["data"]["rows"] == {"train": 48, "validation": 60, "test": 60}
    # one weights format each: the .bin-only repository its .bin, the others safetensors only
    assert _fetched(hub, BERT_TINY) == {"config.json", "pytorch_model.bin", "vocab.txt"}
    assert "pytorch_model.bin" not in _fetched(hub, DISTILBERT)
    assert {"model.safetensors", "tokenizer.json"} <= _fetched(hub, MINILM)

    hub.stop()  # the hub is gone: the second run reads the HF cache, offline
    offline = {"HF_HUB_OFFLINE": "1", "HF_DATASETS_OFFLINE": "1"}
    again = emobench(
        "run",
        "--models",
        "bert-tiny,distilbert",
        "--output",
        "out2",
        "--cache-dir",
        "ck2",
        "--init",
        "pretrained",
        *TINY,
        env=offline,
    )
    assert again.returncode == 0, again.stderr[-3000:]
    rerun = _results(tmp_path / "out2")
    for name in ("bert-tiny", "distilbert"):
        assert rerun[name]["model"]["source"] == results[name]["model"]["source"]
        assert rerun[name]["data"]["fingerprint"] == results[name]["data"]["fingerprint"]
        assert rerun[name]["predictions"] == results[name]["predictions"]


def test_a_recorded_revision_pins_the_weights_after_main_moves(
    hub, emobench, tmp_path, emotion_dir
):
    first = emobench("run", "--models", "bert-small", "--output", "a", "--cache-dir", "ck", *TINY)
    assert first.returncode == 0, first.stderr[-3000:]
    recorded = _results(tmp_path / "a")["bert-small"]["model"]["source"]
    old = recorded.rsplit("@", 1)[1]
    new = hub.add_repo("model", BERT_SMALL, bert_files(vocab(emotion_dir), 32, 2, seed=9))
    assert new != old

    moved = emobench("run", "--models", "bert-small", "--output", "b", "--cache-dir", "ck", *TINY)
    pinned = emobench(
        "run", "--models", f"bert-small@{old}", "--output", "c", "--cache-dir", "ck", *TINY
    )
    assert moved.returncode == 0 and pinned.returncode == 0, (
        moved.stderr[-2000:] + pinned.stderr[-2000:]
    )
    assert _results(tmp_path / "b")["bert-small"]["model"]["source"] == f"{BERT_SMALL}@{new}"
    pin = _results(tmp_path / "c")["bert-small"]
    assert pin["model"]["source"] == recorded
    assert pin["predictions"] == _results(tmp_path / "a")["bert-small"]["predictions"]
