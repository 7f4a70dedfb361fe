"""The registry of artifacts: one module per artifact in this package, each defining
``ARTIFACT``, found when this package is imported (cheap: no templates, models or checks)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Mapping
from types import MappingProxyType

from drafter.artifact import Artifact, Kind

__all__ = ["ARTIFACTS", "KINDS", "Artifact", "Kind", "artifact"]


def _discover() -> Mapping[Kind, Artifact]:
    found = [
        importlib.import_module(f"{__name__}.{info.name}").ARTIFACT
        for info in pkgutil.iter_modules(__path__)
    ]
    return MappingProxyType({a.kind: a for a in sorted(found, key=lambda a: a.order)})


ARTIFACTS: Mapping[Kind, Artifact] = _discover()
"""Every artifact by name, in order."""

KINDS: tuple[Kind, ...] = tuple(ARTIFACTS)
"""Every artifact's name, in order."""


def artifact(kind: Kind) -> Artifact:
    """The artifact named ``kind``."""
    return ARTIFACTS[kind]
