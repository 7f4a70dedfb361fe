"""What the escalation note recommends: recover, escalate, hand over or walk away (METHOD.md, 8).

Recovery needs company backing, and the account has to be worth the effort. The rules,
first match wins:

1. Nothing is at stake (no annual value, no renewal date, no long-term potential in the
   notes): **walk away**, after settling whatever we owe.
2. Management will not back it (``escalation.management_support: no``): **walk away**;
   a recovery without resources only adds broken promises.
3. Management backs it (``yes``): **recover**.
4. Backing is not yet known (``unknown``, or no ``escalation`` block): **recover**, on
   condition that the backing is committed; if it is not, walk away.

Every recommendation to recover carries a fallback. An inheritor carries none of the
account's history, so the risk is a customer who will not meet: then **escalate on the
customer's side** (their management). A sender who was on the account when it broke may
be part of the problem: if the break proves personal, **hand over** to a colleague.

Deterministic: the same case always gives the same recommendation, word for word. The
reasons name no figures; the note lists those beside the recommendation.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from drafter.case import Case

Action = Literal["recover", "escalate", "hand_over", "walk_away"]
"""The method's four recommendations (METHOD.md, the escalation note)."""

LABELS: dict[Action, str] = {
    "recover": "Recover the account",
    "escalate": "Escalate on the customer's side",
    "hand_over": "Hand the account to a colleague",
    "walk_away": "Walk away",
}
"""A short heading for each action, as the escalation note prints it."""


@dataclass(frozen=True)
class Recommendation:
    """What the escalation note recommends, why, and what to do if it does not work."""

    action: Action
    reason: str
    """Why, as a sentence that also reads after "because" once its first letter is lowered."""
    fallback: Action | None = None
    fallback_reason: str | None = None

    @property
    def label(self) -> str:
        """The action as a short phrase, e.g. 'Walk away'."""
        return LABELS[self.action]


def stakes(case: Case) -> list[str]:
    """What the company stands to lose, in words and without figures."""
    value = case.value_at_stake
    found = []
    if value.annual_value > 0:
        found.append("recurring annual revenue")
    if value.renewal is not None:
        found.append("a renewal date")
    if value.notes:
        found.append("long-term potential beyond this contract")
    if case.relationship_years:
        found.append(f"a relationship of {case.relationship_years:g} years")
    if case.competitor:
        found.append("a competitor already in the picture")
    return found


def _join(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def recommend(case: Case) -> Recommendation:
    """The method's recommendation for this case (see the module docstring for the rules)."""
    value = case.value_at_stake
    support = case.escalation.management_support if case.escalation else "unknown"
    at_stake = stakes(case)
    worth_it = value.annual_value > 0 or value.renewal is not None or value.notes is not None

    if not worth_it:
        return Recommendation(
            "walk_away",
            "Nothing recurring is at stake: no annual value, renewal or long-term potential, "
            "so the account does not justify a recovery effort. Settle what we owe the "
            "customer and step back.",
        )
    if support == "no":
        return Recommendation(
            "walk_away",
            "Management will not commit the resources, and without them we cannot keep the "
            "promises a recovery makes; an honest exit does less damage than a second "
            f"failure. Walking away gives up {_join(at_stake)}.",
        )

    if case.inherited:
        fallback: Action = "escalate"
        fallback_reason = (
            "I inherited the account, so the break is not personal to me. If the customer "
            "will not meet, escalate on the customer's side and ask their management for "
            "the meeting."
        )
    else:
        fallback = "hand_over"
        fallback_reason = (
            "I was on the account when this happened. If the customer tells us the break "
            "is with me personally, hand the account to a colleague rather than lose it."
        )

    if support == "yes":
        return Recommendation(
            "recover",
            "Management has committed to back the recovery, and the account justifies the "
            f"effort: {_join(at_stake)}.",
            fallback,
            fallback_reason,
        )
    return Recommendation(
        "recover",
        f"It is worth the effort ({_join(at_stake)}), but only with company "
        "backing: a recovery we cannot resource adds another broken promise. If the "
        "resources are not committed, walk away instead.",
        fallback,
        fallback_reason,
    )
