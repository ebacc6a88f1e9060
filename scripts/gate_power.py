"""Power of the regression gate on the ci profile, and its alarm rate on retrained models of an
unchanged recipe, by simulation from real runs.

The BERT-Tiny runs of ``--seeds`` (default 42-45, each trained as CI trains them) are split every
way into a baseline half and an other half (both directions: 6 splits of 4 seeds). Within a
split, each other run stands in for one baseline seed's: the disagreement a code change that
retrains the model brings. A candidate that really is worse is the other runs with right answers
turned wrong until each is ``--drop`` points below its baseline seed; an unchanged retrain is the
other runs as they are. Each simulation draws a new test set of the same size (the examples
resampled with replacement, the same for every run), then runs the gate exactly as ``emobench
compare`` and the harness do over the ci profile's rows (BERT-Tiny on two seeds tested together,
and the SVM row; four tests, Holm-adjusted, alpha 0.01, minimum effect 1 point). Power: the share
of simulations in which the worse candidate's BERT-Tiny row regresses; the alarm rate: the share
in which the unchanged retrain's does. Both are averaged over the splits, so that no one lucky or
unlucky pair of seeds decides them. (The gate's false-alarm rate when the trained models are the
same, test examples the only noise, is measured by tests/study/test_gate.py.)

    python scripts/gate_power.py --results results/baseline/ci results/baseline/power-runs \
        --output results/baseline/power.json
"""

from __future__ import annotations

import argparse
import dataclasses
import itertools
import json
from pathlib import Path

import numpy as np

from emobench_core.metrics.evaluation import compute_metrics
from emobench_core.schema.run import RunResult, load_results
from emobench_core.study.gate import GateSettings, compare_runs, moved_share


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


def _splits(seeds: list[int]) -> list[tuple[list[int], list[int]]]:
    """Every way to split ``seeds`` into a baseline half and an other half (both directions)."""
    k = len(seeds) // 2
    return [
        (list(half), [s for s in seeds if s not in half])
        for half in itertools.combinations(seeds, k)
    ]


def _simulate(
    bases: list[RunResult],
    others: list[RunResult],
    svm: RunResult,
    ns: argparse.Namespace,
    settings: GateSettings,
    rng: np.random.Generator,
) -> tuple[int, int]:
    """``(hits, alarms)`` over ``ns.simulations`` resampled test sets."""
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
    return hits, alarms


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument(
        "--results", type=Path, nargs="+", required=True, help="results folders of the runs"
    )
    ap.add_argument(
        "--seeds",
        default="42,43,44,45",
        help="BERT-Tiny seeds, an even number; every split into a baseline half and an other "
        "half is simulated (default: 42,43,44,45; the ci profile's are 42,43)",
    )
    ap.add_argument("--drop", type=float, default=2.0, help="accuracy points; default: 2")
    ap.add_argument("--simulations", type=int, default=500, help="per split; default: 500")
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

    seeds = [int(s) for s in ns.seeds.split(",")]
    if len(seeds) < 2 or len(seeds) % 2 or len(set(seeds)) != len(seeds):
        raise SystemExit("--seeds: an even number of distinct seeds, e.g. 42,43,44,45")
    svm = pick("tfidf-svm", seeds[0])
    settings = GateSettings(n_resamples=ns.bootstrap)
    rng = np.random.default_rng(0)
    splits = []
    for base_seeds, other_seeds in _splits(seeds):
        bases = [pick("bert-tiny", s) for s in base_seeds]
        # each other run stands in for the baseline's run of one seed (paired with it)
        others = [
            dataclasses.replace(pick("bert-tiny", o), seed=s)
            for o, s in zip(other_seeds, base_seeds, strict=True)
        ]
        hits, alarms = _simulate(bases, others, svm, ns, settings, rng)
        splits.append(
            {
                "baseline_seeds": base_seeds,
                "other_seeds": other_seeds,
                "baseline_accuracy": float(np.mean([b.metrics.accuracy for b in bases])),
                "other_accuracy": float(np.mean([o.metrics.accuracy for o in others])),
                "power": hits / ns.simulations,
                "alarm_rate_unchanged_retrain": alarms / ns.simulations,
                "disagreement_of_the_paired_runs": [
                    moved_share(b, o) for b, o in zip(bases, others, strict=True)
                ],
            }
        )
        print(json.dumps(splits[-1]), flush=True)
    ci = splits[0]  # the first half of --seeds as the baseline: the ci profile's pair
    out = {
        "what": "power of the ci gate and its alarm rate on unchanged retrains, by simulation "
        "(scripts/gate_power.py)",
        "runs": [pick("bert-tiny", s).run_id for s in seeds],
        "svm": svm.run_id,
        "drop_points": ns.drop,
        "alpha": settings.alpha,
        "min_effect_points": settings.min_effect_pts,
        "simulations_per_split": ns.simulations,
        "bootstrap": ns.bootstrap,
        "power": float(np.mean([s["power"] for s in splits])),
        "power_ci_split": ci["power"],
        "alarm_rate_unchanged_retrain": float(
            np.mean([s["alarm_rate_unchanged_retrain"] for s in splits])
        ),
        "splits": splits,
    }
    ns.output.parent.mkdir(parents=True, exist_ok=True)
    ns.output.write_text(json.dumps(out, indent=1) + "\n")
    print(json.dumps({k: v for k, v in out.items() if k != "splits"}, indent=1))


if __name__ == "__main__":
    main()
