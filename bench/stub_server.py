"""A STUB OpenAI-compatible server for timing drafter's batch mode. It is not a model.

Every ``POST /v1/chat/completions`` sleeps ``--delay`` seconds (default 0.2), then answers
with one canned chat completion whose message content is a JSON email draft matching
drafter's ``EmailDraft`` schema, so ``client.chat.completions.parse`` succeeds. The prompt is
read only to echo the case's facts (names, failures, changes, ask) back, so drafter's
checks pass as they would for a good model; nothing is generated. It exists only so
``bench/batch.py`` can measure concurrency, overhead and memory without a network or a model.

Bounds: it listens on 127.0.0.1 only (a random free port unless ``--port`` is given), prints
``PORT <n>`` on its first stdout line, and stops by itself when its standard input closes
(the bench that started it ended, however it ended) or after ``--max-seconds``.

Side endpoints for the bench: ``GET /stub/stats`` (requests served, peak concurrency, first
arrival and last reply as Unix times, the stub's CPU seconds) and ``POST /stub/reset``.

    python bench/stub_server.py [--delay 0.2] [--max-seconds 1800]
"""

from __future__ import annotations

import argparse
import json
import re
import socket
import sys
import threading
import time
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOST = "127.0.0.1"


class Stats:
    """Counters shared by the handler threads."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.reset()

    def reset(self) -> None:
        self.requests = 0
        self.inflight = 0
        self.max_inflight = 0
        self.first_arrival: float | None = None
        self.last_reply: float | None = None
        self.bad = 0

    def arrive(self) -> None:
        with self.lock:
            self.requests += 1
            self.inflight += 1
            self.max_inflight = max(self.max_inflight, self.inflight)
            if self.first_arrival is None:
                self.first_arrival = time.time()

    def leave(self) -> None:
        with self.lock:
            self.inflight -= 1
            self.last_reply = time.time()

    def snapshot(self) -> dict[str, Any]:
        with self.lock:
            return {
                "requests": self.requests,
                "inflight": self.inflight,
                "max_inflight": self.max_inflight,
                "first_arrival": self.first_arrival,
                "last_reply": self.last_reply,
                "bad_requests": self.bad,
                "cpu_seconds": time.process_time(),  # the stub's own CPU since it started
            }


def _quoted(line: str) -> list[str]:
    """The JSON string literals on one prompt line, decoded."""
    found = []
    for literal in re.findall(r'"(?:[^"\\]|\\.)*"', line):
        try:
            found.append(str(json.loads(literal)))
        except ValueError:
            continue
    return found


def _field(prompt: str, label: str) -> list[str]:
    """The quoted values on the first prompt line starting with ``label:``."""
    for line in prompt.splitlines():
        if line.strip().startswith(f"{label}:"):
            return _quoted(line)
    return []


def email_draft(prompt: str) -> dict[str, Any]:
    """A draft in drafter's email schema (``drafter.schemas.EmailDraft``), echoing the case's
    facts from the prompt (customer, failures, changes, ask) so drafter's checks pass.

    Falls back to canned text when the prompt's layout is not recognised: the reply stays
    schema-valid either way, which is all the timing needs.
    """
    customer = (_field(prompt, "customer") or ["customer"])[0]
    first = customer.split()[0] if customer.split() else "customer"
    issues = re.findall(r"^\s*\d+\. issue: (.*)$", prompt, re.MULTILINE)
    impacts = re.findall(r"^\s*impact: (.*)$", prompt, re.MULTILINE)
    failures = [
        {"failure": (_quoted(i) or [i])[0], "impact": (_quoted(m) or [m])[0]}
        for i, m in zip(issues, impacts, strict=False)
    ] or [{"failure": "We did not do what we promised.", "impact": "It cost you time."}]
    changes = []
    for line in re.findall(r"^\s*\d+\. change: (.*)$", prompt, re.MULTILINE):
        text = (_quoted(line) or [line])[0].rstrip(".")
        changes.append(f"{text}.")
    inherited = "inherited the account: yes" in prompt
    ask = (_field(prompt, "the ask (the one next step)") or ["A short call to listen."])[0]
    ownership = (
        "This happened before I took over your account, and I own it for the company all "
        "the same. These were our failures, there is no excuse for them, and I am sorry for "
        "what they cost you."
        if inherited
        else "These were our failures, there is no excuse for them, and I am sorry for what "
        "they cost you."
    )
    return {
        "subject": "What we got wrong, and what we have changed",
        "greeting": f"Dear {first},",
        "failures": failures[:6],
        "ownership": ownership,
        "changes": changes[:6],
        "gesture": "",
        "pledge": "Until we have fixed this to your full satisfaction, we have not earned the "
        "right to discuss more business.",
        "ask": f"Would you be open to this: {ask.rstrip('.')}? It is only to hear what else "
        "we got wrong and what it would take to make it right.",
        "sign_off": "Kind regards,",
    }


def completion(model: str, content: str, prompt_chars: int) -> dict[str, Any]:
    """A chat.completion object as OpenAI's API returns it."""
    prompt_tokens = max(1, prompt_chars // 4)
    completion_tokens = max(1, len(content) // 4)
    return {
        "id": "chatcmpl-stub",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": model,
        "system_fingerprint": "stub",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": content, "refusal": None},
                "logprobs": None,
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


def make_handler(stats: Stats, delay: float) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"  # keep-alive, like a real server
        timeout = 60  # an idle kept-alive connection frees its thread after this

        def log_message(self, format: str, *args: Any) -> None:  # quiet
            pass

        def setup(self) -> None:
            # Like real servers: no Nagle delay (else a 40 ms delayed-ACK stall per reply).
            self.request.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            super().setup()

        def _send(self, status: int, body: dict[str, Any]) -> None:
            data = json.dumps(body).encode()
            head = (
                f"{self.protocol_version} {status} {HTTPStatus(status).phrase}\r\n"
                f"Server: drafter-bench-stub\r\nDate: {self.date_time_string()}\r\n"
                f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n\r\n"
            )
            self.log_request(status)
            self.wfile.write(head.encode("latin-1") + data)  # one write: headers and body

        def _body(self) -> bytes:
            length = int(self.headers.get("Content-Length") or 0)
            return self.rfile.read(length) if length else b""

        def do_GET(self) -> None:
            if self.path == "/stub/stats":
                self._send(200, stats.snapshot())
            else:
                self._send(404, {"error": {"message": "not found", "type": "stub"}})

        def do_POST(self) -> None:
            raw = self._body()
            if self.path == "/stub/reset":
                with stats.lock:
                    stats.reset()
                self._send(200, {"ok": True})
                return
            if not self.path.rstrip("/").endswith("/chat/completions"):
                self._send(404, {"error": {"message": "not found", "type": "stub"}})
                return
            stats.arrive()
            try:
                try:
                    request = json.loads(raw)
                    messages = request["messages"]
                    prompt = "\n".join(str(m.get("content", "")) for m in messages)
                    model = str(request.get("model", "stub"))
                except (ValueError, KeyError, TypeError, AttributeError):
                    with stats.lock:
                        stats.bad += 1
                    self._send(400, {"error": {"message": "bad request", "type": "stub"}})
                    return
                time.sleep(delay)
                content = json.dumps(email_draft(prompt))
                self._send(200, completion(model, content, len(prompt)))
            finally:
                stats.leave()

    return Handler


class Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256  # -j 64 must never see a refused connection


def serve(port: int, delay: float, max_seconds: float) -> None:
    stats = Stats()
    server = Server((HOST, port), make_handler(stats, delay))
    print(f"PORT {server.server_address[1]}", flush=True)

    def stop_when_parent_goes() -> None:
        sys.stdin.read()  # returns at EOF: the bench closed the pipe or died
        server.shutdown()

    threading.Thread(target=stop_when_parent_goes, daemon=True).start()
    deadline = threading.Timer(max_seconds, server.shutdown)
    deadline.daemon = True
    deadline.start()
    try:
        server.serve_forever(poll_interval=0.2)
    finally:
        deadline.cancel()
        server.server_close()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, default=0, help="0: a random free port")
    parser.add_argument("--delay", type=float, default=0.2, help="seconds per request")
    parser.add_argument("--max-seconds", type=float, default=1800.0, help="hard stop")
    args = parser.parse_args()
    serve(args.port, args.delay, args.max_seconds)


if __name__ == "__main__":
    main()
