"""Unit tests for emobench_core.scenarios.export and its model cards (emobench_core.report.card):
an exported BERT-Tiny loads with ``transformers.pipeline`` and predicts the run's named labels,
each card's YAML parses and states the run's (or the int8 variant's measured) metrics, nothing
shipped is a pickle, the SVM ships with skops, and a run whose model is gone is one clear line.

Two runs (BERT-Tiny one epoch, the SVM) are trained once for the module on 300 real rows.
"""

from __future__ import annotations

import json
import pickle
import shutil
import zipfile
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import yaml
from export_fixtures import FAST, Runs, train_runs

from emobench_core.cache import CheckpointCache
from emobench_core.cli.export import save_model
from emobench_core.errors import ExportError, RegistryError
from emobench_core.metrics.evaluation import compute_metrics
from emobench_core.models.backends.sklearn import PICKLED_FILE, SklearnBackend, save_pipeline
from emobench_core.models.backends.transformer import TransformerBackend
from emobench_core.models.predict import load_predictor
from emobench_core.report.card import weak_classes
from emobench_core.scenarios.export import find_entry
from emobench_core.schema.export import CARD_FILE, INT8_DIR


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory, emotion_dir: Path, vocab_dir: Path) -> Runs:
    return train_runs(tmp_path_factory.mktemp("export-runs"), emotion_dir, vocab_dir)


@pytest.fixture(scope="module")
def bert_export(runs: Runs, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("shipped") / "bert-tiny"
    save_model(runs.bert, runs.cache, out, data=lambda: runs.dsd, settings=FAST)
    return out


def front_matter(card: Path) -> dict[str, Any]:
    text = card.read_text(encoding="utf-8")
    assert text.startswith("---\n")
    meta = yaml.safe_load(text.split("---\n", 2)[1])
    assert isinstance(meta, dict)
    return meta


def card_metrics(meta: dict[str, Any]) -> dict[str, float]:
    (entry,) = meta["model-index"]
    (result,) = entry["results"]
    assert result["task"]["type"] == "text-classification"
    assert result["dataset"]["split"] == "test"
    return {m.get("name", m["type"]): m["value"] for m in result["metrics"]}


def test_exported_bert_loads_with_pipeline_and_predicts_the_runs_named_labels(
    runs: Runs, bert_export: Path
) -> None:
    from transformers import pipeline

    classifier = pipeline("text-classification", model=str(bert_export), device="cpu")
    texts = list(runs.dsd["test"]["text"])
    out = classifier(texts, truncation=True, max_length=128, batch_size=32)
    labels = [o["label"] for o in out]
    assert set(labels) <= set(runs.bert.labels)  # names, not LABEL_3
    ids = [runs.bert.labels.index(label) for label in labels]
    assert ids == runs.bert.predictions["y_pred"]  # the very model the run scored


def test_card_yaml_parses_and_its_metrics_are_the_runs(runs: Runs, bert_export: Path) -> None:
    meta = front_matter(bert_export / CARD_FILE)
    assert meta["library_name"] == "transformers"
    assert meta["pipeline_tag"] == "text-classification"
    dataset = meta["model-index"][0]["results"][0]["dataset"]
    assert dataset["type"] == runs.bert.data.dataset.partition(":")[0]
    assert card_metrics(meta) == {
        "accuracy": runs.bert.metrics.accuracy,
        "macro-F1": runs.bert.metrics.macro_f1,
    }
    text = (bert_export / CARD_FILE).read_text(encoding="utf-8")
    weakest = min(runs.bert.metrics.per_class.items(), key=lambda kv: kv[1].f1)[0]
    (line,) = [x for x in text.splitlines() if x.startswith("Known weak classes")]
    assert f"`{weakest}`" in line
    assert "random init" in text and runs.bert.environment["cache_entry"] in text
    for name, c in runs.bert.metrics.per_class.items():  # the per-class table
        assert f"| {name} " in text and f"{c.f1:.4f}" in text


def test_weak_classes_are_those_below_the_macro_f1_weakest_first(runs: Runs) -> None:
    m = runs.bert.metrics
    weak = weak_classes(m)
    assert [f1 for _, f1 in weak] == sorted(f1 for _, f1 in weak)
    assert weak[0][1] == min(c.f1 for c in m.per_class.values())
    assert all(f1 < m.macro_f1 for _, f1 in weak)


def test_int8_variant_has_its_own_card_with_the_metrics_it_scores(
    runs: Runs, bert_export: Path
) -> None:
    folder = bert_export / INT8_DIR
    assert (folder / "model.onnx").is_file()
    predictor = load_predictor(folder)
    assert predictor.labels == runs.bert.labels
    texts = list(runs.dsd["test"]["text"])
    preds = [int(i) for i in predictor.scores(texts).argmax(-1)]
    scored = compute_metrics(runs.bert.predictions["y_true"], preds, runs.bert.labels)
    meta = front_matter(folder / CARD_FILE)
    assert meta["library_name"] == "onnx"
    assert card_metrics(meta) == pytest.approx(
        {"accuracy": scored.accuracy, "macro-F1": scored.macro_f1}, abs=1e-12
    )
    agree = float(np.mean(np.asarray(preds) == np.asarray(runs.bert.predictions["y_pred"])))
    assert f"{agree:.2%} of predictions" in (folder / CARD_FILE).read_text(encoding="utf-8")


def _is_pickle(path: Path) -> bool:
    head = path.read_bytes()[:2]
    if head[:1] == b"\x80":  # a pickle's protocol opcode
        return True
    if zipfile.is_zipfile(path):  # torch.save writes a zip around data.pkl
        return any(n.endswith(".pkl") for n in zipfile.ZipFile(path).namelist())
    return False


def test_nothing_shipped_is_a_pickle(runs: Runs, bert_export: Path, tmp_path: Path) -> None:
    files = [p for p in bert_export.rglob("*") if p.is_file()]
    assert files and not [p for p in files if _is_pickle(p)]
    # a checkpoint folder with the Trainer's pickle of its arguments: it is left behind
    ckpt = tmp_path / "ckpt"
    shutil.copytree(find_entry(runs.bert, runs.cache) / "model", ckpt)
    (ckpt / "training_args.bin").write_bytes(pickle.dumps({"lr": 1e-3}))
    TransformerBackend().export(ckpt, tmp_path / "out", runs.bert.labels)
    assert (tmp_path / "out" / "model.safetensors").is_file()
    assert not (tmp_path / "out" / "training_args.bin").exists()


def test_svm_ships_with_skops_and_loads_without_untrusted_types(runs: Runs, tmp_path: Path) -> None:
    import skops.io as sio

    out = tmp_path / "svm"
    shipped = save_model(runs.svm, runs.cache, out, data=lambda: runs.dsd, settings=FAST)
    assert [s.variant for s in shipped] == ["model"]  # no int8 variant of an SVM
    assert sorted(p.name for p in out.iterdir()) == ["README.md", "config.json", "model.skops"]
    assert not _is_pickle(out / "model.skops")
    assert sio.get_untrusted_types(file=out / "model.skops") == []
    pipe = sio.load(out / "model.skops")  # the default trusted types only
    assert pipe.predict(list(runs.dsd["test"]["text"])).tolist() == runs.svm.predictions["y_pred"]
    config = json.loads((out / "config.json").read_text())
    assert config["sklearn"]["model_format"] == "skops"
    assert [config["id2label"][str(i)] for i in range(6)] == list(runs.svm.labels)
    meta = front_matter(out / CARD_FILE)
    assert meta["library_name"] == "sklearn"
    assert card_metrics(meta)["accuracy"] == runs.svm.metrics.accuracy
    entry = find_entry(runs.svm, runs.cache)
    assert (
        json.loads((entry / "key.json").read_text())["file_format"] == "skops-reproducible-compact"
    )
    # compact: deflated, without the vectorizer's introspection-only stop_words_ (kept, it
    # made the real model 85 MB instead of 7.5 MB)
    with zipfile.ZipFile(out / "model.skops") as zf:
        assert {i.compress_type for i in zf.infolist()} == {zipfile.ZIP_DEFLATED}
    assert all(getattr(step, "stop_words_", None) is None for _, step in pipe.steps)
    # reproducible: the same fit saved again (another process's object ids) gives the same bytes
    again = tmp_path / "again.skops"
    save_pipeline(sio.load(out / "model.skops"), again)
    assert again.read_bytes() == (out / "model.skops").read_bytes()


def test_a_pickled_svm_is_refused_and_never_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "unpickled"

    class Trap:
        def __reduce__(self) -> Any:
            return (Path.touch, (marker,))

    folder = tmp_path / "old-entry"
    folder.mkdir()
    (folder / PICKLED_FILE).write_bytes(pickle.dumps(Trap()))
    for load in (SklearnBackend().load, load_predictor):
        with pytest.raises(RegistryError, match="pickled SVM .* not loaded.*as model.skops"):
            load(folder)
    assert not marker.exists()


def test_a_missing_cache_entry_is_one_line_naming_run_folder_and_fix(
    runs: Runs, tmp_path: Path
) -> None:
    empty = CheckpointCache(tmp_path / "empty")
    with pytest.raises(ExportError) as exc:
        find_entry(runs.bert, empty, runs.bert_json)
    message = str(exc.value)
    assert "\n" not in message
    assert runs.bert.run_id in message and str(empty.root) in message
    assert runs.bert.environment["cache_entry"] in message
    assert "--cache-dir" in message
    assert "emobench run --models bert-tiny --init random --seeds 42" in message


def test_data_other_than_the_runs_is_refused_and_nothing_written(
    runs: Runs, tmp_path: Path
) -> None:
    fewer = runs.dsd["test"].select(range(50))
    other = runs.dsd.replace(splits={**runs.dsd.splits, "test": fewer})
    out = tmp_path / "out"
    with pytest.raises(ExportError, match="is not the data run"):
        save_model(runs.bert, runs.cache, out, data=lambda: other, settings=FAST)
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_a_folder_of_something_else_is_not_replaced(runs: Runs, tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(ExportError, match="not an emobench export"):
        save_model(runs.svm, runs.cache, tmp_path, settings=FAST)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def long_text(runs: Runs, words: int = 2000) -> str:
    """The training texts joined until they hold ``words`` words (WordPiece: at least as many
    tokens)."""
    out: list[str] = []
    for text in runs.dsd["train"]["text"]:
        out.extend(text.split())
        if len(out) >= words:
            return " ".join(out[:words])
    raise AssertionError("the training split is too short for a long text")


def test_pipeline_truncates_a_2000_token_text_at_the_models_limit(
    runs: Runs, bert_export: Path
) -> None:
    """The shipped tokenizer has the model's limit (512), not 1e30: ``pipeline`` with
    truncation classifies a 2,000-token text as it does the text's first 512 tokens."""
    from transformers import AutoTokenizer, pipeline

    text = long_text(runs)
    tokenizer = AutoTokenizer.from_pretrained(str(bert_export))
    assert tokenizer.model_max_length == 512
    assert len(tokenizer(text)["input_ids"]) > 2000
    head = tokenizer.decode(tokenizer(text, truncation=True)["input_ids"][1:-1])
    classifier = pipeline("text-classification", model=str(bert_export), truncation=True)
    (long,) = classifier([text])
    (short,) = classifier([head])
    assert long["label"] in runs.bert.labels
    assert long["label"] == short["label"] and long["score"] == pytest.approx(short["score"])


def test_no_load_time_flags_are_shipped_in_the_tokenizer_config(bert_export: Path) -> None:
    from emobench_core.models.tokenizer_files import LOAD_TIME_KEYS

    for folder in (bert_export, bert_export / INT8_DIR):
        config = json.loads((folder / "tokenizer_config.json").read_text(encoding="utf-8"))
        assert not LOAD_TIME_KEYS & set(config), folder  # is_local, local_files_only, ...
        assert config["model_max_length"] == 512


def test_onnx_runtime_runs_the_int8_variant_on_a_2000_token_text(
    runs: Runs, bert_export: Path
) -> None:
    """The int8 folder alone, with the ``tokenizers`` library and ONNX Runtime (no torch, no
    transformers): its tokenizer.json truncates at 512, and the label is the variant's."""
    import onnxruntime as ort
    from tokenizers import Tokenizer

    folder = bert_export / INT8_DIR
    encoding = Tokenizer.from_file(str(folder / "tokenizer.json")).encode(long_text(runs))
    assert len(encoding.ids) == 512  # truncated, [CLS] ... [SEP]
    session = ort.InferenceSession(str(folder / "model.onnx"), providers=["CPUExecutionProvider"])
    arrays = {
        "input_ids": encoding.ids,
        "attention_mask": encoding.attention_mask,
        "token_type_ids": encoding.type_ids,
    }
    feed = {i.name: np.asarray([arrays[i.name]], dtype=np.int64) for i in session.get_inputs()}
    (logits,) = session.run(["logits"], feed)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    label = config["id2label"][str(int(logits.argmax(-1)[0]))]
    assert logits.shape == (1, len(runs.bert.labels)) and label in runs.bert.labels


def test_card_is_a_hub_model_card_with_licence_variant_use_and_limitations(
    runs: Runs, bert_export: Path
) -> None:
    from huggingface_hub import ModelCard

    card = ModelCard.load(bert_export / CARD_FILE)
    assert card.data.license == "apache-2.0"  # the registry's, for BERT-Tiny
    text = card.text
    for heading in ("## Variants", "## Intended use", "## Limitations", "## Licence"):
        assert f"\n{heading}\n" in text
    (variant,) = [x for x in text.splitlines() if x.startswith(f"- `{INT8_DIR}/`")]
    assert "int8" in variant and f"{INT8_DIR}/README.md" in variant
    limits = text.split("## Limitations")[1].split("\n## ")[0]
    assert "Random init" in limits and "label noise" in limits
    int8 = ModelCard.load(bert_export / INT8_DIR / CARD_FILE)
    assert int8.data.license == "apache-2.0" and "`../`" in int8.text
    for shipped in (card, int8):  # no local path of the machine that made it
        for path in (runs.data, runs.data.parent, runs.cache.root):
            assert str(path) not in str(shipped) and path.name not in {"", "/"}
        assert "local:" not in str(shipped)


def test_card_licence_is_the_registrys_unless_given(runs: Runs) -> None:
    import dataclasses

    from emobench_core.report.card_notes import licence

    assert licence(runs.bert, None)[0] == "apache-2.0"
    assert licence(runs.bert, "mit")[0] == "mit"
    folder_model = dataclasses.replace(
        runs.bert,
        model=dataclasses.replace(runs.bert.model, name="my-model", source="/home/me/my-model"),
    )
    chosen, line = licence(folder_model, None)
    assert chosen is None and "--license" in line and "/home/me" not in line


@pytest.mark.parametrize(
    ("source", "shown"),
    [
        ("hub:dair-ai/emotion@0123abc", "`dair-ai/emotion@0123abc`"),
        ("local:../../tmp/x/data", "a local copy named `data`"),
        ("google/bert_uncased_L-2_H-128_A-2", "`google/bert_uncased_L-2_H-128_A-2`"),
        ("distilbert-base-uncased", "`distilbert-base-uncased`"),
        ("/home/me/models/mine", "a local folder named `mine`"),
        ("./mine", "a local folder named `mine`"),
    ],
)
def test_a_card_names_a_local_source_without_its_path(source: str, shown: str) -> None:
    from emobench_core.report.card_notes import public_source

    assert public_source(source) == shown
