"""What the follow-up email must confirm (METHOD, "Follow-up email"): what we heard, each
agreed step with its owner and date, and when they will hear from us next. What it must not
do (offer what is not approved, sell outside a deal) is checked by the shared rules."""

from __future__ import annotations

import re
from datetime import date

from drafter.artifact import Artifact
from drafter.case import AgreedStep
from drafter.checks.document import Doc
from drafter.checks.facts import DATE, date_refs
from drafter.checks.report import Violation
from drafter.checks.rulebook import rule, violation
from drafter.checks.text import mentioned, name_in, nonblank_lines, stems_of


def after_the_meeting(found: Artifact) -> bool:
    """Applies to the artifacts drafted from the meeting's outcome."""
    return found.requires == "after_meeting"


def dated(text: str, day: date) -> bool:
    """Does ``text`` give ``day``, in any common form ('15 December', '2026-12-15')?"""
    return any(
        (month, dom) == (day.month, day.day) and year in (None, day.year)
        for m in DATE.finditer(text)
        for year, month, dom in date_refs(m)
    )


@rule(
    "followup-heard",
    "Everything the customer told us in the meeting is said back, in their words (METHOD, "
    "follow-up email: what we heard).",
    applies=after_the_meeting,
)
def _followup_heard(doc: Doc) -> list[Violation]:
    after = doc.case.after_meeting
    heard = after.heard if after else []
    return [violation("followup-heard", h) for h in heard if not mentioned([h], doc.stems)]


@rule(
    "followup-steps",
    "Each agreed step is confirmed with its owner and date, as agreed (METHOD, follow-up "
    "email: each agreed step with its owner and date).",
    applies=after_the_meeting,
)
def _followup_steps(doc: Doc) -> list[Violation]:
    after = doc.case.after_meeting
    lines = nonblank_lines(doc.flow)
    found = []
    for a in after.agreed if after else []:
        said = [line for line in lines if mentioned([a.step], stems_of(line))]
        if not any(_complete(line, a, doc) for line in said):
            found.append(violation("followup-steps", said[-1] if said else a.step))
    return found


def _complete(line: str, step: AgreedStep, doc: Doc) -> bool:
    """Does this line give the step's owner and date, when the case gives them?"""
    owner = step.owner
    if owner is not None and not (name_in(line, owner) or _mine(line, owner, doc)):
        return False
    return step.by is None or dated(line, step.by)


_FIRST_PERSON = re.compile(r"(?<!\w)(?:I|me|my|mine)(?!\w)")


def _mine(line: str, owner: str, doc: Doc) -> bool:
    """A step the sender owns may say so in the first person: 'Owned by me'."""
    return owner == doc.case.sender.name and bool(_FIRST_PERSON.search(line))


_NEXT = re.compile(
    r"(?<!\w)(?:hear from|be in touch|get back|write|call|ring|update|report|check in|contact"
    r"|follow up|next)",
    re.IGNORECASE,
)
"""What says the date is our next contact, not an agreed step's due date."""


@rule(
    "followup-next-contact",
    "The customer is told when they will hear from us next, on the date in the case "
    "(METHOD, follow-up email: when they will hear from us next).",
    applies=after_the_meeting,
)
def _followup_next_contact(doc: Doc) -> list[Violation]:
    after = doc.case.after_meeting
    day = after.next_contact if after else None
    if day is None or any(_NEXT.search(s) and dated(s, day) for s in doc.sentences()):
        return []
    return [violation("followup-next-contact", day.isoformat())]
