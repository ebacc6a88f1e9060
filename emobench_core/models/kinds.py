"""The registry of model kinds and of named models: a kind registers itself in its own module.

A kind is a :class:`~emobench_core.models.backends.base.Backend` (the small core: train, load,
predictor, forward, encode_one) plus the named capabilities it lists
(:mod:`~emobench_core.models.backends.capabilities`). Its module calls :func:`register_kind`
and :func:`register_model` for its registry entries; nothing else in the package names it.

    from emobench_core.models.kinds import register_kind, register_model
    register_kind(MajorityBackend())
    register_model(ModelSpec("majority", "majority", kind="majority"))
"""

from __future__ import annotations

import difflib
from typing import TypeVar

from emobench_core.errors import RegistryError
from emobench_core.models.backends.base import Backend
from emobench_core.models.backends.capabilities import supports
from emobench_core.models.spec import ModelSpec

KINDS: dict[str, Backend] = {}
"""Every registered kind, by name (``ModelSpec.kind``, a result's ``model.kind``)."""
REGISTRY: dict[str, ModelSpec] = {}
"""Every registered model, by short name, in registration order."""

B = TypeVar("B", bound=Backend)


def register_kind(backend: B, *, replace: bool = False) -> B:
    """Register ``backend`` under its ``kind`` and return it.

    Raises:
        RegistryError: Not a :class:`Backend`, or another backend holds the name already
            (``replace=True`` replaces it).
    """
    if not isinstance(backend, Backend):
        raise RegistryError(f"a model kind must be a Backend instance, got {backend!r}")
    name = getattr(backend, "kind", "")
    if not isinstance(name, str) or not name:
        raise RegistryError(f"{type(backend).__name__} names no `kind`")
    held = KINDS.get(name)
    if held is not None and not replace and type(held) is not type(backend):
        raise RegistryError(f"model kind {name!r} is registered already (by {type(held).__name__})")
    KINDS[name] = backend
    return backend


def register_model(spec: ModelSpec, *, replace: bool = False) -> ModelSpec:
    """Register ``spec`` under its name (its kind must be registered) and return it.

    Raises:
        RegistryError: Its kind is unknown, or another spec holds the name already.
    """
    backend_of_kind(spec.kind, f"model {spec.name!r}")
    held = REGISTRY.get(spec.name)
    if held is not None and held != spec and not replace:
        raise RegistryError(f"model {spec.name!r} is registered already ({held.description})")
    REGISTRY[spec.name] = spec
    return spec


def backend_of_kind(kind: str, what: str = "a model") -> Backend:
    """The backend of model kind ``kind`` (as a results file records it: ``model.kind``).

    Raises:
        RegistryError: No kind of that name is registered (the closest are suggested).
    """
    try:
        return KINDS[kind]
    except KeyError:
        close = difflib.get_close_matches(kind, list(KINDS), n=2, cutoff=0.5)
        hint = f"did you mean {', '.join(repr(c) for c in close)}? " if close else ""
        raise RegistryError(
            f"{what} has kind {kind!r}, which no backend handles; {hint}known kinds: "
            f"{', '.join(KINDS)} (a kind's module registers it: register_kind)"
        ) from None


def kind_supports(kind: str, capability: str) -> bool:
    """Whether the kind named ``kind`` has ``capability``; ``False`` for a kind no module
    registered in this process (a results file of a plug-in that is not loaded)."""
    backend = KINDS.get(kind)
    return backend is not None and supports(backend, capability)
