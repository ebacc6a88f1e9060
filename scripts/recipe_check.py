"""Does a recipe change keep validation quality? Two ``emobench tune`` reports of one cell (the
same model, init, epoch budget and rate) over the same seeds, the recipe (BASE) and the recipe
with one change (CANDIDATE), compared seed by seed.

The seed is the unit: per seed, the candidate's kept-epoch validation macro-F1 minus the base's.
Reported: the mean difference with its 95% paired-t interval and two-sided p, and whether the
two are equal *within the seed spread*, the margin the recipe issue sets: a two one-sided test
(TOST, alpha 0.05, the 90% interval inside +-margin), the margin being the base's standard
deviation over seeds. A non-significant difference alone is never called equal. Speed is not
judged here (the tune runs' seconds depend on what else ran beside them): ``emobench perf``
times both ways interleaved.

    python scripts/recipe_check.py results/recipe/sparse-embeddings/bert-tiny-dense.json \\
        results/recipe/sparse-embeddings/bert-tiny-sparse.json \\
        --output results/recipe/sparse-embeddings/summary.md
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

import numpy as np
from scipy import stats

from emobench_core.schema.base import write_json_atomic
from emobench_core.schema.tune import TuneReport

ALPHA = 0.05


def compare(base: TuneReport, candidate: TuneReport) -> dict[str, Any]:
    """The per-seed pairs and the figures above, as a JSON-ready dict.

    Raises:
        ValueError: The reports do not hold one cell each per seed of one shared setting, or
            share fewer than two seeds.
    """
    cells: dict[str, dict[int, Any]] = {}
    setting: dict[str, tuple[str, str, int, float]] = {}
    for side, report in (("base", base), ("candidate", candidate)):
        settings = {(c.model, c.init, c.epochs, c.learning_rate) for c in report.cells}
        if len(settings) != 1:
            raise ValueError(f"the {side} report holds {len(settings)} settings; give one cell")
        cells[side] = {c.seed: c for c in report.cells}
        setting[side] = settings.pop()
    if setting["base"] != setting["candidate"]:
        raise ValueError(
            f"the reports tune different cells: {setting['base']} and {setting['candidate']}"
        )
    seeds = sorted(set(cells["base"]) & set(cells["candidate"]))
    if len(seeds) < 2:
        raise ValueError(f"the reports share {len(seeds)} seed(s); a paired test needs 2 or more")
    b = np.array([cells["base"][s].val_macro_f1 for s in seeds])
    c = np.array([cells["candidate"][s].val_macro_f1 for s in seeds])
    d = c - b
    n = len(d)
    se = d.std(ddof=1) / np.sqrt(n)
    mean = float(d.mean())
    t95 = stats.t.ppf(1 - ALPHA / 2, n - 1)
    t90 = stats.t.ppf(1 - ALPHA, n - 1)
    p = float(stats.ttest_rel(c, b).pvalue) if se > 0 else 1.0
    margin = float(b.std(ddof=1))
    low90, high90 = mean - t90 * se, mean + t90 * se
    model, init, epochs, lr = setting["base"]
    return {
        "setting": {"model": model, "init": init, "epochs": epochs, "learning_rate": lr},
        "base_recipe": base.recipe,
        "candidate_recipe": candidate.recipe,
        "change": {
            k: candidate.recipe.get(k)
            for k in sorted(set(base.recipe) | set(candidate.recipe))
            if base.recipe.get(k) != candidate.recipe.get(k)
        },
        "precision": sorted({str(x.precision) for x in [*base.cells, *candidate.cells]}),
        "cpu": candidate.environment.get("cpu_model"),
        "seeds": seeds,
        "base_val_macro_f1": b.tolist(),
        "candidate_val_macro_f1": c.tolist(),
        "difference": d.tolist(),
        "mean_difference": mean,
        "ci95": [mean - t95 * se, mean + t95 * se],
        "p_two_sided": p,
        "method": "paired t over seeds; TOST (alpha 0.05) against +-margin",
        "margin": margin,
        "margin_basis": "the base's standard deviation of validation macro-F1 over seeds",
        "ci90": [low90, high90],
        "equal_within_margin": bool(-margin < low90 and high90 < margin),
    }


def markdown(summary: dict[str, Any], base: str, candidate: str) -> str:
    s = summary
    pts = lambda x: f"{100 * x:+.2f}"  # noqa: E731
    rows = [
        f"| {seed} | {bv:.4f} | {cv:.4f} | {pts(dv)} |"
        for seed, bv, cv, dv in zip(
            s["seeds"],
            s["base_val_macro_f1"],
            s["candidate_val_macro_f1"],
            s["difference"],
            strict=True,
        )
    ]
    verdict = (
        "equal within the seed spread (the 90% interval lies inside +-margin)"
        if s["equal_within_margin"]
        else "not shown equal within the seed spread (the 90% interval reaches past +-margin)"
    )
    setting = s["setting"]
    return "\n".join(
        [
            f"# Recipe check: {json.dumps(s['change'])} on {setting['model']}",
            "",
            f"Rendered by `python scripts/recipe_check.py {base} {candidate}` from the two tune "
            f"reports. Cell: {setting['model']} ({setting['init']} init), "
            f"{setting['epochs']} epochs at {setting['learning_rate']:g}; precision "
            f"{', '.join(s['precision'])}; CPU {s['cpu']}.",
            "",
            "| seed | base val macro-F1 | candidate | difference (points) |",
            "|---|---|---|---|",
            *rows,
            "",
            f"Mean difference {pts(s['mean_difference'])} points, 95% interval "
            f"[{pts(s['ci95'][0])}, {pts(s['ci95'][1])}] (paired t over {len(s['seeds'])} "
            f"seeds), p {s['p_two_sided']:.2g}. Margin (the base's seed standard deviation): "
            f"{100 * s['margin']:.2f} points; 90% interval [{pts(s['ci90'][0])}, "
            f"{pts(s['ci90'][1])}]: {verdict}.",
            "",
            "Speed is not judged from these runs: `emobench perf` times both ways interleaved.",
            "",
        ]
    )


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("base", type=Path, help="tune report of the recipe")
    p.add_argument("candidate", type=Path, help="tune report of the recipe with the change")
    p.add_argument("--output", type=Path, required=True, help="summary .md (and .json beside)")
    ns = p.parse_args(argv)
    if ns.output.exists() or ns.output.with_suffix(".json").exists():
        print(
            f"recipe_check.py: {ns.output} (or its .json) exists; give another --output",
            file=sys.stderr,
        )
        return 2
    try:
        summary = compare(TuneReport.load(ns.base), TuneReport.load(ns.candidate))
    except (ValueError, OSError) as e:
        print(f"recipe_check.py: {e}", file=sys.stderr)
        return 2
    ns.output.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomic(ns.output.with_suffix(".json"), summary)
    tmp = ns.output.with_name(f".{ns.output.name}.tmp")
    tmp.write_text(markdown(summary, str(ns.base), str(ns.candidate)), encoding="utf-8")
    tmp.replace(ns.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
