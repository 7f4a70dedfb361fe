"""Greetings address the customer as a person would: salutation, title and surname, first name."""

from __future__ import annotations

import pytest

from drafter.case import Customer
from drafter.render import addressed, first_name


@pytest.mark.parametrize(
    ("name", "salutation", "tone", "expected"),
    [
        ("Dana Whitfield", None, "warm", "Dana"),
        ("Dana Whitfield", None, "direct", "Dana"),
        ("Dana Whitfield", None, "formal", "Dana"),
        ("Dr. Dana Whitfield", None, "warm", "Dr. Whitfield"),
        ("Ms. Joan Olsen", None, "direct", "Ms. Olsen"),
        ("Mr Rui Almeida", None, "formal", "Mr Almeida"),
        ("Dr. Dana Whitfield", "Dana", "formal", "Dana"),
        ("田中 美咲", "田中様", "warm", "田中様"),
    ],
)
def test_greeting_never_a_bare_title(
    name: str, salutation: str | None, tone: str, expected: str
) -> None:
    customer = Customer(name=name, salutation=salutation)
    assert addressed(customer, tone) == expected


def test_first_name_skips_a_title() -> None:
    assert first_name("Dr. Dana Whitfield") == "Dana"
    assert first_name("Prof Ana") == "Ana"
    assert first_name("Madonna") == "Madonna"


def test_a_japanese_honorific_greeting_passes_the_greeting_check() -> None:
    from drafter.checks.text import name_in

    assert name_in("田中様,\n\nお世話になっております。", "田中 美咲")
    assert name_in("Dear Dana,", "Dana Whitfield")
    assert not name_in("Dear Danaher,", "Dana Whitfield")
