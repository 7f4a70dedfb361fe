"""Honesty rules judged like an expert: refusals, plain facts and the case's own words pass;
selling, excuses, blame and anything the case does not give are caught."""

from __future__ import annotations

import pytest

from drafter.case import Case
from drafter.casefile import parse_case
from drafter.checks import check_text

CASE = """\
account: Lakeside Dental Group
customer:
  name: Imogen Farrow
  title: Practice Manager
sender:
  name: Tariq Benali
  company: Brightwave Imaging
inherited: true
what_went_wrong:
  - issue: Our X-ray sensors failed in four surgeries for two weeks.
    impact: Patients were rebooked and 60 appointments were lost.
  - issue: Replacement sensors we promised were never sent.
what_changed:
  - change: Failed sensors are now swapped within one business day.
    owner: Field service
value_at_stake:
  annual_value: 120000
  currency: GBP
  notes: Three-year contract.
give_first:
  - Replace every sensor in the four surgeries at no charge.
escalation:
  to: Lena Moss, Sales Director
  cost: 15000
  needs:
    - A field engineer based in the city two days a week for a quarter.
competitor: Your team has asked Clearview Dental Systems for a quote.
"""


@pytest.fixture
def case() -> Case:
    return parse_case(CASE, "honesty.yaml")


def fired(kind: str, text: str, case: Case, rule: str) -> list[str]:
    report = check_text(kind, f"Dear Imogen,\n\n{text}\n\nTariq", case)  # type: ignore[arg-type]
    return [v.text for v in report.violations if v.rule == rule]


@pytest.mark.parametrize(
    "refusal",
    [
        "I am not going to use this letter to bring up your contract renewal.",
        "There will be no talk of pricing or new products at the meeting.",
        "You won't hear a pitch for a new package or a deal from me.",
        "It took a great deal of your receptionists' time to rebook patients.",
    ],
)
def test_refusals_and_idioms_are_not_selling(refusal: str, case: Case) -> None:
    assert fired("email", refusal, case, "no-selling") == []


@pytest.mark.parametrize(
    ("pitch", "words"),
    [
        ("While we talk, I could show you our premium tier.", "premium tier"),
        ("Our imaging suite is the stronger choice over Clearview.", "Clearview"),
        ("We would love to equip the new practices you are opening.", "opening"),
    ],
)
def test_pitches_are_caught(pitch: str, words: str, case: Case) -> None:
    assert any(words in w for w in fired("email", pitch, case, "no-selling"))


def test_in_a_deal_the_deal_is_not_selling_but_a_discount_is(case: Case) -> None:
    deal = case.model_copy(update={"situation": "deal"})
    assert (
        fired("email", "I want the renewal to go ahead on terms you trust.", deal, "no-selling")
        == []
    )
    assert fired("email", "We can take 5% off year one.", deal, "no-selling")
    assert fired("email", "Please sign the contract before Friday.", deal, "no-selling")


@pytest.mark.parametrize(
    "excuse",
    [
        "As you will know, sensors of this kind are delicate.",
        "Our sensor supplier shipped a bad batch that caused all of this.",
        "The outage came from a fault at our hardware vendor.",
        "Had your front desk reported the first failure, we would have acted sooner.",
        "Our field team was exceptionally busy that fortnight.",
        "We regret the disruption this may have caused.",
        "The old account manager ignored your calls; that was his call, not policy here.",
    ],
)
def test_excuses_and_polite_blame_are_caught(excuse: str, case: Case) -> None:
    assert fired("email", excuse, case, "no-excuses")


@pytest.mark.parametrize(
    "fact",
    [
        "Before I took on your account, I read every note your team had sent.",
        "I inherited the account from the previous account manager in March.",
        "You have bought from us as your supplier for years, and we let you down.",
        "This happened before my time, and it is still ours to own.",
    ],
)
def test_plain_statements_of_fact_are_not_excuses(fact: str, case: Case) -> None:
    assert fired("email", fact, case, "no-excuses") == []


@pytest.mark.parametrize(
    ("claim", "words"),
    [
        ("Our engineer, Marco Ricci, will visit every surgery.", "Marco Ricci"),
        ("We now answer every fault within 4 hours.", "within 4 hours"),
        ("We are putting a field engineer in the city two days a week.", "field engineer"),
        ("We lost 250 appointments' worth of your trust.", "250"),
    ],
)
def test_invented_people_deadlines_needs_and_counts_are_caught(
    claim: str, words: str, case: Case
) -> None:
    assert any(words in w for w in fired("email", claim, case, "no-invented-facts"))


@pytest.mark.parametrize(
    "fact",
    [
        "Failed sensors are now swapped within one business day.",
        "We will replace every sensor in the four surgeries at no charge.",
        "The replacement sensors you were promised never came.",
        "Across the three-year contract that is GBP 360,000, about GBP 10,000 a month.",
    ],
)
def test_case_words_and_arithmetic_are_facts(fact: str, case: Case) -> None:
    assert fired("email", fact, case, "no-invented-facts") == []


def test_escalation_reports_an_approved_gesture_but_does_not_ask_for_it(case: Case) -> None:
    asked = "Please approve replacing every sensor in the four surgeries at no charge."
    assert fired("escalation", asked, case, "no-invented-facts")
    reported = "Approved already: we replace every sensor in the four surgeries at no charge."
    assert fired("escalation", reported, case, "no-invented-facts") == []
    share = "GBP 15,000 is under 13% of one year's value."
    assert fired("escalation", share, case, "no-invented-facts") == []


def test_escalation_planning_a_pitch_is_selling(case: Case) -> None:
    plan = "At the meeting I want to put our cloud archive add-on in front of her."
    assert fired("escalation", plan, case, "no-selling")
    value = "The renewal is worth GBP 120,000 a year; pricing stays off the table."
    assert fired("escalation", value, case, "no-selling") == []
