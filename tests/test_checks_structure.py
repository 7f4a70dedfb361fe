"""The agenda's and the escalation note's structure, read as an expert would: agendas in any
layout whose time boxes add up to the meeting, a listening item that listens, a purpose per
situation; notes in the internal voice, with a recommendation the case allows."""

from __future__ import annotations

import pytest

from drafter.case import Case
from drafter.casefile import parse_case
from drafter.checks import check_text
from drafter.drafts import Kind

CASE = """\
account: Lantern Bay Ferries
customer:
  name: Ines Calder
  title: Fleet Manager
sender:
  name: Oskar Lind
  title: Account Manager
  company: Tidewell Marine
what_went_wrong:
  - issue: Our engine parts arrived three weeks late for the spring refit.
    impact: Two of your boats missed the first week of the season.
what_changed:
  - change: Refit orders now ship from our Gdansk stock with a tracked date.
    owner: Logistics
value_at_stake:
  annual_value: 90000
give_first:
  - Free freight on the next refit order.
ask: Twenty minutes at your harbour office.
escalation:
  to: Mette Sorensen, Sales Director
  needs:
    - A parts planner on the account for 8 weeks.
  decide_by: 2026-11-20
"""

LISTEN = "What did we miss, from where you stand?"
TOGETHER = "Can we work together again, and what would that take?"


def case(**changes: str) -> Case:
    """The ferry case with top-level YAML blocks replaced or added (``key: value`` text)."""
    lines, skip = [], False
    for line in CASE.splitlines():
        key = line.split(":", 1)[0]
        if not line.startswith(" "):
            skip = key in changes
        if not skip:
            lines.append(line)
    lines += [f"{key}:{value}" for key, value in changes.items()]
    return parse_case("\n".join(lines) + "\n", "ferry.yaml")


def fired(kind: Kind, text: str, c: Case | None = None) -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    for v in check_text(kind, text, c or case()).violations:
        out.setdefault(v.rule, []).append(v.text)
    return out


def agenda(rows: str, purpose: str = "Purpose: to put right the late refit parts.") -> str:
    return f"Lantern Bay Ferries and Tidewell Marine, twenty minutes\n\n{purpose}\n\n{rows}\n"


def structure(found: dict[str, list[str]]) -> set[str]:
    return {r for r in found if r.startswith(("agenda-", "escalation-"))}


# --- agenda layouts -------------------------------------------------------------------

LAYOUTS = {
    "clock ranges": (
        f"14:00-14:02 Thanks\n14:02-14:06 What we got wrong\n14:06-14:12 {LISTEN}\n"
        f"14:12-14:15 What has changed\n14:15-14:19 {TOGETHER}\n14:19-14:20 Next steps"
    ),
    "minute offsets": (
        f"00-02  Thanks\n02-06  What we got wrong\n06-12  {LISTEN}\n12-15  What has changed\n"
        f"15-19  {TOGETHER}\n19-20  Next steps"
    ),
    "a table with a Min column": (
        "| Min | Topic |\n|---:|---|\n| 2 | Thanks |\n| 4 | What we got wrong |\n"
        f"| 6 | {LISTEN} |\n| 3 | What has changed |\n| 4 | {TOGETHER} |\n| 1 | Next steps |"
    ),
    "unmarked lines ending in a box": (
        f"Thanks .... 2m\nWhat we got wrong .... 4m\n{LISTEN} .... 6m\n"
        f"What has changed .... 3m\n{TOGETHER} .... 4m\nNext steps .... 1m"
    ),
    "numbered items with sub-bullets": (
        "1. Thanks (0:02)\n2. What we got wrong (4')\n- The parts came three weeks late.\n"
        f"- Two boats missed a week.\n3. {LISTEN} (6')\n4. What has changed (3')\n"
        f"5. {TOGETHER} (4')\n6. Next steps (1')"
    ),
}


@pytest.mark.parametrize("layout", LAYOUTS)
def test_an_agenda_in_any_layout_has_its_time_boxes(layout: str) -> None:
    assert structure(fired("agenda", agenda(LAYOUTS[layout]))) == set()


def test_time_boxes_must_add_up_to_what_the_ask_says() -> None:
    rows = LAYOUTS["clock ranges"].replace("14:19-14:20", "14:19-15:20")
    assert fired("agenda", agenda(rows))["agenda-timeboxes"] == [
        "the time boxes add up to 80 minutes, not 20"
    ]


def test_a_stated_total_is_not_an_item() -> None:
    rows = "Length: 20 minutes\n" + LAYOUTS["minute offsets"] + "\nTotal: 20 min"
    assert "agenda-timeboxes" not in fired("agenda", agenda(rows))


def test_without_a_length_in_the_case_the_default_has_some_slack() -> None:
    c = case(ask=" A call next week.")
    rows = "\n".join(f"- {t} ({m} min)" for t, m in [("Thanks", 5), (LISTEN, 20), (TOGETHER, 15)])
    assert "agenda-timeboxes" not in fired("agenda", agenda(rows), c)
    long = rows.replace("(20 min)", "(120 min)")
    assert "agenda-timeboxes" in fired("agenda", agenda(long), c)


def test_an_item_without_a_box_is_named() -> None:
    rows = LAYOUTS["numbered items with sub-bullets"].replace("6. Next steps (1')", "6. Next steps")
    assert fired("agenda", agenda(rows))["agenda-timeboxes"] == ["Next steps"]


def test_a_view_item_that_states_their_impact_does_not_listen() -> None:
    rows = LAYOUTS["numbered items with sub-bullets"].replace(
        f"3. {LISTEN} (6')", "3. Your view (6')\n   Two of your boats missed the first week."
    )
    assert "agenda-listen" in fired("agenda", agenda(rows))
    asked = rows.replace("missed the first week.", "missed the first week. What else hurt?")
    assert "agenda-listen" not in fired("agenda", agenda(asked))


def test_listening_in_the_purpose_is_not_a_listening_item() -> None:
    rows = LAYOUTS["clock ranges"].replace(LISTEN, "The refit calendar")
    text = agenda(rows, "Purpose: to hear what we missed, and put it right.")
    assert "agenda-listen" in fired("agenda", text)


@pytest.mark.parametrize(
    "purpose",
    [
        "Why: to set right the late refit parts.",
        "Purpose\n\nTo put right what the late parts cost you. Nothing is for sale.",
        "The aim is simple: hear from you first, and make things right.",
    ],
)
def test_purpose_phrasings(purpose: str) -> None:
    assert "agenda-purpose" not in fired("agenda", agenda(LAYOUTS["clock ranges"], purpose))


def test_a_purpose_to_present_is_not_making_it_right() -> None:
    text = agenda(LAYOUTS["clock ranges"], "Purpose: to present our new refit catalogue.")
    assert "agenda-purpose" in fired("agenda", text)


def test_a_deal_settles_its_concerns_and_asks_what_they_need_to_see() -> None:
    c = case(situation=" deal")
    rows = LAYOUTS["clock ranges"].replace(TOGETHER, "What would you need to see to go forward?")
    purpose = "Purpose: to answer, one at a time, the doubts the late parts raised."
    assert structure(fired("agenda", agenda(rows, purpose), c)) == set()
    rows = rows.replace("What would you need to see to go forward?", "Pricing for next season")
    assert "agenda-work-together" in fired("agenda", agenda(rows, purpose), c)


# --- escalation note ------------------------------------------------------------------

NOTE = """\
Subject: Lantern Bay Ferries: decision by 20 November 2026

Mette,

Ines Calder, their fleet manager, is weighing other suppliers. Our parts came three weeks
late for the spring refit and two of their boats missed the first week of the season.

Value: USD 90,000 a year.

Needs: a parts planner on the account for eight weeks. Free freight on the next refit
order is already approved.

I need your decision by 20 November 2026.

Recommendation: recover. The planner costs far less than a year of the account, and the
Gdansk stock already removes the cause.

Oskar
"""


def test_the_note_passes() -> None:
    assert structure(fired("escalation", NOTE)) == set()


def test_a_note_written_to_the_customer_is_caught() -> None:
    text = NOTE.replace("Ines Calder, their fleet manager,", "Ines, we let your crews down and")
    assert "escalation-voice" in fired("escalation", text)


def test_you_addressing_the_manager_is_the_internal_voice() -> None:
    text = NOTE.replace("I need your decision", "Could you approve it")
    assert "escalation-voice" not in fired("escalation", text)


def test_a_quoted_complaint_is_their_words() -> None:
    text = NOTE.replace("is weighing", 'wrote "you cost us a week of sailings" and is weighing')
    assert "escalation-voice" not in fired("escalation", text)


def test_a_recommendation_without_because_still_counts() -> None:
    text = NOTE.replace("The planner costs", "A planner for eight weeks is small next to").replace(
        "far less than a year of the account, and the\nGdansk", "the account. Gdansk"
    )
    assert "escalation-recommendation" not in fired("escalation", text)


def test_a_heading_then_the_recommendation() -> None:
    text = NOTE.replace("Recommendation: recover.", "MY RECOMMENDATION\n\nWin them back.")
    assert "escalation-recommendation" not in fired("escalation", text)


@pytest.mark.parametrize(
    ("changes", "said"),
    [
        ({"situation": " personal", "handover_to": "\n  name: Freya Holm"}, "recover"),
        ({"customer": "\n  name: Ines Calder\n  refuses_to_meet: true"}, "recover"),
    ],
)
def test_a_recommendation_the_case_rules_out(changes: dict[str, str], said: str) -> None:
    assert "escalation-recommendation" in fired("escalation", NOTE, case(**changes))


def test_without_backing_recover_must_be_conditional() -> None:
    c = case(escalation=CASE.split("escalation:")[1] + "  management_support: no")
    assert "escalation-recommendation" in fired("escalation", NOTE, c)
    hedged = NOTE.replace("recover.", "recover only if the planner is approved; else walk away.")
    assert "escalation-recommendation" not in fired("escalation", hedged, c)


def test_a_hand_over_names_the_colleague() -> None:
    c = case(situation=" personal", handover_to="\n  name: Freya Holm")
    text = NOTE.replace("Recommendation: recover.", "Recommendation: hand the account over.")
    assert "escalation-recommendation" in fired("escalation", text, c)
    named = text.replace("account over.", "account over to Freya Holm.")
    assert "escalation-recommendation" not in fired("escalation", named, c)


def test_a_need_without_its_own_figures_is_missing() -> None:
    text = NOTE.replace(" for eight weeks", "")
    assert fired("escalation", text)["escalation-needs"] == [
        "A parts planner on the account for 8 weeks."
    ]


def test_no_decide_by_means_no_date_to_ask_for() -> None:
    c = case(escalation="\n  needs:\n    - A parts planner on the account for 8 weeks.")
    text = NOTE.replace("I need your decision by 20 November 2026.", "").replace(
        ": decision by 20 November 2026", ""
    )
    assert "escalation-decision-date" not in fired("escalation", text, c)
    assert "escalation-decision-date" in fired("escalation", text)
