"""Power and false-alarm rate of the regression gate on the ci profile, by simulation from real
runs.

A candidate that really is worse is modelled, seed by seed, as another training run of the same
model (seeds 44 and 45 standing in for the baseline's 42 and 43: the disagreement a real code
change brings) with right answers turned wrong until its accuracy is ``--drop`` points below
the baseline seed's; one that is not worse is those other runs as they are. Each simulation
draws a new test set of the same size (the examples resampled with replacement, the same for
every run), then runs the gate exactly as ``emobench compare`` and the harness do over the ci
profile's rows (BERT-Tiny on its seeds, tested together, and the SVM row; four tests,
Holm-adjusted, alpha 0.01, minimum effect 1 point). Power: the share of simulations in which
the worse candidate's BERT-Tiny row regresses; false alarms: the share in which the unchanged
one does.

    python bench/gate_power.py --results results/cpu /tmp/other --output results/baseline/power.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np

from emobench_core.metrics.evaluation import compute_metrics
from emobench_core.schema.run import RunResult, load_results
from emobench_core.study.gate import GateSettings, compare_runs


def _resampled(run: RunResult, idx: np.ndarray, pred: np.ndarray | None = None) -> RunResult:
    y = np.asarray(run.predictions["y_true"])[idx]
    p = (np.asarray(run.predictions["y_pred"]) if pred is None else pred)[idx]
    yl, pl = [int(v) for v in y], [int(v) for v in p]
    return dataclasses.replace(
        run,
        predictions={"y_true": yl, "y_pred": pl},
        metrics=compute_metrics(yl, pl, run.labels),
    )


def _degraded(
    base: RunResult, other: RunResult, drop: float, rng: np.random.Generator
) -> np.ndarray:
    y = np.asarray(other.predictions["y_true"])
    pred = np.asarray(other.predictions["y_pred"]).copy()
    target = base.metrics.accuracy - drop / 100
    right = np.flatnonzero(pred == y)
    k = max(0, round((np.mean(pred == y) - target) * y.size))
    flip = rng.choice(right, size=k, replace=False)
    pred[flip] = (y[flip] + 1) % len(base.labels)
    return pred


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--results", type=Path, nargs="+", required=True, help="results folders of the runs"
    )
    ap.add_argument("--baseline-seeds", default="42,43", help="default: 42,43 (the ci profile's)")
    ap.add_argument("--other-seeds", default="44,45", help="default: 44,45")
    ap.add_argument("--drop", type=float, default=2.0, help="accuracy points; default: 2")
    ap.add_argument("--simulations", type=int, default=500)
    ap.add_argument("--bootstrap", type=int, default=499, help="resamples of each gate")
    ap.add_argument("--output", type=Path, required=True)
    ns = ap.parse_args()
    runs = [r for folder in ns.results for r in load_results(folder)]

    def pick(name: str, seed: int) -> RunResult:
        return next(
            r
            for r in runs
            if (r.model.name, r.model.init, r.seed)
            == (name, "random" if name != "tfidf-svm" else "n/a", seed)
        )

    base_seeds = [int(s) for s in ns.baseline_seeds.split(",")]
    other_seeds = [int(s) for s in ns.other_seeds.split(",")]
    if len(base_seeds) != len(other_seeds) or set(base_seeds) & set(other_seeds):
        raise SystemExit("--baseline-seeds and --other-seeds: as many seeds, none in common")
    bases = [pick("bert-tiny", s) for s in base_seeds]
    # each other run stands in for the baseline's run of one seed (paired with it)
    others = [
        dataclasses.replace(pick("bert-tiny", o), seed=s)
        for o, s in zip(other_seeds, base_seeds, strict=True)
    ]
    svm = pick("tfidf-svm", base_seeds[0])
    rng = np.random.default_rng(0)
    settings = GateSettings(n_resamples=ns.bootstrap)
    n = len(bases[0].predictions["y_true"])
    hits = alarms = 0
    for _ in range(ns.simulations):
        idx = rng.integers(0, n, n)
        baseline = [*(_resampled(b, idx) for b in bases), _resampled(svm, idx)]
        worse = [
            *(
                _resampled(o, idx, _degraded(b, o, ns.drop, rng))
                for b, o in zip(bases, others, strict=True)
            ),
            baseline[-1],
        ]
        same = [*(_resampled(o, idx) for o in others), baseline[-1]]
        hits += compare_runs(baseline, worse, settings).regressed
        alarms += compare_runs(baseline, same, settings).regressed
    out = {
        "what": "power and false-alarm rate of the ci gate, by simulation (bench/gate_power.py)",
        "baseline": [b.run_id for b in bases],
        "other_runs": [pick("bert-tiny", o).run_id for o in other_seeds],
        "svm": svm.run_id,
        "drop_points": ns.drop,
        "alpha": settings.alpha,
        "min_effect_points": settings.min_effect_pts,
        "simulations": ns.simulations,
        "bootstrap": ns.bootstrap,
        "power": hits / ns.simulations,
        "false_alarm_rate": alarms / ns.simulations,
        "disagreement_of_the_paired_runs": [
            float(
                np.mean(np.asarray(b.predictions["y_pred"]) != np.asarray(o.predictions["y_pred"]))
            )
            for b, o in zip(bases, others, strict=True)
        ],
    }
    ns.output.parent.mkdir(parents=True, exist_ok=True)
    ns.output.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
