"""The ``emobench`` command line: one parser, one module per command.

    emobench run --models bert-tiny,tfidf-svm --init random --output runs/
    emobench data --output runs/data
    emobench predict --checkpoint runs/bert-tiny "i feel happy"

Run ``emobench COMMAND --help`` for each command's options. Each command module registers its
subparser (``add_parser``) and the function it runs (``set_defaults(func=...)``), and imports
the pipeline and the heavy libraries only inside that function, so ``emobench --help`` stays
fast. :func:`main` is the one place that turns an :class:`~emobench_core.errors.EmobenchError`
into one line on stderr and exit code 2.

The global options (``--quiet``) are taken before or after the command (``emobench run
--quiet``). Progress bars show only on a terminal: with ``--quiet``, under ``CI``, or with the
output going to a file or a pipe, there are none (the logs get no carriage-return lines).
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
from collections.abc import Sequence

from emobench_core.cli import (
    compare,
    data,
    deploy,
    distill,
    efficiency,
    evaluate,
    export,
    latency,
    models,
    mteb,
    perf,
    plan,
    predict,
    recommend,
    report,
    run,
    train,
    tune,
)
from emobench_core.errors import EmobenchError, describe_os_error

__all__ = ["COMMANDS", "build_parser", "main"]

COMMANDS = (
    run,
    distill,
    train,
    evaluate,
    predict,
    perf,
    tune,
    mteb,
    efficiency,
    data,
    report,
    latency,
    recommend,
    plan,
    compare,
    deploy,
    export,
    models,
)
"""The command modules, in the order ``emobench --help`` lists them."""


def version() -> str:
    """The installed emobench's version (the package's own where it is not installed)."""
    from importlib.metadata import PackageNotFoundError
    from importlib.metadata import version as installed

    try:
        return installed("emobench")
    except PackageNotFoundError:
        from emobench_core import __version__

        return __version__


def add_global_options(parser: argparse.ArgumentParser, *, command: bool = False) -> None:
    """The options every command takes, on the top parser and (``command``) on each command's,
    where an option not given leaves the top parser's value alone."""
    kw = {"default": argparse.SUPPRESS} if command else {}
    parser.add_argument(
        "--quiet",
        action="store_true",
        help="warnings and errors only, no progress bars (which show only on a terminal and "
        "never under CI); default: off",
        **kw,  # type: ignore[arg-type]
    )


def build_parser() -> argparse.ArgumentParser:
    """The ``emobench`` parser with every command's subparser."""
    parser = argparse.ArgumentParser(
        prog="emobench",
        description="Fine-tune, evaluate and measure compact transformer emotion classifiers.",
    )
    parser.add_argument("--version", action="version", version=f"emobench {version()}")
    add_global_options(parser)
    # report, recommend, latency and deploy set it to False: they never set up logging or
    # acted on --quiet (they show no progress bars)
    parser.set_defaults(configure_logging=True)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for command in COMMANDS:
        p = command.add_parser(sub)
        add_global_options(p, command=True)
        p.set_defaults(command_parser=p)  # for the command's own usage errors
    return parser


def progress_bars(quiet: bool) -> bool:
    """Whether to show progress bars: not with ``--quiet``, not under ``CI``, and only when
    both output streams are terminals (a log file gets no carriage-return lines)."""
    if quiet or os.environ.get("CI", "").lower() not in ("", "0", "false"):
        return False
    return sys.stdout.isatty() and sys.stderr.isatty()


def _configure_logging(quiet: bool, bars: bool) -> None:
    """Log level and progress bars, through the variables datasets, transformers and the hub
    read when they are imported: importing them here would cost every command seconds before
    its cheap checks (a wrong name fails before any heavy import)."""
    logging.basicConfig(
        level=logging.WARNING if quiet else logging.INFO,
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not bars:
        os.environ.setdefault("HF_DATASETS_DISABLE_PROGRESS_BARS", "1")
        os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")  # transformers' bars too
    if quiet:
        os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    if "transformers" in sys.modules:  # imported already (a caller's): told directly
        import transformers

        if not bars:
            transformers.utils.logging.disable_progress_bar()
        if quiet:
            transformers.utils.logging.set_verbosity_error()
    if "datasets" in sys.modules and not bars:
        import datasets

        datasets.disable_progress_bars()


def main(argv: Sequence[str] | None = None) -> int:
    """Run ``emobench ARGV`` (default: ``sys.argv[1:]``); return the exit code.

    Bad input (an :class:`~emobench_core.errors.EmobenchError`, a missing file, or an
    operating-system error such as no permission or no space) ends as ``emobench COMMAND:
    error: MESSAGE`` on stderr and exit code 2; argparse's own errors exit 2 as well. Ctrl-C
    ends with one line and exit code 130 (every write is staged, so nothing half-written is
    left). Anything else is a bug and keeps its traceback.
    """
    ns, unknown = build_parser().parse_known_args(sys.argv[1:] if argv is None else list(argv))
    if unknown:  # reported with the command's usage, not the top-level one
        ns.command_parser.error(f"unrecognized arguments: {' '.join(unknown)}")
    bars = progress_bars(ns.quiet)
    try:
        if ns.configure_logging:
            _configure_logging(ns.quiet, bars)
        ns.quiet = not bars  # what the pipeline's `quiet` means: no progress bars
        code: int = ns.func(ns)
    except (EmobenchError, FileNotFoundError) as exc:
        print(f"emobench {ns.command}: error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:  # permissions, read-only, no space, not a folder: the path and a fix
        print(f"emobench {ns.command}: error: {describe_os_error(exc)}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(
            f"emobench {ns.command}: interrupted (Ctrl-C); no output was half-written",
            file=sys.stderr,
        )
        return 130
    return code
