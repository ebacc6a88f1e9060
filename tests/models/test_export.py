"""Unit tests for emobench_core.models.export: the ONNX export agrees with torch (padded
batches, dynamic axes, DistilBERT's inputs), a failed or disagreeing export leaves no file, and
the int8 variants are smaller and mostly agree.

A BERT of hidden size 32 (two layers) with the real WordPiece vocab is exported once per module.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from deploy_fixtures import TEXTS, tiny_bert

import emobench_core.models.export as export
from emobench_core.errors import DeployError
from emobench_core.models.export import (
    encode,
    export_onnx,
    ort_session,
    quantize_onnx_int8,
    torch_int8,
)
from emobench_core.models.loading import load_tokenizer
from emobench_core.models.variants import onnx_size_bytes


@pytest.fixture(scope="module")
def tokenizer(vocab_dir):
    return load_tokenizer(str(vocab_dir))


@pytest.fixture(scope="module")
def model():
    return tiny_bert()


@pytest.fixture(scope="module")
def exported(model, tokenizer, tmp_path_factory):
    folder = tmp_path_factory.mktemp("onnx")
    fp32 = export_onnx(model, tokenizer, folder / "model.onnx")
    return fp32, quantize_onnx_int8(fp32, folder / "model.int8.onnx")


def _torch(model, inputs):
    with torch.inference_mode():
        return model(**{k: torch.from_numpy(v) for k, v in inputs.items()}).logits.numpy()


def _ort(path, inputs):
    return ort_session(path, threads=1).run(["logits"], inputs)[0]


NAMES = ("input_ids", "attention_mask", "token_type_ids")


# ---------------------------------------------------------------------------- export


def test_onnx_logits_match_torch_on_a_padded_batch(model, tokenizer, exported):
    inputs = encode(tokenizer, TEXTS, NAMES, 128)
    assert (inputs["attention_mask"] == 0).any()  # padded: the mask matters
    got, ref = _ort(exported[0], inputs), _torch(model, inputs)
    assert got.shape == (len(TEXTS), 6)
    np.testing.assert_allclose(got, ref, atol=1e-4, rtol=0)


@pytest.mark.parametrize(
    "texts", [TEXTS[:1], TEXTS[:3], [TEXTS[3]] * 2, [" ".join(TEXTS * 4)]], ids=str
)
def test_graph_has_dynamic_batch_and_sequence_axes(model, tokenizer, exported, texts):
    inputs = encode(tokenizer, texts, NAMES, 128)
    np.testing.assert_allclose(_ort(exported[0], inputs), _torch(model, inputs), atol=1e-4)
    session = ort_session(exported[0], threads=1)
    assert [i.name for i in session.get_inputs()] == list(NAMES)
    assert {tuple(i.shape) for i in session.get_inputs()} == {("batch", "sequence")}
    assert session.get_outputs()[0].shape == ["batch", 6]


def test_long_text_is_truncated_to_max_length(tokenizer):
    inputs = encode(tokenizer, [" ".join(TEXTS * 10)], NAMES, 16)
    assert inputs["input_ids"].shape == (1, 16) and inputs["input_ids"].dtype == np.int64


def test_distilbert_graph_takes_no_token_type_ids(tokenizer, tmp_path):
    from transformers import DistilBertConfig, DistilBertForSequenceClassification

    torch.manual_seed(0)
    config = DistilBertConfig(
        vocab_size=30522, dim=32, n_layers=1, n_heads=2, hidden_dim=64, num_labels=6
    )
    model = DistilBertForSequenceClassification(config).eval()
    path = export_onnx(model, tokenizer, tmp_path / "distil.onnx")
    session = ort_session(path, threads=1)
    assert [i.name for i in session.get_inputs()] == ["input_ids", "attention_mask"]
    inputs = encode(tokenizer, TEXTS, ("input_ids", "attention_mask"), 128)
    np.testing.assert_allclose(_ort(path, inputs), _torch(model, inputs), atol=1e-4)


def test_failed_export_leaves_no_file(model, tokenizer, tmp_path, monkeypatch):
    def broken(module, args, f, **kwargs):
        with open(f, "wb") as fh:
            fh.write(b"half a graph")
        raise RuntimeError("exporter crashed")

    monkeypatch.setattr(torch.onnx, "export", broken)
    with pytest.raises(RuntimeError, match="exporter crashed"):
        export_onnx(model, tokenizer, tmp_path / "model.onnx")
    assert list(tmp_path.iterdir()) == []


def test_export_that_disagrees_with_torch_is_refused(model, tokenizer, tmp_path, monkeypatch):
    real = export._onnx_logits
    monkeypatch.setattr(export, "_onnx_logits", lambda path, inputs: real(path, inputs) + 0.01)
    with pytest.raises(DeployError, match=r"disagrees with torch .* > 0\.0001"):
        export_onnx(model, tokenizer, tmp_path / "model.onnx")
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------------------- int8


def test_onnx_int8_is_smaller_and_mostly_agrees(tokenizer, exported):
    fp32, int8 = exported
    assert onnx_size_bytes(int8) < 0.5 * onnx_size_bytes(fp32)
    texts = TEXTS * 4 + [t.upper() + " !" for t in TEXTS]
    inputs = encode(tokenizer, texts, NAMES, 128)
    ref, got = _ort(fp32, inputs).argmax(-1), _ort(int8, inputs).argmax(-1)
    assert len(set(ref.tolist())) > 1  # the check is not trivially "all class 0"
    assert np.mean(ref == got) >= 0.8


@pytest.mark.parametrize(
    ("flags", "machine", "reduce"),
    [
        ({"avx2", "fma"}, "x86_64", True),  # no VNNI: 8-bit weights saturate, so 7-bit
        ({"avx2", "avx512f", "avx512_vnni"}, "x86_64", False),
        ({"avx2", "avx_vnni"}, "x86_64", False),
        ({"avx512f", "amx_int8", "amx_tile"}, "x86_64", False),
        (set(), "aarch64", False),
    ],
)
def test_int8_weights_are_7_bit_on_an_x86_cpu_without_vnni(flags, machine, reduce):
    from emobench_core.measure.hardware import int8_reduce_range

    assert int8_reduce_range(frozenset(flags), machine) is reduce


def test_torch_int8_replaces_every_linear(model, tokenizer):
    quantized = torch_int8(model)
    kinds = {type(m) for m in quantized.modules()}
    assert torch.nn.Linear not in kinds
    assert any("DynamicQuantized" in str(m) for m in quantized.modules())
    assert type(model.classifier) is torch.nn.Linear  # the original is untouched
    inputs = encode(tokenizer, TEXTS, NAMES, 128)
    got, ref = _torch(quantized, inputs), _torch(model, inputs)
    assert got.shape == ref.shape and np.mean(got.argmax(-1) == ref.argmax(-1)) >= 0.5
