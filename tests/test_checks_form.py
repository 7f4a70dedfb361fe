"""Form, opening and coverage rules judge like an expert: real catches, and no false alarms
on what METHOD.md says is not a tell."""

from __future__ import annotations

import pytest

from drafter.case import Case
from drafter.casefile import parse_case
from tests.test_checks import BAKERY, EMAIL, ESCALATION, case_with, edit, failed

ASK = "Could I have ten minutes at your shop to show you the new delivery schedule?"


@pytest.fixture(scope="module")
def bakery() -> Case:
    return parse_case(BAKERY, "t.yaml")


def with_ask(ask: str) -> str:
    return edit(EMAIL, ASK, ask)


# --- asks -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "ask",
    [
        "I'd like to stop by your shop for ten minutes and walk you through the new "
        "schedule. Would that be all right with you?",
        "I would like to know whether you could spare ten minutes at your shop next week.",
        "Would ten minutes at your shop suit you? There is nothing to sign and nothing to buy.",
        "Let me put it plainly before you have to. " + ASK,
        ASK + " I won't ask you for anything else.",
    ],
)
def test_one_ask_however_it_is_phrased(ask: str, bakery: Case) -> None:
    found = failed("email", with_ask(ask), bakery)
    assert "one-ask" not in found
    assert "no-deadline" not in found


def test_a_second_request_is_a_second_ask(bakery: Case) -> None:
    extra = "Could you also forward me the invoices your bookkeeper corrected?"
    assert failed("email", with_ask(f"{ASK} {extra}"), bakery)["one-ask"] == [extra]


def test_a_request_elsewhere_in_the_email_is_a_second_ask(bakery: Case) -> None:
    text = edit(EMAIL, "Here is what", "Please send me the dates you ran short. Here is what")
    assert failed("email", text, bakery)["one-ask"] == ["Please send me the dates you ran short."]


@pytest.mark.parametrize(
    ("ask", "deadline"),
    [
        (ASK + " Please let me know by Wednesday which day suits.", "by Wednesday"),
        ("I need your answer by 3 pm tomorrow so I can hold the van.", "by 3 pm"),
        (ASK + " Could you reply within two days?", "within two days"),
    ],
)
def test_an_ask_with_a_deadline_is_pushy(ask: str, deadline: str, bakery: Case) -> None:
    assert deadline in failed("email", with_ask(ask), bakery)["no-deadline"][0]


def test_the_cases_own_ask_wording_is_not_a_deadline() -> None:
    case = case_with(ask=" Ten minutes at your shop before Friday to show you the new schedule.")
    text = with_ask("Could I have ten minutes at your shop before Friday to show you the schedule?")
    assert "no-deadline" not in failed("email", text, case)


# --- grovelling and repeats ---------------------------------------------------------------


def test_two_apologies_are_sincere_four_are_grovelling(bakery: Case) -> None:
    two = edit(EMAIL, "Here is what", "I am sorry. I apologise to your bakers too. Here is what")
    assert "no-grovelling" not in failed("email", two, bakery)
    four = edit(
        two, "Here is what", "Please forgive us; we regret it deeply. Sorry again. Here is what"
    )
    (message,) = failed("email", four, bakery)["no-grovelling"]
    assert message.startswith("4 apologies")


def test_a_sentence_said_twice_is_caught(bakery: Case) -> None:
    line = "A bakery cannot run on promises it never sees kept."
    text = edit(EMAIL, "Here is what", f"{line} Here is what")
    text = edit(text, "Sam Ortiz\nTerritory", f"{line.upper()}\n\nSam Ortiz\nTerritory")
    assert failed("email", text, bakery)["no-repeats"] == [line.upper()]


def test_list_items_sharing_a_formula_are_not_repeats(bakery: Case) -> None:
    items = (
        "- Fixed Tuesday slots. In place now, owned by Logistics.\n"
        "- Fixed Friday slots. In place now, owned by Logistics.\n\n"
    )
    text = edit(EMAIL, "Until we have", items + "Until we have")
    assert "no-repeats" not in failed("email", text, bakery)


# --- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("old", "new", "word"),
    [
        ("Sam Ortiz\nTerritory", "Sam Ortis\nTerritory", "Ortis"),
        ("your account at Golden", "your Harbour Street account at Golden", "Harbour"),
        ("Dear Walt,", "Dear Mr. Brenan,", "Brenan"),
    ],
)
def test_a_misspelt_name_is_caught_anywhere(old: str, new: str, word: str, bakery: Case) -> None:
    found = failed("email", edit(EMAIL, old, new), bakery)["names-spelt"]
    assert found[0].startswith(word)


def test_other_names_and_plurals_are_not_misspellings(bakery: Case) -> None:
    text = edit(
        EMAIL,
        "Here is what",
        "Brandon in your office and the Goldens team saw it too. Here is what",
    )
    assert "names-spelt" not in failed("email", text, bakery)


# --- greeting and signature ---------------------------------------------------------------


def test_an_honorific_salutation_is_a_greeting() -> None:
    case = case_with(customer="\n  name: Taro Tanaka\n  salutation: 田中様")
    text = edit(EMAIL, "Dear Walt,", "Dear 田中様,")
    assert "greeting" not in failed("email", text, case)


def test_a_memo_signed_in_its_header_needs_no_signature(bakery: Case) -> None:
    memo = edit(ESCALATION, "\nSam Ortiz\n", "\n")
    assert "signature" not in failed("escalation", "From: Sam Ortiz\n" + memo, bakery)
    titled = "Harbor Street Bakeries: escalation from Sam Ortiz\n\n" + memo.split("\n", 2)[2]
    assert "signature" not in failed("escalation", titled, bakery)
    letter = "From: Sam Ortiz\n" + edit(EMAIL, "Sam Ortiz\nTerritory", "Territory")
    assert "signature" in failed("email", letter, bakery)


# --- length -----------------------------------------------------------------------------


def test_a_long_list_is_not_a_wall_of_text(bakery: Case) -> None:
    items = "\n".join(
        f"- Delivery {i}: we missed the slot and you ran short of flour." for i in range(18)
    )
    text = edit(EMAIL, "Until we have", items + "\n\nUntil we have")
    assert not any(
        t.startswith("a paragraph") for t in failed("email", text, bakery).get("length", [])
    )
    prose = " ".join(f"Delivery {i} missed its slot and you ran short of flour." for i in range(18))
    text = edit(EMAIL, "Until we have", prose + "\n\nUntil we have")
    assert any(t.startswith("a paragraph") for t in failed("email", text, bakery)["length"])


# --- coverage ---------------------------------------------------------------------------


def test_naming_the_fix_does_not_name_the_failure() -> None:
    case = case_with(
        what_changed="\n  - change: Every invoice is now checked against its delivery note.\n"
    )
    text = edit(EMAIL, "Your deliveries and invoices: what we got wrong", "Your deliveries")
    text = edit(
        text,
        "And our invoices were wrong, again\nand again, so your bookkeeper spent hours every "
        "month correcting them.",
        "",
    )
    text = edit(text, "Here is what is changing.", "Every invoice is now checked.")
    assert failed("email", text, case)["failures-named"] == [
        "Our invoices were wrong, again and again."
    ]
    paraphrase = edit(
        text, "Every invoice", "Time and again our invoices were wrong. Every invoice"
    )
    assert "failures-named" not in failed("email", paraphrase, case)


FOLLOW_UP = """
after_meeting:
  agreed:
    - step: A weekly call about deliveries until the slots are settled.
      owner: Sam Ortiz
  next_contact: 2026-12-10
"""


def test_a_follow_up_needs_no_new_ask_and_no_list_of_changes() -> None:
    case = parse_case(BAKERY + FOLLOW_UP, "t.yaml")
    text = (
        "Subject: After our meeting\n\nDear Walt,\n\nThank you for your time on Tuesday. We "
        "never kept a delivery date, and our invoices were wrong again and again; you told "
        "us so plainly.\n\nWhat we agreed:\n- A weekly call about deliveries until the slots "
        "are settled. Owner: me.\n\nYou will hear from me next on 10 December.\n\nSam Ortiz\n"
    )
    found = failed("email", text, case)
    assert "one-ask" not in found
    assert "changes-named" not in found
    without = text.replace("- A weekly call about deliveries until the slots are settled.", "")
    assert "one-ask" in failed("email", without, case)
