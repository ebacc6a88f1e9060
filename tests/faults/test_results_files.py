"""Fault injection: malformed run results JSON given to ``report``, ``recommend`` and ``compare``
end in one line naming the file and the field, exit 2, no traceback, nothing written or changed
(issue 33 point 4). Each case is a committed result (the SVM row) with one field broken.

    python -m pytest tests/faults/test_results_files.py -n 0 -q
"""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from fault_tools import hashes

from emobench_core.cli import main
from emobench_core.errors import ResultsError
from emobench_core.schema.run import load_result

ROOT = Path(__file__).resolve().parents[2]
GOOD = next((ROOT / "results" / "cpu").glob("tfidf-svm-*.json"))

Edit = Callable[[dict[str, Any]], Any]


def setter(path: str, value: Any) -> Edit:
    """Set the dotted ``path`` (list items as numbers) to ``value``."""

    def edit(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = doc
        for part in parents:
            node = node[int(part)] if isinstance(node, list) else node[part]
        if isinstance(node, list):
            node[int(last)] = value
        else:
            node[last] = value

    return edit


def deleter(path: str) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        *parents, last = path.split(".")
        node: Any = doc
        for part in parents:
            node = node[part]
        del node[last]

    return edit


def nested(depth: int) -> Any:
    value: Any = 1
    for _ in range(depth):
        value = {"x": value}
    return value


def truncate_predictions(doc: dict[str, Any]) -> None:
    doc["predictions"]["y_pred"] = doc["predictions"]["y_pred"][:-7]


def first_class(doc: dict[str, Any]) -> str:
    return next(iter(doc["metrics"]["per_class"]))


def per_class_f1(value: Any) -> Edit:
    def edit(doc: dict[str, Any]) -> None:
        doc["metrics"]["per_class"][first_class(doc)]["f1"] = value

    return edit


NAN, INF = float("nan"), float("inf")

# (id, edit, the field the one line must name)
CASES: list[tuple[str, Edit, str]] = [
    ("accuracy-nan", setter("metrics.accuracy", NAN), "metrics.accuracy"),
    ("macro-f1-inf", setter("metrics.macro_f1", INF), "metrics.macro_f1"),
    ("macro-f1-minus-inf", setter("metrics.macro_f1", -INF), "metrics.macro_f1"),
    ("accuracy-above-1", setter("metrics.accuracy", 1.5), "metrics.accuracy"),
    ("accuracy-negative", setter("metrics.accuracy", -0.1), "metrics.accuracy"),
    ("accuracy-string", setter("metrics.accuracy", "0.9"), "metrics.accuracy"),
    ("accuracy-null", setter("metrics.accuracy", None), "metrics.accuracy"),
    ("weighted-f1-bool", setter("metrics.weighted_f1", True), "metrics.weighted_f1"),
    ("class-f1-above-1", per_class_f1(2.0), "metrics.per_class."),
    ("class-f1-nan", per_class_f1(NAN), "metrics.per_class."),
    ("per-class-list", setter("metrics.per_class", []), "metrics.per_class"),
    ("n-string", setter("metrics.n", "2000"), "metrics.n"),
    ("confusion-1x1", setter("metrics.confusion_matrix", [[1]]), "metrics.confusion_matrix"),
    ("y-pred-short", truncate_predictions, "predictions.y_pred"),
    ("y-pred-out-of-range", setter("predictions.y_pred.0", 6), "predictions.y_pred[0]"),
    ("y-pred-negative", setter("predictions.y_pred.0", -1), "predictions.y_pred[0]"),
    ("y-pred-float", setter("predictions.y_pred.0", 1.5), "predictions.y_pred[0]"),
    ("y-true-missing", deleter("predictions.y_true"), "predictions.y_true"),
    ("predictions-string", setter("predictions", "none"), "predictions"),
    ("latency-nan", setter("efficiency.latency_b1.p50_ms", NAN), "efficiency.latency_b1.p50_ms"),
    ("latency-negative", setter("efficiency.latency_b1.p50_ms", -3.0), "latency_b1.p50_ms"),
    ("throughput-string", setter("efficiency.throughput_b32", "fast"), "throughput_b32"),
    ("best-val-f1-7", setter("training.best_val_macro_f1", 7.0), "training.best_val_macro_f1"),
    ("history-object", setter("training.history", {"a": 1}), "training.history"),
    ("model-string", setter("model", "bert"), "`model`"),
    ("params-float", setter("model.params_total", 3.5), "model.params_total"),
    ("seed-string", setter("seed", "42"), "`seed`"),
    ("test-rows-mismatch", setter("data.rows.test", 10), "predictions.y_true"),
    ("labels-twice", setter("data.labels", ["a", "a", "b", "c", "d", "e"]), "data.labels"),
    ("tags-nested-40", setter("tags", nested(40)), "tags"),
    ("env-infinite", setter("environment.torch_threads", INF), "environment.torch_threads"),
    ("run-id-path", setter("run_id", "../../x"), "run_id"),
    ("cache-entry-parent", setter("environment.cache_entry", "../x"), "environment.cache_entry"),
    ("cache-entry-absolute", setter("environment.cache_entry", "/tmp/x"), "cache_entry"),
    ("cache-entry-number", setter("environment.cache_entry", 42), "environment.cache_entry"),
    ("unknown-field", setter("surprise", 1), "surprise"),
]


def broken(tmp_path: Path, edit: Edit) -> Path:
    doc = copy.deepcopy(json.loads(GOOD.read_text(encoding="utf-8")))
    edit(doc)
    path = tmp_path / "runs" / GOOD.name
    path.parent.mkdir()
    path.write_text(json.dumps(doc), encoding="utf-8")  # NaN and Infinity as Python writes them
    return path


def argv(command: str, bad: Path, tmp_path: Path) -> list[str]:
    if command == "report":
        out = str(tmp_path / "out" / "R.md")
        return ["--quiet", "report", "--no-bench", "--results", str(bad), "--output", out]
    if command == "recommend":
        return ["--quiet", "recommend", "--results", str(bad)]
    return ["--quiet", "compare", str(bad), str(GOOD)]


def assert_one_line_exit_2(
    command: str, bad: Path, field: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    before = hashes(tmp_path)
    code = main(argv(command, bad, tmp_path))
    err = capsys.readouterr().err
    lines = err.strip().splitlines()
    assert code == 2, err
    assert len(lines) == 1 and "Traceback" not in err, err
    assert lines[0].startswith(f"emobench {command}: error: {bad}"), lines[0]
    assert field in lines[0], lines[0]
    assert hashes(tmp_path) == before
    assert not (tmp_path / "out").exists()


def test_the_committed_result_these_cases_break_is_valid() -> None:
    assert load_result(GOOD).run_id == GOOD.stem


@pytest.mark.parametrize(("edit", "field"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_report_refuses_a_malformed_result_in_one_line(
    edit: Edit, field: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert_one_line_exit_2("report", broken(tmp_path, edit), field, tmp_path, capsys)


SOME = ["accuracy-nan", "macro-f1-inf", "y-pred-short", "y-pred-out-of-range", "tags-nested-40"]


@pytest.mark.parametrize("command", ["recommend", "compare"])
@pytest.mark.parametrize("case", SOME)
def test_recommend_and_compare_refuse_the_same_in_one_line(
    command: str, case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _, edit, field = next(c for c in CASES if c[0] == case)
    assert_one_line_exit_2(command, broken(tmp_path, edit), field, tmp_path, capsys)


def test_json_nested_past_the_parsers_limit_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "runs" / "deep.json"
    bad.parent.mkdir()
    bad.write_text("[" * 200_000 + "]" * 200_000, encoding="utf-8")
    before = hashes(tmp_path)
    code = main(["--quiet", "report", "--no-bench", "--results", str(bad), "--output", "o.md"])
    err = capsys.readouterr().err
    assert code == 2 and len(err.strip().splitlines()) == 1, err
    assert str(bad) in err and "nests" in err
    assert hashes(tmp_path) == before


def test_a_results_folder_with_an_absurdly_nested_file_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "runs"
    folder.mkdir()
    (folder / "deep.json").write_text("{" + '"a":{' * 100_000 + "}" * 100_001, encoding="utf-8")
    from emobench_core.schema.run import load_results

    with pytest.raises(ResultsError, match="deep.json nests"):
        load_results(folder)


def test_every_committed_run_result_still_loads() -> None:
    files = [
        f
        for f in sorted((ROOT / "results").rglob("*.json"))
        if json.loads(f.read_text(encoding="utf-8")).__class__ is dict
        and json.loads(f.read_text(encoding="utf-8")).get("schema") == "emobench.run-result"
    ]
    assert len(files) > 20
    for f in files:
        load_result(f)
