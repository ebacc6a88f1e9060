"""Two sections of RESULTS.md on what costs less than fine-tuning, each shown only when its input
is given: MTEB's EmotionClassification protocol reproduced (``emobench report --mteb FILE``) and
the data-efficiency curve with its figure (``--efficiency FILE``).

    emobench report --no-bench --results results/cpu --output RESULTS.md \\
        --mteb results/mteb/all-minilm-l6-v2.json --efficiency results/efficiency/efficiency.json
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from emobench_core.report.figures import new_figure, save_png
from emobench_core.report.tables import ci, table
from emobench_core.schema.cheap import EfficiencyReport, MtebReport
from emobench_core.study.efficiency import EfficiencySummary, summarize

FIGURE = "efficiency"
FILE = "results_efficiency.png"


def _mean_sd(values: list[float]) -> tuple[float, float]:
    a = np.asarray(values, dtype=np.float64)
    return float(a.mean()), float(a.std(ddof=1)) if a.size > 1 else 0.0


def mteb_section(label: str, report: MtebReport) -> list[str]:
    """The reproduced protocol beside MTEB's published score."""
    p, enc = report.protocol, report.encoder
    acc, f1 = report.scores("accuracy"), report.scores("f1")
    acc_m, acc_sd = _mean_sd(acc)
    f1_m, f1_sd = _mean_sd(f1)
    rows = [
        [
            f"{enc['name']} (here)",
            f"{acc_m:.4f} ± {acc_sd:.4f}",
            f"{min(acc):.4f}–{max(acc):.4f}",
            f"{f1_m:.4f} ± {f1_sd:.4f}",
            f"`{label}`",
        ]
    ]
    pub = report.published
    notes = []
    if pub:
        pacc = [float(x) for x in pub.get("accuracy_per_experiment", [])]
        _, psd = _mean_sd(pacc) if pacc else (float(pub["accuracy"]), 0.0)
        rows.append(
            [
                f"{enc['name']} (MTEB {pub.get('mteb_version', '')})",
                f"{float(pub['accuracy']):.4f} ± {psd:.4f}",
                f"{min(pacc):.4f}–{max(pacc):.4f}" if pacc else "—",
                f"{float(pub['f1']):.4f}" if "f1" in pub else "—",
                pub["source"],
            ]
        )
        same = len(pacc) == len(acc) and np.allclose(pacc, acc, atol=5e-4)
        notes.append(
            f"Difference (here − published): {acc_m - float(pub['accuracy']):+.4f} accuracy"
            + (
                "; every experiment's accuracy matches MTEB's to the 4th decimal."
                if same
                else f"; per experiment, here: {', '.join(f'{a:.4f}' for a in acc)}; MTEB: "
                f"{', '.join(f'{a:.4f}' for a in pacc)}."
            )
        )
    else:
        notes.append("No published MTEB score of this encoder is on record here.")
    unconverged = sum(not e.converged for e in report.experiments)
    pool = enc["pooling"]
    published_data = f" (MTEB's: {pub['dataset_revision']})" if pub.get("dataset_revision") else ""
    return [
        "## MTEB EmotionClassification protocol, reproduced",
        "",
        f"MTEB's protocol as its own code defines it: {p['n_experiments']} experiments, each "
        f"fitting {p['classifier']} on {p['samples_per_label']} training rows per label "
        f"(MTEB's undersampling, seed {p['seed']}) and scoring the {p['eval_split']} split; main "
        f"score: mean {p['main_score']}. Encoder: {enc['source']}, frozen ({pool['mode']} pooling"
        f"{', L2-normalised' if pool['normalize'] else ''}, at most {pool['max_length']} tokens). "
        f"Data: {report.data.get('source', '?')}, fingerprint "
        f"{str(report.data.get('fingerprint'))[:12]}"
        f"{published_data}. Followed: "
        + "; ".join(p["mteb_files"])
        + ". Spread: standard deviation over the experiments (which differ only in the "
        "sampled training rows).",
        "",
        table(["model", "accuracy (mean ± sd)", "range", "macro-F1 (mean ± sd)", "source"], rows),
        "",
        *notes,
        "",
        f"lbfgs stopped at max_iter before converging in {unconverged} of "
        f"{len(report.experiments)} experiments (MTEB lets it stop there too).",
    ]


def plot_efficiency(summary: EfficiencySummary, classes: int, path: Path) -> None:
    """Test macro-F1 (seed mean, interval bars) against training rows per class asked for
    ('all' at the whole split's rows per class), log axis."""
    fig = new_figure(7.0, 4.2)
    ax = fig.add_subplot()
    for label in summary.labels:
        pts = [p for p in summary.points if p.label == label]
        x = [p.size if isinstance(p.size, int) else p.rows / classes for p in pts]
        y = [p.macro_f1.estimate for p in pts]
        err = [
            [p.macro_f1.estimate - p.macro_f1.low for p in pts],
            [p.macro_f1.high - p.macro_f1.estimate for p in pts],
        ]
        ax.errorbar(x, y, yerr=err, marker="o", capsize=3, label=label)
    ax.set_xscale("log")
    ax.set_xlabel("labelled training rows per class ('all': the split's mean per class)")
    ax.set_ylabel("test macro-F1 (seed mean, 95% interval)")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="lower right", fontsize=8)
    save_png(fig, path, dpi=100)


def efficiency_section(
    label: str, report: EfficiencyReport, summary: EfficiencySummary, figure: str | None
) -> list[str]:
    """The curve as a table (seed mean [interval] per model and size), the smallest size not
    significantly below each model's full data, and the figure."""
    heads = ["model", *(f"{s} / class" if s != "all" else "all" for s in summary.sizes)]
    rows = []
    for name in summary.labels:
        cells = []
        for size in summary.sizes:
            p = summary.point(name, size)
            if p is None:
                cells.append("—")
                continue
            mark = " ↓" if p.below_full else ""
            cells.append(f"{p.macro_f1.estimate:.4f} {ci(p.macro_f1)}{mark}")
        rows.append([name, *cells])
    size_rows = [
        [name, *(_rows(summary, name, s) for s in summary.sizes)] for name in summary.labels
    ]
    smallest = [f"- {name}: {_size(summary.smallest.get(name))}" for name in summary.labels]
    seeds = ", ".join(str(s) for s in report.grid["seeds"])
    out = [
        "## Data efficiency: test macro-F1 against labelled training rows",
        "",
        f"From `{label}`. Each model trained on stratified subsets of the training split, nested "
        f"across sizes, per seed ({seeds}): {report.sampling}. Each cell is the seed mean of test "
        "macro-F1 with its 95% interval (seeds as the unit, test examples bootstrapped "
        f"{summary.resamples} times); ↓: significantly below the same model's full-data score "
        "(the difference's interval lies wholly below 0).",
        "",
        table(heads, rows),
        "",
        "Training rows (mean over seeds; a class with fewer rows than the size gives all it has):",
        "",
        table(["model", *heads[1:]], size_rows),
        "",
        "Smallest size from which on the model is not significantly below its full-data score "
        "(not significant is not equivalent):",
        "",
        *smallest,
    ]
    if figure:
        out += ["", f"![macro-F1 against training rows per class]({figure})"]
    return out


def _rows(summary: EfficiencySummary, name: str, size: int | str) -> str:
    p = summary.point(name, size)
    return "—" if p is None else f"{p.rows:.0f}"


def _size(size: int | str | None) -> str:
    if size is None:
        return "no full-data row"
    return "all rows" if size == "all" else f"{size} rows per class"


def load_inputs(
    mteb_path: Path | None,
    efficiency_path: Path | None,
    rel: Callable[[Path], str],
    figures_dir: Path,
) -> tuple[list[str], list[str], dict[str, str], Any, Any]:
    """What ``--mteb`` and ``--efficiency`` add to a report: ``(command options, listed files,
    figures, (label, MtebReport) or None, (label, report, summary, figure) or None)``; the
    curve's figure is drawn into ``figures_dir``."""
    command: list[str] = []
    files: list[str] = []
    figs: dict[str, str] = {}
    mteb = efficiency = None
    if mteb_path is not None:
        mteb = (rel(mteb_path), MtebReport.load(mteb_path))
        command += ["--mteb", mteb[0]]
        files.append(mteb[0])
    if efficiency_path is not None:
        label, report = rel(efficiency_path), EfficiencyReport.load(efficiency_path)
        summary = summarize(report)
        chart = figures_dir / FILE
        plot_efficiency(summary, len(report.labels), chart)
        figs[FIGURE] = rel(chart)
        efficiency = (label, report, summary, figs[FIGURE])
        command += ["--efficiency", label]
        files.append(label)
    return command, files, figs, mteb, efficiency
