"""Unit tests for emobench_core.scenarios.probe (and the report data in
emobench_core.schema.latency).

A tiny synthetic data folder and the shared vocab: bert-tiny with random weights and tfidf-svm,
timed with a three-call rule, so nothing here trains a transformer.
"""

from __future__ import annotations

import json

import pytest

from emobench_core.cli import main
from emobench_core.errors import RegistryError, ResultsError
from emobench_core.measure.latency import LatencySettings
from emobench_core.models.loading import load_tokenizer
from emobench_core.scenarios.probe import probe_models
from emobench_core.scenarios.probe_texts import probe_texts
from emobench_core.schema.latency import (
    LENGTH_PERCENTILES,
    RANDOM_WEIGHTS,
    SVM_WEIGHTS,
    LatencyReport,
    load_latency,
)

TINY = LatencySettings(warmup=1, min_iters=3, min_seconds=0)
CUE = ("sad", "happy", "loving", "angry", "scared", "surprised")
FILLER = ("i", "feel", "that", "the", "weather", "today", "is", "nice", "and", "my", "friend")


def tweet(i: int) -> str:
    """A tweet with its label's cue word and 2 to 37 filler words (lengths vary with i)."""
    n = 2 + (i * 7) % 36
    return " ".join([CUE[i % 6], *(FILLER[(i + k) % len(FILLER)] for k in range(n))])


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("emotion")
    for split, offset in (("train", 0), ("validation", 100), ("test", 200)):
        lines = [json.dumps({"text": tweet(offset + i), "label": i % 6}) for i in range(36)]
        (folder / f"{split}.jsonl").write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def report(data_dir, vocab_dir):
    return probe_models(
        ["bert-tiny", "tfidf-svm"],
        data_dir=data_dir,
        vocab_dir=vocab_dir,
        threads=1,
        settings=TINY,
        isolate=False,
    )


def test_report_fields(report):
    assert (report.SCHEMA_NAME, report.SCHEMA_VERSION, report.device) == (
        "emobench.latency",
        1,
        "cpu",
    )
    assert report.threads == 1 and report.environment["torch_threads"] == 1
    assert "load_average_1m" in report.environment and "cpu_model" in report.environment
    assert report.rule == {"warmup": 1, "min_iters": 3, "min_seconds": 0}
    assert report.isolated is False and report.max_length == 128
    assert list(report.models) == ["bert-tiny", "tfidf-svm"]
    tiny, svm = report.models["bert-tiny"], report.models["tfidf-svm"]
    assert tiny.params_total == 4_386_694 and 0 < tiny.params_non_embedding < tiny.params_total
    assert svm.params_total == svm.params_non_embedding > 0
    assert (tiny.weights, svm.weights) == (RANDOM_WEIGHTS, SVM_WEIGHTS)
    assert (tiny.kind, svm.kind) == ("transformer", "sklearn")
    for m in (tiny, svm):
        assert set(m.b1_by_length) == set(LENGTH_PERCENTILES) == set(m.token_lengths)
        for stats in (m.b1, m.tokenizer_b1, *m.b1_by_length.values()):
            assert stats.n >= 3 and stats.warmup == 1 and 0 < stats.p50_ms <= stats.p99_ms
        assert m.throughput_b32 > 0
        assert m.process_peak_rss_mb > m.inference_peak_rss_mb >= 0


def test_lengths_are_percentiles_shared_by_all_models(report, vocab_dir):
    tiny, svm = report.models["bert-tiny"], report.models["tfidf-svm"]
    assert tiny.token_lengths == svm.token_lengths
    short, median, long = (tiny.token_lengths[k] for k in ("short", "median", "long"))
    assert short < median < long


def test_probe_texts_picks_tweets_of_the_percentile_length(vocab_dir):
    tok = load_tokenizer(str(vocab_dir))
    texts = [" ".join(["happy"] * n) for n in range(1, 21)]  # n words -> n + 2 tokens
    picked = probe_texts(texts, tok, max_length=128)
    # lengths 3..22: numpy's "nearest" percentile picks sorted positions 2, 10 and 17
    assert picked.token_lengths == {"short": 5, "median": 13, "long": 20}
    assert set(picked.by_length["short"]) == {"happy happy happy"}
    assert set(picked.by_length["long"]) == {" ".join(["happy"] * 18)}
    assert len(picked.sample) == 64 and len(picked.batch) == 256
    assert picked.sample[:20] == texts and picked.sample[20] == texts[0]


def test_save_load_round_trip(report, tmp_path):
    path = report.save(tmp_path / "sub" / "latency-cpu.json")
    assert load_latency(path) == report
    assert json.loads(path.read_text(encoding="utf-8"))["schema"] == "emobench.latency"


@pytest.mark.parametrize(
    ("content", "match"),
    [
        ({"schema": "emobench.run-result", "schema_version": 1}, "not an emobench latency report"),
        ({"schema": "emobench.latency", "schema_version": 2}, "version=2"),
        ({"schema": "emobench.latency", "schema_version": 1}, "malformed latency report"),
        ([1, 2], "holds a JSON list"),
        (None, "not valid JSON"),
    ],
)
def test_load_latency_errors_name_the_file_and_the_fix(tmp_path, content, match):
    path = tmp_path / "latency.json"
    path.write_text("{" if content is None else json.dumps(content), encoding="utf-8")
    with pytest.raises(ResultsError, match=match) as info:
        load_latency(path)
    assert str(path) in str(info.value) and "emobench latency --output" in str(info.value)
    with pytest.raises(ResultsError, match="no latency report file at"):
        load_latency(tmp_path / "missing.json")


def test_report_validates_threads(report):
    with pytest.raises(ValueError, match=r"`threads` \(0\) must be >= 1"):
        LatencyReport(threads=0, environment={}, rule={}, models={})


def test_bad_names_fail_before_any_work(tmp_path):
    with pytest.raises(RegistryError, match="did you mean 'bert-tiny'"):
        probe_models(["bert-tiyn"], data_dir=tmp_path)
    with pytest.raises(RegistryError, match="no published config"):
        probe_models(["someone/some-model"], data_dir=tmp_path)


def test_isolated_probe_measures_the_model_in_its_own_process(data_dir, vocab_dir):
    """Each model's memory is its own: the smaller model must show the smaller peak (a
    process-wide figure would give the second model the first one's peak, or both the same)."""
    rep = probe_models(
        ["bert-mini", "bert-tiny"],
        data_dir=data_dir,
        vocab_dir=vocab_dir,
        threads=1,
        settings=TINY,
        isolate=True,
    )
    tiny, mini = rep.models["bert-tiny"], rep.models["bert-mini"]
    assert rep.isolated and tiny.params_total == 4_386_694
    # fp32 weights alone are ~17 MiB (tiny) and ~45 MiB (mini); the process is far larger
    assert 10 < tiny.inference_peak_rss_mb < tiny.process_peak_rss_mb
    assert tiny.inference_peak_rss_mb + 20 < mini.inference_peak_rss_mb


def test_main_writes_the_report_and_prints_the_table(data_dir, vocab_dir, tmp_path, capsys):
    out = tmp_path / "latency-cpu.json"
    argv = ["--models", "tfidf-svm", "--output", str(out), "--threads", "1"]
    argv += ["--data-dir", str(data_dir), "--vocab-dir", str(vocab_dir), "--in-process"]
    argv += ["--warmup", "1", "--min-iters", "3", "--min-seconds", "0"]
    assert main(["latency", *argv]) == 0
    printed = capsys.readouterr().out
    assert "tfidf-svm" in printed and "inference (MiB)" in printed and f"wrote {out}" in printed
    assert list(load_latency(out).models) == ["tfidf-svm"]
    assert main(["latency", "--models", "nope", "--output", str(out)]) == 2
    assert capsys.readouterr().err.startswith("emobench latency: error: unknown model 'nope'")
