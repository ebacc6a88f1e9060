"""Pick the best model that fits a deployment budget (latency, size, memory, device).

Works on plain :class:`Candidate` records, so it can be fed from any saved results file:

    emobench recommend --results runs/results.json --max-latency-ms 5 --device cpu

Among the candidates measured on the budget's device that meet every limit, the *tied set* is
the one with the highest mean macro-F1 and every candidate not significantly below it (the
architecture test, seeds as the unit, Holm-adjusted over those comparisons; the p-values come
in through ``pvalue``). By default the cheapest of the tied set is recommended (lower latency,
then fewer parameters): a gap no test can tell from seed and test-set noise is not worth paying
for. ``rank_by="mean"`` recommends the highest mean instead. Without p-values every gap counts.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any

from emobench_core.errors import BudgetError

DEVICES: tuple[str, ...] = ("cpu", "cuda")
RANK_BY: tuple[str, ...] = ("cost", "mean")
"""``cost``: the cheapest of the tied set (default); ``mean``: the highest mean macro-F1."""
ALPHA = 0.05
"""Family-wise level of the ties (as the report's tiers)."""

PValue = Callable[[str, str], float | None]
"""Raw two-sided p-value of the architecture test between two candidate labels (``None``: the
two cannot be compared, so they are never tied)."""
# (Budget field, Candidate field, CLI flag, short noun, superlative) for every limit.
_LIMITS: tuple[tuple[str, str, str, str, str], ...] = (
    ("max_latency_ms", "latency_ms", "--max-latency-ms", "latency", "fastest"),
    ("max_params", "params", "--max-params", "params", "smallest"),
    ("max_memory_mb", "peak_memory_mb", "--max-memory-mb", "memory", "lightest in memory"),
)


@dataclass(frozen=True)
class Candidate:
    """One model's measured results on one device.

    Attributes:
        name: Model name, e.g. ``"bert-tiny"``.
        macro_f1: Test macro-F1.
        accuracy: Test accuracy.
        latency_ms: Per-example inference latency on ``device``; ``None`` if not measured.
        params: Parameter count, classification head included.
        peak_memory_mb: Peak inference memory on ``device``; ``None`` if not measured.
        device: ``"cpu"`` or ``"cuda"``: where latency and memory were measured.
        init: ``"pretrained"`` or ``"random"``; tells apart two runs of the same model.
        extra: Anything else to carry along (not used for the choice).
    """

    name: str
    macro_f1: float
    accuracy: float
    latency_ms: float | None
    params: int
    peak_memory_mb: float | None
    device: str
    init: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def label(self) -> str:
        """``name``, plus ``init`` in parentheses when set."""
        return f"{self.name} ({self.init})" if self.init else self.name


@dataclass(frozen=True)
class Budget:
    """Deployment limits; ``None`` means no limit on that quantity."""

    max_latency_ms: float | None = None
    max_params: int | None = None
    max_memory_mb: float | None = None
    device: str = "cpu"

    def __post_init__(self) -> None:
        for name, *_ in _LIMITS:
            value = getattr(self, name)
            if value is not None and not value > 0:
                raise ValueError(f"`{name}` ({value!r}) must be > 0, or None for no limit")
        if self.device not in DEVICES:
            raise ValueError(f"`device` ({self.device!r}) must be one of: {', '.join(DEVICES)}")

    def limits(self) -> list[tuple[str, str, str, str, str, float]]:
        """The limits set: ``(budget field, candidate field, flag, noun, superlative, value)``."""
        return [
            (*spec, getattr(self, spec[0]))
            for spec in _LIMITS
            if getattr(self, spec[0]) is not None
        ]

    def describe(self) -> str:
        """E.g. ``"cpu, latency <= 5 ms, params <= 30.00M"``."""
        parts = [
            f"{noun} <= {_fmt(quantity, value, exact=True)}"
            for _, quantity, _, noun, _, value in self.limits()
        ]
        return ", ".join([self.device, *parts]) if parts else f"{self.device}, no limits"


@dataclass(frozen=True)
class Recommendation:
    """The outcome of :func:`recommend`.

    Attributes:
        best: The recommended candidate.
        runner_up: The next-best candidate within budget, if any.
        considered: Number of candidates measured on the budget's device.
        excluded: Candidate label -> why it is over budget (device candidates only).
    """

    best: Candidate
    runner_up: Candidate | None
    considered: int
    excluded: dict[str, str]
    rank_by: str = "mean"
    """The rule that chose: ``cost`` (cheapest of the tied set) or ``mean``."""
    top: Candidate | None = None
    """The highest mean macro-F1 within budget (``None``: no tests, ``best`` is it)."""
    tied: tuple[str, ...] = ()
    """Labels not significantly below ``top`` (``top`` included); empty without tests."""
    holm: dict[str, float] = field(default_factory=dict)
    """Label -> Holm-adjusted p of ``top`` against it (the other candidates within budget)."""

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def significant(value: float, digits: int = 3) -> str:
    """``value`` to ``digits`` significant digits in plain notation (``0.547``, ``59.7``,
    ``1340``): a measurement shown as far as it tells models apart, not to its float's last
    digit (``0.5471510003189906``). The page's script rounds the same way (``page.js``)."""
    text = f"{value:.{digits}g}"
    return f"{float(text):.0f}" if "e+" in text else text


def _fmt(
    quantity: str, value: float | None, *, over: float | None = None, exact: bool = False
) -> str:
    """A measured ``value`` of ``quantity`` with its unit, rounded (:func:`significant`); over
    a bound ``over``, with as many more digits as show it over; ``exact``: a bound as given."""
    if value is None:
        return "unknown"
    if quantity == "params":
        return f"{value / 1e6:.2f}M" if value >= 1e6 else f"{value / 1e3:.1f}k"
    unit = "ms" if quantity == "latency_ms" else "MB"
    if exact:
        return f"{value:g} {unit}"
    digits = 3
    while (
        over is not None
        and value > over
        and digits < 17
        and float(significant(value, digits)) <= over
    ):
        digits += 1
    return f"{significant(value, digits)} {unit}"


def _num(value: float) -> str:
    return str(value) if isinstance(value, int) else f"{value:g}"


def _violations(c: Candidate, budget: Budget) -> list[str]:
    reasons = []
    for limit, quantity, _flag, noun, _best, bound in budget.limits():
        value = getattr(c, quantity)
        if value is None:
            reasons.append(f"{noun} not measured ({limit}={_num(bound)})")
        elif value > bound:
            reasons.append(f"{noun} {_fmt(quantity, value, over=bound)} > {limit}={_num(bound)}")
    return reasons


def _no_fit_message(on_device: Sequence[Candidate], budget: Budget) -> str:
    limits = budget.limits()
    head = ", ".join(f"{limit}={_num(bound)}" for limit, *_, bound in limits)
    hints = []
    for limit, quantity, flag, noun, best, bound in limits:
        known = [c for c in on_device if getattr(c, quantity) is not None]
        if not known:
            hints.append(
                f"no {budget.device} result has {noun} measured — measure it or drop {flag}"
            )
            continue
        top = min(known, key=attrgetter(quantity))
        value = getattr(top, quantity)
        unit = " params" if quantity == "params" else ""
        hint = f"{best} is {top.label} at {_fmt(quantity, value, over=bound)}{unit}"
        hints.append(f"{hint} — raise {flag}" if value > bound else f"{hint} (within {limit})")
    return f"no model meets {head} on {budget.device}; " + "; ".join(hints)


def _rank_key(c: Candidate) -> tuple[float, float, int]:
    latency = math.inf if c.latency_ms is None else c.latency_ms
    return (-c.macro_f1, latency, c.params)


def _cost_key(c: Candidate) -> tuple[float, int, float]:
    latency = math.inf if c.latency_ms is None else c.latency_ms
    return (latency, c.params, -c.macro_f1)


def _holm(pvalues: dict[str, float]) -> dict[str, float]:
    """Holm-adjusted p-values (labels kept); the same rule as
    :func:`emobench_core.metrics.ranking.holm`."""
    order = sorted(pvalues, key=lambda k: (pvalues[k], k))
    out, running, m = {}, 0.0, len(order)
    for i, k in enumerate(order):
        running = max(running, min(1.0, (m - i) * pvalues[k]))
        out[k] = running
    return out


def recommend(
    candidates: Sequence[Candidate],
    budget: Budget,
    *,
    pvalue: PValue | None = None,
    rank_by: str = "cost",
) -> Recommendation:
    """The recommended candidate on ``budget.device`` among those meeting every limit.

    A latency or memory limit excludes candidates whose latency or memory was not measured
    (recorded in ``excluded``). With ``pvalue`` (the architecture test between two labels),
    the candidates not significantly below the best mean macro-F1 (Holm over the comparisons
    with it, :data:`ALPHA`) form the tied set, and ``rank_by="cost"`` picks its cheapest (lower
    latency, then fewer parameters); ``rank_by="mean"``, or no ``pvalue``, picks the highest
    mean (ties to lower latency, then fewer parameters). The runner-up is the next in the same
    order: the tied set by cost, then the rest by mean.

    Raises:
        BudgetError: No candidates; none measured on the device; or none within the limits
            (the message names the closest candidate for each limit and the flag to relax).
        ValueError: ``rank_by`` is not one of :data:`RANK_BY`.
    """
    if rank_by not in RANK_BY:
        raise ValueError(f"`rank_by` ({rank_by!r}) must be one of: {', '.join(RANK_BY)}")
    if not candidates:
        raise BudgetError(
            "no results to choose from: the candidate list is empty; pass a "
            "results file from `emobench run`"
        )
    on_device = [c for c in candidates if c.device == budget.device]
    if not on_device:
        found = sorted({c.device for c in candidates})
        raise BudgetError(
            f"no results on {budget.device} (results exist for: "
            f"{', '.join(found)}); pass --device {found[0]} or run "
            f"`emobench run --device {budget.device}`"
        )
    labels = [c.label for c in on_device]
    dupes = sorted({x for x in labels if labels.count(x) > 1})
    if dupes:
        raise BudgetError(
            f"several {budget.device} results for {dupes}; keep one result per model and init"
        )
    excluded: dict[str, str] = {}
    fits = []
    for c in on_device:
        reasons = _violations(c, budget)
        if reasons:
            excluded[c.label] = "; ".join(reasons)
        else:
            fits.append(c)
    if not fits:
        raise BudgetError(_no_fit_message(on_device, budget))
    ranked = sorted(fits, key=_rank_key)
    top = ranked[0]
    holm: dict[str, float] = {}
    tied: list[Candidate] = [top]
    if pvalue is not None:
        raw = {c.label: pvalue(top.label, c.label) for c in ranked[1:]}
        holm = _holm({k: v for k, v in raw.items() if v is not None})
        tied += [c for c in ranked[1:] if holm.get(c.label, 0.0) >= ALPHA]
    if rank_by == "cost" and pvalue is not None:
        order = sorted(tied, key=_cost_key) + [c for c in ranked if c not in tied]
    else:
        order = ranked
    runner_up = order[1] if len(order) > 1 else None
    return Recommendation(
        order[0],
        runner_up,
        len(on_device),
        excluded,
        rank_by if pvalue is not None else "mean",
        top if pvalue is not None else None,
        tuple(c.label for c in tied) if pvalue is not None else (),
        holm,
    )


def _summary(c: Candidate) -> str:
    return (
        f"{c.label}: macro-F1 {c.macro_f1:.3f}, accuracy {c.accuracy:.3f}, latency "
        f"{_fmt('latency_ms', c.latency_ms)}, {_fmt('params', c.params)} params, peak "
        f"memory {_fmt('peak_memory_mb', c.peak_memory_mb)}"
    )


def _p(value: float) -> str:
    return "< 0.001" if value < 0.001 else f"{value:.3f}"


def _quality(rec: Recommendation, alt: Candidate, gap: float) -> str:
    """The mean macro-F1 gap from the recommendation to ``alt`` (points), with its test."""
    if not rec.tied:  # no tests: the mean rule
        return f"gives up {gap:.1f} macro-F1 points" if gap > 0 else "loses no mean macro-F1"
    top = rec.top.label if rec.top is not None else rec.best.label
    other = alt.label if rec.best.label == top else rec.best.label if alt.label == top else None
    adjusted = None if other is None else rec.holm.get(other)
    size = f"{abs(gap):.1f} macro-F1 points {'lower' if gap > 0 else 'higher'} on the mean"
    if adjusted is None:
        return f"is {size} (the two were not tested against each other)"
    if adjusted < ALPHA:
        if gap > 0:
            return f"gives up {gap:.1f} macro-F1 points (significant, Holm p {_p(adjusted)})"
        return f"is {size} (significant, Holm p {_p(adjusted)})"
    return f"is {size}, a gap the test does not separate from noise (Holm p {_p(adjusted)})"


def _trade(rec: Recommendation, alt: Candidate) -> str:
    """What choosing ``alt`` over the recommendation costs and gains, in words; a gap in mean
    macro-F1 that the test does not find is never called a cost."""
    best = rec.best
    gap = 100 * (best.macro_f1 - alt.macro_f1)
    gains = []
    for quantity, word in (
        ("latency_ms", "lower latency"),
        ("params", "fewer parameters"),
        ("peak_memory_mb", "less memory"),
    ):
        b, a = getattr(best, quantity), getattr(alt, quantity)
        if a is not None and b is not None and 0 < a < b:
            gains.append(f"{b / a:.1f}x {word}")
    quality = _quality(rec, alt, gap)
    if not gains:
        return f"{quality} and gains nothing measured"
    listed = ", ".join(gains[:-1]) + " and " + gains[-1] if len(gains) > 1 else gains[0]
    return f"{quality}; it has {listed}" if rec.tied else f"{quality} for {listed}"


def rule_text(rec: Recommendation) -> str:
    """Which rule chose, in one sentence."""
    if not rec.tied:
        return (
            "Rule: highest mean macro-F1, ties to lower latency, then fewer parameters (no "
            "tests given: every gap in the mean counts)."
        )
    family = f"Holm over {len(rec.holm)} comparison(s) with the best mean, α {ALPHA}"
    tied = ", ".join(rec.tied)
    if rec.rank_by == "mean":
        return (
            "Rule: highest mean macro-F1 (--rank-by mean); not significantly below it "
            f"(architecture test, seeds as the unit, {family}): {tied}."
        )
    return (
        "Rule: the cheapest (lower latency, then fewer parameters) of the rows not "
        f"significantly below the best mean macro-F1 (architecture test, seeds as the unit, "
        f"{family}): {tied}."
    )


def format_recommendation(rec: Recommendation, budget: Budget) -> str:
    """A few lines for the terminal: the choice, the rule, the alternative and the trade."""
    lines = [
        f"Budget: {budget.describe()}",
        f"Recommended — {_summary(rec.best)}",
        rule_text(rec),
    ]
    if rec.runner_up is not None:
        lines.append(f"Runner-up — {_summary(rec.runner_up)}")
        lines.append(f"  {rec.runner_up.label} {_trade(rec, rec.runner_up)}.")
    lines.append(
        f"Considered {rec.considered} model(s) on {budget.device}; {len(rec.excluded)} over budget."
    )
    lines += [f"  excluded {label}: {why}" for label, why in rec.excluded.items()]
    return "\n".join(lines)
