"""Misbehaving OpenAI-compatible servers: every fault ends in the template draft with a
one-line reason, within the deadline :attr:`LLMSettings.deadline` derives from ``--timeout``
and ``--max-retries``, in bounded memory, and never with the API key or URL credentials in
what the user sees or what is stored.

Two kinds of test, each labelled in its docstring:

* **mock transport**: an ``httpx2.MockTransport`` behind a real ``openai.OpenAI`` client
  built by :func:`drafter.llm.make_client`, so drafter's request hooks and the client's own
  retries run for real; the client's back-off sleeps are recorded, not slept.
* **local server**: a socket server thread on 127.0.0.1 that this test starts, for what only
  real sockets and real time show (endless and dripped bodies, a server that never answers).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import socket
import subprocess
import sys
import threading
import time
import tracemalloc
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import openai
import pytest

from drafter import batchapi, llm, pipeline
from drafter.casefile import load_case
from drafter.config import UserConfig
from drafter.render import render
from tests.test_batchapi import BatchServer, batch_object
from tests.test_llm import Server, completion, email_json, error, reply

ROOT = Path(__file__).resolve().parents[1]
CASE_PATH = ROOT.parent / "shared" / "cases" / "hospital-overstock.yaml"
FAST = llm.LLMSettings(base_url="http://127.0.0.1:9/v1", timeout=5, max_retries=2)
local_only = pytest.mark.block_network(allowed_hosts=["127.0.0.1"])


@pytest.fixture
def sleeps(monkeypatch: pytest.MonkeyPatch) -> list[float]:
    """The client's retry back-off, recorded instead of slept."""
    slept: list[float] = []
    monkeypatch.setattr(openai._base_client.time, "sleep", slept.append)
    return slept


def draft_with(
    handler: Callable[[httpx2.Request], httpx2.Response] | Server, settings: Any = FAST
) -> llm.Outcome:
    """One email draft through a mock transport."""
    case = load_case(str(CASE_PATH))
    client = llm.make_client(
        settings, http_client=httpx2.Client(transport=httpx2.MockTransport(handler))
    )
    return llm.draft("email", case, settings, lambda: render("email", case), client=client)


def body(content: bytes, content_type: str = "application/json") -> Server:
    return Server(
        lambda _: httpx2.Response(200, content=content, headers={"content-type": content_type})
    )


GOOD = completion(email_json())


# --- 200s that are not chat completions (mock transport) ------------------------------------


@pytest.mark.parametrize(
    ("content", "reason"),
    [
        (b"<html>Bad gateway</html>", "is not valid JSON (24 bytes of application/json)"),
        (json.dumps(GOOD).encode()[:40], "is not valid JSON"),
        (b'{"id": "\xff\xfe"}', "is not valid JSON"),
        (json.dumps({**GOOD, "choices": None}).encode(), "(choices: Input should be a valid list)"),
        (
            json.dumps(
                {**GOOD, "choices": [{"index": 0, "message": 5, "finish_reason": "stop"}]}
            ).encode(),
            "(choices.0.message: Input should be a valid dictionary",
        ),
        (json.dumps([GOOD]).encode(), "(the body: Input should be a valid dictionary"),
    ],
    ids=["not-json", "truncated", "invalid-utf8", "choices-null", "wrong-type", "a-list"],
)
def test_a_200_that_is_not_a_chat_completion_falls_back(content: bytes, reason: str) -> None:
    """Mock transport: the reply arrives but is not a chat completion: the template, and a
    reason naming the server and what is wrong, not a crash."""
    outcome = draft_with(body(content))
    assert outcome.path == "template"
    (line,) = outcome.reasons
    assert line.startswith("the reply from http://127.0.0.1:9/v1 ")
    assert reason in line and line.endswith("; using the template draft")


def test_a_long_retry_after_is_not_waited_for(sleeps: list[float]) -> None:
    """Mock transport: a 429 asking for 59 s when --timeout 5 and 2 retries allow 16.5 s in
    all: no wait, no retry, the template at once, saying why."""
    server = Server(error(429, "Slow down", **{"retry-after-ms": "59000"}))
    started = time.monotonic()
    outcome = draft_with(server)
    assert time.monotonic() - started < 2
    assert sleeps == [] and len(server.requests) == 1
    assert outcome.reasons == (
        "http://127.0.0.1:9/v1 answered 429 and asked to retry after 59 s, more than the 16 s "
        "left of the 16.5 s deadline (--timeout, --max-retries); using the template draft",
    )


def test_a_short_retry_after_is_still_honoured(sleeps: list[float]) -> None:
    """Mock transport: a Retry-After that fits in the deadline is waited out as before."""
    server = Server(error(429, "Slow down", **{"retry-after": "3"}), reply(GOOD))
    outcome = draft_with(server, llm.LLMSettings(**{**FAST.__dict__, "repair_rounds": 0}))
    assert sleeps == [3.0] and len(server.requests) == 2
    assert not any("429" in reason for reason in outcome.reasons)


def test_a_non_ascii_key_falls_back_without_sending() -> None:
    """Mock transport: a key pasted with a curly quote cannot go in a header: the template
    and advice, no request, no UnicodeEncodeError."""
    settings = llm.LLMSettings(api_key="sk-abc\u2019def", max_retries=0)
    case = load_case(str(CASE_PATH))
    outcome = llm.draft("email", case, settings, lambda: render("email", case))
    assert outcome.path == "template"
    assert "has characters an HTTP header cannot carry" in outcome.reasons[0]
    assert "abc\u2019def" not in outcome.reasons[0]


def test_the_deadline_follows_timeout_and_retries() -> None:
    assert FAST.deadline == 5 * 3 + 0.5 + 1
    assert llm.LLMSettings().deadline == 60 * 3 + 1.5
    assert llm.LLMSettings(base_url="http://localhost:8/v1").deadline == 120 * 3 + 1.5
    assert llm.LLMSettings(timeout=1, max_retries=0).deadline == 1


# --- keys and URL credentials (mock transport) ------------------------------------------------


@pytest.mark.parametrize(
    ("key", "hidden"),
    [
        ("proj_live_4f9a8b7c6d5e", ["proj_live_4f9a8b7c6d5e"]),
        ("proj_live_4f9a8b7c6d5e extra_part_99", ["proj_live_4f9a8b7c6d5e", "extra_part_99"]),
    ],
    ids=["no-sk-prefix", "with-a-space"],
)
def test_a_key_echoed_in_an_error_is_masked(
    key: str, hidden: list[str], sleeps: list[float]
) -> None:
    """Mock transport: a server echoing the key it got in a 422 (whatever the key's shape)."""

    def echo(request: httpx2.Request) -> httpx2.Response:
        sent = request.headers["authorization"].removeprefix("Bearer ")
        return httpx2.Response(422, json={"error": {"message": f"key {sent} is not valid here"}})

    settings = llm.LLMSettings(base_url="https://models.example/v1", api_key=key, max_retries=0)
    outcome = draft_with(echo, settings)
    (line,) = outcome.reasons
    assert line.startswith("https://models.example/v1 rejected the request (422): ")
    assert "key [redacted] is not valid here" in line
    assert not any(part in line for part in hidden)


def test_url_credentials_are_used_but_never_shown_or_stored(tmp_path: Path) -> None:
    """Mock transport: a base URL with user:password@ reaches the server with them, but the
    error notice and the Batch API state file carry the URL without them."""
    url = "http://alice:s3cretpw@127.0.0.1:9/v1"
    settings = llm.LLMSettings(base_url=url, max_retries=0)
    assert settings.url == "http://127.0.0.1:9/v1"
    server = Server(error(500, f"upstream {url} failed"))
    (line,) = draft_with(server, settings).reasons
    assert "s3cretpw" not in line and "http://127.0.0.1:9/v1 failed (500" in line
    assert server.requests[0].url.host == "127.0.0.1"

    batch = BatchServer(batch_object("validating"), {}, Server(reply(GOOD)))
    client = llm.make_client(
        settings, http_client=httpx2.Client(transport=httpx2.MockTransport(batch))
    )
    out = tmp_path / "out"
    batchapi.submit(
        [CASE_PATH], out, ("email",), "text", settings, config=UserConfig.locate(), client=client
    )
    state = (out / batchapi.STATE).read_text(encoding="utf-8")
    assert "s3cretpw" not in state and '"base_url": "http://127.0.0.1:9/v1"' in state


# --- real sockets, real time (local server) --------------------------------------------------


class LocalServer:
    """Accepts connections on 127.0.0.1 and hands each to ``serve(conn)`` in a thread."""

    def __init__(self, serve: Callable[[socket.socket], None]) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.serve = serve
        self.stop = threading.Event()
        self.accepted = 0
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    def _accept(self) -> None:
        while not self.stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                return
            self.accepted += 1
            threading.Thread(target=self._handle, args=(conn,), daemon=True).start()

    def _handle(self, conn: socket.socket) -> None:
        with conn:
            conn.recv(65536)  # the request (its body, if cut, is never needed)
            with contextlib.suppress(OSError):  # the client hung up: what a test wants
                self.serve(conn)

    def close(self) -> None:
        self.stop.set()
        self.sock.close()


@pytest.fixture
def local_server() -> Iterator[Callable[[Callable[[socket.socket], None]], LocalServer]]:
    started: list[LocalServer] = []

    def start(serve: Callable[[socket.socket], None]) -> LocalServer:
        started.append(LocalServer(serve))
        return started[-1]

    yield start
    for server in started:
        server.close()


HEADERS = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nConnection: close\r\n\r\n"


def endless(conn: socket.socket) -> None:
    conn.sendall(HEADERS + b'{"id": "')
    chunk = b"x" * 65536
    while True:
        conn.sendall(chunk)


def drip(conn: socket.socket) -> None:
    conn.sendall(HEADERS)
    for byte in json.dumps(GOOD).encode():
        conn.sendall(bytes([byte]))
        time.sleep(0.2)


def silent(conn: socket.socket) -> None:
    time.sleep(30)


def timed_draft(settings: llm.LLMSettings) -> tuple[llm.Outcome, float]:
    case = load_case(str(CASE_PATH))
    started = time.monotonic()
    outcome = llm.draft("email", case, settings, lambda: render("email", case))
    return outcome, time.monotonic() - started


@local_only
def test_an_endless_body_is_cut_off_in_bounded_memory(local_server: Any) -> None:
    """Local server: a 200 whose body never ends: reading stops at the cap, once, not
    retried; memory stays within a few times the cap."""
    server = local_server(endless)
    settings = llm.LLMSettings(base_url=server.url, timeout=5, max_retries=2)
    tracemalloc.start()
    try:
        outcome, took = timed_draft(settings)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert outcome.path == "template" and server.accepted == 1
    assert outcome.reasons[0].startswith(f"{server.url} sent a reply over 4 MB; stopped reading")
    assert peak < 4 * llm.MAX_REPLY_BYTES and took < 5
    print(f"\nendless body: template after {took:.2f} s, peak {peak / 2**20:.1f} MB traced")


@local_only
def test_a_dripped_reply_gives_up_at_the_deadline(local_server: Any) -> None:
    """Local server: a reply sent one byte every 0.2 s (each read is quick, so no read
    timeout fires): the whole call gives up at its 2.5 s deadline (1 s x 2 tries + 0.5 s)."""
    server = local_server(drip)
    settings = llm.LLMSettings(base_url=server.url, timeout=1, max_retries=1)
    outcome, took = timed_draft(settings)
    assert outcome.path == "template"
    assert outcome.reasons[0].startswith(
        f"model 'gpt-4o-mini' at {server.url} gave no complete reply within 2.5 s"
    )
    assert settings.deadline <= took < settings.deadline + 1.5
    print(f"\ndripped reply: template after {took:.2f} s (deadline {settings.deadline} s)")


@local_only
def test_a_server_that_never_answers_gives_up_within_the_deadline(local_server: Any) -> None:
    """Local server: accepts, never answers: each try times out, the client retries, and the
    template comes within the deadline."""
    server = local_server(silent)
    settings = llm.LLMSettings(base_url=server.url, timeout=1, max_retries=1)
    outcome, took = timed_draft(settings)
    assert outcome.path == "template" and server.accepted == 2
    assert "did not answer within 1 s after 1 retry" in outcome.reasons[0]
    assert took < settings.deadline + 1
    print(f"\nsilent server: template after {took:.2f} s (deadline {settings.deadline} s)")


@local_only
def test_cli_key_echo_reaches_neither_stderr_nor_the_history_log(
    local_server: Any, tmp_path: Path
) -> None:
    """Local server echoing the Authorization header in a 422; a real ``drafter`` process:
    the key is in neither the notice, the -v output nor the history database."""
    key = "proj_live_9z8y7x6w5v4u"

    def echo(conn: socket.socket) -> None:
        message = json.dumps({"error": {"message": f"bad key Bearer-less {key}"}}).encode()
        conn.sendall(
            b"HTTP/1.1 422 Unprocessable\r\nContent-Type: application/json\r\n"
            b"Content-Length: %d\r\nConnection: close\r\n\r\n%s" % (len(message), message)
        )

    server = local_server(echo)
    history_db = tmp_path / "history.db"
    env = {**os.environ, "OPENAI_API_KEY": key, "DRAFTER_HISTORY": str(history_db)}
    args = [sys.executable, "-m", "drafter", "email", str(CASE_PATH), "-v"]
    result = subprocess.run(
        [*args, "--base-url", server.url, "--max-retries", "0"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "rejected the request (422): Error code: 422 - bad key Bearer-less [redacted]; " in (
        result.stderr
    )
    assert key not in result.stderr and key not in result.stdout
    assert history_db.exists() and key.encode() not in history_db.read_bytes()


# --- the wait, on a terminal -------------------------------------------------------------------


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_the_wait_is_shown_on_a_terminal_and_erased(monkeypatch: pytest.MonkeyPatch) -> None:
    """While a model is awaited, one line redrawn every second says for how long and when it
    gives up; it is erased when the reply comes. Not on a pipe, nor when not asked."""
    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    settings = llm.LLMSettings(model="m", base_url="http://u:pw@127.0.0.1:9/v1", timeout=5)
    with pipeline.waiting(settings):
        time.sleep(1.3)
    shown = terminal.getvalue()
    assert shown == (
        "\r\033[Kdrafter: waiting for m at 127.0.0.1:9 (1 s; each request gives up after "
        "16 s)\r\033[K"
    )
    quiet = Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    with pipeline.waiting(settings, show=False):
        time.sleep(1.1)
    assert quiet.getvalue() == ""
