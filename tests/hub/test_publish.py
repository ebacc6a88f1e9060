"""Publishing: ``emobench export --push-to-hub REPO`` uploads the exported folder, its model
card included, to the hub; ``transformers.pipeline`` loads it back from ``HF_ENDPOINT`` and
predicts what the local folder predicts.
"""

from __future__ import annotations

import json
import subprocess
import sys

TINY = ("--epochs", "1", "--max-train-rows", "48", "--batch-size", "16", "--max-length", "32")
REPO = "someone/emotion-bert-tiny"
TEXTS = ["i feel happy today", "i am so angry with him", "what a surprise", "i miss her"]
PREDICT = """
import json, sys
from transformers import pipeline
texts = json.loads(sys.argv[2])
print(json.dumps([p["label"] for p in pipeline("text-classification", model=sys.argv[1])(texts)]))
"""


def _predict(env: dict[str, str], model: str, cwd) -> list[str]:
    proc = subprocess.run(
        [sys.executable, "-c", PREDICT, model, json.dumps(TEXTS)],
        env=env, cwd=cwd, capture_output=True, text=True, timeout=300, check=False,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


def test_export_pushes_the_folder_and_pipeline_loads_it_back(hub, emobench, user_env, tmp_path):
    run = emobench("run", "--models", "bert-tiny", "--output", "out", "--cache-dir", "ck", *TINY)
    assert run.returncode == 0, run.stderr[-3000:]
    (result,) = (tmp_path / "out").glob("*.json")
    push = emobench(
        "export", str(result), "--output", "shipped", "--cache-dir", "ck", "--no-onnx",
        "--push-to-hub", REPO, env={"HF_TOKEN": "hf_local_test_token"},
    )  # fmt: skip
    assert push.returncode == 0, push.stderr[-3000:]
    assert f"pushed shipped to {REPO}" in push.stdout
    shipped = tmp_path / "shipped"
    local = {
        p.relative_to(shipped).as_posix(): p.read_bytes()
        for p in shipped.rglob("*")
        if p.is_file() and p.name != ".emobench-output"  # the output marker stays local
    }
    served = hub.repo("model", REPO).commits[-1][1]
    assert ".emobench-output" not in served  # the output marker is not uploaded
    assert "README.md" in local and "config.json" in local
    assert {k: served[k] for k in local} == local  # every file, the card included, as written

    from_hub = _predict(user_env, REPO, tmp_path)
    assert from_hub == _predict(user_env, str(shipped), tmp_path)
    assert set(from_hub) <= {"sadness", "joy", "love", "anger", "fear", "surprise"}
