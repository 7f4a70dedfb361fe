"""What an artifact is: one kind of draft, and everything drafter knows about it."""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from drafter.case import Case
    from drafter.schemas import ModelDraft

Kind = str
"""An artifact's name, as registered in :mod:`drafter.artifacts` (``email``, …)."""

Audience = Literal["customer", "management"]


@dataclass(frozen=True)
class Artifact:
    """One artifact: its name and help, who reads it, the checks' traits and limits, and
    where its templates, prompt and structured-output model are."""

    kind: Kind
    order: int
    """Its place among the artifacts: in ``all``, ``--kinds`` and listings."""
    title: str
    """How the prompts name it: ``Take-the-Stick email``."""
    help: str
    """The one-line help of its command."""
    audience: Audience
    """The customer (addressed to them), or management (to the case's decider)."""
    to_line: bool
    """Whether plain text starts with a ``To:`` line (a shared agenda has none)."""
    letter: bool
    """A letter: greets the customer by name and closes with one ask."""
    signed: bool
    """Ends with the sender's signature."""
    words: tuple[int, int]
    """The body's length in words: at least (0: no minimum), at most."""
    schema: str
    """The structured-output model, as ``module:Class``, imported only when asked for."""
    requires: str | None = None
    """The optional case field it is drafted from (``after_meeting``): a case without it
    has no such draft (``all`` and ``batch`` skip it; its command says what to add)."""

    @property
    def template(self) -> str:
        """The offline template, in ``templates/``."""
        return f"{self.kind}.j2"

    @property
    def model_template(self) -> str:
        """The layout of a model's structured reply, in ``templates/``."""
        return f"model/{self.kind}.j2"

    @property
    def system_prompt(self) -> str:
        """The model's instructions, in ``prompts/``."""
        return f"system/{self.kind}.j2"

    @property
    def replies(self) -> bool:
        """Whether its drafts can reply in the customer's thread: letters addressed to them."""
        return self.letter and self.audience == "customer"

    def drafts_from(self, case: Case) -> bool:
        """Whether ``case`` has what this artifact is drafted from."""
        return self.requires is None or getattr(case, self.requires) is not None

    def lacking(self, source: str) -> str:
        """The one line saying that the case read from ``source`` lacks :attr:`requires`."""
        return (
            f"{source} has no `{self.requires}`, which the {self.title} is drafted from; "
            f"add it to the case (docs/case-format.md describes it)."
        )

    def model(self) -> type[ModelDraft]:
        """The structured-output model (imports pydantic models: not on the offline path)."""
        module, name = self.schema.split(":")
        found: type[ModelDraft] = getattr(importlib.import_module(module), name)
        return found
