"""The command line's conventions: ``--version``, global options after the command,
machine-readable output (``--json``) for ``models``, ``recommend`` and ``compare``, and progress
bars only on a terminal outside CI. The committed baseline results stand in for a run."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from emobench_core import cli
from emobench_core.cli import build_parser, main, progress_bars

BASELINE = Path(__file__).resolve().parents[2] / "results" / "baseline" / "ci"


def test_version_prints_the_installed_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["--version"])
    assert exc.value.code == 0
    assert capsys.readouterr().out == f"emobench {cli.version()}\n"
    assert cli.version()[0].isdigit()


@pytest.mark.parametrize(
    "argv",
    [
        ["--quiet", "run", "--output", "o"],
        ["run", "--quiet", "--output", "o"],
        ["run", "--output", "o", "--quiet"],
        ["compare", "a", "b", "--quiet"],
        ["models", "--quiet"],
    ],
)
def test_global_options_are_taken_before_or_after_the_command(argv: list[str]) -> None:
    ns, unknown = build_parser().parse_known_args(argv)
    assert unknown == [] and ns.quiet is True


def test_a_global_option_not_given_after_the_command_keeps_its_default() -> None:
    assert build_parser().parse_args(["models"]).quiet is False


def test_models_json_lists_every_registered_model_with_its_licence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    from emobench_core.models.registry import REGISTRY

    assert main(["models", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [r["name"] for r in rows] == list(REGISTRY)
    bert = next(r for r in rows if r["name"] == "bert-tiny")
    assert bert["license"] == "apache-2.0" and bert["kind"] == "transformer"


def test_recommend_json_is_the_recommendation_the_text_gives(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["recommend", "--results", str(BASELINE), "--max-params", "15e6"]
    assert main(argv) == 0
    text = capsys.readouterr().out
    assert main([*argv, "--json"]) == 0
    answer = json.loads(capsys.readouterr().out)
    assert answer["budget"]["max_params"] == 15_000_000
    assert text.splitlines()[1].startswith(f"Recommended — {answer['best']['name']}:")
    assert answer["rank_by"] == "cost" and answer["best"]["name"] in answer["tied"]


def test_compare_json_gives_the_verdict_and_checks_with_the_same_exit_code(
    capsys: pytest.CaptureFixture[str],
) -> None:
    argv = ["compare", str(BASELINE), str(BASELINE), "--bootstrap", "99", "--json"]
    assert main(argv) == 0
    verdict = json.loads(capsys.readouterr().out)
    assert verdict["verdict"] == "pass" and verdict["exit_code"] == 0
    assert verdict["settings"]["n_resamples"] == 99
    assert {q["metric"] for q in verdict["quality"]} == {"accuracy", "macro_f1"}
    assert all(q["change_pts"] == 0 and not q["regressed"] for q in verdict["quality"])


class _Stream(io.StringIO):
    def __init__(self, tty: bool) -> None:
        super().__init__()
        self._tty = tty

    def isatty(self) -> bool:
        return self._tty


@pytest.mark.parametrize(
    ("tty", "ci", "quiet", "bars"),
    [
        (True, None, False, True),
        (True, None, True, False),
        (True, "true", False, False),
        (True, "1", False, False),
        (True, "false", False, True),
        (False, None, False, False),
    ],
)
def test_progress_bars_show_only_on_a_terminal_outside_ci(
    monkeypatch: pytest.MonkeyPatch, tty: bool, ci: str | None, quiet: bool, bars: bool
) -> None:
    monkeypatch.setattr("sys.stdout", _Stream(tty))
    monkeypatch.setattr("sys.stderr", _Stream(tty))
    if ci is None:
        monkeypatch.delenv("CI", raising=False)
    else:
        monkeypatch.setenv("CI", ci)
    assert progress_bars(quiet) is bars


def test_a_command_under_ci_turns_the_libraries_bars_off_and_tells_the_pipeline(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    import transformers

    seen = {}

    def command(ns: object) -> int:
        seen["quiet"] = getattr(ns, "quiet", None)
        return 0

    monkeypatch.setenv("CI", "true")
    parser = build_parser()
    monkeypatch.setattr(cli, "build_parser", lambda: parser)
    sub = next(a for a in parser._actions if a.dest == "command")
    sub.choices["data"].set_defaults(func=command)  # type: ignore[index]
    bars = transformers.utils.logging.is_progress_bar_enabled()
    try:
        assert main(["data", "--output", "unused"]) == 0
        assert transformers.utils.logging.is_progress_bar_enabled() is False
    finally:
        if bars:
            transformers.utils.logging.enable_progress_bar()
    assert seen["quiet"] is True  # the Trainer's tqdm off too (the pipeline's `quiet`)
