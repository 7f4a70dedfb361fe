"""``--redact`` covers every person the case knows: the case format v2 people fields, owners
that are people, and names that appear only in free text."""

from __future__ import annotations

import re

from drafter.case import Case
from drafter.drafts import KINDS
from drafter.llm.prompts import build_messages
from drafter.redact import redact
from tests.test_redact import assert_round_trip, make_case

V2 = {
    "customer": {"salutation": "Dr. Whitfield", "manager": "Ellen Cho, COO"},
    "handover_to": {
        "name": "Renee Park",
        "title": "Senior Account Manager",
        "email": "renee.park@meridian.example",
    },
    "after_meeting": {
        "heard": ["Nobody from us has been on site since Black Friday."],
        "agreed": [
            {"step": "Weekly status call.", "owner": "Jonas Lindgren"},
            {"step": "Root-cause report.", "owner": "Field Service"},
        ],
    },
    "escalation": {"to": "Mark Olsen, VP Sales", "to_email": "mark.olsen@meridian.example"},
    "what_changed": [
        {"change": "Marco Ruiz will own the weekly review.", "owner": "Ana Sousa"},
        {"change": "Site Reliability pages Marco's team first.", "owner": "Site Reliability"},
    ],
    "customer_words": "Ask MARCO. And tell marco ruiz that Ellen's patience is gone.",
}
PEOPLE = [
    "Whitfield",
    "Ellen",
    "Cho",
    "Renee",
    "Park",
    "renee.park@meridian.example",
    "Jonas",
    "Lindgren",
    "mark.olsen@meridian.example",
    "Marco",
    "Ruiz",
    "Ana",
    "Sousa",
]


def leaks(text: str) -> list[str]:
    """The people of :data:`V2` (any case, as whole words) found in ``text``."""
    return [p for p in PEOPLE if re.search(rf"(?<![\w.]){re.escape(p)}(?![\w])", text, re.I)]


def v2_case() -> Case:
    return make_case(**V2)


def test_every_v2_people_field_is_redacted_and_restores() -> None:
    case = v2_case()
    redacted, redaction = assert_round_trip(case)
    assert leaks(redacted.model_dump_json()) == []
    assert redacted.customer.salutation == "Dr. Vantrell"
    assert redacted.customer.manager is not None and redacted.customer.manager.endswith(", COO")
    assert redacted.handover_to is not None
    assert redacted.handover_to.title == "Senior Account Manager"
    assert redacted.handover_to.email is not None
    assert redacted.handover_to.email.endswith("@example.invalid")
    assert redacted.escalation is not None and redacted.escalation.to_email is not None
    assert redacted.escalation.to_email.endswith("@example.invalid")
    assert redaction.restore(redacted.model_dump_json()) == case.model_dump_json()


def test_a_colleague_named_only_in_free_text_never_reaches_the_api() -> None:
    case = v2_case()
    redacted, _ = redact(case)
    for kind in KINDS:
        assert leaks(build_messages(kind, case)[1]["content"])  # the test can see a leak
        assert leaks(build_messages(kind, redacted)[1]["content"]) == []
    # The pair teaches the single words: "Marco's", "MARCO" and "marco ruiz" go too.
    assert "Marco" not in (redacted.what_changed[1].change + (redacted.customer_words or ""))
    assert "marco" not in (redacted.customer_words or "").lower()


def test_owners_that_are_teams_and_ordinary_capitalised_pairs_stay() -> None:
    redacted, _ = redact(v2_case())
    assert redacted.after_meeting is not None
    assert redacted.after_meeting.agreed[1].owner == "Field Service"
    assert redacted.after_meeting.heard == ["Nobody from us has been on site since Black Friday."]
    assert redacted.what_changed[1].owner == "Site Reliability"
    assert redacted.what_changed[1].change.startswith("Site Reliability pages ")
    assert redacted.customer.title == "Operating Room Manager"


def test_a_name_pair_in_any_free_text_field_is_redacted() -> None:
    notes = "Their CFO, Greta Sandoval, signs renewals; Sandoval's deputy reads them."
    case = make_case(value_at_stake={"notes": notes}, competitor="Acme has courted Greta.")
    redacted, redaction = assert_round_trip(case)
    text = (redacted.value_at_stake.notes or "") + (redacted.competitor or "")
    assert "Greta" not in text and "Sandoval" not in text
    assert redacted.value_at_stake.notes is not None
    assert redacted.value_at_stake.notes.startswith("Their CFO, ")
    assert redaction.restore(redacted.value_at_stake.notes) == notes
