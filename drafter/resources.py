"""Locate the bundled ``templates/`` and ``prompts/`` folders and the example cases."""

from __future__ import annotations

from functools import cache
from pathlib import Path

_PACKAGE = Path(__file__).resolve().parent


@cache
def resource_dir(name: str) -> Path:
    """The folder ``name`` inside the wheel, or at the top of a source checkout."""
    for candidate in (_PACKAGE / name, _PACKAGE.parent / name):
        if candidate.is_dir():
            return candidate
    raise FileNotFoundError(f"drafter is installed without its {name}/ folder")


def examples() -> dict[str, Path]:
    """The example case files shipped with drafter, by name (the file name without .yaml)."""
    return {path.stem: path for path in sorted((_PACKAGE / "examples").glob("*.yaml"))}


def example_summary(path: Path) -> str:
    """The one-line description an example case opens with (its first comment line)."""
    with path.open(encoding="utf-8") as lines:
        first = lines.readline()
    return first.removeprefix("#").strip()
