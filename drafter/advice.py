"""Advice derived from a case, e.g. what the escalation note recommends.

STUB: being written (recover / escalate on the customer's side / hand over / walk away).
"""

from __future__ import annotations

from dataclasses import dataclass

from drafter.case import Case


@dataclass(frozen=True)
class Recommendation:
    """What the escalation note recommends, and why."""

    action: str
    reason: str


def recommend(case: Case) -> Recommendation:
    """The method's recommendation for this case."""
    return Recommendation(action="recover", reason="stub")
