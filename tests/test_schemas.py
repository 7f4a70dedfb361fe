"""Structured-output models: strict-schema friendly, small, rendered through the same layer."""

from __future__ import annotations

import json
from typing import Any

import pytest

from drafter.advice import LABELS
from drafter.casefile import load_case
from drafter.checks import check_draft
from drafter.drafts import KINDS, Kind
from drafter.render import RenderOptions
from drafter.schemas import (
    AGENDA_TOPICS,
    SCHEMAS,
    AgendaDraft,
    AgendaItem,
    EmailDraft,
    EscalationDraft,
    NamedFailure,
)
from tests.conftest import SHARED

HOSPITAL = SHARED / "cases" / "hospital-overstock.yaml"


def _strict(kind: Kind) -> dict[str, Any]:
    from openai.lib._pydantic import to_strict_json_schema

    return to_strict_json_schema(SCHEMAS[kind])


def _objects(schema: Any) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    if isinstance(schema, dict):
        if schema.get("type") == "object":
            found.append(schema)
        for value in schema.values():
            found += _objects(value)
    elif isinstance(schema, list):
        for value in schema:
            found += _objects(value)
    return found


@pytest.mark.parametrize("kind", KINDS)
def test_schema_suits_strict_structured_output(kind: Kind) -> None:
    """Every field required, no extra keys, and no keywords strict mode rejects."""
    schema = _strict(kind)
    for obj in _objects(schema):
        assert obj["additionalProperties"] is False
        assert obj["required"] == list(obj["properties"])
        assert len(obj["properties"]) <= 10  # small enough for a 0.5B model
    text = json.dumps(schema)
    for keyword in ("maxLength", "minLength", "default", "format"):
        assert f'"{keyword}"' not in text


def test_schemas_carry_no_case_data() -> None:
    """The schemas are sent with every request (and cached as a prefix): no real names."""
    text = json.dumps([_strict(kind) for kind in KINDS])
    for path in sorted(HOSPITAL.parent.glob("*.yaml")):
        case = load_case(str(path))
        for name in (case.account, case.customer.name, case.sender.name, case.sender.company):
            assert name.split()[0] not in text


def test_model_text_is_whitespace_normalised() -> None:
    item = AgendaItem(minutes=5, detail="  Thanks\n\n for   coming ")
    assert item.detail == "Thanks for coming"


def test_agenda_items_are_the_methods_in_order() -> None:
    case = load_case(str(HOSPITAL))
    body = _good("agenda").to_draft(case).body
    positions = [body.index(f"{i}. {topic} (") for i, topic in enumerate(AGENDA_TOPICS.values(), 1)]
    assert positions == sorted(positions)
    assert "Agenda (30 minutes)" in body
    assert "- Dana Whitfield, Operating Room Manager, Northwind Regional Hospital" in body


def _good(kind: Kind) -> Any:
    if kind == "email":
        return EmailDraft(
            subject="What we got wrong, and what we have changed",
            greeting="Dear Dana,",
            failures=[
                NamedFailure(
                    failure="We sold your operating rooms far more stapler reloads than your "
                    "surgeons use",
                    impact="About $48,000 of stock has sat unused on your shelves for a year.",
                ),
                NamedFailure(
                    failure="When you raised it, nobody from our side came back to you",
                    impact="You had to chase us for months and got no answer.",
                ),
            ],
            ownership="I took over your account recently, but that changes nothing: Meridian "
            "let you down, and I am sorry for what it cost you.",
            changes=[
                "Orders above a hospital's 90-day usage now need a clinical sign-off before "
                "they ship.",
                "Every account now has a named service contact who answers within one "
                "business day, by 15 December 2026.",
            ],
            gesture="We will take back all unused stapler reloads for full credit.",
            pledge="Until we have fixed this to your full satisfaction, we have not earned "
            "the right to discuss more business.",
            ask="Would you be open to a 30-minute call next week, only to hear what else we "
            "got wrong?",
            sign_off="Warm regards,",
        )
    if kind == "agenda":
        slot = AgendaItem
        return AgendaDraft(
            title="Clear-the-air meeting: Northwind Regional Hospital",
            purpose="To hear what went wrong and what it would take to make it right; not to sell.",
            thanks=slot(minutes=2, detail=""),
            what_went_wrong=slot(
                minutes=5,
                detail="We sold your operating rooms far more stapler reloads than your "
                "surgeons use; when you raised it, nobody from our side came back to you.",
            ),
            your_view=slot(minutes=8, detail="We listen: what did we miss?"),
            what_changed=slot(
                minutes=5,
                detail="Orders above a hospital's 90-day usage now need a clinical sign-off "
                "before they ship. Every account now has a named service contact who answers "
                "within one business day.",
            ),
            remaining_gaps=slot(minutes=3, detail="The service contact, by 15 December 2026."),
            work_together=slot(minutes=5, detail="An honest answer either way."),
            next_steps=slot(minutes=2, detail="Owners and dates."),
        )
    return EscalationDraft(
        title="Northwind Regional Hospital: decision needed by 5 December 2026",
        situation="Northwind has been let down by us. I need your decision on backing a recovery.",
        failures=[
            "We sold their operating rooms far more stapler reloads than their surgeons use.",
            "When Dana raised it, nobody from our side came back to her.",
        ],
        value="$240,000 a year, renewal 31 March 2027.",
        needs=[
            "Approval to credit $48,000 of returned stock.",
            "A clinical specialist on site two days a week for 60 days.",
        ],
        decision="Please decide by 5 December 2026 whether we commit these resources.",
        recommendation="recover",
        reason="The account is worth the effort if the company backs it.",
    )


@pytest.mark.parametrize("markdown", [False, True])
@pytest.mark.parametrize("kind", ["email", "agenda", "escalation"])  # the follow-up: test_followup
def test_a_good_model_draft_passes_the_real_checks(kind: Kind, markdown: bool) -> None:
    """The model layouts (templates/model/*.j2) do not themselves break a rule."""
    case = load_case(str(HOSPITAL))
    draft = _good(kind).to_draft(case, RenderOptions(markdown=markdown))
    report = check_draft(draft, case)
    assert report.ok, report.violations
    assert draft.kind == kind and draft.markdown is markdown
    assert draft.sender.name == "Priya Shah"


def test_email_signature_is_the_case_sender_not_the_model() -> None:
    case = load_case(str(HOSPITAL))
    model = _good("email").model_copy(update={"sign_off": "Cheers,"})
    body = model.to_draft(case).body
    assert body.endswith(
        "Cheers,\nPriya Shah\nAccount Executive\nMeridian Medical Devices\n"
        "+1 555 0100\npriya.shah@meridian.example\n"
    )


def test_escalation_goes_to_the_decider() -> None:
    case = load_case(str(HOSPITAL))
    draft = _good("escalation").to_draft(case)
    assert [p.name for p in draft.to] == ["Mark Olsen, VP Sales"]
    assert f"{LABELS['recover']}. Reason: The account is worth" in draft.body
