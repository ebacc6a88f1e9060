"""The regression gate's latency checks: gated only between runs timed in one job on one
machine (an A/B run, ``scripts/ab_latency.sh``), reported otherwise.

- **Interleaved rounds** (each side timed ``R`` times, alternating, each run recording its
  ``ab_round``): the per-round medians are paired by round and tested with the one-sided
  Wilcoxon signed-rank test (exact) on their log ratios. Drift of the machine during the job
  (frequency, cache, neighbours) moves both sides of a round alike, so it cancels; a test on
  the pooled per-call samples would count it as a difference (an A/B run of an unchanged tree
  on this machine flagged +10.6%, ``results/baseline/ab-same-tree.md``). The smallest p it can
  give is ``2**-R``: ``R >= 7`` rounds are needed to reach alpha 0.01.
- **One run per side**: Mann-Whitney U on the raw per-call samples, one-sided (sound only if the
  calls are exchangeable between the two runs, which a sequential A/B run does not ensure).

Either way a regression also needs a slower median by at least the minimum effect.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats as sps

from emobench_core.schema.run import RunResult

_TINY = float(np.finfo(np.float64).tiny)


@dataclass(frozen=True)
class LatencyCheck:
    row: str
    seed: int
    baseline_p50_ms: float
    candidate_p50_ms: float
    """Over rounds: the median of the per-round medians."""
    gated: bool
    """Both sides timed in one job on one machine, with raw samples."""
    pvalue: float | None = None
    regressed: bool = False
    why_not_gated: str = ""
    test: str = ""
    rounds: int = 1

    @property
    def change(self) -> float:
        return self.candidate_p50_ms / self.baseline_p50_ms - 1


def _rounds(runs: Sequence[RunResult]) -> dict[int, RunResult]:
    """The runs of one row and seed by A/B round (the latest run of a round wins)."""
    out: dict[int, RunResult] = {}
    for r in sorted(runs, key=lambda r: (r.created_at, r.run_id)):
        out[int(r.environment.get("ab_round") or 0)] = r
    return out


def _why_not(base: Sequence[RunResult], cand: Sequence[RunResult]) -> str:
    jobs = {r.environment.get("job_id") for r in [*base, *cand]}
    if None in jobs or len(jobs) != 1:
        return "timed in different jobs (latency is gated only in an A/B run)"
    if len({r.environment.get("cpu_model") for r in [*base, *cand]}) != 1:
        return "timed on different machines"
    if any(not r.efficiency.latency_b1.samples_ms for r in [*base, *cand]):
        return "no raw per-call samples recorded"
    return ""


def latency_check(
    row: str,
    seed: int,
    base: Sequence[RunResult],
    cand: Sequence[RunResult],
    alpha: float,
    min_effect: float,
) -> LatencyCheck:
    """One row and seed: ``base`` and ``cand`` are every run of it on each side (A/B rounds)."""
    b, c = _rounds(base), _rounds(cand)
    common = sorted(set(b) & set(c))
    paired = len(common) >= 2
    if paired:
        b_med = np.array([b[k].efficiency.latency_b1.p50_ms for k in common])
        c_med = np.array([c[k].efficiency.latency_b1.p50_ms for k in common])
        b50, c50 = float(np.median(b_med)), float(np.median(c_med))
    else:
        b1, c1 = b[max(b)], c[max(c)]
        b50, c50 = b1.efficiency.latency_b1.p50_ms, c1.efficiency.latency_b1.p50_ms
    why = _why_not(list(b.values()), list(c.values()))
    check = LatencyCheck(row, seed, b50, c50, gated=not why, why_not_gated=why, rounds=len(common))
    if why:
        return check
    if paired:
        ratio = np.log(c_med / b_med)
        if np.all(ratio == 0):
            p = 1.0
        else:
            p = float(sps.wilcoxon(ratio, alternative="greater", method="exact").pvalue)
        test = f"Wilcoxon signed-rank on {len(common)} interleaved rounds' medians, one-sided"
    else:
        cs = c[max(c)].efficiency.latency_b1.samples_ms
        bs = b[max(b)].efficiency.latency_b1.samples_ms
        assert cs is not None and bs is not None
        mw = sps.mannwhitneyu(cs, bs, alternative="greater")
        p = max(float(mw.pvalue), _TINY)  # the normal approximation underflows for big samples
        test = "Mann-Whitney U on the raw per-call samples, one-sided"
    slower = check.change >= min_effect
    return replace(check, pvalue=p, regressed=p < alpha and slower, test=test)
