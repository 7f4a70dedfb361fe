"""The OpenAI Batch API path: submit, status, collect, and its parity with the direct path.

Two kinds of test, each labelled in its docstring:

* **hand-written cassette**: ``cassettes/test_batchapi/*.yaml``, written by hand, never
  recorded: the local llama.cpp server the recorded cassettes come from has no ``/v1/files``
  or ``/v1/batches``. Replayed through vcrpy and the real HTTP transport against
  ``https://api.openai.com/v1`` with the dummy key ``test-key`` (set only inside the tests).
  The multipart upload has a random boundary, so it matches on method and path only; every
  other request matches on its body too (``body_unless_multipart``, registered in conftest).
* **mock transport**: an ``httpx2.MockTransport`` behind a real ``openai.OpenAI`` client.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest
from click.testing import CliRunner, Result

from drafter import batchapi, history, llm, tokens
from drafter.batchfiles import MANIFEST, job_key
from drafter.case import Case
from drafter.casefile import load_case
from drafter.cli import cli
from drafter.config import UserConfig
from drafter.drafts import KINDS, Kind
from drafter.llm import openai_api
from drafter.llm.provider import Failure, Why
from drafter.output import render_output
from drafter.redact import redact
from drafter.render import render
from tests.conftest import SHARED
from tests.test_llm import Server, completion, error, reply

BASE = "https://api.openai.com/v1"
CASSETTES = Path(__file__).resolve().parents[1] / "cassettes" / "test_batchapi"
BATCH_ID = "batch_drafter_test"
ROUND_TRIP = ("hospital-overstock", "missed-deliveries", "system-down")
handwritten = pytest.mark.vcr(
    "submit.yaml",
    "in_progress.yaml",
    "completed.yaml",
    match_on=("method", "path", "query", "body_unless_multipart"),
    record_mode="none",
)


@pytest.fixture(autouse=True)
def _dummy_key(monkeypatch: pytest.MonkeyPatch) -> None:
    """A dummy key, only inside these tests; cassettes never hold one."""
    monkeypatch.setenv("OPENAI_API_KEY", "test-key")


def shared_case(name: str) -> Case:
    return load_case(str(SHARED / "cases" / f"{name}.yaml"))


def _copy_cases(tmp_path: Path, names: tuple[str, ...]) -> list[Path]:
    folder = tmp_path / "cases"
    folder.mkdir()
    paths = []
    for name in names:
        paths.append(folder / f"{name}.yaml")
        shutil.copy(SHARED / "cases" / f"{name}.yaml", paths[-1])
    return paths


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args))


# --- the round trip (hand-written cassettes) -------------------------------------------------


GOOD_OWNERSHIP = "I took over your account recently, and these failures are ours to own"
SERVER_ERROR = "The server had an error while processing your request."


@handwritten
def test_round_trip_submit_status_collect(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vcr: Any
) -> None:
    """Hand-written cassettes: three shared cases and an invalid one, email only, with
    --repair-rounds 0. Submit uploads the JSONL (bodies = the direct path's first requests)
    and records the batch; status says it runs; an early collect refuses; after completion,
    collect keeps the model draft that passes the checks, replaces the one that offers a
    discount and the 500 error line by the template with the reason, logs all three, and
    drafts from the case text as submitted. Collecting again sends nothing and redoes nothing.
    """
    paths = _copy_cases(tmp_path, ROUND_TRIP)
    broken = tmp_path / "cases" / "broken.yaml"
    broken.write_text("account: Nobody\n", encoding="utf-8")
    out = tmp_path / "out"
    monkeypatch.setenv("COLUMNS", "300")  # the summary table's reasons in full
    uploads: list[Any] = []
    real_create = openai.resources.files.Files.create

    def spy(self: Any, **kwargs: Any) -> Any:
        uploads.append(kwargs)
        return real_create(self, **kwargs)

    monkeypatch.setattr(openai.resources.files.Files, "create", spy)

    # submit
    submit = [
        "batch",
        *map(str, paths),
        str(broken),
        "-o",
        str(out),
        "--via",
        "batch-api",
        "--kinds",
        "email",
        "--mode",
        "llm",
        "--model",
        "gpt-4o-mini",
        "--base-url",
        BASE,
        "--seed",
        "7",
        "--repair-rounds",
        "0",
    ]
    result = invoke(*submit)
    assert result.exit_code == 2, result.output  # the invalid case, as in a direct batch
    assert "broken.yaml" in result.stdout and "invalid case" in result.stdout
    assert f"submitted batch {BATCH_ID}: 3 requests for 3 cases to gpt-4o-mini" in result.stdout
    assert f"next: drafter batch status {out}" in result.stdout
    assert vcr.play_count == 2

    state_text = (out / batchapi.STATE).read_text(encoding="utf-8")
    assert "test-key" not in state_text
    state = json.loads(state_text)
    assert state["batch_id"] == BATCH_ID and state["input_file_id"] == "file-drafter-input"
    assert state["status"] == "validating"
    recorded = state["settings"]
    assert "api_key" not in recorded["llm"]
    assert recorded["llm"]["model"] == "gpt-4o-mini" and recorded["llm"]["repair_rounds"] == 0
    assert recorded["llm"]["base_url"] == BASE and recorded["llm"]["seed"] == 7
    assert recorded["kinds"] == ["email"] and recorded["format"] == "text"
    assert recorded["redact"] is False and recorded["tone"] is None
    entries = state["cases"]
    assert [e["path"] for e in entries] == [*map(str, paths), str(broken)]
    for path, entry in zip(paths, entries, strict=False):
        assert entry["text"] == path.read_text(encoding="utf-8")
        assert entry["requests"] == {"email": f"{path.stem}/email"}
    assert "`customer` is required" in entries[3]["invalid"] and "text" not in entries[3]

    jsonl = (out / batchapi.REQUESTS).read_bytes()
    assert uploads[0]["purpose"] == "batch" and uploads[0]["file"][1] == jsonl
    lines = [json.loads(line) for line in jsonl.decode().splitlines()]
    settings = batchapi.BatchState.from_json(state).llm_settings(UserConfig.locate())
    assert settings.api_key == "test-key"
    assert [line["custom_id"] for line in lines] == [f"{n}/email" for n in ROUND_TRIP]
    for line, name in zip(lines, ROUND_TRIP, strict=True):
        assert line["method"] == "POST" and line["url"] == "/v1/chat/completions"
        assert line["body"] == openai_api.request_body("email", shared_case(name), settings)
        assert line["body"]["seed"] == 7 and line["body"]["model"] == "gpt-4o-mini"

    again = invoke(*submit)
    assert again.exit_code == 2 and f"already holds batch {BATCH_ID}" in again.output
    assert vcr.play_count == 2  # refused before anything was sent

    # the case file changes after submission: collect drafts what was submitted
    paths[0].write_text("not: [a case\n", encoding="utf-8")

    # status, and an early collect
    status = invoke("batch", "status", str(out))
    assert status.exit_code == 0, status.output
    assert f"batch {BATCH_ID}: in_progress" in status.stdout
    assert "3 requests: 1 completed, 0 failed" in status.stdout
    assert "collect" not in status.stdout
    early = invoke("batch", "collect", str(out))
    assert early.exit_code == 1
    assert f"batch {BATCH_ID} is in_progress (3 requests: 2 completed, 0 failed)" in early.output
    assert "nothing to collect yet" in early.output
    assert not (out / "hospital-overstock").exists()

    # completed
    status = invoke("batch", "status", str(out))
    assert "completed" in status.stdout and "3 requests: 2 completed, 1 failed" in status.stdout
    assert f"next: drafter batch collect {out}" in status.stdout
    collected = invoke("batch", "collect", str(out))
    assert collected.exit_code == 2, collected.output  # the invalid case is still reported
    assert vcr.play_count == 8
    table = {line.split()[0]: line for line in collected.stdout.splitlines() if ".yaml" in line}
    assert "drafted by model" in table["hospital-overstock.yaml"]
    assert "template" in table["missed-deliveries.yaml"]
    assert (
        "broke 2 rules (no-selling, no-invented-facts), and repair_rounds is 0"
        in (table["missed-deliveries.yaml"])
    )
    assert "template" in table["system-down.yaml"]
    assert f"the batch request failed (500): {SERVER_ERROR}" in table["system-down.yaml"]
    assert "invalid case" in table["broken.yaml"] and "not submitted" in table["broken.yaml"]

    hospital = (out / "hospital-overstock" / "email.txt").read_text(encoding="utf-8")
    assert GOOD_OWNERSHIP in hospital and "Subject: What we got wrong, and what has" in hospital
    for name in ("missed-deliveries", "system-down"):
        case = shared_case(name)
        expected = render_output(render("email", case), "text")
        assert (out / name / "email.txt").read_bytes() == expected
    for path, entry in zip(paths, entries, strict=False):
        manifest = json.loads((out / path.stem / MANIFEST).read_text(encoding="utf-8"))
        key = job_key(entry["text"].encode(), "email", state["fingerprint"])
        assert manifest["email"]["key"] == key
    assert (out / batchapi.OUTPUT).exists() and (out / batchapi.ERRORS).exists()
    assert json.loads((out / batchapi.STATE).read_text())["result"]["status"] == "completed"

    logged = {e.account: e for e in history.list_entries()}
    assert len(logged) == 3
    good = logged["Northwind Regional Hospital"]
    assert good.route == "model" and good.mode == "llm" and good.model == "gpt-4o-mini"
    assert [m["role"] for m in good.messages] == ["system", "user"]
    assert list(good.messages) == lines[0]["body"]["messages"]
    assert good.prompt_tokens == 1481 and good.completion_tokens == 311 and good.calls == 1
    bad = logged["Harbor Street Bakeries"]
    assert bad.route == "template" and "discount" in bad.replies[0]
    assert bad.reasons[0].endswith("and repair_rounds is 0; using the template draft")
    failed = logged["Cascade Freight Partners"]
    assert failed.route == "template" and failed.replies == ()
    assert failed.reasons == (
        f"the batch request failed (500): {SERVER_ERROR}; using the template draft",
    )

    # collecting again: nothing downloaded, nothing redrafted
    before = {p: p.read_bytes() for p in out.rglob("email.txt")}
    twice = invoke("batch", "collect", str(out))
    assert twice.exit_code == 2
    assert "3 already done, 1 invalid case" in twice.stdout
    assert vcr.play_count == 8 and vcr.all_played
    assert {p: p.read_bytes() for p in out.rglob("email.txt")} == before
    assert len(history.list_entries()) == 3


# --- the Batch API against a mock transport --------------------------------------------------


class BatchServer:
    """A scripted OpenAI: files, batches and chat completions, each with its own answers."""

    def __init__(self, batch: dict[str, Any], files: dict[str, str], chat: Server) -> None:
        self.batch = batch
        self.files = files
        self.chat = chat
        self.requests: list[httpx2.Request] = []

    def __call__(self, request: httpx2.Request) -> httpx2.Response:
        self.requests.append(request)
        path = request.url.path
        if path.endswith("/chat/completions"):
            return self.chat(request)
        if path.endswith("/files") and request.method == "POST":
            return httpx2.Response(
                200,
                json={
                    "id": "file-in",
                    "object": "file",
                    "bytes": len(request.content),
                    "created_at": 0,
                    "filename": "drafter-batch.jsonl",
                    "purpose": "batch",
                    "status": "processed",
                },
            )
        if path.endswith("/batches") and request.method == "POST":
            return httpx2.Response(200, json={**self.batch, "status": "validating"})
        if "/batches/" in path:
            return httpx2.Response(200, json=self.batch)
        file_id = path.split("/files/")[1].removesuffix("/content")
        return httpx2.Response(200, content=self.files[file_id].encode())


def batch_object(status: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": "batch_mock",
        "object": "batch",
        "endpoint": "/v1/chat/completions",
        "input_file_id": "file-in",
        "completion_window": "24h",
        "status": status,
        "created_at": 0,
        "request_counts": {"total": 2, "completed": 1, "failed": 0},
        **extra,
    }


def output_line(custom_id: str, body: dict[str, Any], status: int = 200) -> str:
    response = {"status_code": status, "request_id": "req", "body": body}
    return json.dumps({"id": "r", "custom_id": custom_id, "response": response, "error": None})


def client_for(server: Callable[[httpx2.Request], httpx2.Response]) -> openai.OpenAI:
    settings = llm.LLMSettings(base_url=BASE, api_key="test-key", max_retries=0)
    return llm.make_client(
        settings, http_client=httpx2.Client(transport=httpx2.MockTransport(server))
    )


def good_email() -> str:
    """The hospital case's email reply that passes the checks: the one in completed.yaml."""
    text = (CASSETTES / "completed.yaml").read_text(encoding="utf-8")
    start = text.index('{"id":"batch_req_1"')
    line = json.loads(text[start : text.index("\n", start)])
    content: str = line["response"]["body"]["choices"][0]["message"]["content"]
    return content


def test_expired_batch_collects_partial_results_and_repairs_through_the_chat_api(
    tmp_path: Path,
) -> None:
    """Mock transport: an expired batch with one reply (offering a discount) and one request
    with no line at all. With one repair round the first is sent back through the chat API
    with the same client and fixed; the missing one falls back to the template."""
    paths = _copy_cases(tmp_path, ("hospital-overstock", "missed-deliveries"))
    out = tmp_path / "out"
    config = UserConfig.locate()
    settings = llm.LLMSettings(base_url=BASE, api_key="test-key", max_retries=0, repair_rounds=1)
    discount = json.loads(good_email())
    discount["pledge"] = "As an apology, take 10% off your next order of stapler reloads."
    output = output_line("hospital-overstock/email", completion(json.dumps(discount))) + "\n"
    chat = Server(reply(completion(good_email())))
    server = BatchServer(batch_object("in_progress"), {"file-out": output}, chat)
    client = client_for(server)
    submission = batchapi.submit(
        paths, out, ("email",), "text", settings, config=config, client=client
    )
    assert submission.batch_id == "batch_mock" and submission.requests == 2

    with pytest.raises(batchapi.BatchNotReady, match="is in_progress"):
        batchapi.collect(out, config=config, client=client)

    server.batch = batch_object("expired", output_file_id="file-out")
    results = batchapi.collect(out, config=config, client=client)
    by_name = {r.source.stem: r for r in results}
    assert by_name["hospital-overstock"].status == "repaired"
    logged = {e.account: e for e in history.list_entries()}
    one_call = tokens.estimate_cost("gpt-4o-mini", 1200, 300)  # each reply's usage
    assert one_call is not None
    hospital_entry = logged[shared_case("hospital-overstock").account]
    assert hospital_entry.cost == pytest.approx(one_call / 2 + one_call)  # batch + repair
    assert all(e.written for e in logged.values())  # the files were written: no "recover" mark
    assert logged[shared_case("missed-deliveries").account].cost == 0
    assert (
        by_name["hospital-overstock"]
        .reasons[0]
        .startswith(
            "email: the model's draft broke 2 rules (no-selling, no-invented-facts); repair round 1"
        )
    )
    repair = chat.bodies()[0]
    assert [m["role"] for m in repair["messages"]] == ["system", "user", "assistant", "user"]
    assert "10% off" in repair["messages"][2]["content"]
    assert by_name["missed-deliveries"].status == "template"
    assert by_name["missed-deliveries"].reasons == [
        "email: the batch returned no reply for this request (batch expired); "
        "using the template draft"
    ]
    hospital = (out / "hospital-overstock" / "email.txt").read_text(encoding="utf-8")
    assert GOOD_OWNERSHIP in hospital and "10%" not in hospital


def test_cancel_stops_the_batch_and_collect_keeps_what_finished(tmp_path: Path) -> None:
    """Mock transport: cancel posts to the batch's cancel endpoint and records the status;
    once cancelled, collect drafts the reply that came back and falls back for the rest."""
    paths = _copy_cases(tmp_path, ("hospital-overstock", "missed-deliveries"))
    out = tmp_path / "out"
    config = UserConfig.locate()
    settings = llm.LLMSettings(base_url=BASE, api_key="test-key", max_retries=0, repair_rounds=0)
    output = output_line("hospital-overstock/email", completion(good_email())) + "\n"
    server = BatchServer(batch_object("in_progress"), {"file-out": output}, Server())
    client = client_for(server)
    batchapi.submit(paths, out, ("email",), "text", settings, config=config, client=client)

    server.batch = batch_object("cancelling")
    current = batchapi.cancel(out, config=config, client=client)
    assert current.status == "cancelling"
    sent = server.requests[-1]
    assert (sent.method, sent.url.path) == ("POST", "/v1/batches/batch_mock/cancel")
    assert batchapi.BatchState.read(out).status == "cancelling"

    server.batch = batch_object("cancelled", output_file_id="file-out")
    results = batchapi.collect(out, config=config, client=client, log=False)
    by_name = {r.source.stem: r for r in results}
    assert by_name["hospital-overstock"].status == "model"
    assert by_name["missed-deliveries"].status == "template"
    assert "no reply for this request (batch cancelled)" in by_name["missed-deliveries"].reasons[0]


def test_cancel_without_a_batch_is_a_clear_error(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["batch", "cancel", str(tmp_path)])
    assert result.exit_code == 2
    assert "Traceback" not in result.output
    assert str(tmp_path) in result.output


def test_redacted_batch_sends_placeholders_and_restores_the_reply(tmp_path: Path) -> None:
    """Mock transport: with redaction the JSONL holds no name, email or account of the case
    (the bodies are ``request_body`` of the redacted case); the reply, written in
    placeholders, is restored before the checks and the output."""
    paths = _copy_cases(tmp_path, ("hospital-overstock",))
    out = tmp_path / "out"
    config = UserConfig.locate()
    settings = llm.LLMSettings(base_url=BASE, api_key="test-key", max_retries=0)
    case = shared_case("hospital-overstock")
    prompt_case, redaction = redact(case)
    placeholders = redaction.redact_text(good_email())
    assert "Dana" not in placeholders
    output = output_line("hospital-overstock/email", completion(placeholders)) + "\n"
    server = BatchServer(
        batch_object("completed", output_file_id="file-out"), {"file-out": output}, Server()
    )
    client = client_for(server)
    batchapi.submit(
        paths, out, ("email",), "text", settings, config=config, redact=True, client=client
    )
    jsonl = (out / batchapi.REQUESTS).read_text(encoding="utf-8")
    for secret in ("Dana", "Whitfield", "Northwind", "northwind.example", "Priya", "555 0100"):
        assert secret not in jsonl, secret
    assert json.loads(jsonl)["body"] == openai_api.request_body("email", prompt_case, settings)
    assert json.loads((out / batchapi.STATE).read_text())["settings"]["redact"] is True

    results = batchapi.collect(out, config=config, client=client, log=False)
    assert results[0].status == "model", results[0].reasons
    email = (out / "hospital-overstock" / "email.txt").read_text(encoding="utf-8")
    assert "Dear Dana," in email and redaction.unrestored(email) == []


def test_failed_batch_says_why_and_writes_nothing(tmp_path: Path) -> None:
    """Mock transport: a batch that failed validation: its errors, exit 1, no draft."""
    paths = _copy_cases(tmp_path, ("hospital-overstock",))
    out = tmp_path / "out"
    config = UserConfig.locate()
    settings = llm.LLMSettings(base_url=BASE, api_key="test-key", max_retries=0)
    errors = {"data": [{"code": "invalid_request", "message": "Model not found", "line": 1}]}
    server = BatchServer(batch_object("failed", errors=errors), {}, Server())
    client = client_for(server)
    batchapi.submit(paths, out, ("email",), "text", settings, config=config, client=client)
    with pytest.raises(batchapi.BatchAPIError) as err:
        batchapi.collect(out, config=config, client=client)
    assert err.value.exit_code == 1
    assert "batch batch_mock failed: Model not found (line 1); nothing ran" in str(err.value)
    assert not (out / "hospital-overstock").exists()


def test_upload_refused_is_a_clear_error(tmp_path: Path) -> None:
    """Mock transport: a server without /v1/files (a local llama.cpp, say) answers 404."""
    paths = _copy_cases(tmp_path, ("hospital-overstock",))
    settings = llm.LLMSettings(base_url=BASE, api_key="test-key", max_retries=0)
    client = client_for(Server(error(404, "File Not Found")))
    with pytest.raises(batchapi.BatchAPIError, match=r"uploading the batch file failed: .*404"):
        batchapi.submit(
            paths, tmp_path / "out", ("email",), "text", settings,
            config=UserConfig.locate(), client=client,
        )  # fmt: skip
    assert not (tmp_path / "out" / batchapi.STATE).exists()


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        (
            {"custom_id": "a/email", "response": None, "error": {"code": "batch_expired",
             "message": "This request could not be executed before the window expired."}},
            "the batch request failed (batch_expired): This request could not be executed "
            "before the window expired.",
        ),
        (
            {"custom_id": "a/email", "response": {"status_code": 400, "body": {"error": {
             "message": "Invalid 'max_completion_tokens'"}}}, "error": None},
            "the batch request failed (400): Invalid 'max_completion_tokens'",
        ),
    ],
)  # fmt: skip
def test_error_lines_become_reasons(line: dict[str, Any], expected: str) -> None:
    assert batchapi.reply_of(line) == ("a/email", expected)


# --- parity with the direct path (mock transport) --------------------------------------------

DIRECT = llm.LLMSettings(
    model="gpt-4o-mini",
    base_url="http://127.0.0.1:9/v1",
    temperature=0.2,
    seed=11,
    max_retries=0,
    repair_rounds=0,
    max_output_tokens=600,
)


@pytest.mark.parametrize("kind", KINDS)
@pytest.mark.parametrize("redacted", [False, True])
def test_request_body_is_what_the_direct_path_sends_first(kind: Kind, redacted: bool) -> None:
    """Mock transport: the JSON the direct path sends first equals ``request_body`` (the
    body of a Batch API line), with and without redaction."""
    case = shared_case("outage-followup" if kind == "followup" else "hospital-overstock")
    prompt_case, redaction = redact(case) if redacted else (None, None)
    server = Server(reply(completion('{"subject": ')))
    client = llm.make_client(
        DIRECT, http_client=httpx2.Client(transport=httpx2.MockTransport(server))
    )
    llm.draft(
        kind,
        case,
        DIRECT,
        lambda: render(kind, case),
        client=client,
        prompt_case=prompt_case,
        redaction=redaction,
    )
    body = openai_api.request_body(kind, prompt_case or case, DIRECT)
    assert server.bodies()[0] == body
    assert json.dumps(server.bodies()[0]) == json.dumps(body)  # key order too
    assert (case.customer.name.split()[0] in json.dumps(body, ensure_ascii=False)) is not redacted


GOOD = good_email()


@pytest.mark.parametrize(
    "reply_body",
    [
        completion(GOOD),
        completion('{"subject": "What we', "length"),
        completion(None, "content_filter"),
        completion(None, refusal="I can't help with that."),
        completion(""),
        completion('{"subject": "What we got wrong", "greet'),
        completion(json.dumps({"subject": "Hi", "greeting": 3})),
        {**completion(GOOD), "choices": []},
    ],
    ids=["good", "length", "filter", "refusal", "empty", "bad-json", "schema", "no-choices"],
)
def test_a_batch_reply_is_judged_exactly_like_a_direct_reply(reply_body: dict[str, Any]) -> None:
    """Mock transport: the same completion, received directly or given as ``first=`` (a
    batch line), takes the same path with the same reasons, usage and replies."""
    case = shared_case("hospital-overstock")
    server = Server(reply(reply_body))
    client = llm.make_client(
        DIRECT, http_client=httpx2.Client(transport=httpx2.MockTransport(server))
    )
    fallback = partial(render, "email", case)
    direct = llm.draft("email", case, DIRECT, fallback, client=client)
    batched = llm.draft(
        "email", case, DIRECT, fallback, first=openai_api.read_reply("email", reply_body, DIRECT)
    )
    assert len(server.requests) == 1
    assert (batched.route, batched.reasons, batched.usage) == (
        direct.route,
        direct.reasons,
        direct.usage,
    )
    assert batched.draft == direct.draft and batched.replies == direct.replies
    assert batched.messages == direct.messages
    assert direct.cost is not None and batched.cost == pytest.approx(direct.cost / 2)


BATCH_FAILED = Failure(Why.BATCH_FAILED, "it failed")


def test_an_error_line_falls_back_and_strict_raises() -> None:
    """No transport at all: an error line needs no client; --strict turns it into exit 1."""
    case = shared_case("hospital-overstock")
    outcome = llm.draft("email", case, DIRECT, lambda: render("email", case), first=BATCH_FAILED)
    assert outcome.route == "template"
    assert outcome.reasons == ("it failed; using the template draft",)
    assert outcome.usage == llm.Usage()
    strict = llm.LLMSettings(**{**DIRECT.__dict__, "strict": True})
    with pytest.raises(llm.LLMError, match="it failed"):
        llm.draft("email", case, strict, lambda: render("email", case), first=BATCH_FAILED)


def test_batch_commands_import_no_network_library_at_start_up() -> None:
    """`drafter batch status --help` loads neither openai nor httpx2."""
    code = """
import sys
from functools import partial
from drafter.cli import cli
try:
    cli.main(["batch", "status", "--help"])
except SystemExit:
    pass
print(sorted(m for m in ("openai", "httpx2", "tiktoken") if m in sys.modules))
"""
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.splitlines()[-1] == "[]"
