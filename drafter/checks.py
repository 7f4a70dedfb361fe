"""The recovery method (METHOD.md) as code: rules a draft must pass.

STUB: the public API below is the contract; the rules are being written.
"""

from __future__ import annotations

from dataclasses import dataclass

from drafter.case import Case
from drafter.drafts import Draft, Kind


@dataclass(frozen=True)
class Violation:
    """One broken rule: its id, why it matters, and the offending text ("" if missing)."""

    rule: str
    reason: str
    text: str = ""


@dataclass(frozen=True)
class Report:
    """The result of checking one draft."""

    kind: Kind
    violations: tuple[Violation, ...]
    rules_run: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def score(self) -> float:
        """Share of rules passed, 0.0 to 1.0."""
        failed = {v.rule for v in self.violations}
        return 1.0 - len(failed) / len(self.rules_run) if self.rules_run else 1.0


def check_text(kind: Kind, text: str, case: Case) -> Report:
    """Check any draft text (subject line included if it has one) against the method."""
    raise NotImplementedError


def check_draft(draft: Draft, case: Case) -> Report:
    """Check a rendered draft: its subject and body together."""
    return check_text(draft.kind, f"{draft.subject}\n\n{draft.body}", case)
