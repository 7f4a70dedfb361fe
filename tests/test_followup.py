"""The follow-up email (``drafter followup``): drafted only from a case's ``after_meeting``,
in every format, in ``all`` and ``batch``; checked; written by a model or the template."""

from __future__ import annotations

import json
from pathlib import Path

import httpx2
import pytest
from click.testing import CliRunner

from drafter import llm
from drafter.casefile import load_case
from drafter.checks import check_draft, check_text
from drafter.cli import cli
from drafter.render import render
from drafter.schemas import AgreedStepLine, FollowupDraft
from tests.conftest import SHARED_CASES
from tests.test_llm import MOCK, Server, completion, reply

OUTAGE = next(str(p) for p in SHARED_CASES if p.stem == "outage-followup")
NO_MEETING = next(str(p) for p in SHARED_CASES if p.stem == "missed-deliveries")


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.stdout, result.stderr


def test_followup_confirms_what_was_heard_and_agreed() -> None:
    code, out, _ = run("followup", OUTAGE, "--mode", "templates")
    assert code == 0
    assert out.startswith("To: Tomás Ferreira <tomas.ferreira@brightline.example>\n")
    assert "You want to see the failover tested before the January peak" in out
    assert "A failover test with your IT team watching. Owned by Site Reliability, due 20 " in out
    assert "Owned by me, due 15 December 2026." in out  # the sender's own step
    assert "You'll hear from me on 15 December 2026" in out
    assert "Service credits for December, in full." in out  # confirmed, nothing new


def test_followup_without_after_meeting_says_what_to_add() -> None:
    code, out, err = run("followup", NO_MEETING)
    assert code == 2 and out == ""
    assert err.splitlines() == [
        f"drafter: {NO_MEETING} has no `after_meeting`, which the follow-up email is drafted "
        "from; add it to the case (docs/case-format.md describes it)."
    ]


@pytest.mark.parametrize("fmt", ["text", "markdown", "json", "eml"])
def test_every_format(fmt: str) -> None:
    code, out, _ = run("followup", OUTAGE, "--mode", "templates", "-f", fmt)
    assert code == 0
    assert "Site Reliability" in out
    if fmt == "json":
        assert json.loads(out)["kind"] == "followup"
    if fmt == "eml":
        assert "X-Unsent: 1" in out


def test_all_writes_the_followup_only_when_the_case_has_after_meeting(tmp_path: Path) -> None:
    for case, expected in ((OUTAGE, True), (NO_MEETING, False)):
        folder = tmp_path / Path(case).stem
        code, _, _ = run("all", case, "-o", str(folder), "--mode", "templates")
        assert code == 0
        names = {p.name for p in folder.iterdir()}
        assert {"email.txt", "agenda.txt", "escalation.txt"} <= names
        assert ("followup.txt" in names) is expected


def test_batch_includes_the_followup_where_the_case_has_after_meeting(tmp_path: Path) -> None:
    out = tmp_path / "out"
    code, stdout, _ = run("batch", OUTAGE, NO_MEETING, "-o", str(out), "--mode", "templates")
    assert code == 0, stdout
    assert (out / "outage-followup" / "followup.txt").exists()
    assert not (out / "missed-deliveries" / "followup.txt").exists()
    assert (out / "missed-deliveries" / "email.txt").exists()
    assert "2 template" in stdout


@pytest.mark.parametrize("tone", ["warm", "formal", "direct"])
def test_followup_rules_pass_on_the_template_draft(tone: str) -> None:
    for path in (OUTAGE, "drafter/examples/hotel-linen-followup.yaml"):
        case = load_case(path).model_copy(update={"tone": tone})
        report = check_draft(render("followup", case), case)
        mine = [v for v in report.violations if v.rule.startswith("followup-")]
        assert not mine, mine


def test_template_draft_passes_every_check() -> None:
    case = load_case(OUTAGE)
    report = check_draft(render("followup", case), case)
    assert report.ok, report.violations


def test_followup_rules_catch_a_missing_owner_date_and_next_contact() -> None:
    case = load_case(OUTAGE)
    text = render("followup", case).body
    text = text.replace("Owned by Site Reliability, due 20 January 2027.", "")
    text = text.replace("on 15 December 2026 with", "soon with")
    found = {v.rule: v.text for v in check_text("followup", text, case).violations}
    assert found["followup-steps"].startswith("- A failover test with your IT team watching.")
    assert found["followup-next-contact"] == "2026-12-15"


def _model_reply(gesture: str) -> str:
    return FollowupDraft(
        subject="What we agreed on 8 December",
        greeting="Tomás,",
        thanks="Thanks for your time on 8 December, and for being straight with us.",
        heard=[
            "Your call-centre staff want a direct line to our on-call engineer on peak days.",
            "You want to see the failover tested before the January peak, not just told it works.",
        ],
        agreed=[
            AgreedStepLine(
                step="A failover test with your IT team watching.",
                owner="Site Reliability",
                by="20 January 2027",
            ),
            AgreedStepLine(
                step="A direct on-call number for your call-centre leads on peak days.",
                owner="Ana Sousa",
                by="15 December 2026",
            ),
        ],
        gesture=gesture,
        pledge="Until this is done, I won't raise new business.",
        next_contact="You'll hear from me on 15 December 2026 with where each step stands.",
        ask="If I've misheard anything or missed a step, will you tell me?",
        sign_off="Best,",
    ).model_dump_json()


def _draft_with(server: Server) -> llm.Outcome:
    case = load_case(OUTAGE)
    client = llm.make_client(
        MOCK, http_client=httpx2.Client(transport=httpx2.MockTransport(server))
    )
    return llm.draft("followup", case, MOCK, lambda: render("followup", case), client=client)


def test_model_writes_the_followup() -> None:
    server = Server(reply(completion(_model_reply("The December service credits are under way."))))
    outcome = _draft_with(server)
    assert outcome.route == "model", outcome.reasons
    assert "Owned by Ana Sousa, due 15 December 2026." in outcome.draft.body
    request = server.bodies()[0]
    assert "next contact: 15 December 2026" in request["messages"][1]["content"]


def test_model_followup_offering_something_new_falls_back_to_the_template() -> None:
    """Mock transport: every reply offers a discount nobody approved."""
    bad = _model_reply("As a thank-you, we will give you 20% off your renewal.")
    server = Server(reply(completion(bad)))
    outcome = _draft_with(server)
    assert outcome.route == "template"
    assert outcome.draft == render("followup", load_case(OUTAGE))
    assert "20% off" not in outcome.draft.body
