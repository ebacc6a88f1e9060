"""The kind registry and the named capabilities (models/kinds.py, backends/capabilities.py)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from emobench_core.errors import RegistryError
from emobench_core.models.backends.base import Backend, Predictor, Trained, TrainJob
from emobench_core.models.backends.capabilities import (
    CAPABILITIES,
    DISTILLATION,
    EXPORT,
    LATENCY_PROBE,
    RANDOM_INIT,
    REFERENCE,
    Exportable,
    Probed,
    supports,
)
from emobench_core.models.kinds import (
    KINDS,
    REGISTRY,
    backend_of_kind,
    kind_supports,
    register_kind,
    register_model,
)
from emobench_core.models.registry import backend_for, get_spec, model_names, resolve_init
from emobench_core.models.spec import ModelSpec


class Bare(Backend):
    """The core only: no capability."""

    kind = "bare-test"

    def train(self, staging: Path, job: TrainJob) -> Trained:
        raise NotImplementedError

    def load(self, entry: Path) -> Any:
        return None

    def predictor(self, folder: Path, labels: Any = None) -> Predictor:
        raise NotImplementedError

    def forward(self, model: Any, texts: list[str], batch_size: int, max_length: int, device: str):
        return lambda i: None

    def encode_one(self, model: Any, text: str, max_length: int) -> Any:
        return text


class OtherBare(Bare):
    pass


@pytest.fixture
def bare() -> Iterator[Bare]:
    backend = register_kind(Bare())
    yield backend
    REGISTRY.pop("bare", None)
    KINDS.pop(Bare.kind)


def test_the_built_in_kinds_name_their_capabilities() -> None:
    assert KINDS["transformer"].capabilities == {RANDOM_INIT, DISTILLATION, EXPORT, LATENCY_PROBE}
    assert KINDS["sklearn"].capabilities == {EXPORT, LATENCY_PROBE, REFERENCE}
    for backend in KINDS.values():
        assert backend.capabilities <= set(CAPABILITIES)


@pytest.mark.parametrize("kind", ["transformer", "sklearn"])
def test_a_kind_implements_each_capability_it_names(kind: str) -> None:
    backend = KINDS[kind]
    assert isinstance(backend, Exportable) and backend.library_name
    assert type(backend).export is not Backend.export
    assert isinstance(backend, Probed) and backend.probe_weights
    assert type(backend).architecture is not Backend.architecture


def test_supports_refuses_an_unknown_capability_name() -> None:
    with pytest.raises(ValueError, match="unknown capability 'exports'"):
        supports(KINDS["transformer"], "exports")


def test_a_kind_with_the_core_only(bare: Bare, tmp_path: Path) -> None:
    assert bare.capabilities == frozenset()
    assert not any(supports(bare, c) for c in CAPABILITIES)
    assert bare.init_label("pretrained") == "n/a"  # no init choice
    assert KINDS["transformer"].init_label("random") == "random"
    (tmp_path / "a.bin").write_bytes(b"12345")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "b.bin").write_bytes(b"123")
    assert (bare.model_dir(tmp_path), bare.size_on_disk(tmp_path)) == (tmp_path, 8)
    assert (bare.parameters(None), bare.holds(tmp_path), bare.seeded) == ((0, 0), False, ())
    assert bare.export_int8(tmp_path, tmp_path / "x", ["a"]) is None
    for call in (
        lambda: bare.export(tmp_path, tmp_path / "x", ["a"]),
        lambda: bare.architecture(ModelSpec("m", "m"), ["a"]),
        lambda: bare.fit_for_probe(None, None),
    ):
        with pytest.raises(RegistryError, match=r"'bare-test' has no '(export|latency-probe)'"):
            call()


def test_the_registry_asks_capabilities_not_kinds(bare: Bare) -> None:
    spec = register_model(ModelSpec("bare", "nowhere", kind=Bare.kind, description="core only"))
    assert get_spec("bare") is spec and backend_for(spec) is bare
    assert "bare" in model_names() and "bare" not in model_names(transformers_only=True)
    assert resolve_init(spec, "auto") == "auto"  # no weights to look for
    with pytest.raises(RegistryError, match="unknown model 'bare@abc123'"):
        get_spec("bare@abc123")  # no hub revision to pin
    assert get_spec("bert-tiny@abc123").source.endswith("@abc123")
    assert kind_supports("transformer", DISTILLATION) and not kind_supports(Bare.kind, EXPORT)
    assert not kind_supports("no-such-kind", REFERENCE)  # a results file of an absent plug-in


def test_registering_checks_its_input(bare: Bare) -> None:
    assert register_kind(Bare()) is not bare  # the same class again: replaced, no error
    with pytest.raises(RegistryError, match="'bare-test' is registered already"):
        register_kind(OtherBare())
    assert isinstance(register_kind(OtherBare(), replace=True), OtherBare)
    with pytest.raises(RegistryError, match="must be a Backend"):
        register_kind(object())  # type: ignore[type-var]
    with pytest.raises(RegistryError, match="kind 'nope', which no backend handles"):
        register_model(ModelSpec("x", "x", kind="nope"))
    with pytest.raises(RegistryError, match="'tfidf-svm' is registered already"):
        register_model(ModelSpec("tfidf-svm", "other", kind=Bare.kind))
    with pytest.raises(RegistryError, match="did you mean 'transformer'"):
        backend_of_kind("transformers")
