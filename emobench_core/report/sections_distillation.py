"""The Distillation section of RESULTS.md: each distilled student against the same student
trained without a teacher (gains with intervals and p-values, per emotion), and its difference
from the published pretrained row it aims at, with an interval, not a yes/no
(``emobench_core/report/anchors.toml``).

    emobench report results/gpu/bench.json --results results/gpu --output RESULTS.md
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from emobench_core.metrics.stats import Interval
from emobench_core.report.tables import p_value, table
from emobench_core.study.distillation import DistillationGain
from emobench_core.study.records import class_noun

KD_TARGETS = {"bert-tiny": "BERT-Tiny (L-2 H-128)"}
"""Student -> the published pretrained row (the anchors file) a distilled student aims at."""


def _gain(gain: Interval, std: float | None) -> str:
    spread = "" if std is None else f" ± {100 * std:.2f}"
    return f"{100 * gain.estimate:+.2f}{spread} [{100 * gain.low:+.2f}, {100 * gain.high:+.2f}]"


def _cost(g: DistillationGain) -> str:
    if g.teacher_train_s is None:
        return f"{g.train_s:.0f} + teacher not recorded"
    logits = "not recorded" if g.teacher_logits_s is None else f"{g.teacher_logits_s:.0f}"
    total = g.total_train_s or 0.0
    return f"{g.train_s:.0f} + {g.teacher_train_s:.0f} + {logits} = {total:.0f}"


def distillation(
    gains: Sequence[DistillationGain], anchors: Sequence[Mapping[str, str]] | None
) -> list[str]:
    """The "Distillation" section; nothing without a distilled row."""
    if not gains:
        return []
    rows = [
        [
            g.label,
            g.init,
            g.device,
            f"{g.alpha:g} / {g.temperature:g}",
            len(g.seeds),
            f"{g.accuracy:.4f} vs {g.accuracy_base:.4f}",
            _gain(g.gain_accuracy, g.gain_accuracy_std),
            f"{p_value(g.pvalue_accuracy)} ({p_value(g.pvalue_accuracy_holm)})",
            f"{g.macro_f1:.4f} vs {g.macro_f1_base:.4f}",
            _gain(g.gain_macro_f1, g.gain_macro_f1_std),
            f"{p_value(g.pvalue_macro_f1)} ({p_value(g.pvalue_macro_f1_holm)})",
            _cost(g),
        ]
        for g in gains
    ]
    labels = tuple(gains[0].per_class_gain)
    per_class = [[g.label, *(f"{100 * g.per_class_gain[e]:+.1f}" for e in labels)] for g in gains]
    out = [
        "## Distillation",
        "",
        "Each distilled student (loss α·CE + (1−α)·T²·KL to the teacher's softened predictions; "
        "teacher fine-tuned under the same recipe, with the seed each row records as "
        "`distillation.teacher_seed`) against the same student trained "
        "without a teacher, on the same seeds. Gains in points: seed mean ± std over seeds "
        "(ddof 1), [95% interval over seeds and test examples: "
        f"{gains[0].gain_macro_f1.method}; {gains[0].n_resamples:,} resamples of the test "
        "examples]; p: two-sided t test of the seed-mean gain, seeds as the unit (the "
        f"interval's), Holm-adjusted over the {len(gains)} distilled row(s) in brackets. "
        "Training cost: the student's own seconds + the teacher's fine-tuning + its logits on "
        "the training split (mean over seeds); the teacher is shared by every student it taught.",
        "",
        table(
            [
                "distilled row",
                "init",
                "device",
                "α / T",
                "seeds",
                "accuracy (KD vs no KD)",
                "Δ accuracy",
                "p (Holm)",
                "macro-F1 (KD vs no KD)",
                "Δ macro-F1",
                "p (Holm)",
                "train s: student + teacher + logits",
            ],
            rows,
        ),
        "",
        f"Per-{class_noun(labels)} F1 gain from distillation (points, mean over seeds):",
        "",
        table(["distilled row", *labels], per_class),
        "",
    ]
    published = {a["model"]: a for a in anchors or []}
    for g in gains:
        target = published.get(KD_TARGETS.get(g.student, ""))
        if target is None:
            continue
        acc, f1 = float(target["accuracy"]), float(target["macro_f1"])

        def versus(ours: float, iv: Interval | None, published: float) -> str:
            d = 100 * (ours - published)
            if iv is None:
                return f"{d:+.2f}"
            return (
                f"{d:+.2f} [{100 * (iv.low - published):+.2f}, {100 * (iv.high - published):+.2f}]"
            )

        out += [
            f"Against the published pretrained {target['model']} (accuracy "
            f"{target['accuracy']}, macro-F1 {target['macro_f1']}, {target['source']}), "
            f"{g.label} ({len(g.seeds)}-seed mean: accuracy {g.accuracy:.4f}, macro-F1 "
            f"{g.macro_f1:.4f}) differs by {versus(g.accuracy, g.accuracy_ci, acc)} accuracy "
            f"points and {versus(g.macro_f1, g.macro_f1_ci, f1)} macro-F1 points (ours minus "
            "published, [95% interval of our seed mean, seeds as the unit]; the published "
            "figure is taken as exact, though its own seed and test noise are not known).",
            "",
        ]
    return out
