"""Bench profiles: which models, inits, seeds and data size one ``pytest bench/`` run covers.

``init="auto"`` means pretrained weights where they can be had, else the same architecture
randomly initialised; every result records the init it actually used.

    pytest bench/ --emobench-profile cpu --benchmark-json out.json
"""

from __future__ import annotations

from dataclasses import dataclass

from emobench_core.config import RecipeRequest
from emobench_core.errors import RegistryError
from emobench_core.models.registry import get_spec
from emobench_core.scenarios.benchmark import AUTO, Case

__all__ = ["AUTO", "PROFILES", "Case", "Profile", "claims", "get_profile"]


FIVE = (42, 43, 44, 45, 46)
"""The seeds of a row that fine-tunes in under 10 minutes on a 2-core CPU."""


@dataclass(frozen=True)
class Profile:
    name: str
    description: str
    cases: tuple[Case, ...]
    recipe: RecipeRequest
    """What the profile asks of the recipe (each model's registry entry fills the rest)."""
    seeds: tuple[int, ...] = (42,)
    device: str = "cpu"

    def __post_init__(self) -> None:
        for case in self.cases:
            get_spec(case.model)
            if case.teacher:
                get_spec(case.teacher)
            if case.init not in (AUTO, "pretrained", "random"):
                raise RegistryError(
                    f"profile {self.name!r}: init {case.init!r} of "
                    f"{case.model!r} must be auto, pretrained or random"
                )


PROFILES: dict[str, Profile] = {
    p.name: p
    for p in (
        Profile(
            "smoke",
            "seconds: 2,000 training rows, BERT-Tiny shape (random init), the SVM row; "
            "a regression check for CI",
            (Case("bert-tiny", "random"), Case("tfidf-svm")),
            RecipeRequest(max_train_rows=2000, epochs=5),
        ),
        Profile(
            "ci",
            "minutes: the regression gate's profile: BERT-Tiny (random init) on the full "
            "data for 3 epochs (the study trains it 6; the schedule is fitted to 3), and the "
            "SVM row; seeds 42 and 43, tested together; gated against results/baseline/ci "
            "(power: results/baseline/power.json)",
            (Case("bert-tiny", "random"), Case("tfidf-svm")),
            # half the study's budget: half of CI's bench time, with more power and fewer
            # alarms on unchanged retrains than 6 epochs gave (docs/statistics-and-gate.md)
            RecipeRequest(epochs=3),
            seeds=(42, 43),
        ),
        Profile(
            "cpu",
            "full data; the size-ladder study on a CPU: BERT-Tiny, BERT-Mini, BERT-Small and "
            "DistilBERT (pretrained where reachable, else random init), MiniLM-L6 both ways, "
            "BERT-Tiny, BERT-Mini and BERT-Small distilled from the pretrained MiniLM-L6 (one "
            "teacher, seed 42), and the SVM row; 5 seeds for rows that fine-tune in under 10 "
            "minutes on a 2-core CPU, 3 for the others (results/cpu/RUN.md)",
            (
                Case("bert-tiny", seeds=FIVE),
                Case("bert-mini", seeds=FIVE),
                Case("bert-small"),
                Case("distilbert"),
                Case("minilm-l6", "pretrained"),
                Case("minilm-l6", "random"),
                Case("bert-tiny", "random", "minilm-l6", "pretrained", 42, seeds=FIVE),
                Case("bert-mini", "random", "minilm-l6", "pretrained", 42, seeds=FIVE),
                Case("bert-small", "random", "minilm-l6", "pretrained", 42),
                Case("tfidf-svm"),
            ),
            RecipeRequest(),
            seeds=(42, 43, 44),
        ),
        Profile(
            "gpu",
            "full data on CUDA; all five transformer models (pretrained where reachable, else "
            "random init; MiniLM-L6 both ways), BERT-Tiny and BERT-Mini (random init) distilled "
            "from MiniLM-L6, and the SVM row; 3 seeds",
            (
                Case("bert-tiny"),
                Case("bert-mini"),
                Case("bert-small"),
                Case("distilbert"),
                Case("minilm-l6", "pretrained"),
                Case("minilm-l6", "random"),
                Case("bert-tiny", "random", teacher="minilm-l6"),
                Case("bert-mini", "random", teacher="minilm-l6"),
                Case("tfidf-svm"),
            ),
            RecipeRequest(),
            seeds=(42, 43, 44),
            device="cuda",
        ),
    )
}


def claims(profile: Profile) -> list[tuple[Case, Case]]:
    """The claims the report publishes that this profile can test, as ``(case, reference)``:
    a distilled student is not significantly worse than the same student without a teacher;
    a pretrained model is not significantly worse than its random-init twin."""
    out = []
    for case in profile.cases:
        for ref in profile.cases:
            distilled = case.teacher and not ref.teacher and ref.model == case.model
            pretrained = (
                not case.teacher
                and not ref.teacher
                and case.model == ref.model
                and (case.init, ref.init) == ("pretrained", "random")
            )
            if distilled or pretrained:
                out.append((case, ref))
    return out


def get_profile(name: str) -> Profile:
    if name not in PROFILES:
        raise RegistryError(f"unknown profile {name!r}; choose one of {', '.join(PROFILES)}")
    return PROFILES[name]
