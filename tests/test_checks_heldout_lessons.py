"""What the held-out sets taught the checks: each a behaviour a user of `drafter check`
would notice (a real catch, or a good draft left alone)."""

from __future__ import annotations

import pytest

from drafter.case import Case
from drafter.casefile import parse_case
from tests.test_checks import BAKERY, EMAIL, failed

ASK = "Could I have ten minutes at your shop to show you the new delivery schedule?"
PLEDGE = (
    "Until we have fixed this to your full satisfaction, we have not earned the right\n"
    "to discuss more business."
)


@pytest.fixture(scope="module")
def bakery() -> Case:
    return parse_case(BAKERY, "t.yaml")


def test_a_list_under_a_refusal_heading_is_the_pledge(bakery: Case) -> None:
    text = EMAIL.replace(PLEDGE, "What I'm not doing\n\n* Talking about your renewal.")
    assert "no-selling" not in failed("email", text, bakery)


def test_the_same_item_under_a_plain_heading_is_selling(bakery: Case) -> None:
    text = EMAIL.replace(PLEDGE, "Next steps\n\n* Talking about your renewal.")
    assert failed("email", text, bakery)["no-selling"] == ["renewal"]


def test_the_case_ask_pasted_as_a_bare_line_is_not_a_sentence(bakery: Case) -> None:
    pasted = "Ten minutes at your shop to show you the new delivery schedule."
    text = EMAIL.replace(ASK, f"{pasted}\n\n{ASK}")
    assert failed("email", text, bakery)["whole-sentences"] == [pasted]
    assert "whole-sentences" not in failed("email", EMAIL, bakery)


def test_a_short_surname_misspelt_beside_the_first_name(bakery: Case) -> None:
    text = EMAIL.replace("Sam Ortiz\nTerritory", "Sam Ortis\nTerritory")
    assert failed("email", text, bakery)["names-spelt"] == ["Ortis (the case: Ortiz)"]
    possessive = EMAIL.replace("Sam Ortiz\nTerritory", "Sam Ortiz's desk\nTerritory")
    assert "names-spelt" not in failed("email", possessive, bakery)


def test_a_month_the_case_never_names_is_an_invented_deadline(bakery: Case) -> None:
    text = EMAIL.replace("no charge.", "no charge, and invoicing is fixed by February.")
    assert "by February" in failed("email", text, bakery)["no-invented-facts"]
    known = EMAIL.replace("no charge.", "no charge, all in place by December.")
    assert "no-invented-facts" not in failed("email", known, bakery)


@pytest.mark.parametrize(
    "blame",
    [
        "The haulage firm we were using kept missing its slots.",
        "The previous account manager left your orders sitting for weeks.",
        "Both failures were down to the previous representative.",
        "In fairness, your bookkeeper and I were both slow to spot the errors.",
    ],
)
def test_blame_however_politely_put(blame: str, bakery: Case) -> None:
    text = EMAIL.replace("Here is what is changing.", f"{blame} Here is what is changing.")
    assert "no-excuses" in failed("email", text, bakery)


def test_a_sentence_repeated_inside_list_items_is_a_repeat(bakery: Case) -> None:
    said = "Your bookkeeper spent hours every month correcting our wrong invoices."
    text = EMAIL.replace(PLEDGE, f"- Invoices were wrong. {said}\n- Slots are fixed now. {said}")
    assert failed("email", text, bakery)["no-repeats"]
