"""Power and false-alarm rate of the regression gate on the ci profile, by simulation from real
runs.

A candidate that really is worse is modelled as another training run of the same model (seed
43 against the baseline's seed 42: the disagreement a real code change brings) with right
answers turned wrong until its accuracy is ``--drop`` points below the baseline's; one that is
not worse is that other run as it is. Each simulation draws a new test set of the same size
(the examples resampled with replacement, the same for every run), then runs the gate exactly
as ``emobench compare`` does over the ci profile's rows (BERT-Tiny and the SVM row, four tests,
Holm-adjusted, alpha 0.01, minimum effect 1 point). Power: the share of simulations in which
the worse candidate's BERT-Tiny row regresses; false alarms: the share in which the unchanged
one does.

    python bench/gate_power.py --results results/cpu --output results/baseline/power.json
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
    ap.add_argument("--results", type=Path, required=True, help="results folder of the cpu runs")
    ap.add_argument("--drop", type=float, default=2.0, help="accuracy points; default: 2")
    ap.add_argument("--simulations", type=int, default=500)
    ap.add_argument("--bootstrap", type=int, default=499, help="resamples of each gate")
    ap.add_argument("--output", type=Path, required=True)
    ns = ap.parse_args()
    runs = load_results(ns.results)

    def pick(name: str, seed: int) -> RunResult:
        return next(r for r in runs if (r.model.name, r.seed) == (name, seed))

    base, other, svm = pick("bert-tiny", 42), pick("bert-tiny", 43), pick("tfidf-svm", 42)
    other = dataclasses.replace(other, seed=base.seed)  # paired with the baseline's run
    rng = np.random.default_rng(0)
    settings = GateSettings(n_resamples=ns.bootstrap)
    n = len(base.predictions["y_true"])
    hits = alarms = 0
    for _ in range(ns.simulations):
        idx = rng.integers(0, n, n)
        baseline = [_resampled(base, idx), _resampled(svm, idx)]
        worse = [_resampled(other, idx, _degraded(base, other, ns.drop, rng)), baseline[1]]
        same = [_resampled(other, idx), baseline[1]]
        hits += compare_runs(baseline, worse, settings).regressed
        alarms += compare_runs(baseline, same, settings).regressed
    out = {
        "what": "power and false-alarm rate of the ci gate, by simulation (bench/gate_power.py)",
        "baseline": base.run_id,
        "other_run": other.run_id,
        "svm": svm.run_id,
        "drop_points": ns.drop,
        "alpha": settings.alpha,
        "min_effect_points": settings.min_effect_pts,
        "simulations": ns.simulations,
        "bootstrap": ns.bootstrap,
        "power": hits / ns.simulations,
        "false_alarm_rate": alarms / ns.simulations,
        "disagreement_of_the_two_runs": float(
            np.mean(
                np.asarray(base.predictions["y_pred"]) != np.asarray(other.predictions["y_pred"])
            )
        ),
    }
    ns.output.parent.mkdir(parents=True, exist_ok=True)
    ns.output.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
