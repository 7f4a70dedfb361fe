"""Redaction end to end through the CLI: what reaches the API holds no personal data.

Recorded cassette: a real run against the local model (Qwen2.5-Coder-0.5B behind llama.cpp,
see ../shared/llm), with ``--redact``; replayed offline. Re-record with the server up:
``pytest --record-mode=rewrite tests/test_redact_llm.py``.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
import yaml
from click.testing import CliRunner

from drafter.casefile import load_case
from drafter.checks import check_text
from drafter.cli import cli
from tests.conftest import SHARED_CASES

HOSPITAL = next(p for p in SHARED_CASES if p.stem == "hospital-overstock")
ARGS = [
    "--base-url",
    "http://127.0.0.1:8088/v1",
    "--model",
    "qwen2.5-coder-0.5b-instruct",
    "--temperature",
    "0",
    "--seed",
    "1234",
    "--repair-rounds",
    "0",
    "--max-retries",
    "0",
]
PERSONAL = (
    "Dana",
    "Whitfield",
    "dana.whitfield@northwind.example",
    "Priya",
    "Shah",
    "priya.shah@meridian.example",
    "555 0100",
    "Northwind",
    "Meridian",
    "Mark Olsen",
)


@pytest.mark.vcr
def test_redacted_request_holds_no_names_emails_or_phones(vcr: Any) -> None:
    result = CliRunner().invoke(cli, ["email", str(HOSPITAL), "--redact", "-f", "json", *ARGS])
    assert result.exit_code == 0, result.output
    sent = [
        request.body.decode() if isinstance(request.body, bytes) else request.body
        for request in vcr.requests
    ]
    assert sent, "no request was sent"
    for body in sent:
        for value in PERSONAL:
            assert value.lower() not in body.lower(), value
    data = json.loads(result.stdout)
    # recorded: the model's own draft (1,443 + 249 tokens) was written about placeholders;
    # it uses its ask again as its pledge, so the checks (no-repeats) reject it and, with no
    # repair round, the template draft of the real case is used
    assert (data["mode"], data["path"], data["usage"]["calls"]) == ("llm", "template", 1)
    replies = [r["body"]["string"] for r in vcr.responses]
    assert replies and all(v.lower() not in str(r).lower() for r in replies for v in PERSONAL)
    assert "Dana" in data["body"] and "Priya Shah" in data["body"]
    case = load_case(str(HOSPITAL))
    assert check_text("email", f"Subject: {data['subject']}\n\n{data['body']}", case).ok


def test_cassette_was_recorded_with_placeholders() -> None:
    """The recorded request (not just the replay) is what the redaction test inspects."""
    from tests.conftest import CASSETTES

    path = (
        CASSETTES / "test_redact_llm" / "test_redacted_request_holds_no_names_emails_or_phones.yaml"
    )
    cassette = yaml.safe_load(path.read_text(encoding="utf-8"))
    body = cassette["interactions"][0]["request"]["body"]
    assert "Quorvane" in body or "Korvessa" in body  # placeholders, not the people
