"""The sections of RESULTS.md about what was run and how the models rank: what was run (data,
seeds, recipe, initialisation), the leaderboard with its tiers, the CPU latency probe and the
pairwise significance tests. Formatting only; the numbers come from a computed
:class:`~emobench_core.study.records.Study`.

    emobench report bench.json --results runs/ --latency results/latency-cpu.json
"""

from __future__ import annotations

import json

from emobench_core.metrics.seeds import SeedEstimate
from emobench_core.metrics.stats import precision_note
from emobench_core.report.latency import TABLE_HEADERS, length_note, table_rows
from emobench_core.report.tables import cols, env_value, optional, p_value, score, table
from emobench_core.study.records import ALPHA, Study


def what_was_run(st: Study) -> list[str]:
    """The "What was run" section: profiles, devices, data, seeds, recipe, initialisation."""
    rows = ", ".join(f"{k} {v:,}" for k, v in st.rows.items())
    out = [
        "## What was run",
        "",
        f"- Profile(s): {', '.join(st.profiles) or 'not tagged (run outside `pytest bench/`)'}",
        f"- Devices: {', '.join(st.devices)}",
        f"- Dataset: {st.dataset}; {len(st.labels)} classes ("
        + (", ".join(st.labels_sources) or "not recorded")
        + f"): {', '.join(st.labels)}",
        f"- Data: {', '.join(st.data_sources)}; fingerprint(s) "
        + ", ".join(f"`{fp}`" for fp in st.fingerprints),
        *[f"- Validation split {v}" for v in st.validation if v != "split"],
        *([f"- Data filters: {', '.join(st.data_filters)}"] if st.data_filters else []),
        f"- Rows per split: {rows}",
        f"- Seeds: {', '.join(map(str, st.seeds))}",
        *[f"- Left out, superseded by a later run: `{r}`" for r in st.superseded],
        *[f"- Recipe differs: `{r}` has {k} = {v}" for r, k, v in st.recipe_differences],
        "",
        "Recipe (of the first run):",
        "",
        table(["field", "value"], [[k, json.dumps(v)] for k, v in st.recipe.items()]),
        "",
        *_recipe_choices(st),
        "### Initialisation",
        "",
        table(
            ["model", "init", "weights from", "description"],
            [[s.label, s.init, f"`{s.source}`", s.description] for s in st.summaries],
        ),
    ]
    by_init: dict[str, set[str]] = {}
    for s in st.summaries:
        by_init.setdefault(s.name, set()).add(s.init)
    fallback = sorted(n for n, inits in by_init.items() if inits == {"random"})
    both = sorted(n for n, inits in by_init.items() if {"random", "pretrained"} <= inits)
    row, rows = "that row is the same architecture", "those rows are the same architectures"
    if fallback:
        out += [
            "",
            f"Pretrained weights of {', '.join(fallback)} were out of reach offline, so "
            + (row if len(fallback) == 1 else rows)
            + " randomly initialised (bert-base-uncased vocabulary) and trained from scratch, "
            "which measures the architecture on this data, not the published checkpoints.",
        ]
    if both:
        out += ["", f"{', '.join(both)} ran both ways, to measure the effect of pretraining."]
    return out


def _recipe_choices(st: Study) -> list[str]:
    """Each transformer row's learning rate and epoch budget, and where each came from."""
    if not st.recipe_choices:
        return []
    return [
        "Learning rate and epoch budget of each transformer row, and where each came from "
        "(`option`: given explicitly; `registry (FILE)`: chosen on validation by `emobench "
        "tune`, committed in FILE; `shared default`: not tuned for this architecture here; "
        "`emobench tune --models NAME --init random` makes that choice where a machine can "
        "afford it, e.g. for BERT-Small and DistilBERT on a GPU):",
        "",
        table(
            ["model", "init", "learning rate", "from", "epochs", "from"],
            [list(c) for c in st.recipe_choices],
        ),
        "",
    ]


def leaderboard(st: Study) -> list[str]:
    """The "Leaderboard" section: one row per summary, best first, with its tier."""
    most = max(s.n_seeds for s in st.summaries)
    rows = [
        [
            f"{st.tier_of(s.label)}{' ‡' if s.failed else ''}",
            s.label,
            s.init,
            f"{s.n_seeds}{' †' if s.n_seeds < most else ''}",
            score(s.accuracy_mean, s.accuracy_std, s.accuracy_ci),
            score(s.macro_f1_mean, s.macro_f1_std, s.macro_f1_ci),
            f"{s.params_total / 1e6:.2f}",
            f"{s.latency_p50_ms:.3f}",
            f"{s.latency_p99_ms:.3f}",
            f"{s.throughput_b32:.1f}",
            f"{s.train_wall_s:.1f}",
            f"{s.peak_memory_mb:.0f}",
            *(
                [optional(s.cpu_latency_p50_ms, 3), optional(s.cpu_inference_mb, 1)]
                if st.latency is not None
                else []
            ),
            s.device,
        ]
        for s in st.summaries
    ]
    heads = ["tier", "model", "init", "seeds", "accuracy", "macro-F1", "params (M)"]
    heads += ["p50 b1 (ms)", "p99 b1 (ms)", "b32 (samples/s)", "train (s)", "peak mem (MiB)"]
    if st.latency is not None:
        heads += ["CPU p50 b1 (ms)", "CPU inference (MiB)"]
    out = ["## Leaderboard", "", table([*heads, "device"], rows), ""]
    if any(s.n_seeds < most for s in st.summaries):
        one = " (with one seed, no std)" if any(s.n_seeds == 1 for s in st.summaries) else ""
        out += [f"† Fewer seeds than the {most} of other rows: a less certain mean{one}.", ""]
    out += [f"‡ {s.failed_note()}.\n" for s in st.summaries if s.failed]
    best = st.summaries[0]
    methods = sorted({s.macro_f1_ci.method for s in st.summaries})
    return out + [
        f"Sorted by mean macro-F1. Scores are mean ± std over seeds (ddof 1) [95% interval of "
        f"the seed mean: {'; '.join(methods)}; cut to 0-1, a score's range, where it reaches "
        f"past it; {st.n_resamples:,} resamples of the "
        f"{best.n_test:,} test examples, the same for every seed]. Tiers: models not "
        f"significantly below their tier's leader on seed-mean macro-F1 (the architecture "
        f"test, seeds as the unit, Holm-adjusted, α {ALPHA}); a model in a lower tier may "
        "still not be "
        "distinguishable from a lower member of the tier above. Latency is the model call at "
        "batch 1 (tokenizer apart; median over seeds); peak memory is each model's own "
        "training peak (on CPU the RSS it added over what its process already held, the "
        "largest over seeds: a model trained after a larger one in the same process reuses "
        "the memory that one freed, so its figure is a lower bound; on CUDA the allocated "
        "peak)."
        + (
            ""
            if st.latency is None
            else " The CPU columns come from the CPU latency probe below (every "
            "architecture measured in one run on the machine it names, with random weights), "
            "joined by architecture: a distilled row takes its student's; — marks a row "
            "without a probe entry."
        ),
        "",
        precision_note(best.n_test, p=round(best.accuracy_mean, 2)),
    ]


def cpu_probe(st: Study) -> list[str]:
    """The CPU latency probe's section; nothing without a probe."""
    lat = st.latency
    if lat is None:
        return []
    env, rule = lat.environment, lat.rule
    load = env.get("load_average_1m")
    by_weights: dict[str, list[str]] = {}
    for name, m in lat.models.items():
        by_weights.setdefault(m.weights, []).append(name)
    weights = "; ".join(f"{', '.join(names)}: {w}" for w, names in by_weights.items())
    memory = (
        "Inference memory is the peak RSS of a fresh process that loaded the model and ran "
        "these measurements, minus its RSS before loading it (libraries imported, torch started)."
        if lat.isolated
        else "All models were measured in one process (`--in-process`), so the inference memory "
        "figures are only lower bounds; they are left out of the fronts and recommendations."
    )
    return [
        "## CPU latency and memory (one machine, one run)",
        "",
        f"Measured by `emobench latency` on {env_value(env.get('cpu_model'))} "
        f"({env_value(env.get('cpu_count'))} CPUs) with {lat.threads} torch thread(s); Python "
        f"{env_value(env.get('python'))}, torch {env_value(env.get('torch'))}, transformers "
        f"{env_value(env.get('transformers'))}, commit {env_value(env.get('git_commit'))}"
        + ("" if load is None else f", 1-minute load average {load:.2f} at the start")
        + f". Weights: {weights}.",
        "",
        f"Rule for each batch-1 figure: {rule['warmup']} warm-up calls, then at least "
        f"{rule['min_iters']} timed calls and {rule['min_seconds']:g} s of timed work. Latency is "
        "the model call on tokenized input (max length "
        f"{lat.max_length}; the tokenizer, or the TF-IDF vectorizer, timed apart) over the first "
        f"64 test tweets; {length_note(lat)}; b32 is samples per second at batch 32 (median "
        f"batch time). {memory}",
        "",
        table(TABLE_HEADERS, table_rows(lat)),
    ]


def _seeds(seeds_a: tuple[int, ...], seeds_b: tuple[int, ...]) -> str:
    a, b = ",".join(map(str, seeds_a)), ",".join(map(str, seeds_b))
    return a if a == b else f"{a} / {b}"


def _arch(e: SeedEstimate | None, holm_p: float, digits: int = 4) -> list[str]:
    if e is None:
        return ["not comparable", "", ""]
    iv = e.interval()
    df = "∞" if e.df == float("inf") else f"{e.df:.1f}"
    return [
        f"{e.estimate:+.{digits}f} [{iv.low:+.{digits}f}, {iv.high:+.{digits}f}] (df {df})",
        p_value(e.pvalue),
        p_value(holm_p),
    ]


def significance(st: Study) -> list[str]:
    """The "Significance" section: the architecture tests (seeds as the unit), the paired tests
    of the trained networks, and the seeds a claim would need."""
    arch = [
        [
            c.a,
            c.b,
            _seeds(c.seeds_a, c.seeds_b),
            *_arch(c.architecture, c.architecture_holm),
            "—" if c.architecture is None else f"{c.architecture.seed_share:.0%}",
            *_arch(c.architecture_accuracy, c.architecture_accuracy_holm),
        ]
        for c in st.comparisons
    ]
    rows = []
    for c in st.comparisons:
        b = c.paired
        if b is None:
            rows.append([c.a, c.b, "", "different test sets", "", "", "", "", ""])
            continue
        acc = (
            f"McNemar exact, b/c {c.mcnemar.b}/{c.mcnemar.c}"
            if c.mcnemar is not None
            else f"paired bootstrap, Δ {c.accuracy_paired.diff:+.4f}"
            if c.accuracy_paired is not None
            else "—"
        )
        rows.append(
            [
                c.a,
                c.b,
                _seeds(c.seeds_a, c.seeds_b),
                acc,
                p_value(c.accuracy_pvalue),
                p_value(c.mcnemar_holm),
                f"{b.diff:+.4f} [{b.low:+.4f}, {b.high:+.4f}]",
                p_value(b.pvalue),
                p_value(c.paired_holm),
            ]
        )
    arch_heads = cols(
        "A | B | seeds | ΔF1 A−B [95% CI] | p | Holm p | seeds' share of the variance | "
        "Δ accuracy A−B [95% CI] | p | Holm p"
    )
    heads = cols(
        "A | B | seeds | accuracy test | p | Holm p | ΔF1 A−B [95% CI] | bootstrap p | Holm p"
    )
    if not st.comparisons:
        return ["## Significance", "", "Only one model: nothing to compare."]
    return [
        "## Significance",
        "",
        "### Architectures (seeds as the unit)",
        "",
        "Does architecture A score higher than architecture B, whichever seeds are trained? The "
        "difference of seed means, with a variance that carries each row's between-seed spread "
        "and the test examples' bootstrap variance once (the seed × example part, which both "
        "hold, is removed from the seeds' part); t test on Welch–Satterthwaite degrees of "
        f"freedom ({st.n_resamples:,} resamples of the test examples, the same for every seed "
        "of every row). A row with one seed adds only its test-example variance: its seed "
        "variation is not covered. p-values Holm-adjusted over all pairs; the tiers, findings "
        "and recommendations use these. A pair that is not significant is not distinguishable "
        "with these seeds, which is not evidence that the two are equal.",
        "",
        table(arch_heads, arch),
        "",
        "### These trained networks (paired tests, seeds held fixed)",
        "",
        "Do these trained networks differ on test data like this? Accuracy: McNemar's exact "
        "test on per-example correctness where each row has one seed (b: A right, B wrong; c: "
        "the reverse), else the paired bootstrap of the seed-mean accuracy. Macro-F1: the paired "
        f"bootstrap of the difference in seed-mean macro-F1 ({st.n_resamples:,} resamples of "
        "the test examples, the same for every seed). Bootstrap p-values are (k + 1)/(R + 1) "
        "estimates, two-sided, so never 0. Both tests hold the trained seeds fixed: they say "
        "nothing about another draw of seeds, so they do not rank architectures. p-values are "
        "Holm-adjusted over all pairs within each test.",
        "",
        table(heads, rows),
        *seeds_needed_section(st),
    ]


def seeds_needed_section(st: Study) -> list[str]:
    """How many seeds per row 80% power would take, for each adjacent leaderboard pair."""
    if not st.plan:
        return []
    effect = st.plan[0].need.effect
    rows = [
        [
            p.a,
            p.b,
            f"{p.seeds_a} / {p.seeds_b}",
            f"{100 * p.observed:+.2f}",
            f"{p.need.power_now:.0%}",
            f"{100 * p.need.floor_se:.2f}",
            f"> {p.need.cap} (the test set's noise alone is too large)"
            if p.need.seeds is None
            else str(p.need.seeds),
        ]
        for p in st.plan
    ]
    heads = cols(
        "A | B | seeds now | observed ΔF1 (points) | power now | test-set SE left (points) | "
        "seeds per row for 80% power"
    )
    return [
        "",
        f"### Seeds a claim needs (difference of {100 * effect:g} macro-F1 points)",
        "",
        f"For each adjacent pair of the leaderboard: the seeds per row at which the "
        f"architecture test above (α {ALPHA}, two-sided) would detect a true macro-F1 "
        f"difference of {100 * effect:g} points with 80% power, given the spread observed "
        "(each row's per-seed variance shrinks with more seeds; the test set's own part, the "
        "standard error left with unlimited seeds, does not). A row with one seed keeps it. "
        "`emobench plan --results DIR --effect 0.5` prints this table for any effect.",
        "",
        table(heads, rows),
    ]
