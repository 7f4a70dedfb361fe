"""The escalation note's own rules: the value, the needs, the decision by a date, and a
recommendation with its reason."""

from __future__ import annotations

import math
import re

from drafter.checks.document import Doc
from drafter.checks.facts import (
    DATE,
    MONEY_TOLERANCE,
    date_known,
    date_refs,
    numbers_in,
)
from drafter.checks.report import Violation
from drafter.checks.rulebook import only, rule, violation
from drafter.checks.text import (
    WINDOW_CHARS,
    mentioned,
)


@rule(
    "escalation-value",
    "The note states the account's annual value (METHOD, the escalation note: the value at stake).",
    applies=only("escalation"),
)
def _escalation_value(doc: Doc) -> list[Violation]:
    value = doc.case.value_at_stake.annual_value
    if any(math.isclose(value, v, rel_tol=MONEY_TOLERANCE) for v in numbers_in(doc.flow)):
        return []
    return [violation("escalation-value")]


@rule(
    "escalation-needs",
    "The note names everything the recovery needs from the company (METHOD, the "
    "escalation note; principle 8).",
    applies=only("escalation"),
)
def _escalation_needs(doc: Doc) -> list[Violation]:
    needs = doc.case.escalation.needs if doc.case.escalation else []
    return [violation("escalation-needs", n) for n in needs if not mentioned([n], doc.stems)]


_DECISION = re.compile(r"(?<!\w)(?:decision|decide|approv\w*|sign-?off|go-ahead)\b", re.IGNORECASE)


@rule(
    "escalation-decision-date",
    "The note asks for a decision, by the case's date when it has one (METHOD, the "
    "escalation note).",
    applies=only("escalation"),
)
def _escalation_decision_date(doc: Doc) -> list[Violation]:
    due = doc.case.escalation.decide_by if doc.case.escalation else None
    if due is None:
        return [] if _DECISION.search(doc.flow) else [violation("escalation-decision-date")]
    wanted = [(due.year, due.month, due.day)]
    for m in DATE.finditer(doc.flow):
        if any(ref[2] and date_known(ref, wanted) for ref in date_refs(m)):
            return []
    return [violation("escalation-decision-date", f"{due:%Y-%m-%d}")]


_RECOMMEND = re.compile(r"\brecommend\w*", re.IGNORECASE)


_ACTION = re.compile(
    r"(?<!\w)(?:recover\w*|escalat\w*|hand(?:ing)? (?:\w+ ){0,3}over|hand-?over"
    r"|walk(?:ing)? away)\b",
    re.IGNORECASE,
)


_REASON = re.compile(
    r"(?<!\w)(?:because|since|given|reason|so that|which is why|as long as|provided)\b",
    re.IGNORECASE,
)


@rule(
    "escalation-recommendation",
    "The note recommends recover, escalate, hand over or walk away, and says why (METHOD "
    "principle 8, know when to stop).",
    applies=only("escalation"),
)
def _escalation_recommendation(doc: Doc) -> list[Violation]:
    for m in _RECOMMEND.finditer(doc.flow):
        window = doc.flow[m.start() : m.start() + WINDOW_CHARS]
        if _ACTION.search(window) and _REASON.search(window):
            return []
    return [violation("escalation-recommendation")]
