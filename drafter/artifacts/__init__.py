"""The registry of artifacts: one module per artifact in this package, each defining
``ARTIFACT``, found when this package is imported (cheap: no templates, models or checks)."""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from types import MappingProxyType
from typing import TYPE_CHECKING

from drafter.artifact import Artifact, Kind

if TYPE_CHECKING:
    from drafter.case import Case

__all__ = ["ARTIFACTS", "KINDS", "Artifact", "Kind", "artifact", "kinds_for"]


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


def kinds_for(case: Case, kinds: Iterable[Kind] = KINDS) -> tuple[Kind, ...]:
    """Those of ``kinds`` the case has material for (no follow-up without ``after_meeting``)."""
    return tuple(k for k in kinds if ARTIFACTS[k].drafts_from(case))
