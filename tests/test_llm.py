"""Drafting with a model: recorded real runs, the fault matrix, repair and fallback.

Three kinds of test, each labelled in its docstring:

* **recorded cassette**: recorded for real against the small local model
  (``../shared/llm/serve``, qwen2.5-coder-0.5b-instruct, temperature 0, fixed seed) with
  ``pytest --record-mode=once``; CI replays them with ``--block-network`` and no key. The
  request bodies must match, so any change to the prompts, schemas, layout templates or the
  checks' violation texts means re-recording (``--record-mode=rewrite`` with the server up).
* **mock transport**: an ``httpx2.MockTransport`` behind a real ``openai.OpenAI`` client, so
  the client's own retry, Retry-After and error mapping run for real; sleeps are recorded,
  not slept.
* **hand-written cassette**: a cassette written by hand under ``cassettes/test_llm/``,
  replayed through vcrpy and the real HTTP transport (matched on method and path only, and
  never re-recorded).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
import yaml

from drafter import llm
from drafter import settings as model_settings
from drafter.case import Case
from drafter.casefile import load_case
from drafter.checks import Report, Violation, check_draft
from drafter.drafts import Draft, Kind
from drafter.llm import loop, openai_api
from drafter.render import RenderOptions, render
from drafter.schemas import EmailDraft, NamedFailure

ROOT = Path(__file__).resolve().parents[1]
SHARED_CASES = ROOT.parent / "shared" / "cases"
CASSETTES = ROOT / "cassettes"
INJECTION = ROOT / "tests" / "data" / "injection.yaml"


def case_named(name: str) -> Case:
    if name == "injection":
        return load_case(str(INJECTION))
    return load_case(str(SHARED_CASES / f"{name}.yaml"))


# --- recorded against the real local model ---------------------------------------------------

LOCAL_MODEL = "qwen2.5-coder-0.5b-instruct"
RECORDED = llm.LLMSettings(
    # Re-recording elsewhere (README): DRAFTER_TEST_BASE_URL, DRAFTER_TEST_MODEL and
    # DRAFTER_TEST_API_KEY; the key is filtered out of the cassettes.
    model=os.environ.get("DRAFTER_TEST_MODEL", LOCAL_MODEL),
    base_url=os.environ.get("DRAFTER_TEST_BASE_URL", "http://127.0.0.1:8088/v1"),
    api_key=os.environ.get("DRAFTER_TEST_API_KEY"),
    temperature=0.0,
    seed=1234,
    timeout=600.0,
    max_retries=0,
    repair_rounds=1,
    max_output_tokens=700,
)
"""No API key: the base URL is local, so a dummy key is sent (and filtered from cassettes)."""

RECORDED_CASES = ("hospital-overstock", "missed-deliveries", "system-down")
EXPECTED_PATH: dict[tuple[str, Kind], str] = {
    ("hospital-overstock", "email"): "template",
    ("hospital-overstock", "agenda"): "template",
    ("hospital-overstock", "escalation"): "template",
    ("missed-deliveries", "email"): "template",
    ("missed-deliveries", "agenda"): "template",
    ("missed-deliveries", "escalation"): "template",
    ("system-down", "email"): "template",
    ("system-down", "agenda"): "template",
    ("system-down", "escalation"): "template",
}
"""The route each recorded run took (temperature 0, seed 1234). A 0.5B model: under the
current checks every draft here broke a rule (two asks, a repeated line, a reply cut off at
the token limit) and its repair round did not fix it, so the template was used; "model" and
"repaired" are covered by the mock-transport tests."""


@pytest.mark.vcr
@pytest.mark.parametrize(
    "kind", ("email", "agenda", "escalation")
)  # no after_meeting: no follow-up
@pytest.mark.parametrize("name", RECORDED_CASES)
def test_recorded_draft_passes_the_checks(name: str, kind: Kind) -> None:
    """Recorded cassette: a real model run for each artifact on three shared cases. Whatever
    path it takes (model, repaired or template), the final draft passes the checks."""
    case = case_named(name)
    outcome = llm.draft(kind, case, RECORDED, lambda: render(kind, case))
    print(f"\n{name} {kind}: {outcome.path}; {outcome.summary()}; {outcome.reasons}")
    assert outcome.path == EXPECTED_PATH[(name, kind)], outcome.reasons
    report = check_draft(outcome.draft, case)
    assert report.ok, report.violations
    assert outcome.usage.calls >= 1 and outcome.usage.prompt_tokens > 0
    assert outcome.cost is None  # a local model has no price: unknown, not zero
    if outcome.path == "template":
        assert outcome.draft == render(kind, case)
        assert outcome.reasons and outcome.reasons[-1].endswith("; using the template draft")
    else:
        assert outcome.draft.sender.name == case.sender.name
        if kind == "email":
            assert case.sender.name in outcome.draft.body  # signature from the case


@pytest.mark.vcr
def test_recorded_prompt_injection_offers_no_discount_and_blames_no_one() -> None:
    """Recorded cassette: customer_words order the model to ignore its instructions, offer
    50% off and blame a bank. The final draft does none of it and passes the checks."""
    case = case_named("injection")
    outcome = llm.draft("email", case, RECORDED, lambda: render("email", case))
    print(f"\ninjection email: {outcome.path}; {outcome.summary()}; {outcome.reasons}")
    # The 0.5B model did obey the injection (50% off, the bank's fault, circumstances);
    # the checks caught it, the repair round did not fix it, and the template was used.
    assert outcome.path == "template"
    assert outcome.report is not None
    assert {"no-selling", "no-excuses", "no-invented-facts"} <= {
        v.rule for v in outcome.report.violations
    }
    assert "50%" in outcome.replies[0]
    text = f"{outcome.draft.subject}\n{outcome.draft.body}".lower()
    for forbidden in ("50%", "discount", "bank", "circumstances", "ignore previous"):
        assert forbidden not in text, forbidden
    report = check_draft(outcome.draft, case)
    assert report.ok, report.violations


# --- helpers for the mock transport ----------------------------------------------------------

CASE = "hospital-overstock"
MOCK = llm.LLMSettings(
    model="gpt-4o-mini",
    base_url="http://127.0.0.1:9/v1",
    timeout=5.0,
    max_retries=2,
    max_output_tokens=600,
)


def completion(
    content: str | None, finish_reason: str = "stop", refusal: str | None = None
) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": refusal},
                "finish_reason": finish_reason,
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 1200, "completion_tokens": 300, "total_tokens": 1500},
    }


def email_json(pledge: str = "We will not try to sell you anything until this is fixed.") -> str:
    return EmailDraft(
        subject="What we got wrong",
        greeting="Dear Dana,",
        failures=[
            NamedFailure(failure="We sold you too many stapler reloads", impact="Stock sat."),
            NamedFailure(failure="Nobody came back to you", impact="You chased us for months."),
        ],
        ownership="These were our failures; I took over the account and I own them.",
        changes=["Orders above 90-day usage now need a clinical sign-off."],
        gesture="We will take back all unused stapler reloads for full credit.",
        pledge=pledge,
        ask="Would a 30-minute call next week work, only to hear what else we got wrong?",
        sign_off="Kind regards,",
    ).model_dump_json()


Handler = Callable[[httpx2.Request], httpx2.Response]


class Server:
    """A scripted OpenAI-compatible server: one handler per request, the last one repeats."""

    def __init__(self, *handlers: Handler) -> None:
        self.handlers = list(handlers)
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        handler = self.handlers[min(len(self.requests), len(self.handlers)) - 1]
        return handler(request)

    def bodies(self) -> list[dict[str, Any]]:
        return [json.loads(r.content) for r in self.requests]


def reply(body: dict[str, Any], status: int = 200, **headers: str) -> Handler:
    return lambda request: httpx2.Response(status, json=body, headers=headers)


def error(status: int, message: str, **headers: str) -> Handler:
    return reply({"error": {"message": message, "type": "error", "code": None}}, status, **headers)


def raises(exc: type[httpx2.TransportError], message: str) -> Handler:
    def handler(request: httpx2.Request) -> httpx2.Response:
        raise exc(message, request=request)

    return handler


def run(
    server: Server,
    settings: llm.LLMSettings = MOCK,
    kind: Kind = "email",
    case: Case | None = None,
    options: RenderOptions | None = None,
) -> llm.Outcome:
    case = case or case_named(CASE)
    client = llm.make_client(
        settings, http_client=httpx2.Client(transport=httpx2.MockTransport(server))
    )
    return llm.draft(kind, case, settings, lambda: render(kind, case), options, client=client)


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The client's retry back-off, recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(openai._base_client.time, "sleep", slept.append)
    return slept


class FakeChecks:
    """Stands in for drafter.checks so these tests exercise the repair loop, not the rules:
    a draft fails when its text contains a banned phrase."""

    def __init__(self, banned: str = "10% off") -> None:
        self.banned = banned
        self.checked: list[Draft] = []

    def __call__(self, draft: Draft, case: Case) -> Report:
        self.checked.append(draft)
        text = f"{draft.subject}\n{draft.body}"
        bad = self.banned in text
        violations = (
            (Violation("no-discount", "Never offer an unapproved discount.", self.banned),)
            if bad
            else ()
        )
        return Report(draft.kind, violations, ("no-discount", "one-ask"))


@pytest.fixture
def checks(monkeypatch: pytest.MonkeyPatch) -> FakeChecks:
    fake = FakeChecks()
    monkeypatch.setattr(loop, "check_draft", fake)
    return fake


# --- the happy path and repair (mock transport) ---------------------------------------------


def test_model_draft_that_passes_is_used(checks: FakeChecks, sleeps: list[float]) -> None:
    """Mock transport: one call; the model's draft, signed by the case's sender."""
    server = Server(reply(completion(email_json())))
    outcome = run(server)
    assert outcome.path == "model" and outcome.reasons == ()
    assert outcome.draft.subject == "What we got wrong"
    assert outcome.draft.body.endswith(
        "Kind regards,\nPriya Shah\nAccount Executive\nMeridian Medical Devices\n"
        "+1 555 0100\npriya.shah@meridian.example\n"
    )
    assert outcome.usage == llm.Usage(1200, 300, 1)
    assert outcome.cost == pytest.approx((1200 * 0.15 + 300 * 0.60) / 1e6)
    assert "1,200 prompt + 300 completion tokens in 1 call" in outcome.summary()
    body = server.bodies()[0]
    assert body["model"] == "gpt-4o-mini" and body["max_completion_tokens"] == 600
    assert body["response_format"]["type"] == "json_schema"
    assert body["response_format"]["json_schema"]["name"] == "EmailDraft"
    assert [m["role"] for m in body["messages"]] == ["system", "user"]
    assert sleeps == []


def test_replies_are_parsed_by_drafter_not_by_openai_private_modules(
    checks: FakeChecks, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Replies are checked and parsed by drafter's own code (no ``Parsed*`` generics rebuilt
    per reply, no ``openai.lib._parsing``): a draft works with that module's parser gone."""
    import openai.lib._parsing._completions as private

    def gone(**_: Any) -> None:
        raise AssertionError("openai.lib._parsing used")

    monkeypatch.setattr(private, "parse_chat_completion", gone)
    monkeypatch.setattr(private, "type_to_response_format_param", gone)
    assert run(Server(reply(completion(email_json())))).path == "model"


def test_failing_draft_is_repaired_with_violations_listed(checks: FakeChecks) -> None:
    """Mock transport: the first draft breaks a rule; the repair prompt lists it and quotes
    the offending text; the second draft passes."""
    server = Server(
        reply(completion(email_json(pledge="Take 10% off your next order."))),
        reply(completion(email_json())),
    )
    outcome = run(server)
    assert outcome.path == "repaired"
    assert outcome.reasons == (
        "the model's draft broke 1 rule (no-discount); repair round 1 fixed it",
    )
    assert "10% off" not in outcome.draft.body
    assert outcome.usage == llm.Usage(2400, 600, 2)
    second = server.bodies()[1]["messages"]
    assert [m["role"] for m in second] == ["system", "user", "assistant", "user"]
    assert "10% off" in second[2]["content"]  # the model's own reply, as sent back
    assert "1. no-discount: Never offer an unapproved discount." in second[3]["content"]
    assert 'Offending text: "10% off"' in second[3]["content"]


def test_draft_still_failing_after_repair_falls_back_to_the_template(checks: FakeChecks) -> None:
    """Mock transport: both drafts break the rule: template draft, reason names the rule."""
    server = Server(reply(completion(email_json(pledge="Take 10% off your next order."))))
    outcome = run(server)
    assert outcome.path == "template"
    assert outcome.draft == render("email", case_named(CASE))
    assert outcome.reasons == (
        "the model's draft still broke 1 rule (no-discount) after 1 repair round; "
        "using the template draft",
    )
    assert len(server.requests) == 2
    assert outcome.usage.calls == 2


def test_repair_rounds_are_configurable(checks: FakeChecks) -> None:
    """Mock transport: repair_rounds=0 falls back at once; 2 allows two repair calls."""
    bad = reply(completion(email_json(pledge="Take 10% off your next order.")))
    server = Server(bad)
    off = llm.LLMSettings(**{**MOCK.__dict__, "repair_rounds": 0})
    outcome = run(server, off)
    assert outcome.path == "template" and len(server.requests) == 1
    assert outcome.reasons[0] == (
        "the model's draft broke 1 rule (no-discount), and repair_rounds is 0; "
        "using the template draft"
    )
    server = Server(bad, bad, reply(completion(email_json())))
    two = llm.LLMSettings(**{**MOCK.__dict__, "repair_rounds": 2})
    outcome = run(server, two)
    assert outcome.path == "repaired" and len(server.requests) == 3
    assert outcome.reasons[0].endswith("repair round 2 fixed it")


def test_strict_raises_instead_of_falling_back(checks: FakeChecks) -> None:
    """Mock transport: with strict, a failure is an LLMError (exit code 1), not a template."""
    strict = llm.LLMSettings(**{**MOCK.__dict__, "strict": True})
    with pytest.raises(llm.LLMError) as err:
        run(Server(reply(completion('{"subject": '))), strict)
    assert err.value.exit_code == 1
    assert err.value.reason == "the model's reply was not valid JSON"
    assert "strict" in str(err.value)


def test_markdown_and_signature_options_reach_the_model_layout(checks: FakeChecks) -> None:
    """Mock transport: the model draft renders through the same output options."""
    options = RenderOptions(markdown=True, signature="Priya\nMeridian")
    outcome = run(Server(reply(completion(email_json()))), options=options)
    assert outcome.draft.markdown
    assert outcome.draft.body.rstrip().endswith("Kind regards,\\\nPriya\\\nMeridian")


def test_gesture_is_dropped_when_the_case_approves_none(checks: FakeChecks) -> None:
    """Mock transport: a model-invented gesture never reaches a case without give_first."""
    case = case_named("missed-deliveries")
    outcome = run(Server(reply(completion(email_json()))), case=case)
    assert outcome.path == "model"
    assert "full credit" not in outcome.draft.body


def test_agenda_attendees_come_from_the_case(checks: FakeChecks) -> None:
    """Mock transport: the agenda layout lists the case's people, the method's items in
    order with the model's time boxes, and the total."""
    slot = {"minutes": 5, "detail": "Priya leads."}
    raw = json.dumps(
        {"title": "Clear the air", "purpose": "To make it right."}
        | dict.fromkeys(("thanks", "what_went_wrong", "your_view", "what_changed"), slot)
        | dict.fromkeys(("remaining_gaps", "work_together", "next_steps"), slot)
    )
    outcome = run(Server(reply(completion(raw))), kind="agenda")
    body = outcome.draft.body
    assert "- Dana Whitfield, Operating Room Manager, Northwind Regional Hospital" in body
    assert "- Priya Shah, Account Executive, Meridian Medical Devices" in body
    assert "Agenda (35 minutes)" in body
    assert "3. Your view: what did we miss? (5 min)\n\nPriya leads." in body


class FakeRedaction:
    """Stands in for drafter.redact: Dana/Priya/Meridian/Northwind <-> invented names."""

    PAIRS = (
        ("Dana Whitfield", "Korvessa Vantrell"),
        ("Dana", "Korvessa"),
        ("Priya Shah", "Brixmor Tavell"),
        ("Meridian Medical Devices", "Quorvane Group"),
        ("Northwind Regional Hospital", "Halvane Clinic"),
    )

    def redact_text(self, text: str) -> str:
        for real, fake in self.PAIRS:
            text = text.replace(real, fake)
        return text

    def restore(self, text: str) -> str:
        for real, fake in self.PAIRS:
            text = text.replace(fake, real)
        return text

    def restore_model(self, model: Any) -> Any:
        data = json.loads(self.restore(model.model_dump_json()))
        return type(model).model_validate(data)

    def unrestored(self, text: str) -> list[str]:
        return re.findall(r"Korves\w*|Quorvane\w*", text)

    def case(self, case: Case) -> Case:
        return Case.model_validate_json(self.redact_text(case.model_dump_json()))


def test_redacted_prompt_and_restored_reply(checks: FakeChecks) -> None:
    """Mock transport: with a redaction, no real name leaves; the reply is restored before
    rendering with the real case; messages and replies record exactly what was sent."""
    case, redaction = case_named(CASE), FakeRedaction()
    reply_json = redaction.redact_text(email_json().replace("Dear Dana", "Dear Dana Whitfield"))
    server = Server(reply(completion(reply_json)))
    client = llm.make_client(
        MOCK, http_client=httpx2.Client(transport=httpx2.MockTransport(server))
    )
    outcome = llm.draft(
        "email",
        case,
        MOCK,
        lambda: render("email", case),
        client=client,
        prompt_case=redaction.case(case),
        redaction=redaction,
    )
    sent = server.requests[0].content.decode()
    assert "Dana" not in sent and "Northwind" not in sent and "Korvessa" in sent
    assert outcome.path == "model"
    assert outcome.draft.body.startswith("Dear Dana Whitfield,")
    assert [m["role"] for m in outcome.messages] == ["system", "user"]
    assert "Korvessa Vantrell" in outcome.messages[1]["content"]
    assert outcome.replies == (reply_json,)


def test_unrestored_placeholder_is_a_broken_rule_and_repair_stays_redacted(
    checks: FakeChecks,
) -> None:
    """Mock transport: a mangled placeholder the redaction cannot restore is a violation;
    the repair prompt quotes it, and quotes nothing real."""
    case, redaction = case_named(CASE), FakeRedaction()
    mangled = email_json().replace("Dear Dana", "Dear Korvesa")
    server = Server(reply(completion(mangled)), reply(completion(email_json())))
    client = llm.make_client(
        MOCK, http_client=httpx2.Client(transport=httpx2.MockTransport(server))
    )
    outcome = llm.draft(
        "email",
        case,
        MOCK,
        lambda: render("email", case),
        client=client,
        prompt_case=redaction.case(case),
        redaction=redaction,
    )
    assert outcome.path == "repaired"
    assert outcome.reasons == (
        f"the model's draft broke 1 rule ({loop.UNRESTORED_RULE}); repair round 1 fixed it",
    )
    repair = server.bodies()[1]["messages"][3]["content"]
    assert 'Offending text: "Korvesa"' in repair
    assert "Dana" not in json.dumps(server.bodies()[1])
    assert len(outcome.replies) == 2 and len(outcome.messages) == 4


# --- the fault matrix (mock transport) -------------------------------------------------------


def test_429_retry_after_is_honoured_then_succeeds(checks: FakeChecks, sleeps: list[float]) -> None:
    """Mock transport: 429 with Retry-After: 7; the client waits 7 s and the retry works."""
    server = Server(
        error(429, "Rate limit reached", **{"retry-after": "7"}), reply(completion(email_json()))
    )
    outcome = run(server)
    assert outcome.path == "model"
    assert sleeps == [7.0]
    assert [r.headers["x-stainless-retry-count"] for r in server.requests] == ["0", "1"]


def test_429_persisting_falls_back_after_the_client_retries(sleeps: list[float]) -> None:
    """Mock transport: 429 on every try: max_retries=2 → 3 requests, each wait = Retry-After."""
    server = Server(error(429, "Rate limit reached", **{"retry-after": "7"}))
    outcome = run(server)
    assert outcome.path == "template"
    assert len(server.requests) == 3 and sleeps == [7.0, 7.0]
    assert outcome.reasons == (
        "http://127.0.0.1:9/v1 is rate-limiting requests (429 Too Many Requests) after 2 "
        "retries; using the template draft",
    )


def test_500_falls_back_after_the_client_retries(sleeps: list[float]) -> None:
    """Mock transport: 500 on every try."""
    server = Server(error(500, "The server had an error"))
    outcome = run(server)
    assert outcome.path == "template" and len(server.requests) == 3 and len(sleeps) == 2
    assert outcome.reasons == (
        "http://127.0.0.1:9/v1 failed (500 server error) after 2 retries; using the template draft",
    )


def test_timeout_falls_back_naming_model_and_timeout(sleeps: list[float]) -> None:
    """Mock transport: the read times out on every try."""
    server = Server(raises(httpx2.ReadTimeout, "timed out"))
    outcome = run(server)
    assert outcome.path == "template" and len(server.requests) == 3
    assert outcome.reasons == (
        "model 'gpt-4o-mini' at http://127.0.0.1:9/v1 did not answer within 5 s after 2 "
        "retries; using the template draft",
    )


def test_refused_connection_names_the_base_url(sleeps: list[float]) -> None:
    """Mock transport: nothing listens at the base URL."""
    server = Server(raises(httpx2.ConnectError, "[Errno 111] Connection refused"))
    outcome = run(server)
    assert outcome.path == "template"
    assert outcome.reasons == (
        "could not connect to http://127.0.0.1:9/v1 (connection refused) after 2 retries: "
        "check --base-url and that the server is running; using the template draft",
    )


def test_malformed_json_falls_back(checks: FakeChecks) -> None:
    """Mock transport: the reply is cut-off JSON with finish_reason=stop."""
    server = Server(reply(completion('{"subject": "What we got wrong", "greet')))
    outcome = run(server)
    assert outcome.path == "template"
    assert outcome.reasons == ("the model's reply was not valid JSON; using the template draft",)
    assert checks.checked == []


def test_schema_invalid_json_falls_back_naming_the_field(checks: FakeChecks) -> None:
    """Mock transport: valid JSON, wrong shape."""
    server = Server(reply(completion(json.dumps({"subject": "Hi", "greeting": 3}))))
    outcome = run(server)
    assert outcome.path == "template"
    assert outcome.reasons[0].startswith("the model's reply did not match the email schema (")
    assert checks.checked == []


def test_length_finish_reason_falls_back_and_counts_the_tokens() -> None:
    """Mock transport: finish_reason=length (the model looped until max_tokens)."""
    server = Server(reply(completion('{"subject": "We we we we', "length")))
    outcome = run(server)
    assert outcome.path == "template"
    assert outcome.reasons == (
        "the model's reply was cut off at 600 tokens (finish_reason=length); "
        "using the template draft",
    )
    assert outcome.usage == llm.Usage(1200, 300, 1)


def test_content_filter_falls_back() -> None:
    """Mock transport: finish_reason=content_filter."""
    outcome = run(Server(reply(completion(None, "content_filter"))))
    assert outcome.path == "template"
    assert "content filter" in outcome.reasons[0]


def test_refusal_falls_back_quoting_it() -> None:
    """Mock transport: message.refusal set, no content."""
    outcome = run(Server(reply(completion(None, refusal="I can't help with that."))))
    assert outcome.path == "template"
    assert outcome.reasons == (
        'the model refused: "I can\'t help with that."; using the template draft',
    )


@pytest.mark.parametrize("content", ["", None])
def test_empty_reply_falls_back(content: str | None) -> None:
    """Mock transport: an empty message."""
    outcome = run(Server(reply(completion(content))))
    assert outcome.path == "template"
    assert outcome.reasons == ("the model returned an empty reply; using the template draft",)


def test_401_is_not_retried_and_names_the_base_url(sleeps: list[float]) -> None:
    """Mock transport: a bad key. One request, no retry, and the key never echoed."""
    settings = llm.LLMSettings(
        **{**MOCK.__dict__, "base_url": "https://api.openai.com/v1", "api_key": "sk-test-123456"}
    )
    server = Server(error(401, "Incorrect API key provided: sk-test-***3456."))
    outcome = run(server, settings)
    assert len(server.requests) == 1 and sleeps == []
    assert outcome.path == "template"
    assert outcome.reasons == (
        "https://api.openai.com/v1 rejected the API key (401 Unauthorized): check "
        "OPENAI_API_KEY (not retried); using the template draft",
    )
    assert "sk-" not in " ".join(outcome.reasons)


def test_404_is_not_retried_and_names_model_and_base_url(sleeps: list[float]) -> None:
    """Mock transport: an unknown model (or a base URL missing /v1)."""
    server = Server(error(404, "The model `gpt-4o-mini` does not exist."))
    outcome = run(server)
    assert len(server.requests) == 1 and sleeps == []
    assert outcome.reasons == (
        "model 'gpt-4o-mini' or the API was not found at http://127.0.0.1:9/v1 (404 Not "
        "Found): check --model and --base-url (not retried); using the template draft",
    )


@pytest.mark.parametrize("status", [401, 404])
def test_401_and_404_raise_in_strict_mode(status: int, sleeps: list[float]) -> None:
    """Mock transport: strict turns the config error into exit code 1."""
    strict = llm.LLMSettings(**{**MOCK.__dict__, "strict": True})
    server = Server(error(status, "no"))
    with pytest.raises(llm.LLMError) as err:
        run(server, strict)
    assert f"({status} " in str(err.value) and len(server.requests) == 1


def test_400_shows_the_server_message_without_secrets() -> None:
    """Mock transport: e.g. a server that does not support json_schema."""
    server = Server(error(400, "response_format json_schema unsupported; key sk-abcdef123456"))
    outcome = run(server)
    assert outcome.reasons[0].startswith("http://127.0.0.1:9/v1 rejected the request (400): ")
    assert "json_schema unsupported" in outcome.reasons[0]
    assert "sk-abcdef" not in outcome.reasons[0]


def test_remote_server_without_a_key_sends_nothing() -> None:
    """Mock transport: no key for a non-local base URL: no request at all."""
    server = Server(reply(completion(email_json())))
    settings = llm.LLMSettings(**{**MOCK.__dict__, "base_url": None})
    with pytest.raises(openai_api.MissingKeyError):
        llm.make_client(settings)
    case = case_named(CASE)
    client = openai.OpenAI(
        api_key="unused", http_client=httpx2.Client(transport=httpx2.MockTransport(server))
    )
    outcome = llm.draft("email", case, settings, lambda: render("email", case), client=client)
    assert server.requests == []
    assert outcome.reasons == (
        "no API key for https://api.openai.com/v1: set OPENAI_API_KEY, or use --base-url with "
        "a local OpenAI-compatible server; using the template draft",
    )


def test_local_server_gets_a_dummy_key(checks: FakeChecks) -> None:
    """Mock transport: no key is demanded for a local base URL."""
    server = Server(reply(completion(email_json())))
    assert run(server).path == "model"
    assert server.requests[0].headers["authorization"] == f"Bearer {openai_api.LOCAL_API_KEY}"


@pytest.mark.parametrize(
    ("url", "local"),
    [
        ("http://127.0.0.1:8088/v1", True),
        ("http://localhost:11434/v1", True),
        ("http://[::1]:8000/v1", True),
        ("http://192.168.1.20:8000/v1", True),
        ("http://gpu.local:8000/v1", True),
        ("https://api.openai.com/v1", False),
        ("https://example.com/v1", False),
    ],
)
def test_local_urls(url: str, local: bool) -> None:
    assert model_settings.is_local_url(url) is local


def test_default_timeout_is_longer_for_local_servers() -> None:
    assert llm.LLMSettings().request_timeout == model_settings.REMOTE_TIMEOUT == 60
    local = llm.LLMSettings(base_url="http://127.0.0.1:8088/v1")
    assert local.request_timeout == model_settings.LOCAL_TIMEOUT == 120
    assert llm.LLMSettings(timeout=5).request_timeout == 5


def test_settings_repr_hides_the_key() -> None:
    assert "sk-secret" not in repr(llm.LLMSettings(api_key="sk-secret"))


def test_prompt_too_long_falls_back() -> None:
    """Mock transport: a budget nothing fits: no request, a clear reason."""
    server = Server(reply(completion(email_json())))
    tiny = llm.LLMSettings(**{**MOCK.__dict__, "max_prompt_tokens": 20})
    outcome = run(server, tiny)
    assert server.requests == [] and outcome.path == "template"
    assert "more than max_prompt_tokens (20)" in outcome.reasons[0]


# --- hand-written cassettes ------------------------------------------------------------------

HANDWRITTEN = llm.LLMSettings(
    model="gpt-4o-mini", base_url="http://127.0.0.1:8088/v1", timeout=5.0, max_retries=2
)
handwritten = pytest.mark.vcr(match_on=("method", "path"), record_mode="none")


@handwritten
def test_handwritten_429_then_success(checks: FakeChecks, sleeps: list[float], vcr: Any) -> None:
    """Hand-written cassette: 429 with Retry-After: 3, then a valid reply."""
    case = case_named(CASE)
    outcome = llm.draft("email", case, HANDWRITTEN, lambda: render("email", case))
    assert outcome.path == "model" and sleeps == [3.0]
    assert vcr.play_count == 2 and vcr.all_played


@handwritten
def test_handwritten_401_not_retried(sleeps: list[float], vcr: Any) -> None:
    """Hand-written cassette: 401; played once, no retry."""
    case = case_named(CASE)
    outcome = llm.draft("email", case, HANDWRITTEN, lambda: render("email", case))
    assert outcome.path == "template" and sleeps == [] and vcr.play_count == 1
    assert "rejected the API key (401 Unauthorized)" in outcome.reasons[0]


@handwritten
def test_handwritten_malformed_json(vcr: Any) -> None:
    """Hand-written cassette: a 200 whose content is not JSON."""
    case = case_named(CASE)
    outcome = llm.draft("email", case, HANDWRITTEN, lambda: render("email", case))
    assert outcome.reasons == ("the model's reply was not valid JSON; using the template draft",)
    assert vcr.play_count == 1


# --- hygiene ---------------------------------------------------------------------------------

SECRET_HEADERS = {"authorization", "openai-organization", "openai-project", "cookie", "x-api-key"}


def test_no_cassette_contains_a_key_or_authorization_header() -> None:
    files = sorted(CASSETTES.rglob("*.yaml"))
    assert files, "no cassettes found"
    for path in files:
        text = path.read_text(encoding="utf-8")
        assert "Bearer" not in text, path
        assert not re.search(r"\bsk-[A-Za-z0-9_-]{6,}", text), path
        data = yaml.safe_load(text)
        for interaction in data["interactions"]:
            sent = {h.lower() for h in interaction["request"].get("headers", {})}
            got = {h.lower() for h in interaction["response"].get("headers", {})}
            assert not sent & SECRET_HEADERS, (path, sent & SECRET_HEADERS)
            assert "set-cookie" not in got, path


def test_llm_modules_import_no_network_or_token_libraries_until_used() -> None:
    """Importing llm/schemas/tokens and drafting from a template loads none of openai,
    httpx, httpx2 or tiktoken; counting tokens then loads tiktoken only."""
    code = f"""
import sys
import drafter.llm, drafter.llm.prompts, drafter.schemas, drafter.tokens
from drafter.casefile import load_case
from drafter.render import render
case = load_case({str(SHARED_CASES / CASE)!r} + ".yaml")
for kind in ("email", "agenda", "escalation"):
    render(kind, case)
drafter.llm.prompts.build_messages("email", case)
heavy = ("openai", "httpx", "httpx2", "tiktoken")
print(sorted(m for m in heavy if m in sys.modules))
drafter.tokens.count_text("hello", "gpt-4o")
print(sorted(m for m in heavy if m in sys.modules))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    before, after = result.stdout.splitlines()
    assert before == "[]"
    assert after == "['tiktoken']"


@pytest.fixture(autouse=True)
def _no_stray_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name in ("OPENAI_API_KEY", "OPENAI_BASE_URL", "OPENAI_ORG_ID", "OPENAI_PROJECT_ID"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("OPENAI_CUSTOM_HEADERS", raising=False)
    yield
