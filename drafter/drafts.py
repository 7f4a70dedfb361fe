"""A finished draft, whichever way it was written: what the output layer formats."""

from __future__ import annotations

from dataclasses import dataclass

from drafter.artifact import Kind
from drafter.artifacts import KINDS

__all__ = ["KINDS", "Draft", "Kind", "Party"]


@dataclass(frozen=True)
class Party:
    """A person on a draft's address line; ``email`` may be unknown."""

    name: str
    email: str | None = None


@dataclass(frozen=True)
class Draft:
    """One artifact ready for output.

    ``body`` is plain text when ``markdown`` is false, Markdown when true; ``subject``
    is the email subject, or the title of an agenda or note.
    """

    kind: Kind
    subject: str
    body: str
    sender: Party
    to: tuple[Party, ...]
    markdown: bool = False
