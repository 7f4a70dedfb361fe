"""``drafter revise``: a logged draft revised by the model, held to the method, chained in the log.

Every model reply comes from an **httpx2 mock transport** behind a real ``openai.OpenAI``
client (as in ``test_llm.py``): ``make_client`` is patched to build its client on the mock,
so the revise command runs end to end, offline.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx2
import pytest
from click.testing import CliRunner, Result

from drafter import history
from drafter.casefile import load_case
from drafter.cli.app import cli
from drafter.llm import openai_api
from drafter.redact import redact
from drafter.resources import resource_dir
from drafter.schemas import EmailDraft, NamedFailure

CASE = resource_dir("examples") / "late-payroll.yaml"
LOCAL = "http://127.0.0.1:9/v1"


def email_json(
    gesture: str = "We refund the bank fees your staff paid because of the late runs.",
    name: str = "Hannah",
) -> str:
    """A revised email for the late-payroll case: the credit first, shorter."""
    return EmailDraft(
        subject="We refund your staff's bank fees, and here is what we got wrong",
        greeting=f"{name},",
        failures=[
            NamedFailure(
                failure="Your staff were paid two days late in August and again in September.",
                impact="Your managers lent staff money out of their own pockets to cover rent.",
            ),
            NamedFailure(
                failure="Your support tickets about the first late run went unanswered for "
                "nine days.",
                impact="You found out about the second late run from your own staff.",
            ),
        ],
        ownership="I'm new to your account, and that's no excuse: we let you down, and fixing "
        "it is my job. I'm sorry for what it cost you.",
        changes=[
            "Every payroll run is now checked by a second engineer 48 hours before pay day.",
            "Tickets that mention a late or failed payroll now page the on-call lead at once.",
        ],
        gesture=gesture,
        pledge="Until this is fixed to your full satisfaction, we haven't earned the right to "
        "discuss more business.",
        ask="Will you give me twenty minutes at your office to walk you through the new "
        "pay-day checks?",
        sign_off="Marcus",
    ).model_dump_json()


def completion(content: str) -> dict[str, Any]:
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": "gpt-4o-mini",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "finish_reason": "stop",
                "logprobs": None,
            }
        ],
        "usage": {"prompt_tokens": 1500, "completion_tokens": 300, "total_tokens": 1800},
    }


class Server:
    """A scripted OpenAI-compatible server answering every request with ``contents`` in turn
    (the last one repeats), keeping the request bodies."""

    def __init__(self, *contents: str) -> None:
        self.contents = contents
        self.bodies: list[dict[str, Any]] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.bodies.append(json.loads(request.content))
        content = self.contents[min(len(self.bodies), len(self.contents)) - 1]
        return httpx2.Response(200, json=completion(content))


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "history.db"
    monkeypatch.setenv(history.ENV_VAR, str(path))
    return path


@pytest.fixture
def serve(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Server]:
    """Route the model's requests to a mock server answering with the given replies."""

    def install(*contents: str) -> Server:
        server = Server(*contents)
        real = openai_api.make_client

        def on_mock(settings: Any, **_: Any) -> Any:
            return real(settings, http_client=httpx2.Client(transport=httpx2.MockTransport(server)))

        monkeypatch.setattr(openai_api, "make_client", on_mock)
        return server

    return install


def drafter(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


def template_draft(*extra: str) -> int:
    """Draft the example's email from templates; its history id."""
    result = drafter("email", str(CASE), "--mode", "templates", *extra)
    assert result.exit_code == 0, result.output
    (entry,) = history.list_entries(1)
    assert entry.id is not None
    return entry.id


def test_revision_is_written_logged_with_its_parent_and_chained(
    db: Path, serve: Callable[..., Server], tmp_path: Path
) -> None:
    first = template_draft()
    server = serve(email_json())
    out = tmp_path / "revised.txt"
    result = drafter(
        "revise", str(first), "shorter, lead with the credit", "--base-url", LOCAL, "-o", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "We refund your staff's bank fees" in out.read_text()
    (sent,) = server.bodies
    roles = [m["role"] for m in sent["messages"]]
    assert roles == ["system", "user", "assistant", "user"]
    assert "Subject: We got it wrong" in sent["messages"][2]["content"]  # the template draft
    assert '"shorter, lead with the credit"' in sent["messages"][3]["content"]
    revised = history.get(first + 1)
    assert revised is not None and revised.parent == first and revised.written
    assert revised.instruction == "shorter, lead with the credit"
    assert revised.route == "model" and revised.output_path == str(out)

    # a revision of the revision continues its logged conversation
    again = drafter("revise", str(first + 1), "warmer", "--base-url", LOCAL)
    assert again.exit_code == 0, again.output
    continued = server.bodies[1]["messages"]
    assert continued[:4] == sent["messages"]
    assert continued[4] == {"role": "assistant", "content": email_json()}
    assert '"warmer"' in continued[5]["content"]

    shown = drafter("log", "show", str(first + 1))
    assert shown.exit_code == 0, shown.output
    assert f"revises:  draft {first}" in shown.output
    tree = shown.output.split("## revisions")[1].splitlines()
    assert [line.split(" (")[0] for line in tree if line] == [
        f"draft {first}",
        f"  draft {first + 1}",
        f"    draft {first + 2}",
    ]
    assert "<- this draft" in next(line for line in tree if f"draft {first + 1} " in line)
    as_json = json.loads(drafter("log", "show", str(first), "--json").output)
    assert [r["id"] for r in as_json["revisions"]] == [first, first + 1, first + 2]


@pytest.mark.parametrize(
    "reply",
    [
        email_json(gesture="We will take 20% off your next renewal."),
        email_json(gesture="Unfortunately, due to circumstances, the bank fees stay yours."),
    ],
    ids=["adds-a-discount", "makes-excuses"],
)
def test_revision_breaking_the_method_is_refused_and_nothing_written(
    db: Path, serve: Callable[..., Server], tmp_path: Path, reply: str
) -> None:
    first = template_draft()
    before = history.get(first)
    server = serve(reply)
    out = tmp_path / "revised.txt"
    result = drafter(
        "revise",
        str(first),
        "offer them a discount and skip the ticket stuff",
        "--base-url",
        LOCAL,
        "-o",
        str(out),
    )
    assert result.exit_code == 1
    assert f"draft {first} was not revised: the model's draft still broke" in result.output
    assert "after 1 repair round" in result.output
    assert f"Nothing was written; draft {first} is kept as it was." in result.output
    assert "Traceback" not in result.output
    assert len(server.bodies) == 2  # the revision and one repair round
    assert server.bodies[1]["messages"][-1]["content"].startswith("Your draft breaks")
    assert not out.exists()
    assert [e.id for e in history.list_entries()] == [first]
    assert history.get(first) == before


def test_redacted_draft_is_revised_redacted(db: Path, serve: Callable[..., Server]) -> None:
    first = template_draft("--redact")
    hidden, _ = redact(load_case(str(CASE)))
    server = serve(email_json(name=hidden.customer.name.split()[0]))
    result = drafter(
        "revise",
        str(first),
        "Call Hannah Okoye by her first name",
        "--base-url",
        LOCAL,
        "--no-redact",
    )
    assert result.exit_code == 0, result.output
    sent = json.dumps(server.bodies[0]["messages"])
    assert "Hannah" not in sent and "Okoye" not in sent and "Copper Kettle" not in sent
    assert result.stdout.splitlines()[0].startswith("To: Hannah Okoye")
    assert "\nDear Hannah,\n" in result.stdout  # the placeholder restored
    assert hidden.customer.name.split()[0] not in result.stdout


def test_without_a_model_it_says_so_in_one_line(db: Path) -> None:
    first = template_draft()
    result = drafter("revise", str(first), "shorter")
    assert result.exit_code == 2
    assert result.output.startswith("drafter: revising a draft needs a model")
    assert len(result.output.strip().splitlines()) == 1
    assert [e.id for e in history.list_entries()] == [first]


def test_unknown_id_is_bad_input(db: Path) -> None:
    template_draft()
    result = drafter("revise", "99", "shorter", "--base-url", LOCAL)
    assert result.exit_code == 2
    assert result.output.startswith("drafter: no draft 99 in the history log")
    assert len(result.output.strip().splitlines()) == 1


def test_a_draft_logged_before_cases_were_kept_says_to_draft_again(db: Path) -> None:
    """A version-1 log is upgraded in place; its drafts have no case to revise from."""
    with sqlite3.connect(db) as conn:
        for statement in history.MIGRATIONS[0]:
            conn.execute(statement)
        conn.execute("PRAGMA user_version = 1")
        conn.execute(
            "INSERT INTO drafts (started, kind, mode, path, subject, body, case_path) "
            "VALUES (0, 'email', 'templates', 'template', 'Sorry', 'Dear Dana,', 'old.yaml')"
        )
    result = drafter("revise", "1", "shorter", "--base-url", LOCAL)
    assert result.exit_code == 2
    assert "was logged before drafter kept the case" in result.output
    assert history.schema_version(db) == history.SCHEMA_VERSION
    assert history.get(1) is not None and history.get(1).parent is None  # type: ignore[union-attr]


def test_dry_run_prints_the_revision_and_sends_nothing(
    db: Path, serve: Callable[..., Server]
) -> None:
    first = template_draft()
    server = serve(email_json())
    result = drafter("revise", str(first), "shorter", "--dry-run")
    assert result.exit_code == 0, result.output
    assert f"# dry run: revision of draft {first}; nothing sent" in result.output
    assert "## message 4: user" in result.output
    assert server.bodies == []
