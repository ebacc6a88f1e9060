"""The bench session's state: the profile's :class:`~emobench_core.scenarios.benchmark.Benchmark`
(its data, its checkpoint cache), one result per (case, seed), each computed on first use
through the same entry as ``emobench run``; and the thresholds file the quality cases assert.

    pytest bench/ --emobench-profile cpu --benchmark-json out.json
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest

from emobench_core.errors import RegistryError, ThresholdsError
from emobench_core.models.registry import REGISTRY, get_spec
from emobench_core.plugin.profiles import PROFILES, Case, Profile
from emobench_core.scenarios.benchmark import Benchmark
from emobench_core.schema.run import RunResult


def load_thresholds(path: Path) -> dict[str, dict[str, dict[str, float]]]:
    """``{profile: {case_id: {"accuracy": x, "macro_f1": y}}}`` from a TOML file, validated."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise ThresholdsError(f"no thresholds file at {path}; pass --emobench-thresholds") from exc
    except tomllib.TOMLDecodeError as exc:
        raise ThresholdsError(f"{path} is not valid TOML: {exc}") from exc
    for profile, cases in data.items():
        if profile not in PROFILES:
            raise ThresholdsError(
                f"{path}: unknown profile [{profile}]; profiles are {', '.join(PROFILES)}"
            )
        for case_id, limits in cases.items():
            model = case_id.split("@")[0]
            if model not in REGISTRY:
                try:
                    get_spec(model)
                except RegistryError as exc:
                    raise ThresholdsError(f"{path}: [{profile}.{case_id}]: {exc}") from exc
            bad = sorted(set(limits) - {"accuracy", "macro_f1"})
            if bad:
                raise ThresholdsError(
                    f"{path}: [{profile}.{case_id}] has unknown key(s) {bad};"
                    " allowed: accuracy, macro_f1"
                )
    return data


@dataclass
class BenchRunner:
    """Session state: the benchmark (data, cache) and one result per (case, seed), computed on
    first use.

    The pipeline and the data loader are imported in the methods that use them: the plugin is
    loaded by every pytest run on the machine (entry point), and most never train a model."""

    profile: Profile
    seeds: tuple[int, ...]
    bench: Benchmark
    results_dir: Path
    thresholds: dict[str, dict[str, float]]
    baseline_dirs: tuple[str, ...] = ()
    """Stored baselines' results folders (one per precision): quality cases also gate against
    the runs of their own precision."""
    gated: tuple[tuple[Case, int], ...] = ()
    """The session's selected quality cases: what the gate compares with the baseline."""
    _gate: Any = None
    _results: dict[tuple[str, int], RunResult] = field(default_factory=dict)
    _errors: dict[tuple[str, int], BaseException] = field(default_factory=dict)

    @property
    def cache(self) -> Any:
        """The session's checkpoint cache."""
        return self.bench.cache

    def data(self) -> Any:
        """The session's data (:class:`~emobench_core.data.dataset.Dataset`), loaded once."""
        return self.bench.data

    def init_for(self, case: Case) -> str:
        return self.bench.init_of(case)

    def result(self, case: Case, seed: int) -> RunResult:
        """The fine-tuned, evaluated and measured result for ``case`` and ``seed``."""
        key = (case.id, seed)
        if key in self._errors:
            raise self._errors[key]
        if key not in self._results:
            if self.profile.device == "cuda":
                import torch

                if not torch.cuda.is_available():
                    pytest.skip(f"profile {self.profile.name} needs CUDA; none is available")
            try:
                res = self.bench.run(case, seed)
            except RegistryError as exc:
                self._errors[key] = pytest.skip.Exception(f"{case.id}: {exc}")
                raise self._errors[key] from exc
            res = dataclasses.replace(
                res, tags={**res.tags, "profile": self.profile.name, "case": case.id}
            )
            res.save(self.results_dir)
            self._results[key] = res
        return self._results[key]

    def forward(self, case: Case, seed: int, batch_size: int) -> Any:
        """The fine-tuned model's forward call on pre-tokenized test batches of ``batch_size``."""
        from emobench_core.scenarios.run import load_forward

        result = self.result(case, seed)
        entry = self.cache.entry(result.environment["cache_entry"])
        call = load_forward(
            entry,
            get_spec(case.model),
            list(self.data()["test"]["text"]),
            batch_size,
            int(result.recipe["max_length"]),
            self.profile.device,
        )
        if self.profile.device == "cuda":
            import torch

            def synced(i: int = 0) -> Any:
                out = call(i)
                torch.cuda.synchronize()
                return out

            return synced
        return lambda: call(0)

    @property
    def baseline_text(self) -> str:
        return " / ".join(self.baseline_dirs)

    def gate(self, case: Case, seed: int) -> str | None:
        """Why ``case``'s row regressed against the baseline (``None``: it did not, or no
        baseline was asked for). The verdict is ``emobench compare``'s on the session's
        selected quality cases: every seed of a row tested together, Holm over all tests."""
        from emobench_core.schema.run import load_results
        from emobench_core.study.gate import GateSettings, compare_runs, row_label, same_precision

        if not self.baseline_dirs:
            return None
        result = self.result(case, seed)
        if self._gate is None:
            mine = [result]
            for c, s in self.gated:
                if (c.id, s) != (case.id, seed):
                    try:
                        mine.append(self.result(c, s))
                    except pytest.skip.Exception:  # a case that cannot run is not gated
                        continue
            keys = {(r.model.name, r.model.init, r.seed) for r in mine}
            stored = [r for folder in self.baseline_dirs for r in load_results(folder)]
            # each run's baseline: the first folder's run of its row and seed in its precision
            base = [found[0] for r in mine if (found := same_precision(stored, r))]
            self._gate = (keys - {(r.model.name, r.model.init, r.seed) for r in base}, None)
            if base:
                self._gate = (self._gate[0], compare_runs(base, mine, GateSettings()))
        absent, report = self._gate
        if (result.model.name, result.model.init, seed) in absent:
            return (
                f"{result.label} seed {seed}: no run in {self.baseline_text} trained in "
                f"{getattr(result.training, 'precision', None) or 'its precision'}; refresh the "
                "baseline (docs/statistics-and-gate.md, 'Regression gate')"
            )
        row = row_label(result)
        bad = [q for q in report.quality if q.row == row and q.regressed]
        bad_costs = [c for c in report.costs if c.row == row and c.regressed]
        lines = [
            f"{q.metric} {q.baseline:.4f} -> {q.candidate:.4f} ({q.change_pts:+.2f} points "
            f"[{100 * q.low:+.2f}, {100 * q.high:+.2f}], {q.test}, p {q.pvalue:.2g}, "
            f"Holm-adjusted {q.pvalue_holm:.2g} < {report.settings.alpha:.2g})"
            for q in bad
        ] + [f"{c.what} {c.baseline:,.0f} -> {c.candidate:,.0f}" for c in bad_costs]
        if not lines:
            return None
        seeds = ", ".join(str(s) for s in (bad[0].seeds if bad else (seed,)))
        notes = "".join(f" Note: {n}." for n in report.notes if n.startswith(f"{row}: "))
        return (
            f"{row} (seeds {seeds}) regressed against {self.baseline_text}: "
            + "; ".join(lines)
            + notes
        )

    def claim(self, case: Case, reference: Case) -> str | None:
        """Why ``case`` contradicts its claim against ``reference`` (see
        :func:`~emobench_core.plugin.profiles.claims`), or ``None``."""
        from emobench_core.study.gate import not_worse

        if self.init_for(case) != self.init_for(reference) and case.teacher:
            pytest.skip(f"{case.id}: its student and {reference.id} have different inits here")
        seeds = [s for s in self.bench.seeds_of(case) if s in self.bench.seeds_of(reference)]
        own = [self.result(case, s) for s in seeds]
        ref = [self.result(reference, s) for s in seeds]
        checks = not_worse(f"{case.id} vs {reference.id}", ref, own)
        bad = [q for q in checks if q.regressed]
        if not bad:
            return None
        return f"{case.id} is significantly worse than {reference.id}: " + "; ".join(
            f"{q.metric} {q.change_pts:+.2f} points [{100 * q.low:+.2f}, {100 * q.high:+.2f}], "
            f"{q.test}, Holm p {q.pvalue_holm:.2g}"
            for q in bad
        )

    def results_path(self, case: Case, seed: int) -> Path:
        return self.results_dir / f"{self.result(case, seed).run_id}.json"

    def threshold(self, case: Case) -> dict[str, float]:
        if case.id not in self.thresholds:
            raise ThresholdsError(
                f"no threshold for {case.id!r} in profile {self.profile.name!r}; add "
                f'[{self.profile.name}."{case.id}"] with accuracy and macro_f1 to the '
                "thresholds file"
            )
        return self.thresholds[case.id]
