"""The Take-the-Stick email fits the situation (METHOD.md, Situations): a lost customer is not
sold to, and a contact new in the role is not written to as if they lived through it; a live
deal is not withdrawn from; a personal break hands the account over. Greetings address a
person, never a mail merge; a failure's date is said once."""

from __future__ import annotations

import itertools
import re
from typing import Any

import pytest

from drafter.case import Case
from drafter.casefile import load_case
from drafter.checks import check_draft
from drafter.drafts import Draft
from drafter.render import render
from drafter.resources import examples

TONES = ("warm", "formal", "direct")
WITHDRAWING = ("earned the right", "not writing to seek your business", "further business")
LIVED_THROUGH = ("put you through", "cost you and your team", "let you down", "failed you")


def example(stem: str, **update: Any) -> Case:
    """A project example case with top-level fields (and ``customer`` fields) replaced."""
    data = load_case(str(examples()[stem])).model_dump()
    data["customer"].update(update.pop("customer", {}))
    return Case.model_validate({**data, **update})


def email(case: Case) -> Draft:
    return render("email", case)


def text(d: Draft) -> str:
    return f"{d.subject}\n{d.body}"


# -- every situation, inherited or not, in every tone: the method checks pass ----------------

VARIANTS = list(
    itertools.product(
        ("former-water-district", "warehouse-deal", "school-handover", "late-payroll"),
        ("incident", "lost", "deal", "personal"),
        (False, True),
        TONES,
    )
)


@pytest.mark.parametrize(("stem", "situation", "inherited", "tone"), VARIANTS)
def test_every_situation_drafts_a_sendable_email(
    stem: str, situation: str, inherited: bool, tone: str
) -> None:
    case = example(stem, situation=situation, inherited=inherited, tone=tone)
    d = email(case)
    assert check_draft(d, case).violations == ()
    assert 100 <= len(d.body.split()) <= 330
    assert text(d).count("?") == 1
    sentences = [s for s in re.split(r"(?<=[.?:])\s+", d.body) if len(s.split()) > 3]
    assert len(sentences) == len(set(sentences)), "a sentence said twice"


# -- deal: no pledge, no withdrawing; each concern owned; no pressure ------------------------

DEAL = "warehouse-deal"


@pytest.mark.parametrize("tone", TONES)
@pytest.mark.parametrize("inherited", [False, True])
def test_a_live_deal_is_not_withdrawn_from(tone: str, inherited: bool) -> None:
    case = example(DEAL, tone=tone, inherited=inherited)
    body = email(case).body
    lowered = body.lower()
    for phrase in WITHDRAWING:
        assert phrase not in lowered
    assert "concerns" in lowered  # each concern named and settled
    assert f"decision rests on what {case.account} needs" in body  # back to their outcome
    assert "press" in lowered and "deadline" not in lowered  # no pressure to sign
    assert "A second demo at Dayton on your own layout, at our cost." in body  # given first
    assert "comparison" in lowered  # a side-by-side welcomed calmly...
    assert "robotics vendor" not in lowered and "pilot" not in lowered  # ...never run down
    assert "discount" not in lowered


def test_the_issue_deal_of_1_2m_is_not_told_we_have_not_earned_the_right() -> None:
    case = example(
        DEAL,
        account="Halvorsen Energy",
        value_at_stake={"annual_value": 1200000, "notes": "Three-year agreement in final stages."},
        ask=None,
    )
    body = email(case).body
    assert "earned the right" not in body and "seek your business" not in body
    ask = next(line for line in body.splitlines() if line.endswith("?"))
    assert ask.endswith(
        "to settle these concerns and hear what your team would need to see to go "
        "forward with confidence?"
    )


# -- lost: reconnect without pressure; a new-in-role contact did not live through it ---------

LOST = "former-water-district"


@pytest.mark.parametrize("tone", TONES)
@pytest.mark.parametrize("inherited", [False, True])
def test_a_new_in_role_contact_is_not_written_to_as_if_they_lived_through_it(
    tone: str, inherited: bool
) -> None:
    case = example(LOST, tone=tone, inherited=inherited, customer={"new_in_role": True})
    body = email(case).body
    lowered = body.lower()
    for phrase in LIVED_THROUGH:
        assert not re.search(rf"\b{phrase}\b", lowered), phrase
    assert "your team at the time" in lowered
    assert f"why {case.account.lower()}" in lowered
    assert "not writing to sell" in lowered and "earned the right" not in lowered


def test_the_issue_lost_customer_of_2022_and_a_coo_who_joined_later() -> None:
    case = example(
        LOST,
        customer={"name": "Owen Castellanos", "title": "COO", "new_in_role": True},
        what_went_wrong=[{"issue": "Our service visits kept slipping.", "when": "2022"}],
        competitor="Their current vendor has had two long outages this year.",
        ask=None,
    )
    body = email(case).body
    assert "what we put you through" not in body
    assert "outage" not in body.lower()  # the current vendor's failures are never cited
    ask = next(line for line in body.splitlines() if line.endswith("?"))
    assert "working together again is possible, and what it would take?" in ask


@pytest.mark.parametrize("tone", TONES)
def test_a_contact_who_was_there_is_told_we_understand_why_they_left(tone: str) -> None:
    body = email(example(LOST, tone=tone, customer={"new_in_role": False})).body
    assert "why you" in body or "you were right to leave" in body
    assert "your team at the time" not in body


# -- personal: own it, hand over, never argue the point -------------------------------------

PERSONAL = "school-handover"


@pytest.mark.parametrize("tone", TONES)
def test_a_personal_break_introduces_who_takes_over_and_leads(tone: str) -> None:
    d = email(example(PERSONAL, tone=tone, ask=None))
    body = d.body
    assert "Amira Haddad, our Senior Account Manager," in body
    assert "lead our side from now on" in body
    assert "unless you" in body or "only if you wish" in body  # the sender steps back
    assert "amira.haddad@northgate-it.example" in body
    assert re.search(r"(not|won't) (argue|contest)", body)  # the personal point is not argued
    assert "takes over your account" in d.subject
    ask = next(line for line in body.splitlines() if line.endswith("?"))
    assert "Amira" in ask  # the meeting is with the colleague, not the sender
    assert "earned the right to discuss" in body  # still repair first, sell never


def test_a_personal_break_without_a_named_colleague_invents_no_one() -> None:
    case = example(PERSONAL, handover_to=None, ask=None)
    body = email(case).body
    assert "A colleague at Northgate IT Services is taking over your account" in body
    assert "Amira" not in body and "[" not in body


# -- greetings: a person, never a bare title or a mail merge ---------------------------------


@pytest.mark.parametrize(
    ("name", "salutation", "tone", "greeting"),
    [
        ("Hannah Okoye", None, "formal", "Dear Hannah,"),  # not "Dear Hannah Okoye,"
        ("Hannah Okoye", None, "direct", "Hannah,"),
        ("Dr. Hannah Okoye", None, "formal", "Dear Dr. Okoye,"),
        ("Mr. John Smith Jr.", None, "warm", "Dear Mr. Smith,"),
        ("Ms. Ana de la Cruz", None, "formal", "Dear Ms. de la Cruz,"),
        ("J. Robert Oppenheimer", None, "warm", "Dear Robert,"),
        ("Hannah Okoye", "Ms. Okoye", "warm", "Dear Ms. Okoye,"),
        ("田中 美咲", None, "formal", "田中様,"),  # family name and 様, no "Dear"
        ("田中 美咲", "田中様", "warm", "田中様,"),
        ("タナカ ミサキ", None, "direct", "タナカ様,"),
        ("王伟", None, "formal", "Dear 王伟,"),  # not clearly Japanese: as written
    ],
)
def test_greeting(name: str, salutation: str | None, tone: str, greeting: str) -> None:
    case = example("late-payroll", tone=tone, customer={"name": name, "salutation": salutation})
    assert email(case).body.splitlines()[0] == greeting


# -- a failure's date is said once -----------------------------------------------------------


@pytest.mark.parametrize(
    ("issue", "impact", "when", "line"),
    [
        (
            "In March we printed your catalogue out of register.",
            None,
            "March 2026",
            "- In March we printed your catalogue out of register.",
        ),
        (
            "The van missed your delivery on 3 November.",
            "Your event ran without linen.",
            "3 November 2026",
            "- The van missed your delivery on 3 November. Your event ran without linen.",
        ),
        (
            "The van missed your delivery.",
            "Your 3 November event ran without linen.",
            "3 November 2026",
            "- The van missed your delivery. Your 3 November event ran without linen.",
        ),
        (
            "We said the fix may take a week.",
            None,
            "May 2026",
            "- We said the fix may take a week (May 2026).",
        ),
    ],
)
def test_the_when_of_a_failure_is_not_repeated(
    issue: str, impact: str | None, when: str, line: str
) -> None:
    failure = {"issue": issue, "impact": impact, "when": when}
    case = example("late-payroll", what_went_wrong=[failure])
    body = email(case).body
    assert f"{line}\n" in body


# -- tone visibly shapes every situation -----------------------------------------------------


@pytest.mark.parametrize("situation", ["incident", "lost", "deal", "personal"])
def test_tone_visibly_shapes_each_situation(situation: str) -> None:
    warm, formal, direct = (
        email(example("late-payroll", situation=situation, tone=t)).body for t in TONES
    )
    assert "Warm regards," in warm and "Yours sincerely," in formal
    assert direct.startswith("Hannah,\n") and "I'm" in direct and "I'm" not in formal
    assert len({warm, formal, direct}) == 3
