"""Named capabilities a model kind may have, beyond the core of :class:`~.base.Backend`.

A kind lists what it can do in ``Backend.capabilities``; code above the models layer asks
:func:`supports` (or :func:`emobench_core.models.kinds.kind_supports` for a kind read from a
results file), never which kind it holds. A kind without a capability still trains, is
evaluated, measured, reported and recommended.

    emobench latency --models bert-tiny   # LATENCY_PROBE: time the architecture, untrained
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

if TYPE_CHECKING:
    from emobench_core.config import Recipe
    from emobench_core.models.spec import ModelSpec

RANDOM_INIT = "random-init"
"""The kind starts from pretrained weights or the same architecture at random: its init is a
choice (``pretrained`` / ``random`` / ``auto``, else ``n/a``), its pretrained weights' hub
revision can be pinned, and its learning rate and epochs depend on the init."""
DISTILLATION = "distillation"
"""The kind can be a teacher or a student (it learns from, and yields, logits)."""
EXPORT = "export"
"""``emobench export`` ships it: :class:`Exportable`."""
LATENCY_PROBE = "latency-probe"
"""``emobench latency`` / ``deploy`` / ``perf`` can time its architecture: :class:`Probed`."""
REFERENCE = "reference"
"""A reference row (a classical baseline): the study compares every model with a random
init choice against it."""

CAPABILITIES: tuple[str, ...] = (RANDOM_INIT, DISTILLATION, EXPORT, LATENCY_PROBE, REFERENCE)
"""Every named capability, in the order ``emobench models`` shows them."""


@runtime_checkable
class Exportable(Protocol):
    """What :data:`EXPORT` asks of a kind."""

    library_name: str
    """The library an exported model loads with (its model card's ``library_name``)."""

    def export(self, entry: Path, dst: Path, labels: Sequence[str]) -> None:
        """Write the files that ship the model in ``entry`` into the folder ``dst``: weights,
        config with the class names ``labels``, tokenizer. Never a pickle."""

    def export_int8(self, entry: Path, dst: Path, labels: Sequence[str]) -> Path | None:
        """Write the model's ONNX Runtime int8 variant and return the graph's path; ``None``:
        this kind has no such variant."""


@runtime_checkable
class Probed(Protocol):
    """What :data:`LATENCY_PROBE` asks of a kind."""

    probe_needs_fit: bool
    """Whether timing the architecture needs a model fitted on the data (else random weights)."""
    probe_weights: str
    """How the latency probe names the weights it timed."""

    def architecture(self, spec: ModelSpec, labels: Sequence[str], **kwargs: Any) -> Any:
        """An untrained model of ``spec`` for timing (or ``kwargs['fitted']`` loaded)."""

    def fit_for_probe(self, dsd: Any, recipe: Recipe) -> Any:
        """A model fitted on ``dsd`` for the latency probe (only if ``probe_needs_fit``)."""


class HasCapabilities(Protocol):
    """A model kind, as far as :func:`supports` reads it."""

    @property
    def capabilities(self) -> frozenset[str]:
        """The names of what the kind can do beyond the core."""


def supports(backend: HasCapabilities, capability: str) -> bool:
    """Whether ``backend`` has the named ``capability`` (one of :data:`CAPABILITIES`).

    Raises:
        ValueError: ``capability`` is not a known name (a typo would silently read False).
    """
    if capability not in CAPABILITIES:
        raise ValueError(f"unknown capability {capability!r}; known: {', '.join(CAPABILITIES)}")
    return capability in backend.capabilities
