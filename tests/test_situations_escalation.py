"""The escalation note as a manager reads it: a recommendation that follows from the case,
told in the internal voice, with approved gestures reported as approved, in the case's tone,
and as an .eml addressed to the decider."""

from __future__ import annotations

import re
from email.utils import parsedate_to_datetime

import pytest

from drafter.advice import recommend, third_person
from drafter.case import Case
from drafter.casefile import parse_case
from drafter.checks import check_draft
from drafter.drafts import Draft
from drafter.eml import as_eml
from drafter.render import RenderOptions, render
from drafter.resources import examples
from tests.conftest import parse_eml

EXAMPLES = examples()

BASE = """\
account: Harbor Street Bakeries
customer:
  name: Walt Brennan
  title: Owner
sender:
  name: Sam Ortiz
  title: Territory Sales Representative
  company: Golden Mill Supply
  email: sam.ortiz@goldenmill.example
what_went_wrong:
  - issue: We never kept a delivery date.
    impact: You ran short of flour on weekend mornings.
  - issue: When you raised it, nobody from our side came back to you.
what_changed:
  - change: Deliveries now run on fixed Tuesday and Friday slots.
    owner: Logistics
value_at_stake:
  annual_value: 310000
  currency: GBP
  renewal: 2027-06-30
relationship_years: 9
escalation:
  to: Mark Olsen, VP Sales
  needs:
    - A driver on the Saturday route for 60 days.
  decide_by: 2026-12-05
  management_support: unknown
"""


def case(extra: str = "", **escalation: str) -> Case:
    """BASE with top-level keys replaced by ``extra`` and escalation fields overridden."""
    keys = {line.split(":", 1)[0] for line in extra.splitlines() if line and line[0] != " "}
    kept, skipping, replaced = [], False, False
    for line in BASE.splitlines():
        if line and line[0] != " ":
            skipping = line.split(":", 1)[0] in keys
        field = line.strip().split(":", 1)[0]
        if skipping or (replaced and line.startswith("    ")):
            continue
        replaced = line.startswith("  ") and field in escalation
        kept.append(f"  {field}: {escalation.pop(field)}" if replaced else line)
    kept += [f"  {k}: {v}" for k, v in escalation.items()]
    return parse_case("\n".join(kept) + "\n" + extra, "t.yaml")


def note(c: Case, markdown: bool = False) -> Draft:
    return render("escalation", c, RenderOptions(markdown=markdown))


def example(name: str) -> Case:
    from drafter.casefile import load_case

    return load_case(str(EXAMPLES[name]))


def sections(body: str) -> dict[str, str]:
    """The note's sections by heading (a heading is a line followed by a blank line)."""
    parts = re.split(r"(?m)^([A-Z][^\n.?:,]*)\n\n", "\n\n" + body)
    return {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2)}


# --- the recommendation follows from the case --------------------------------------------

HANDOVER = "handover_to:\n  name: Renee Park\n  title: Senior Account Manager\n"


@pytest.mark.parametrize(
    ("extra", "fields", "action", "label", "in_reason"),
    [
        ("", {}, "recover", "Recover the account", "£310,000 a year"),
        ("", {"management_support": "no"}, "walk_away", "Walk away", "will not commit"),
        ("", {"cost": "400000"}, "walk_away", "Walk away and keep in touch", "£400,000"),
        (
            "situation: personal\n" + HANDOVER,
            {"management_support": "yes"},
            "hand_over",
            "Hand the account to Renee Park (Senior Account Manager)",
            "with me personally",
        ),
        (
            "customer:\n  name: Walt Brennan\n  refuses_to_meet: true\n  manager: Ellen Cho, COO\n",
            {},
            "escalate",
            "Escalate on the customer's side, to Ellen Cho",
            "Walt has refused to meet us",
        ),
        (
            "situation: lost\n",
            {"management_support": "yes"},
            "recover",
            "Recover the account by reconnecting with Walt",
            "nothing is at risk today",
        ),
        ("situation: deal\n", {}, "recover", "Recover the deal", "worth £310,000 a year"),
        (
            "value_at_stake:\n  annual_value: 0\n",
            {},
            "walk_away",
            "Walk away",
            "nothing recurring is at stake",
        ),
    ],
    ids=["recover", "no-backing", "cost", "personal", "refuses", "lost", "deal", "nothing"],
)
def test_recommendation_follows_the_case(
    extra: str, fields: dict[str, str], action: str, label: str, in_reason: str
) -> None:
    c = case(extra, **fields)
    rec = recommend(c)
    assert (rec.action, rec.label) == (action, label)
    assert in_reason in rec.reason
    assert f"{rec.label}, because {rec.reason}" in note(c).body


def test_unknown_backing_for_a_valuable_account_is_recover_without_walking_away() -> None:
    rec = recommend(case())
    assert rec.action == "recover"
    assert "walk away" not in rec.reason.lower()
    assert "£310,000 a year" in rec.reason and "30 June 2027" in rec.reason


def test_no_backing_is_said_plainly_with_what_backing_would_change() -> None:
    plain = recommend(case(management_support="no")).reason
    assert "Walking away gives up £310,000 a year, the renewal on 30 June 2027" in plain
    assert plain.endswith("If the backing is given after all, I would recover the account.")
    personal = recommend(case("situation: personal\n" + HANDOVER, management_support="no"))
    assert personal.action == "walk_away"
    assert personal.reason.endswith(
        "I would hand the account to Renee Park (Senior Account Manager)."
    )


def test_the_reason_cites_the_cost_against_the_value() -> None:
    cheap = recommend(case(cost="18000")).reason
    assert "£18,000" in cheap and "less than a month of the account's value" in cheap
    dear = recommend(case(cost="700000")).reason
    assert "£700,000 is more than the £310,000 a year" in dear
    assert "more than two years of its value" in dear


def test_the_reason_cites_the_competitor_in_the_internal_voice() -> None:
    rec = recommend(case("situation: deal\ncompetitor: Your team has asked Orbis for a quote.\n"))
    assert "Their team has asked Orbis for a quote." in rec.reason
    assert "welcome" in rec.reason  # a side-by-side welcomed, never run down


def test_a_lost_customer_is_weighed_by_potential_not_revenue_at_risk() -> None:
    rec = recommend(example("former-water-district"))
    assert "nothing is at risk today" in rec.reason
    assert "was a customer for 9 years" in rec.reason and "$72,000 a year again" in rec.reason
    body = note(example("former-water-district")).body
    assert "- Annual value if won back: $72,000\n" in body


def test_conditional_sentences_appear_only_where_they_apply() -> None:
    for name in EXAMPLES:
        c = example(name)
        reason = recommend(c).reason
        if c.situation != "personal":
            assert "personally" not in reason, name
        if not c.customer.refuses_to_meet:
            assert "refused" not in reason and "will not meet" not in reason, name
        if not (c.escalation and c.escalation.management_support == "no"):
            assert "backing is given" not in reason, name


def test_a_personal_break_names_the_colleague_in_subject_reason_and_decision() -> None:
    d = note(example("school-handover"))
    assert d.subject.endswith("on handing the account to Amira Haddad")
    assert "Hand the account to Amira Haddad (Senior Account Manager), because" in d.body
    assert "approve the hand-over to Amira Haddad" in d.body


def test_refusing_to_meet_escalates_to_their_manager() -> None:
    d = note(example("refused-meeting"))
    assert "Naomi has refused to meet us." in d.body
    assert "I would ask Ruth Calloway (Director of Publishing) for the meeting" in d.body
    assert "approve my going to Ruth Calloway" in d.body


# --- the internal voice ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "internal"),
    [
        (
            "When you raised it, nobody from our side came back to you.",
            "When they raised it, nobody from our side came back to them.",
        ),
        (
            "You are paying for software you cannot use.",
            "They are paying for software they cannot use.",
        ),
        ("We sold you stock you did not need.", "We sold them stock they did not need."),
        ("Your team's layout, not yours.", "Their team's layout, not theirs."),
    ],
)
def test_customer_facing_text_becomes_third_person(text: str, internal: str) -> None:
    assert third_person(text) == internal


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_the_note_speaks_about_the_customer_never_to_them(name: str) -> None:
    c = example(name)
    body = note(c).body
    quote = " ".join(c.customer_words.split()) if c.customer_words else "\0"
    for heading, text in sections(body.replace(quote, "")).items():
        if heading not in ("Situation", "Decision needed"):  # "you" there is the decider
            assert not re.search(r"\byour?\b", text, re.IGNORECASE), (heading, text)
    assert "As I put it to" not in body


# --- approved gestures, needs and names ------------------------------------------------------


def test_an_approved_gesture_is_reported_as_approved_and_not_asked_for_again() -> None:
    c = case(
        "give_first:\n  - Take back all unused flour for full credit.\n",
        needs="\n    - Approval to credit £4,000 of returned flour.\n"
        "    - A driver on the Saturday route for 60 days.",
    )
    parts = sections(note(c).body)
    needs = parts["What the recovery needs"]
    assert "- A driver on the Saturday route for 60 days." in needs
    assert "Approval to credit" not in needs
    assert (
        "- Take back all unused flour for full credit (approved goodwill gesture; this covers "
        "the approval to credit £4,000 of returned flour)."
    ) in needs
    assert "Already approved or under way (no decision needed):" in needs
    assert check_draft(note(c), c).ok


def test_needs_missing_say_what_decision_is_still_asked() -> None:
    body = note(case(needs="[]")).body
    assert "not yet costed" not in body
    assert "No people or money are requested at this stage" in body
    assert "could you decide whether we go ahead with a recovery on that basis?" in body


def test_names_keep_their_capitals_mid_sentence() -> None:
    c = case(
        "situation: personal\n" + HANDOVER + "give_first:\n"
        "  - Priya will personally collect the unused stock.\n",
        needs="\n    - Renee Park takes over the account from 1 January 2027.",
        management_support="yes",
    )
    body = note(c).body
    assert "Priya will personally collect the unused stock (approved goodwill gesture)." in body
    assert "- Renee Park takes over the account from 1 January 2027." in body
    assert not re.search(r"\b(priya|renee)\b", body)


# --- tone ------------------------------------------------------------------------------------


def test_tone_changes_the_note_visibly() -> None:
    bodies = {t: note(case(f"tone: {t}\n")).body for t in ("warm", "formal", "direct")}
    assert bodies["warm"].startswith("Hi Mark,\n")
    assert bodies["formal"].startswith("Dear Mark,\n")
    assert bodies["direct"].startswith("Mark,\n")
    assert "By 5 December 2026, could you decide" in bodies["warm"]
    assert "By 5 December 2026, I would be grateful if you would decide" in bodies["formal"]
    assert "By 5 December 2026, please decide" in bodies["direct"]
    assert "I need your decision by 5 December 2026" in bodies["direct"]
    for tone in bodies:
        c = case(f"tone: {tone}\n")
        assert check_draft(note(c), c).ok, tone


# --- the .eml -------------------------------------------------------------------------------


def test_escalation_eml_is_addressed_to_the_decider_with_date_and_message_id() -> None:
    c = case(to_email="mark.olsen@goldenmill.example")
    d = note(c)
    assert d.to[0].email == "mark.olsen@goldenmill.example"
    msg = parse_eml(as_eml(d))
    [to] = msg["To"].addresses
    assert (to.display_name, to.addr_spec) == ("Mark Olsen", "mark.olsen@goldenmill.example")
    assert parsedate_to_datetime(msg["Date"]).tzinfo is not None
    assert re.fullmatch(r"<[^<>@\s]+@goldenmill\.example>", msg["Message-ID"])
    assert parse_eml(as_eml(d))["Message-ID"] != msg["Message-ID"]


def test_eml_without_a_sender_address_gets_a_safe_message_id_domain() -> None:
    c = case("sender:\n  name: Sam Ortiz\n  company: Golden Mill Supply\n")
    msg = parse_eml(as_eml(render("email", c)))
    assert msg["Message-ID"].endswith("@drafter.invalid>")
    assert msg["Date"] is not None
    assert msg["To"] is None  # the customer has no address in this case
