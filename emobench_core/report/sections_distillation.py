"""The Distillation section of RESULTS.md: each distilled student against the same student
trained without a teacher (gains with intervals and p-values, per emotion), and whether it
reached the published pretrained row it aims at (bench/anchors.toml).

    emobench report results/gpu/bench.json --results results/gpu --output RESULTS.md
"""

from __future__ import annotations

from collections.abc import Sequence

from emobench_core.report.tables import p_value, table
from emobench_core.study.distillation import DistillationGain

KD_TARGETS = {"bert-tiny": "BERT-Tiny (L-2 H-128)"}
"""Student -> the published pretrained row (bench/anchors.toml) a distilled student aims at."""


def distillation(
    gains: Sequence[DistillationGain], anchors: list[dict[str, str]] | None
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
            f"{100 * g.gain_accuracy.estimate:+.2f} ± {100 * g.gain_accuracy_std:.2f} "
            f"[{100 * g.gain_accuracy.low:+.2f}, {100 * g.gain_accuracy.high:+.2f}]",
            f"{g.macro_f1:.4f} vs {g.macro_f1_base:.4f}",
            f"{100 * g.gain_macro_f1.estimate:+.2f} ± {100 * g.gain_macro_f1_std:.2f} "
            f"[{100 * g.gain_macro_f1.low:+.2f}, {100 * g.gain_macro_f1.high:+.2f}]",
            p_value(g.pvalue_macro_f1),
            ", ".join(p_value(p) for p in g.mcnemar_pvalues),
        ]
        for g in gains
    ]
    labels = tuple(gains[0].per_class_gain)
    per_class = [[g.label, *(f"{100 * g.per_class_gain[e]:+.1f}" for e in labels)] for g in gains]
    out = [
        "## Distillation",
        "",
        "Each distilled student (loss α·CE + (1−α)·T²·KL to the teacher's softened predictions; "
        "teacher fine-tuned under the same recipe and seed) against the same student trained "
        "without a teacher, on the same seeds. Gains in points: seed mean ± std over seeds, "
        "[95% paired-bootstrap interval over test examples]; p: two-sided paired bootstrap of the "
        "macro-F1 gain; McNemar per seed on per-example correctness.",
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
                "macro-F1 (KD vs no KD)",
                "Δ macro-F1",
                "p",
                "McNemar p",
            ],
            rows,
        ),
        "",
        "Per-emotion F1 gain from distillation (points, mean over seeds):",
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
        reached = g.accuracy >= acc and g.macro_f1 >= f1
        out += [
            f"Target for {g.label}: the published pretrained {target['model']} "
            f"(accuracy {target['accuracy']}, macro-F1 {target['macro_f1']}, {target['source']}). "
            f"Reached here: {'yes' if reached else 'no'} "
            f"(accuracy {g.accuracy:.4f}, macro-F1 {g.macro_f1:.4f}, {len(g.seeds)}-seed mean; "
            f"short by {100 * max(0.0, acc - g.accuracy):.1f} and "
            f"{100 * max(0.0, f1 - g.macro_f1):.1f} points).",
            "",
        ]
    return out
