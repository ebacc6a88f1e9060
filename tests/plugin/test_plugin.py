"""Tests of the bench harness itself (pytester): a broken model fails its quality case, a
second run reuses the cache, and the thresholds file is validated.

These run the real `smoke` profile bench cases in a subprocess on the real data (BERT-Tiny on
2,000 rows: ~20 s on 2 cores; the SVM row: ~2 s).
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from emobench_core.errors import ThresholdsError
from emobench_core.plugin.runner import load_thresholds

pytest_plugins = ["pytester"]

BENCH = Path(__file__).resolve().parents[2] / "bench"

BROKEN_TOKENIZER = """
from pathlib import Path

import emobench_core.models.loading as loading
from transformers import BertTokenizerFast


def broken_tokenizer(source):
    # the transformers 5 pitfall: the vocab file is ignored and every word becomes [UNK]
    return BertTokenizerFast(vocab_file=str(Path(source) / "vocab.txt"))


loading.load_tokenizer = broken_tokenizer
"""


@pytest.fixture
def bench_dir(
    pytester: pytest.Pytester, emotion_dir: Path, vocab_dir: Path, tmp_path: Path
) -> pytest.Pytester:
    shutil.copy(BENCH / "test_models.py", pytester.path / "test_models.py")
    shutil.copy(BENCH / "thresholds.toml", pytester.path / "thresholds.toml")
    # no conftest: the installed package registers the plugin (entry point pytest11)
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    pytester._emobench_args = [  # type: ignore[attr-defined]
        "--emobench-profile",
        "smoke",
        "--emobench-data-dir",
        str(emotion_dir),
        "--emobench-vocab-dir",
        str(vocab_dir),
        "--emobench-cache-dir",
        str(tmp_path / "cache"),
        "--emobench-thresholds",
        str(pytester.path / "thresholds.toml"),
        "--emobench-results-dir",
        str(tmp_path / "results"),
    ]
    return pytester


def _run(p: pytest.Pytester, *extra: str) -> pytest.RunResult:
    return p.runpytest_subprocess(*p._emobench_args, *extra)  # type: ignore[attr-defined]


def test_broken_tokenizer_fails_the_quality_case(bench_dir: pytest.Pytester) -> None:
    bench_dir.makepyfile(conftest_broken=BROKEN_TOKENIZER)
    bench_dir.makeconftest('pytest_plugins = ["conftest_broken"]\n')
    result = _run(bench_dir, "-k", "quality and bert-tiny")
    result.assert_outcomes(failed=1)
    result.stdout.re_match_lines([r".*bert-tiny \(random\) seed 42: accuracy 0\.\d+ < 0\.4.*"])


def test_svm_row_passes_and_second_run_reuses_cache(
    bench_dir: pytest.Pytester, tmp_path: Path
) -> None:
    first = _run(bench_dir, "-k", "tfidf-svm", "--benchmark-disable")
    first.assert_outcomes(passed=3)
    entries = [p for p in (tmp_path / "cache").iterdir() if not p.name.startswith(".")]
    assert len(entries) == 1
    stamp = (entries[0] / "manifest.json").stat().st_mtime_ns
    second = _run(bench_dir, "-k", "tfidf-svm", "--benchmark-disable")
    second.assert_outcomes(passed=3)
    assert (entries[0] / "manifest.json").stat().st_mtime_ns == stamp  # nothing rebuilt
    results = sorted((tmp_path / "results").glob("tfidf-svm-*.json"))
    assert len(results) == 1


def test_missing_threshold_fails_with_how_to_fix(bench_dir: pytest.Pytester) -> None:
    (bench_dir.path / "thresholds.toml").write_text("[smoke.bert-tiny]\naccuracy = 0.1\n")
    result = _run(bench_dir, "-k", "quality and tfidf-svm")
    result.assert_outcomes(failed=1)
    result.stdout.fnmatch_lines(["*no threshold for 'tfidf-svm' in profile 'smoke'*"])


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[smoke.bert-tiyn]\naccuracy = 0.1\n", "did you mean 'bert-tiny'"),
        ("[nightly.bert-tiny]\naccuracy = 0.1\n", "unknown profile"),
        ("[smoke.bert-tiny]\nacc = 0.1\n", "unknown key"),
        ("[smoke.bert-tiny\n", "not valid TOML"),
    ],
)
def test_bad_thresholds_file(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "thresholds.toml"
    path.write_text(text)
    with pytest.raises(ThresholdsError, match=message):
        load_thresholds(path)


def test_committed_thresholds_cover_every_profile_case() -> None:
    from emobench_core.plugin.profiles import PROFILES

    thresholds = load_thresholds(BENCH / "thresholds.toml")
    for name in PROFILES:
        for case in PROFILES[name].cases:
            assert case.id in thresholds[name], f"{name}: no threshold for {case.id}"


def test_plugin_is_registered_through_the_pytest11_entry_point() -> None:
    from importlib.metadata import entry_points

    found = {e.name: e.value for e in entry_points(group="pytest11")}
    assert found.get("emobench") == "emobench_core.plugin.plugin"


def test_thresholds_file_is_found_under_the_rootdir(pytester: pytest.Pytester) -> None:
    """Not beside the installed package: the rootdir's bench/thresholds.toml, or the ini value."""
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\n")
    pytester.makepyfile(
        test_where="""
from emobench_core.plugin.plugin import thresholds_file

def test_where(pytestconfig):
    print("THRESHOLDS", thresholds_file(pytestconfig))
"""
    )
    result = pytester.runpytest_subprocess("-s")
    result.stdout.fnmatch_lines([f"*THRESHOLDS {pytester.path / 'bench' / 'thresholds.toml'}"])
    pytester.makeini("[pytest]\naddopts = -p no:cacheprovider\nemobench_thresholds = ci/t.toml\n")
    result = pytester.runpytest_subprocess("-s")
    result.stdout.fnmatch_lines([f"*THRESHOLDS {pytester.path / 'ci' / 't.toml'}"])


LOW_FLOORS = """
[smoke."bert-tiny@random"]
accuracy = 0.1
macro_f1 = 0.01

[smoke.tfidf-svm]
accuracy = 0.1
macro_f1 = 0.01
"""


def test_a_degraded_model_fails_the_baseline_gate(
    bench_dir: pytest.Pytester, tmp_path: Path
) -> None:
    """The smoke profile's BERT-Tiny as the baseline; the same tree passes against it (p = 1),
    one epoch instead of the profile's five fails it with the drop, interval and p-value.
    The floors are set low so that only the gate can fail the case."""
    (bench_dir.path / "thresholds.toml").write_text(LOW_FLOORS)
    baseline = tmp_path / "results"
    first = _run(bench_dir, "-k", "quality and bert-tiny")
    first.assert_outcomes(passed=1)
    again = _run(
        bench_dir,
        "-k",
        "quality and bert-tiny",
        "--emobench-baseline",
        str(baseline),
        "--emobench-results-dir",
        str(tmp_path / "again"),
    )
    again.assert_outcomes(passed=1)
    worse = _run(
        bench_dir,
        "-k",
        "quality and bert-tiny",
        "--emobench-baseline",
        str(baseline),
        "--emobench-results-dir",
        str(tmp_path / "worse"),
        "--emobench-epochs",
        "1",
    )
    worse.assert_outcomes(failed=1)
    worse.stdout.re_match_lines(
        [
            r".*bert-tiny \(random\) \(seeds 42\) regressed against .*: accuracy 0\.\d+ -> 0\.\d+ "
            r"\(-\d+\.\d+ points \[.*\], McNemar exact.*"
        ]
    )
    # the message says the candidate's model was trained again (its predictions moved)
    worse.stdout.fnmatch_lines(["*Note: bert-tiny (random): the candidate's predictions differ*"])


def test_strict_turns_a_skipped_case_into_a_failure(bench_dir: pytest.Pytester) -> None:
    """The gpu profile on a machine without CUDA skips its cases; --emobench-strict fails them."""
    args = ["--emobench-profile", "gpu", "-k", "quality and tfidf-svm"]
    plain = _run(bench_dir, *args)
    plain.assert_outcomes(skipped=1)
    strict = _run(bench_dir, *args, "--emobench-strict")
    strict.assert_outcomes(failed=1)
    strict.stdout.fnmatch_lines(["*skipped under --emobench-strict*needs CUDA*"])
    # a claim that could not be tested fails too; a profile with no claim to test has none
    claims = _run(bench_dir, "--emobench-profile", "gpu", "-k", "claim", "--emobench-strict")
    claims.assert_outcomes(failed=3)
    none = _run(bench_dir, "--emobench-profile", "smoke", "-k", "claim", "--emobench-strict")
    none.assert_outcomes(skipped=1)


def test_a_case_runs_its_own_seeds_unless_the_run_asks_for_others(
    bench_dir: pytest.Pytester,
) -> None:
    """The cpu profile (the size-ladder study) runs 5 seeds of its cheap rows, 3 of its costly
    ones and one of the seed-blind SVM; ``--emobench-seeds`` gives every row the same."""
    args = ["--collect-only", "-q", "--emobench-profile", "cpu", "-k", "quality"]
    ids = _run(bench_dir, *args).stdout.lines
    seeds = {
        row: sorted(line.rsplit("-s", 1)[1].rstrip("]") for line in ids if f"[{row}-s" in line)
        for row in ("bert-tiny", "bert-small", "bert-mini@random-kd-minilm-l6", "tfidf-svm")
    }
    assert seeds == {
        "bert-tiny": ["42", "43", "44", "45", "46"],
        "bert-small": ["42", "43", "44"],
        "bert-mini@random-kd-minilm-l6": ["42", "43", "44", "45", "46"],
        "tfidf-svm": ["42"],
    }
    ids = _run(bench_dir, *args, "--emobench-seeds", "7,8").stdout.lines
    assert sorted(line for line in ids if "[bert-tiny-s" in line) == [
        "test_models.py::test_quality[bert-tiny-s7]",
        "test_models.py::test_quality[bert-tiny-s8]",
    ]
    assert sum("[bert-small-s" in line for line in ids) == 2
