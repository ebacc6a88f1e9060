"""The regression gate's alarm rate on fresh retrains of an unchanged recipe, against the committed
baseline, as a CI service meets it: runs of seeds that did not choose the ci profile, trained in
bf16 autocast (a runner with native bf16) and in fp32 (a runner without), each pair of them
standing in for the baseline's two seeds.

For each folder of fresh runs (one precision), the BERT-Tiny runs of ``--fresh-seeds`` are paired
in order ((46, 47), (48, 49), ...: disjoint pairs, independent trainings), each pair relabelled as
the baseline's seeds, with the folder's SVM row; the gate then runs exactly as ``emobench
compare`` and the harness run it (``compare_runs``: four tests, Holm-adjusted, alpha 0.01,
minimum effect 1 point). Reported per precision:

- the verdict of each disjoint pair on the real test set, and the alarms among them with a
  Clopper-Pearson 95% interval (the pairs are independent trainings);
- the alarm rate over ``--simulations`` test sets drawn with replacement for each pair (test-set
  noise added to the retrain's), averaged over the pairs;
- the verdict of the baseline's own seeds retrained here (``--replica-seeds``), what CI on this
  machine would say.

The gate now refuses a row trained in another precision than its baseline's (this measurement is
why); here each candidate is labelled with the baseline's precision to measure what judging it
would say.

    python scripts/gate_alarm.py --baseline results/baseline/ci \
        --fresh bf16=runs/alarm/bf16/pass1 fp32=runs/alarm/fp32/pass1 \
        --output results/baseline/alarm.json
"""

from __future__ import annotations

import argparse
import dataclasses
import json
from pathlib import Path

import numpy as np
from gate_power import _resampled  # the script beside this one
from scipy.stats import binomtest

from emobench_core.schema.run import RunResult, load_results
from emobench_core.study.gate import GateSettings, compare_runs, moved_share, precision


def _pick(runs: list[RunResult], name: str, seed: int | None = None) -> RunResult:
    found = [r for r in runs if r.model.name == name and (seed is None or r.seed == seed)]
    if not found:
        raise SystemExit(f"no {name} run{'' if seed is None else f' of seed {seed}'} found")
    return found[-1]


def _as_baseline_precision(baseline: list[RunResult], runs: list[RunResult]) -> list[RunResult]:
    """``runs`` labelled with the baseline's precision: the gate now refuses a row trained in
    another precision; this measures what judging it would say (why it refuses)."""
    want = {r.seed: precision(r) for r in baseline if r.model.name == "bert-tiny"}
    return [
        dataclasses.replace(r, training=dataclasses.replace(r.training, precision=want[r.seed]))
        if r.seed in want and r.training is not None
        else r
        for r in runs
    ]


def _verdict(baseline: list[RunResult], cand: list[RunResult], settings: GateSettings) -> dict:
    cand = _as_baseline_precision(baseline, cand)
    report = compare_runs(baseline, cand, settings)
    tiny = [q for q in report.quality if q.row.startswith("bert-tiny")]
    return {
        "regressed": report.regressed,
        "quality": [
            {
                "row": q.row,
                "metric": q.metric,
                "change_pts": round(q.change_pts, 3),
                "p_holm": q.pvalue_holm,
                "regressed": q.regressed,
            }
            for q in tiny
        ],
    }


def _precision(
    name: str,
    runs: list[RunResult],
    baseline: list[RunResult],
    ns: argparse.Namespace,
    settings: GateSettings,
    rng: np.random.Generator,
) -> dict:
    base_tiny = [r for r in baseline if r.model.name == "bert-tiny"]
    base_seeds = [r.seed for r in base_tiny]
    svm = dataclasses.replace(_pick(runs, "tfidf-svm"), seed=_pick(baseline, "tfidf-svm").seed)
    fresh = [int(s) for s in ns.fresh_seeds.split(",")]
    k = len(base_seeds)
    pairs = [fresh[i : i + k] for i in range(0, len(fresh) - k + 1, k)]
    out_pairs = []
    for pair in pairs:
        cand = [
            dataclasses.replace(_pick(runs, "bert-tiny", f), seed=s)
            for f, s in zip(pair, base_seeds, strict=True)
        ]
        verdict = _verdict(baseline, [*cand, svm], settings)
        n = len(base_tiny[0].predictions["y_true"])
        alarms = 0
        for _ in range(ns.simulations):
            idx = rng.integers(0, n, n)
            b = [_resampled(r, idx) for r in baseline]
            c = _as_baseline_precision(baseline, [_resampled(r, idx) for r in [*cand, svm]])
            alarms += compare_runs(b, c, settings).regressed
        out_pairs.append(
            {
                "fresh_seeds": pair,
                "accuracy": [c.metrics.accuracy for c in cand],
                "disagreement_with_baseline_seed": [
                    moved_share(b, c) for b, c in zip(base_tiny, cand, strict=True)
                ],
                **verdict,
                "alarm_rate_resampled": alarms / ns.simulations,
            }
        )
        print(name, json.dumps(out_pairs[-1]), flush=True)
    hits = sum(p["regressed"] for p in out_pairs)
    ci = binomtest(hits, len(out_pairs)).proportion_ci(0.95, method="exact")
    replica = [_pick(runs, "bert-tiny", s) for s in ns.replica_seeds]
    first = _pick(runs, "bert-tiny", fresh[0])
    return {
        "precision_recorded": getattr(first.training, "precision", None),
        "cpu_model": first.environment.get("cpu_model"),
        "pairs": out_pairs,
        "alarms": hits,
        "of_pairs": len(out_pairs),
        "alarm_share_ci95_clopper_pearson": [ci.low, ci.high],
        "alarm_rate_resampled_mean": float(np.mean([p["alarm_rate_resampled"] for p in out_pairs])),
        "replica": {
            "seeds": ns.replica_seeds,
            "disagreement_with_baseline_seed": [
                moved_share(b, c) for b, c in zip(base_tiny, replica, strict=True)
            ],
            **_verdict(baseline, [*replica, svm], settings),
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--baseline", type=Path, required=True, help="the committed baseline folder")
    ap.add_argument(
        "--fresh", nargs="+", required=True, metavar="NAME=DIR", help="fresh runs, per precision"
    )
    ap.add_argument("--fresh-seeds", default="46,47,48,49,50,51,52,53")
    ap.add_argument(
        "--replica-seeds", type=lambda s: [int(x) for x in s.split(",")], default=[42, 43]
    )
    ap.add_argument("--simulations", type=int, default=100, help="per pair; default: 100")
    ap.add_argument("--bootstrap", type=int, default=499, help="resamples of each gate")
    ap.add_argument("--output", type=Path, required=True)
    ns = ap.parse_args()
    baseline = load_results(ns.baseline)
    settings = GateSettings(n_resamples=ns.bootstrap)
    rng = np.random.default_rng(0)
    out = {
        "what": "the ci gate's alarm rate on fresh retrains of the unchanged recipe against the "
        "committed baseline (scripts/gate_alarm.py)",
        "baseline": [r.run_id for r in baseline],
        "baseline_cpu_model": baseline[0].environment.get("cpu_model"),
        "alpha": settings.alpha,
        "min_effect_points": settings.min_effect_pts,
        "simulations_per_pair": ns.simulations,
        "bootstrap": ns.bootstrap,
        "precisions": {},
    }
    for spec in ns.fresh:
        name, _, folder = spec.partition("=")
        out["precisions"][name] = _precision(
            name, load_results(Path(folder)), baseline, ns, settings, rng
        )
    ns.output.parent.mkdir(parents=True, exist_ok=True)
    ns.output.write_text(json.dumps(out, indent=1) + "\n")
    summary = {
        n: {k: v for k, v in p.items() if k not in ("pairs",)} for n, p in out["precisions"].items()
    }
    print(json.dumps(summary, indent=1))


if __name__ == "__main__":
    main()
