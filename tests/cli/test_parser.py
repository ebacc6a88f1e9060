"""The ``emobench`` parser: every command registered, fast to build, one error path.

Building the parser, ``--help`` and ``emobench models`` must not import the heavy libraries
(each command imports them when it runs); an :class:`EmobenchError` raised by any command ends
as one line on stderr and exit code 2.

    python -m pytest tests/cli -q
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

import emobench_core
import emobench_core.cli as cli
from emobench_core.cli import options
from emobench_core.errors import EmobenchError, RegistryError, UsageError

REPO = Path(emobench_core.__file__).resolve().parents[1]
COMMANDS = (
    "run",
    "distill",
    "train",
    "evaluate",
    "predict",
    "perf",
    "tune",
    "mteb-protocol",
    "efficiency",
    "data",
    "report",
    "latency",
    "recommend",
    "plan",
    "compare",
    "deploy",
    "export",
    "models",
)
"""Every command of ``emobench``, in the order ``emobench --help`` lists them."""
HEAVY = ("torch", "transformers", "datasets", "sklearn", "pandas", "matplotlib")

PROBE = """
import json, sys
import emobench_core.cli as c
c.build_parser()
try:
    code = c.main(json.loads(sys.argv[1]))
except SystemExit as exc:  # --help
    code = exc.code
heavy = sorted(m for m in json.loads(sys.argv[2]) if m in sys.modules)
print(json.dumps({"code": code, "heavy": heavy}))
"""


def _subparsers(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    (action,) = (a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize(
    "argv",
    [["--help"], ["models"], *([name, "--help"] for name in COMMANDS)],
    ids=lambda argv: " ".join(argv),
)
def test_parser_help_and_models_import_no_heavy_library(argv: list[str]) -> None:
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", PROBE, json.dumps(argv), json.dumps(HEAVY)],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    result = json.loads(proc.stdout.strip().splitlines()[-1])
    assert result["code"] == 0
    assert result["heavy"] == [], f"`emobench {' '.join(argv)}` imported {result['heavy']}"


def test_every_command_is_registered_in_order() -> None:
    assert list(_subparsers(cli.build_parser())) == list(COMMANDS)


@pytest.mark.parametrize("name", COMMANDS)
def test_command_help_exits_0(name: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main([name, "--help"])
    assert exc.value.code == 0
    assert capsys.readouterr().out.startswith(f"usage: emobench {name} ")


def test_no_command_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main([])
    assert exc.value.code == 2
    assert "emobench: error: the following arguments are required: COMMAND" in (
        capsys.readouterr().err
    )


def test_unknown_option_is_reported_with_the_commands_usage(
    capsys: pytest.CaptureFixture[str],
) -> None:
    with pytest.raises(SystemExit) as exc:
        cli.main(["models", "--bogus"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert err.startswith("usage: emobench models ")
    assert err.endswith("emobench models: error: unrecognized arguments: --bogus\n")


@pytest.mark.parametrize(
    "error",
    [RegistryError("unknown model 'x'"), UsageError("bad --seeds"), FileNotFoundError("no ckpt")],
    ids=lambda e: type(e).__name__,
)
def test_an_error_in_a_command_is_one_stderr_line_and_exit_2(
    error: Exception, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def boom(ns: argparse.Namespace) -> int:
        raise error

    monkeypatch.setattr(cli.models, "models", boom)
    assert cli.main(["models"]) == 2
    captured = capsys.readouterr()
    assert captured.err == f"emobench models: error: {error}\n"
    assert captured.out == ""


def test_every_emobench_error_is_caught(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    class Custom(EmobenchError):
        pass

    def boom(ns: argparse.Namespace) -> int:
        raise Custom("why, and how to fix it")

    monkeypatch.setattr(cli.train, "train", boom)
    assert cli.main(["train", "--model", "bert-tiny", "--output", "unused"]) == 2
    assert capsys.readouterr().err == "emobench train: error: why, and how to fix it\n"


def test_any_other_error_keeps_its_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def bug(ns: argparse.Namespace) -> int:
        raise RuntimeError("a bug")

    monkeypatch.setattr(cli.models, "models", bug)
    with pytest.raises(RuntimeError, match="a bug"):
        cli.main(["models"])


def test_library_value_errors_become_usage_errors() -> None:
    with pytest.raises(UsageError, match="must be >= 1"), options.bad_input(ValueError):
        raise ValueError("`threads` (0) must be >= 1")
    with pytest.raises(RegistryError), options.bad_input(ValueError):
        raise RegistryError("kept as it is")  # an EmobenchError (and a ValueError) passes through


def test_latency_rule_defaults_are_those_of_latency_settings() -> None:
    from emobench_core.measure.latency import LatencySettings

    assert asdict(LatencySettings()) == options.LATENCY_RULE_DEFAULTS
    ns = cli.build_parser().parse_args(["latency", "--output", "x.json", "--min-iters", "5"])
    assert options.latency_rule(ns) == LatencySettings(min_iters=5)


def test_texts_spelled_out_in_the_cli_match_their_modules() -> None:
    """The parser copies a few texts so that it needs not import these (heavy) modules."""
    from emobench_core.cli import report
    from emobench_core.report import render
    from emobench_core.scenarios import deploy, probe

    assert report.BENCH_HINT == render.BENCH_HINT
    parsers = _subparsers(cli.build_parser())
    for name, module in (("report", render), ("latency", probe), ("deploy", deploy)):
        assert module.__doc__ is not None
        assert parsers[name].description == module.__doc__.splitlines()[0], name
