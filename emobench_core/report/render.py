"""RESULTS.md and its figures, rendered from saved results JSON only (never from live models).

The numbers come from :mod:`emobench_core.study`, the images from
:mod:`emobench_core.report.figures` and the markdown from :mod:`emobench_core.report.markdown`;
this module reads the inputs (one :class:`ReportInputs`) and writes the files atomically. Its
command line is ``emobench report`` (:mod:`emobench_core.cli.report`). Same inputs, same bytes:
nothing here reads the clock. The published reference numbers ship with the package
(:data:`DEFAULT_ANCHORS`); ``--anchors FILE`` gives others.

    pytest bench/ --emobench-results-dir runs/ --benchmark-json runs/bench.json
    emobench report runs/bench.json --output RESULTS.md
    emobench report --no-bench --results runs/ --output RESULTS.md
    emobench report runs/bench.json --latency results/latency-cpu.json
"""

from __future__ import annotations

import json
import os
import tempfile
import tomllib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from emobench_core.errors import ResultsError
from emobench_core.metrics.significance import DEFAULT_RESAMPLES
from emobench_core.report.blocks import html as blocks_html
from emobench_core.report.figures import render_figures
from emobench_core.report.html import page
from emobench_core.report.markdown import ANCHOR_FIELDS, ReportData, markdown
from emobench_core.report.sections_data import FIGURE as DATA_FIGURE
from emobench_core.report.sections_data import plot_class_shares
from emobench_core.report.sections_efficiency import load_inputs
from emobench_core.report.sections_ladder import ladder_blocks
from emobench_core.schema.data_report import load_data_report
from emobench_core.schema.deploy import load_deploy
from emobench_core.schema.latency import LatencyReport
from emobench_core.schema.perf import load_perf
from emobench_core.schema.run import RunResult
from emobench_core.study.build import build_study
from emobench_core.study.distillation import distillation_gains
from emobench_core.study.ladder import size_ladders
from emobench_core.study.staleness import stale_reasons

DEFAULT_ANCHORS = Path(__file__).with_name("anchors.toml")
"""The published reference numbers for dair-ai/emotion, package data (``emobench report``'s
default ``--anchors``)."""
TITLE = "emobench results: compact transformer emotion classifiers on dair-ai/emotion"
"""The title of a report on dair-ai/emotion; another dataset's names it (:func:`title_for`)."""


def title_for(st: Any) -> str:
    """The report's first heading, naming the study's dataset and its classes."""
    if st.dataset == "dair-ai/emotion" and st.class_noun == "emotion":
        return TITLE
    return f"emobench results: compact text classifiers on {st.dataset} ({len(st.labels)} classes)"


BENCH_HINT = "it must be the file written by `pytest bench/ --benchmark-json FILE`"


# ---------------------------------------------------------------------------- inputs


def load_bench_json(path: str | Path) -> dict[str, Any]:
    """A pytest-benchmark JSON document, checked to have a ``benchmarks`` list of records."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ResultsError(f"no pytest-benchmark file at {path}; {BENCH_HINT}") from exc
    except json.JSONDecodeError as exc:
        raise ResultsError(f"{path} is not valid JSON ({exc}); {BENCH_HINT}") from exc
    entries = data.get("benchmarks") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and isinstance(e.get("stats"), dict) and "name" in e for e in entries
    ):
        raise ResultsError(
            f"{path} is not pytest-benchmark output (no 'benchmarks' list of records with "
            f"'name' and 'stats'); {BENCH_HINT}"
        )
    return data


def load_anchors(path: str | Path) -> list[dict[str, str]]:
    """The ``[[anchor]]`` rows of a published-numbers TOML file, every field a string."""
    path = Path(path)
    try:
        rows = tomllib.loads(path.read_text(encoding="utf-8")).get("anchor")
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise ResultsError(f"cannot read the reference numbers {path} ({exc})") from exc
    if not isinstance(rows, list) or not rows:
        raise ResultsError(f"{path} has no [[anchor]] tables; see {DEFAULT_ANCHORS} for the format")
    for i, row in enumerate(rows, 1):
        bad = [f for f in ANCHOR_FIELDS if not isinstance(row.get(f), str)]
        if bad or set(row) - set(ANCHOR_FIELDS):
            raise ResultsError(
                f"{path}: anchor {i} must have exactly the string fields "
                f"{', '.join(ANCHOR_FIELDS)} (bad or missing: {', '.join(bad) or 'extra keys'})"
            )
    return rows


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it over ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as fh:
            fh.write(text)
            fh.flush()
            os.fsync(fh.fileno())
        mask = os.umask(0o022)  # mkstemp makes the file 0600: give it the usual mode
        os.umask(mask)
        os.chmod(tmp, 0o666 & ~mask)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _rel(path: Path, base: Path) -> str:
    return Path(os.path.relpath(Path(path).resolve(), base.resolve())).as_posix()


# ---------------------------------------------------------------------------- render


@dataclass(frozen=True)
class ReportInputs:
    """Everything one report is rendered from, and where it goes (``emobench report``'s options).

    Args:
        results: Run results (:func:`emobench_core.schema.run.load_results`, merged by
            :func:`emobench_core.study.merge.merge_parts`).
        out_path: Where to write RESULTS.md; links and listed paths are relative to its folder.
        figures_dir: Folder for the PNGs.
        bench_json: The pytest-benchmark document (:func:`load_bench_json`), or ``None`` to
            leave its records out (``--no-bench``).
        bench_path: Its file, for the header and the command.
        more_bench: Further pytest-benchmark files with their documents, after the first (a
            study run in parts, e.g. one model group at a time, has one per part); each is
            listed, named in the command and rendered in its own table.
        anchors: Published reference rows (:func:`load_anchors`), or ``None``.
        title: First heading; default: :func:`title_for` the study.
        sources: The results files, listed in the header and used in the regenerate command.
        n_resamples: Bootstrap resamples of every interval and paired test.
        latency: A CPU latency probe (:func:`emobench_core.schema.latency.load_latency`), or
            ``None``: adds its section, CPU columns, CPU-probe Pareto fronts and CPU
            recommendations.
        latency_path: Its file, for the header and the command.
        notes_path: A markdown run record, included verbatim under "What was run".
        perf_paths: ``emobench perf`` reports, rendered as the "Training cost" section.
        deploy_paths: ``emobench deploy`` reports, rendered under the leaderboard.
        include_stale: Rank stale rows too (marked); by default they are shown apart.
        allow_mixed: The results were merged with ``--allow-mixed`` (for the command).
        data_report_path: An ``emobench data`` report (``data-report.json``): opens the study
            with the "Data" section, its class chart drawn into ``figures_dir``.
        html_path: Where to write the self-contained leaderboard page
            (:func:`emobench_core.report.html.page`) too, or ``None``.
        mteb_path: An ``emobench mteb-protocol`` report: adds its section.
        efficiency_path: An ``emobench efficiency`` report: adds its section and figure.
    """

    results: Sequence[RunResult]
    out_path: Path
    figures_dir: Path
    bench_json: Mapping[str, Any] | None = None
    bench_path: Path | None = None
    more_bench: Sequence[tuple[Path, Mapping[str, Any]]] = ()
    anchors: Sequence[Mapping[str, str]] | None = None
    title: str | None = None
    sources: Sequence[Path] = ()
    n_resamples: int = DEFAULT_RESAMPLES
    latency: LatencyReport | None = None
    latency_path: Path | None = None
    notes_path: Path | None = None
    perf_paths: Sequence[Path] = ()
    deploy_paths: Sequence[Path] = ()
    include_stale: bool = False
    allow_mixed: bool = False
    data_report_path: Path | None = None
    html_path: Path | None = None
    mteb_path: Path | None = None
    efficiency_path: Path | None = None

    def __post_init__(self) -> None:
        if self.n_resamples < 1:
            raise ValueError(f"`n_resamples` ({self.n_resamples}) must be >= 1, e.g. 1000")
        if self.more_bench and self.bench_json is None:
            raise ValueError("`more_bench` needs a first pytest-benchmark file (`bench_json`)")
        names = ("results", "sources", "perf_paths", "deploy_paths", "more_bench")
        for name in names:  # frozen all through
            object.__setattr__(self, name, tuple(getattr(self, name)))
        if self.anchors is not None:
            object.__setattr__(self, "anchors", tuple(self.anchors))


def render_report(inputs: ReportInputs) -> str:
    """Write ``inputs.out_path`` (markdown), the figures into ``inputs.figures_dir`` and, when
    asked, the HTML page; return the markdown."""
    i = inputs
    results = list(i.results)
    out_path = Path(i.out_path)
    figures_dir = Path(i.figures_dir)
    base = out_path.parent
    st = build_study(
        results, n_resamples=i.n_resamples, latency=i.latency, include_stale=i.include_stale
    )
    title = i.title or title_for(st)
    anchors = i.anchors
    if title_for(st) != TITLE:  # published numbers are of dair-ai/emotion only
        anchors = None
    ranked = [r for r in results if i.include_stale or not stale_reasons(r)]
    ladders = size_ladders(st, results)
    figures = render_figures(st, figures_dir) if st.summaries else {}
    figs = {k: _rel(p, base) for k, p in figures.items()}
    files = [_rel(p, base) for p in sorted(i.sources)] or sorted(
        f"{r.run_id}.json" for r in results
    )
    folders = sorted({_rel(Path(p).parent, base) for p in i.sources}) or ["RESULTS_DIR"]
    command = ["emobench report"] + ([_rel(i.bench_path, base)] if i.bench_path else [])
    command += [_rel(path, base) for path, _ in i.more_bench]
    command += ["--no-bench"] if i.bench_json is None else []
    command += ["--results", *folders, "--output", out_path.name]
    command += ["--figures-dir", _rel(figures_dir, base)]
    command += [] if i.n_resamples == DEFAULT_RESAMPLES else ["--bootstrap", str(i.n_resamples)]
    command += ["--include-stale"] if i.include_stale else []
    command += ["--allow-mixed"] if i.allow_mixed else []
    if i.latency is not None:
        command += ["--latency", _rel(i.latency_path, base) if i.latency_path else "LATENCY_JSON"]
    if i.bench_json is not None and i.bench_path:
        files.append(_rel(i.bench_path, base))
    files += [_rel(path, base) for path, _ in i.more_bench]
    benches: list[tuple[str, Mapping[str, Any]]] = []
    if i.bench_json is not None:
        benches.append((_rel(i.bench_path, base) if i.bench_path else "BENCH_JSON", i.bench_json))
    benches += [(_rel(path, base), doc) for path, doc in i.more_bench]
    if i.latency is not None and i.latency_path:
        files.append(_rel(i.latency_path, base))
    notes = None
    if i.notes_path is not None:
        try:
            notes = (_rel(i.notes_path, base), Path(i.notes_path).read_text(encoding="utf-8"))
        except OSError as exc:
            raise ResultsError(f"cannot read --notes {i.notes_path}: {exc}") from exc
        command += ["--notes", notes[0]]
    perf = [(_rel(p, base), load_perf(p)) for p in i.perf_paths]
    for label, _ in perf:
        command += ["--perf", label]
        files.append(label)
    data = None
    if i.data_report_path is not None:
        data = (_rel(i.data_report_path, base), load_data_report(i.data_report_path))
        chart = figures_dir / f"{DATA_FIGURE}.png"
        plot_class_shares(data[1].classes, chart)
        figs[DATA_FIGURE] = _rel(chart, base)
        command += ["--data-report", data[0]]
        files.append(data[0])
    # cache entry -> the run that trained it, to name each deployment row's checkpoint
    trained_by = {
        str(r.environment["cache_entry"]): r.run_id
        for r in results
        if r.environment.get("cache_entry")
    }
    deploy = []
    for path in i.deploy_paths:
        label = _rel(path, base)
        command += ["--deploy", label]
        files.append(label)
        deploy.append((label, load_deploy(path), trained_by))
    extra = load_inputs(i.mteb_path, i.efficiency_path, lambda p: _rel(p, base), figures_dir)
    command += extra[0]
    files += extra[1]
    figs.update(extra[2])
    command += [] if i.html_path is None else ["--html", _rel(i.html_path, base)]
    text = markdown(
        ReportData(
            study=st,
            results=results,
            title=title,
            files=files,
            command=" ".join(command),
            figures=figs,
            bench=i.bench_json,
            benches=tuple(benches) if i.more_bench else (),
            anchors=anchors,
            distillation=distillation_gains(ranked, n_resamples=i.n_resamples),
            notes=notes,
            perf=perf,
            deploy=deploy,
            data=data,
            ladder=ladders,
            mteb=extra[3],
            efficiency=extra[4],
        )
    )
    write_text_atomic(out_path, text)
    if i.html_path is not None:
        html = page(
            st,
            title=title,
            command=" ".join(command),
            deploy=deploy,
            notes=notes,
            ladder=blocks_html(ladder_blocks(ladders, st, anchors)),
        )
        write_text_atomic(Path(i.html_path), html)
    return text
