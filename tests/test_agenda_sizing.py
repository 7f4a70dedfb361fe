"""The clear-the-air agenda fits the meeting: its length, its people, and its situation."""

from __future__ import annotations

import re

import pytest

from drafter.case import Case
from drafter.meeting import meeting_minutes, parse_length
from tests.test_templates import KINDS_OF_TONE, case_from, draft, shared

ITEM = re.compile(r"(?m)^(\d)\. (.+) \((\d+) min\)$")
LISTEN = ("Your view: what did we miss?", "Over to you: what did we miss?")
TOGETHER = "Is it possible to work together again, and what would that take?"
GIFT = "give_first:\n  - Take back all unused flour for full credit.\n"


def agenda(case: Case) -> str:
    return draft(case, "agenda").body


def items(body: str) -> list[tuple[str, int]]:
    return [(title, int(minutes)) for _, title, minutes in ITEM.findall(body)]


def section(body: str, start: str, end: str) -> str:
    return body.split(start, 1)[1].split(end, 1)[0]


def item_text(body: str, title: str) -> str:
    """The text of the agenda item whose heading starts with ``title``."""
    start = next(m for m in ITEM.finditer(body) if m[2].startswith(title))
    rest = body[start.end() :]
    following = ITEM.search(rest)
    return rest[: following.start()] if following else rest


# -- the length ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("ask", "minutes"),
    [
        ("Ten minutes at your shop to show you the new schedule.", 10),
        ("Fifteen minutes on your next delivery day.", 15),
        ("A 30-minute call next week.", 30),
        ("A twenty-five minute walk round the kitchen.", 25),
        ("Half an hour at your office.", 30),
        ("A half-hour call.", 30),
        ("An hour with our plant manager.", 60),
        ("A one-hour meeting at your Porto office.", 60),
        ("An hour and a half on site.", 90),
        ("90 minutes with your team.", 90),
        ("15 min on Friday.", 15),
        ("A 20-30 minute call.", 30),
        ("A call to hear what we got wrong.", None),
        ("A call within 24 hours.", None),
        ("A short call before Friday.", None),
    ],
)
def test_the_length_the_ask_states(ask: str, minutes: int | None) -> None:
    assert parse_length(ask) == minutes


def test_meeting_minutes_win_over_the_ask_and_45_is_the_default() -> None:
    assert meeting_minutes(case_from("ask: Ten minutes at your shop.\n")) == 10
    both = case_from("ask: Ten minutes at your shop.\nmeeting:\n  minutes: 20\n")
    assert meeting_minutes(both) == 20
    assert meeting_minutes(case_from("ask: A call at your shop.\n")) == 45
    assert meeting_minutes(case_from()) == 45


# -- the time boxes --------------------------------------------------------------------------

LENGTHS = (10, 15, 20, 30, 45, 60, 90)
ORDER = (
    "Thank",
    "Our account",
    "Your view",
    "What we have changed",
    "Remaining gaps",
    "What we are offering",
    "Is it possible",
    "Agreed next steps",
)


@pytest.mark.parametrize("gift", ["", GIFT], ids=["no-gift", "gift"])
@pytest.mark.parametrize("minutes", LENGTHS)
def test_time_boxes_add_up_to_the_meeting_in_the_methods_order(minutes: int, gift: str) -> None:
    body = agenda(case_from(f"meeting:\n  minutes: {minutes}\n{gift}"))
    boxes = items(body)
    assert f"Agenda ({minutes} min)\n" in body
    assert sum(m for _, m in boxes) == minutes
    assert all(m >= 1 for _, m in boxes)
    assert [n for n, _, _ in ITEM.findall(body)] == [str(i + 1) for i in range(len(boxes))]
    titles = [t for t, _ in boxes]
    assert LISTEN[0] in titles and TOGETHER in titles  # always items of their own
    listen = dict(boxes)[LISTEN[0]]
    assert listen == max(m for _, m in boxes)  # listening gets the most time
    first = [next(i for i, o in enumerate(ORDER) if t.startswith(o)) for t in titles]
    assert first == sorted(first)
    assert len(boxes) == (7 if minutes >= 40 else 5 if minutes >= 25 else 4) + bool(gift)
    assert ("What we are offering, whatever you decide" in titles) == bool(gift)


def test_a_ten_minute_ask_is_a_ten_minute_agenda() -> None:
    body = agenda(shared("missed-deliveries"))  # "Ten minutes at your shop"
    boxes = items(body)
    assert sum(m for _, m in boxes) == 10 and len(boxes) == 4
    assert boxes[1] == ("Over to you: what did we miss?", 3)
    assert boxes[3] == (TOGETHER, 3)
    assert "next steps, each with an owner and a date" in item_text(body, "Is it possible")


@pytest.mark.parametrize(
    ("stem", "minutes"),
    [
        ("enterprise-misstep", 45),
        ("foodservice-inherited", 15),
        ("hospital-overstock", 30),
        ("lost-customer-winback", 20),
        ("missed-deliveries", 10),
        ("outage-followup", 60),
        ("personal-handover", 30),
        ("system-down", 45),
    ],
)
def test_every_shared_agenda_fits_its_meeting(stem: str, minutes: int) -> None:
    body = agenda(shared(stem))
    assert sum(m for _, m in items(body)) == minutes
    assert f"Agenda ({minutes} min)" in body


def test_same_case_same_boxes() -> None:
    case = case_from("ask: Twenty minutes at your office.\n" + GIFT)
    assert agenda(case) == agenda(case)


# -- date, place and people ------------------------------------------------------------------


def test_date_and_place_are_shown_when_given() -> None:
    body = agenda(
        case_from(
            "meeting:\n  when: Tuesday 8 December, 10:00\n  where: Your bakery, back office\n"
        )
    )
    assert (
        "When and where\n\n- When: Tuesday 8 December, 10:00\n- Where: Your bakery, back office\n"
        in body
    )
    assert "When:" not in agenda(case_from()) and "Where:" not in agenda(case_from())


def test_attendees_are_people_not_departments() -> None:
    case = case_from(
        "what_changed:\n"
        "  - change: Deliveries now run on fixed Tuesday and Friday slots.\n    owner: Logistics\n"
        "  - change: Invoices are checked before they go out.\n    owner: Billing\n"
        "    status: in_progress\n    by: 2026-12-15\n"
    )
    body = agenda(case)
    attendees = section(body, "Attendees\n\n", "\n\n")
    assert attendees.splitlines() == [
        "- Walt Brennan, Owner, Harbor Street Bakeries",
        "- Anyone else from Harbor Street Bakeries you would like to bring",
        "- Sam Ortiz, Territory Sales Representative, Golden Mill Supply",
    ]
    assert "owned by Logistics" in body and "owned by Billing" in body  # owners of changes


def test_in_a_personal_break_the_colleague_leads_and_the_sender_stays_away() -> None:
    body = agenda(shared("personal-handover"))
    attendees = section(body, "Attendees\n\n", "\n\n")
    assert "- Renee Park, Senior Account Manager, Ridgeline Apparel, who leads the meeting" in (
        attendees
    )
    assert "Kevin Marsh" not in body
    assert "with Renee Park, who is taking over your account" in body
    assert "Renee Park will confirm them to you in writing" in body


# -- what goes where -------------------------------------------------------------------------


def test_a_gesture_is_its_own_item_not_a_change() -> None:
    for minutes in (10, 30, 60):
        body = agenda(case_from(f"meeting:\n  minutes: {minutes}\n{GIFT}"))
        assert "unused flour" not in item_text(body, "What we have changed")
        offer = item_text(body, "What we are offering, whatever you decide")
        assert "- Take back all unused flour for full credit." in offer


def test_a_failure_no_change_answers_is_named_as_a_gap() -> None:
    body = agenda(case_from())  # nothing in what_changed answers the wrong invoices
    gaps = item_text(body, "Remaining gaps")
    assert "- Not yet answered by any change: our invoices were wrong, again and again." in gaps
    assert "delivery date" not in gaps  # the fixed slots answer the missed deliveries
    assert "we will agree both with you before we finish" in gaps
    answered = case_from(
        "what_changed:\n  - change: Deliveries now run on fixed slots.\n"
        "  - change: Every invoice is checked against the delivery note.\n"
    )
    assert "Not yet answered" not in agenda(answered)


def test_the_first_item_thanks_in_a_whole_sentence() -> None:
    for case in (case_from(), shared("missed-deliveries"), shared("lost-customer-winback")):
        body = agenda(case)
        first = ITEM.search(body)
        assert first is not None
        opening = body[first.end() :].strip().split("\n")[0]
        assert re.fullmatch(r"(We are grateful|Thanks?)\b.+\.", opening), opening
        assert not opening.startswith("For ")


# -- situations ------------------------------------------------------------------------------


def test_a_deal_agenda_settles_the_concerns_and_makes_no_pledge() -> None:
    body = agenda(shared("enterprise-misstep"))
    purpose = section(body, "Purpose\n\n", "\n\n")
    assert "concern" in purpose and "outcome" in purpose
    assert "pricing" not in body and "not a sales" not in body and "sell" not in body
    assert "What would you need to see to go forward with confidence?" in body
    assert "comparison" in body  # a side-by-side is welcomed, the competitor is not named
    assert "Orbis" not in body


def test_a_lost_customer_is_asked_whether_to_consider_working_together_again() -> None:
    body = agenda(shared("lost-customer-winback"))
    assert "Is it possible to consider working together again, and what would that take?" in body
    assert "your team at the time" in body


def test_a_contact_new_in_the_role_is_not_told_what_we_put_them_through() -> None:
    for tone in KINDS_OF_TONE:
        extra = f"customer:\n  name: Walt Brennan\n  new_in_role: true\ntone: {tone}\n"
        body = agenda(case_from(extra))
        assert "put you through" not in body and "when we let your team down" in body
    assert "put you through" not in agenda(shared("lost-customer-winback"))
    assert "put you through" in agenda(case_from())


# -- tone ------------------------------------------------------------------------------------


def test_tone_visibly_changes_the_agenda() -> None:
    bodies = {t: agenda(case_from(f"tone: {t}\n")) for t in KINDS_OF_TONE}
    purposes = {section(b, "Purpose\n\n", "\n\n") for b in bodies.values()}
    listens = {items(b)[2][0] for b in bodies.values()}
    assert len(purposes) == 3 and len(listens) == 3
    assert "We will listen without interrupting." in bodies["formal"]
    assert "We listen; we don't defend." in bodies["direct"]
    for body in bodies.values():
        assert sum(m for _, m in items(body)) == 45
