"""PII redaction: what goes to the model API holds no names, emails, phones or account, and
everything the model copies comes back exactly."""

from __future__ import annotations

import itertools
import json
import re
from pathlib import Path
from typing import Any

import pytest

from drafter import placeholders
from drafter import redact as redact_module
from drafter.artifacts import KINDS, kinds_for
from drafter.case import Case
from drafter.casefile import load_case
from drafter.llm import LLMSettings, make_client
from drafter.llm.prompts import build_messages, system_prompt
from drafter.placeholders import MASKED_EMAIL, MASKED_PHONE
from drafter.redact import Redaction, redact
from drafter.render import RenderOptions, render
from drafter.schemas import EmailDraft, NamedFailure
from tests.conftest import SHARED_CASES

HOSPITAL = next(p for p in SHARED_CASES if p.stem == "hospital-overstock")


def _merge(base: dict[str, Any], changes: dict[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in changes.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = _merge(out[key], value)
        else:
            out[key] = value
    return out


def make_case(**changes: Any) -> Case:
    """The hospital case with some fields changed (nested dicts merge)."""
    return Case.model_validate(_merge(load_case(str(HOSPITAL)).model_dump(), changes))


def secrets(case: Case) -> list[str]:
    """Everything that must not reach the API: names, their words, emails, phone, orgs."""
    people = [case.customer.name, case.sender.name]
    if case.escalation and case.escalation.to and "," in case.escalation.to:
        people.append(case.escalation.to.split(",")[0])
    out = [case.account, case.sender.company]
    out += [w for name in people + out[:2] for w in [name, *name.split()] if len(w) > 3]
    out += [e for e in (case.customer.email, case.sender.email, case.sender.phone) if e]
    generic = {"group", "regional", "hospital", "medical", "devices", "supply", "systems"}
    generic |= {"imaging"}  # "Clearline Imaging", and "their current imaging vendor"
    return [s for s in dict.fromkeys(out) if s.lower() not in generic]


def leaked(text: str, case: Case) -> list[str]:
    return [
        s for s in secrets(case) if re.search(rf"(?<!\w){re.escape(s)}(?!\w)", text, re.IGNORECASE)
    ]


def assert_round_trip(case: Case) -> tuple[Case, Redaction]:
    """Every template draft rendered from the redacted case restores to the original's."""
    redacted, redaction = redact(case)
    for kind, markdown in itertools.product(kinds_for(case), (False, True)):
        options = RenderOptions(markdown=markdown)
        expected = render(kind, case, options)
        assert redaction.restore_draft(render(kind, redacted, options)) == expected
        assert redaction.unrestored(expected.body) == []
    return redacted, redaction


# --- every shared case ------------------------------------------------------------------------


@pytest.mark.parametrize("path", SHARED_CASES, ids=lambda p: p.stem)
def test_shared_case_redacts_everything(path: Path) -> None:
    case = load_case(str(path))
    redacted, _ = redact(case)
    assert leaked(redacted.model_dump_json(), case) == []
    assert redacted.customer.name != case.customer.name
    assert redacted.account != case.account


@pytest.mark.parametrize("path", SHARED_CASES, ids=lambda p: p.stem)
def test_shared_case_round_trips_through_every_template(path: Path) -> None:
    assert_round_trip(load_case(str(path)))


@pytest.mark.parametrize("path", SHARED_CASES, ids=lambda p: p.stem)
def test_shared_case_free_text_restores_exactly(path: Path) -> None:
    case = load_case(str(path))
    redacted, redaction = redact(case)
    original = redact_module._strings(case.model_dump())
    assert [redaction.restore(s) for s in redact_module._strings(redacted.model_dump())] == original


@pytest.mark.parametrize("path", SHARED_CASES, ids=lambda p: p.stem)
@pytest.mark.parametrize("kind", KINDS)
def test_prompt_sent_to_the_api_holds_no_names_or_emails(path: Path, kind: Any) -> None:
    case = load_case(str(path))
    if kind not in kinds_for(case):
        pytest.skip(f"{path.name} has no material for a {kind}")
    redacted, _ = redact(case)
    system, user = build_messages(kind, redacted)
    assert leaked(build_messages(kind, case)[1]["content"], case)  # the test can see a leak
    assert leaked(user["content"], case) == []
    # The system prompt is static, the same for every case (its "Dear Dana," example is
    # not case data, though it happens to match the hospital case's customer).
    assert system == build_messages(kind, case)[0]


@pytest.mark.parametrize("path", SHARED_CASES, ids=lambda p: p.stem)
def test_redaction_is_stable(path: Path) -> None:
    first = redact(load_case(str(path)))
    second = redact(load_case(str(path)))
    assert first == second
    assert first[1].placeholders == second[1].placeholders


def test_redacted_case_is_valid_with_placeholder_contacts() -> None:
    case = load_case(str(HOSPITAL))
    redacted, _ = redact(case)
    assert Case.model_validate(redacted.model_dump()) == redacted
    assert redacted.customer.email == "contact1@example.invalid"
    assert redacted.sender.email == "contact2@example.invalid"
    assert redacted.sender.phone == "+1 000 000 0001"
    assert redacted.customer.name == "Korvessa Vantrell"
    assert redacted.account == "Quorvane Group"
    assert (
        redacted.escalation is not None and redacted.escalation.to == "Quillory Fenwarde, VP Sales"
    )
    assert "Brixmoor" in (redacted.customer_words or "")  # "another rep from Meridian"


# --- restoring what a model writes ------------------------------------------------------------


@pytest.fixture
def hospital() -> tuple[Case, Case, Redaction]:
    case = load_case(str(HOSPITAL))
    return (case, *redact(case))


def test_first_name_greetings(hospital: tuple[Case, Case, Redaction]) -> None:
    _, redacted, redaction = hospital
    assert render("email", redacted).body.startswith("Dear Korvessa,\n")
    assert redaction.restore("Dear Korvessa,") == "Dear Dana,"
    assert redaction.restore("Dear Korvessa Vantrell,") == "Dear Dana Whitfield,"
    assert redaction.restore("Dear Ms Vantrell,") == "Dear Ms Whitfield,"
    assert redaction.restore("Quillory,\n\nThe note.") == "Mark,\n\nThe note."
    direct = redact(make_case(tone="direct"))
    assert render("email", direct[0]).body.startswith("Korvessa,\n")
    assert direct[1].restore_draft(render("email", direct[0])).body.startswith("Dana,\n")


def test_possessives_and_plurals(hospital: tuple[Case, Case, Redaction]) -> None:
    _, _, redaction = hospital
    assert redaction.restore("Korvessa's team and Quorvane's shelves") == (
        "Dana's team and Northwind's shelves"
    )
    assert redaction.restore("Korvessa\u2019s note to the Vantrells") == (
        "Dana\u2019s note to the Whitfields"
    )
    assert redaction.restore("Quorvane Group's OR") == "Northwind Regional Hospital's OR"


def test_restoring_ignores_case_and_keeps_the_writers_casing(
    hospital: tuple[Case, Case, Redaction],
) -> None:
    _, _, redaction = hospital
    assert redaction.restore("DEAR KORVESSA VANTRELL") == "DEAR DANA WHITFIELD"
    assert redaction.restore("dear korvessa") == "dear dana"
    assert (
        redaction.restore("KorVessa and QUORVANE GROUP") == "Dana and NORTHWIND REGIONAL HOSPITAL"
    )
    assert redaction.restore("Korvessa\n  Vantrell") == "Dana\n  Whitfield"
    assert redaction.restore("quorvane group") == "northwind regional hospital"
    assert redaction.restore("CONTACT1@EXAMPLE.INVALID") == "dana.whitfield@northwind.example"


def test_phone_restores_in_any_layout(hospital: tuple[Case, Case, Redaction]) -> None:
    _, _, redaction = hospital
    for written in ("+1 000 000 0001", "(000) 000-0001", "000.000.0001", "+10000000001"):
        assert redaction.restore(f"Call {written}.") == "Call +1 555 0100."
    assert redaction.restore("+1 000 000 0002") == "+1 000 000 0002"  # not a placeholder


def test_a_misspelt_placeholder_restores_when_unambiguous(
    hospital: tuple[Case, Case, Redaction],
) -> None:
    _, _, redaction = hospital
    assert redaction.restore("Dear Korvesa,") == "Dear Dana,"
    assert redaction.restore("Dear Kovressa,") == "Dear Dana,"  # transposed
    assert redaction.restore("Brixmor will call") == "Meridian will call"
    text = redaction.restore("Dear Korvessane, write to korvessa@example.invalid or 000 000 0009")
    assert redaction.unrestored(text) == ["dana@example.invalid", "000 000 0009", "Korvessane"]
    assert redaction.unrestored("Dear Dana, thank you for your annual review.") == []


def test_restore_model_restores_a_structured_reply(hospital: tuple[Case, Case, Redaction]) -> None:
    case, _, redaction = hospital
    reply = EmailDraft(
        subject="Quorvane Group: what we got wrong",
        greeting="Dear Korvessa,",
        failures=[NamedFailure(failure="We let Korvessa's team down.", impact="Stock unused.")],
        ownership="Brixmoor Group owns it.",
        changes=["Sign-off"],
        gesture="",
        pledge="No selling.",
        ask="A call?",
        sign_off="Warm regards,",
    )
    restored = redaction.restore_model(reply)
    assert isinstance(restored, EmailDraft)
    assert restored.subject == "Northwind Regional Hospital: what we got wrong"
    assert restored.greeting == "Dear Dana,"
    assert restored.failures[0].failure == "We let Dana's team down."
    assert restored.ownership == "Meridian Medical Devices owns it."
    draft = restored.to_draft(case)
    assert draft.to[0].name == case.customer.name


# --- what is redacted, and what is left alone -------------------------------------------------


def test_names_inside_customer_words_and_free_text() -> None:
    words = (
        "Dana Whitfield here. Tell PRIYA SHAH that Northwind is done with Meridian,\n"
        "and that dana whitfield means it. Whitfield's budget is gone."
    )
    case = make_case(
        customer_words=words,
        give_first=["Priya will visit Dana's team."],
        what_changed=[{"change": "Mark Olsen reviews every order.", "owner": "Priya Shah"}],
    )
    redacted, redaction = assert_round_trip(case)
    assert leaked(redacted.model_dump_json(), case) == []
    assert redacted.customer_words == (
        "Korvessa Vantrell here. Tell TORWYNNE DRUMMELOW that Quorvane is done with Brixmoor,\n"
        "and that korvessa vantrell means it. Vantrell's budget is gone."
    )
    assert redaction.restore(redacted.customer_words or "") == words
    for kind in kinds_for(case):
        assert leaked(build_messages(kind, redacted)[1]["content"], case) == []


def test_an_email_and_phone_only_in_free_text() -> None:
    notes = "Their buyer, jo.bloggs@northwind.example, asks us to call 020 7946 0000."
    case = make_case(value_at_stake={"notes": notes}, customer={"email": None})
    redacted, redaction = assert_round_trip(case)
    text = redacted.model_dump_json()
    assert "jo.bloggs" not in text and "7946" not in text
    assert redacted.value_at_stake.notes == (
        "Their buyer, contact2@example.invalid, asks us to call +1 000 000 0002."
    )
    assert redaction.restore(redacted.value_at_stake.notes or "") == notes
    assert {p.original for p in redaction.placeholders} >= {
        "jo.bloggs@northwind.example",
        "020 7946 0000",
    }


def test_numbers_that_are_not_phones_stay() -> None:
    notes = (
        "Renewal 2027-03-31 or 31.03.2027; $1,200,000 (1 200 000 EUR) over 2025-2026; "
        "90-day usage; call ext. 4411."
    )
    redacted, _ = redact(make_case(value_at_stake={"notes": notes}))
    assert redacted.value_at_stake.notes == notes


def test_names_inside_other_words_stay() -> None:
    case = make_case(
        customer={"name": "Ann Lee", "email": None},
        customer_words="Annual reviews in Leeds: Ann said Lee's team and ANN agree. Annabel too.",
    )
    redacted, _ = assert_round_trip(case)
    assert redacted.customer_words == (
        "Annual reviews in Leeds: Korvessa said Vantrell's team and KORVESSA agree. Annabel too."
    )


def test_common_word_names_are_not_over_redacted() -> None:
    case = make_case(
        customer={"name": "May Chen", "email": None},
        sender={"name": "Will", "email": None},
        customer_words=(
            "May I ask why? We may need to talk to May about it.\n"
            "Will you call? We will wait for Will. Mark my words. Will Smith called."
        ),
    )
    redacted, _ = assert_round_trip(case)
    assert redacted.customer.name == "Korvessa Vantrell"
    assert redacted.sender.name == "Torwynne"  # a name field is always a name
    assert redacted.customer_words == (
        "May I ask why? We may need to talk to Korvessa about it.\n"
        "Will you call? We will wait for Torwynne. Mark my words. Torwynne Fenwarde called."
    )


def test_honorifics_particles_and_shared_first_names() -> None:
    case = make_case(
        customer={"name": "Dr. Dana van der Berg"},
        sender={"name": "Dana Shah"},
        customer_words="Dr. Dana van der Berg and Dana Berg agree; van der Berg signs.",
    )
    redacted, redaction = assert_round_trip(case)
    assert redacted.customer.name == "Dr. Korvessa van der Vantrell"
    assert redacted.sender.name == "Korvessa Drummelow"
    assert leaked(redacted.model_dump_json(), case) == []
    assert redaction.restore("Dear Dr. Korvessa van der Vantrell,") == "Dear Dr. Dana van der Berg,"


def test_unicode_names_and_curly_apostrophes() -> None:
    case = make_case(
        customer={"name": "Zo\u00eb O'Brien"},
        customer_words="O\u2019Brien\u2019s team told Zo\u00eb. ZO\u00cb agrees.",
    )
    redacted, redaction = redact(case)
    assert redacted.customer_words == "Vantrell\u2019s team told Korvessa. KORVESSA agrees."
    assert "brien" not in redacted.model_dump_json().lower()
    # Restored as spelt in the name field: the apostrophe is typography, not identity.
    assert redaction.restore(redacted.customer_words or "") == (
        "O'Brien\u2019s team told Zo\u00eb. ZO\u00cb agrees."
    )


def test_escalation_to_a_person_in_either_order() -> None:
    for to in ("Mark Olsen, VP Sales", "VP Sales (Mark Olsen)", "Mark Olsen"):
        redacted, redaction = assert_round_trip(make_case(escalation={"to": to}))
        assert redacted.escalation is not None and redacted.escalation.to is not None
        assert "Mark" not in redacted.escalation.to
        assert redaction.restore(redacted.escalation.to) == to


def test_escalation_to_a_role_is_left_alone() -> None:
    for to in ("Senior management", "VP Sales", "the board", "Head of Sales, EMEA"):
        redacted, redaction = redact(make_case(escalation={"to": to}))
        assert redacted.escalation is not None and redacted.escalation.to == to
        assert all(p.original != to for p in redaction.placeholders)
    # The company is recognised as the company, not taken for a person's name.
    redacted, _ = redact(make_case(escalation={"to": "Senior management, Meridian"}))
    assert redacted.escalation is not None
    assert redacted.escalation.to == "Senior management, Brixmoor"


def test_placeholders_never_collide_with_the_case() -> None:
    case = make_case(customer_words="Korvessa Vantrell and Quorvane said Korvesa and Brixmoor.")
    redacted, redaction = assert_round_trip(case)
    tokens = {p.token for p in redaction.placeholders}
    assert "Korvessa" not in " ".join(tokens) and "Quorvane" not in " ".join(tokens)
    assert redaction.restore(redacted.customer_words or "") == case.customer_words


def test_redact_text_for_repair_prompts(hospital: tuple[Case, Case, Redaction]) -> None:
    _, _, redaction = hospital
    text = (
        "The greeting 'Dear Dana,' must name Dana Whitfield; signature 'Priya Shah, "
        "+1 555 0100, priya.shah@meridian.example'; ask bob@other.example or +44 20 7946 0000."
    )
    assert redaction.redact_text(text) == (
        "The greeting 'Dear Korvessa,' must name Korvessa Vantrell; signature 'Torwynne Drummelow, "
        f"+1 000 000 0001, contact2@example.invalid'; ask {MASKED_EMAIL} or {MASKED_PHONE}."
    )


def test_placeholder_pools_are_far_apart() -> None:
    pools = placeholders.FIRST_NAMES + placeholders.LAST_NAMES + placeholders.ORG_NAMES
    assert len({w.casefold() for w in pools}) == len(pools)
    assert all(len(w) >= 6 for w in pools)
    for a, b in itertools.combinations(pools, 2):
        assert placeholders.distance(a.casefold(), b.casefold(), 4) >= 4, (a, b)


def test_many_people_exhaust_no_pool() -> None:
    many = " ".join(f"Name{chr(65 + i)}x" for i in range(20))
    case = make_case(customer={"name": many})
    redacted, _ = assert_round_trip(case)
    assert len(set(redacted.customer.name.split())) == 20


# --- the request the API receives, and the reply coming back ----------------------------------


def test_request_body_holds_no_pii_and_the_reply_restores() -> None:
    """Through a real openai client and a mock transport: the HTTP body carries the redacted
    case only, and the model's reply, written with placeholders, restores exactly."""
    import httpx2

    case = load_case(str(HOSPITAL))
    redacted, redaction = redact(case)
    # What a model writes about the real case (as in the recorded cassettes)...
    meant = EmailDraft(
        subject="Northwind Regional Hospital: what we got wrong",
        greeting="Dear Dana,",
        failures=[NamedFailure(failure="We oversold Dana's OR.", impact="Stock sat unused.")],
        ownership="Meridian let you down; Priya Shah owns it.",
        changes=["Orders now need a clinical sign-off."],
        gesture="Take back all unused stapler reloads for full credit.",
        pledge="No selling until this is fixed.",
        ask="A 30-minute call next week?",
        sign_off="Kind regards, Priya Shah",
    )
    # ...and what it writes given the redacted case.
    written = redaction.redact_text(meant.model_dump_json())
    assert leaked(written, case) == []
    requests: list[httpx2.Request] = []

    def server(request: httpx2.Request) -> httpx2.Response:
        requests.append(request)
        message = {"role": "assistant", "content": written, "refusal": None}
        choice = {"index": 0, "message": message, "finish_reason": "stop", "logprobs": None}
        return httpx2.Response(
            200,
            json={
                "id": "x",
                "object": "chat.completion",
                "created": 0,
                "model": "m",
                "choices": [choice],
            },
        )

    settings = LLMSettings(base_url="http://127.0.0.1:9/v1", max_retries=0)
    client = make_client(
        settings, http_client=httpx2.Client(transport=httpx2.MockTransport(server))
    )
    completion = client.chat.completions.parse(
        model="m",
        messages=build_messages("email", redacted),  # type: ignore[arg-type]
        response_format=EmailDraft,
    )
    sent = json.loads(requests[0].content)
    assert leaked(json.dumps(sent["messages"][1:]), case) == []
    assert sent["messages"][0]["content"] == system_prompt("email")  # static, not case data
    parsed = completion.choices[0].message.parsed
    assert parsed is not None and parsed.greeting == "Dear Korvessa,"
    assert redaction.restore_model(parsed) == meant
    assert redaction.unrestored(redaction.restore(written)) == []
    body = redaction.restore_model(parsed).to_draft(case).body
    assert body.startswith("Dear Dana,") and "Priya Shah" in body
