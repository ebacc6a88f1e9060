"""The data section that opens RESULTS.md's study, and its line in the per-emotion section.

Rendered from a saved :class:`~emobench_core.schema.data_report.DataReport` (``emobench data``'s
``data-report.json``), never from the data itself: class counts and shares per split with their
bar chart, text lengths and the share truncated at the recipe's ``max_length``, informal-language
markers, duplicates, label conflicts and split overlap, and what the overlap can do to a test
score. Formatting only; the numbers are the report's. The class chart (:func:`plot_class_shares`)
and the quality tables (:func:`quality_lines`) are drawn the same way in ``emobench data``'s own
report (:mod:`~emobench_core.report.data_report`).

    emobench data --output results/data
    emobench report bench.json --results runs/ --data-report results/data/data-report.json
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import numpy as np

from emobench_core.report.figures import new_figure, save_png
from emobench_core.report.tables import table
from emobench_core.schema.data_report import DataQuality, DataReport
from emobench_core.study.emotions import most_conflicted
from emobench_core.study.records import Study

FIGURE = "data_class_distribution"
"""Key of the class-distribution chart in the report's figures."""
_STATS = ("mean", "p50", "p90", "p99", "max")


def _classes(r: DataReport) -> str:
    rows = []
    for label in (*r.labels, "total"):
        row: list[str] = [label]
        for counts in r.classes.values():
            total = sum(counts.values())
            n = total if label == "total" else counts[label]
            row += [f"{n:,}", f"{100 * n / total:.1f}"]
        rows.append(row)
    heads = ["label", *(f"{s} {u}" for s in r.classes for u in ("n", "%"))]
    return table(heads, rows)


def _lengths(r: DataReport) -> str:
    rows = [
        [
            split,
            f"{r.words[split]['mean']:.1f}",
            *(f"{r.tokens[split][k]:.1f}" for k in _STATS),
            f"{100 * r.tokens[split]['truncated']:.2f}",
        ]
        for split in r.tokens
    ]
    heads = ["split", "words: mean", *(f"tokens: {k}" for k in _STATS)]
    return table([*heads, f"% > {r.max_length} tokens"], rows)


def _informal(r: DataReport) -> str:
    features = list(next(iter(r.informal.values())))
    rows = [[f, *(f"{100 * r.informal[s][f]:.2f}" for s in r.informal)] for f in features]
    return table(["feature", *r.informal], rows)


def _conflicts(r: DataReport) -> str:
    rows = [
        [c.label, f"{c.rows:,}", c.conflict_texts, c.conflict_rows, f"{100 * c.share:.2f}"]
        for c in r.quality.by_label
    ]
    return table(["label", "rows", "conflicting texts", "their rows", "% of the class"], rows)


def _bound(r: DataReport) -> list[str]:
    o = r.quality.overlap("test")
    if o is None:
        return []
    if o.rows == 0:
        return ["No test text occurs in training: no test point rests on a text seen there."]
    points = 100 * o.share
    differ = f"all {o.rows}" if o.label_differs == o.rows else f"{o.label_differs} of them"
    return [
        f"**What the overlap means for the test score.** {o.rows} of the {o.split_rows:,} test "
        f"texts ({points:.2f}%) also occur in training, {differ} with a different label there. "
        "Those are the only test points a model could get right or wrong by recalling a "
        "training copy, so at most "
        f"{o.rows} predictions, {points:.2f} accuracy points of any score below, can swing on "
        "texts seen in training; a model that reproduced the training label would lose "
        f"{o.label_differs} of them ({100 * o.label_differs / o.split_rows:.2f} points). "
        "A difference between two models smaller than that could come from those texts alone.",
    ]


def data_section(label: str, r: DataReport, st: Study | None, figs: Mapping[str, str]) -> list[str]:
    """The "Data" section from the report in file ``label`` (``st``: the study, to check that
    its runs used the same data and ``max_length``)."""
    filters = ", ".join(r.filters) or "none (the published splits)"
    check = []
    if st is not None and st.fingerprints and r.fingerprint not in st.fingerprints:
        check.append(
            "**This data report is not of the data the results below were measured on** "
            "(another fingerprint); re-run `emobench data` on their data."
        )
    recipe_len = None if st is None else st.recipe.get("max_length")
    at = (
        f"the recipe's max_length ({r.max_length})"
        if recipe_len in (None, r.max_length)
        else f"max_length {r.max_length} (the recipe of the results uses {recipe_len})"
    )
    train_cut = 100 * r.tokens["train"]["truncated"] if "train" in r.tokens else 0.0
    return [
        "## Data",
        "",
        f"From `{label}` (written by `emobench data`): source {r.source}, fingerprint "
        f"`{r.fingerprint}`, filters: {filters}; rows "
        + ", ".join(f"{s} {n:,}" for s, n in r.rows.items())
        + ".",
        *(["", *check] if check else []),
        "",
        "### Classes",
        "",
        _classes(r),
        "",
        f"![class distribution per split]({figs[FIGURE]})",
        "",
        "### Text length",
        "",
        f"Words (whitespace-separated) and WordPiece tokens of `{r.tokenizer}` incl. "
        f"[CLS]/[SEP]; the last column is the share truncated at {at}: "
        f"{train_cut:.2f}% of training texts.",
        "",
        _lengths(r),
        "",
        "### Informal language",
        "",
        "Share of texts (%) with at least one:",
        "",
        _informal(r),
        "",
        "### Duplicates, label conflicts and overlap between splits",
        "",
        *quality_lines(r.quality),
        "",
        *_bound(r),
        "",
        "Rows per class whose text carries another label somewhere (any split, exact match):",
        "",
        _conflicts(r),
    ]


def emotion_note(st: Study, r: DataReport) -> list[str]:
    """One sentence for the per-emotion section: are the two hardest emotions (lowest mean F1)
    the two whose rows most often sit in a text with conflicting labels?"""
    hardest = [e for e, _ in st.hardest[:2]]
    ranked = most_conflicted(r.quality.by_label, [e for e, _ in st.hardest])
    if len(ranked) < 2 or len(hardest) < 2:
        return []
    top = [c.label for c in ranked[:2]]
    shared = [e for e in hardest if e in top]
    shares = ", ".join(f"{c.label} {100 * c.share:.2f}%" for c in ranked)
    most = "the two with the largest share of rows in texts whose copies carry another label"
    lead = f"Label conflicts (data report): the hardest {st.class_nouns}, {' and '.join(hardest)}"
    if len(shared) == 2:
        return [f"{lead}, are also {most} ({shares})."]
    if shared:
        return [f"{lead}: only {shared[0]} is one of {most}, {' and '.join(top)} ({shares})."]
    return [f"{lead}, are not {most}; those are {' and '.join(top)} ({shares})."]


def quality_lines(q: DataQuality) -> list[str]:
    """Markdown of ``q``: the normalisations, the per-split and cross-split tables, examples
    (the same in ``data.md`` and in RESULTS.md)."""

    def pct(n: int, total: int) -> str:
        return f"{n} ({100 * n / total:.2f}%)" if total else str(n)

    within = [
        [
            s.split,
            f"{s.rows:,}",
            s.duplicate_texts,
            pct(s.duplicate_rows, s.rows),
            s.conflict_texts,
            pct(s.conflict_rows, s.rows),
            s.near_texts,
            pct(s.near_rows, s.rows),
        ]
        for s in q.splits
    ]
    across = [
        [
            f"{o.split} in {o.other}",
            pct(o.rows, o.split_rows),
            o.texts,
            o.label_differs,
            pct(o.near_rows, o.split_rows),
        ]
        for o in q.overlaps
    ]
    examples = [[e.kind, e.split, f"`{e.text}`", e.labels] for e in q.examples]
    return [
        f"Exact match: {q.exact}. Near match: {q.near}; a near-duplicate counts only what the "
        "looser key adds to the exact duplicates.",
        "",
        "Within each split (texts: distinct texts; rows: their rows, share of the split):",
        "",
        table(
            [
                "split",
                "rows",
                "duplicated texts",
                "their rows",
                "conflicting texts",
                "their rows",
                "near-dup. texts",
                "their rows",
            ],
            within,
        ),
        "",
        "Across splits (rows of the first split whose text occurs in the second; label differs: "
        "its label is none of the text's labels there):",
        "",
        table(["overlap", "rows", "texts", "label differs", "near only: rows"], across),
        "",
        "Examples (texts cut at 60 characters):",
        "",
        table(["kind", "split", "text", "labels"], examples) if examples else "None.",
    ]


def plot_class_shares(classes: Mapping[str, Mapping[str, int]], path: Path) -> None:
    """Grouped bars: the share of each class within each split (splits differ in size).

    Args:
        classes: Split -> label -> rows, labels in the same (label-id) order in every split.
        path: The PNG to write.
    """
    splits = list(classes)
    labels = list(next(iter(classes.values())))
    fig = new_figure(8, 4)
    ax = fig.add_subplot()
    width = 0.8 / max(len(splits), 1)
    x = np.arange(len(labels))
    for i, split in enumerate(splits):
        total = sum(classes[split].values()) or 1
        shares = [100 * classes[split][label] / total for label in labels]
        ax.bar(x + (i - (len(splits) - 1) / 2) * width, shares, width, label=split)
    ax.set_xticks(x, labels)
    ax.set_ylabel("% of split")
    ax.set_title("Class distribution per split")
    ax.legend()
    save_png(fig, path)
