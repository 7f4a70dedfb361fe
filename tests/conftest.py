"""Shared test setup: offline tiktoken files, shared cases, and isolation from the user's setup."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SHARED_CASES = sorted((SHARED / "cases").glob("*.yaml"))

os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(SHARED / "tiktoken"))


@pytest.fixture(autouse=True)
def _isolated_user_setup(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Iterator[None]:
    """No test sees the developer's config file, API key or model settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    for name in (
        "DRAFTER_CONFIG",
        "OPENAI_API_KEY",
        "OPENAI_BASE_URL",
        "DRAFTER_MODEL",
        "OPENAI_ORG_ID",
    ):
        monkeypatch.delenv(name, raising=False)
    yield


# --- VCR cassettes (LLM tests): top-level cassettes/, secrets never recorded ---------------

CASSETTES = ROOT / "cassettes"
SECRET_REQUEST_HEADERS = (
    "authorization",
    "openai-organization",
    "openai-project",
    "cookie",
    "x-api-key",
)
SECRET_RESPONSE_HEADERS = ("set-cookie", "openai-organization", "openai-project")


def _scrub_response(response: dict[str, object]) -> dict[str, object]:
    headers = response.get("headers")
    if isinstance(headers, dict):
        for name in list(headers):
            if name.lower() in SECRET_RESPONSE_HEADERS:
                del headers[name]
    return response


@pytest.fixture(scope="module")
def vcr_cassette_dir(request: pytest.FixtureRequest) -> str:
    """``cassettes/<test module>/<test>.yaml`` at the top of the repository."""
    return str(CASSETTES / request.module.__name__.rsplit(".", 1)[-1])


@pytest.fixture
def vcr_config() -> dict[str, object]:
    """Match on what the request says; never record credentials or cookies."""
    return {
        "filter_headers": list(SECRET_REQUEST_HEADERS),
        "before_record_response": _scrub_response,
        "match_on": ("method", "path", "query", "body"),
        "decode_compressed_response": True,
    }


def _body_unless_multipart(r1: Any, r2: Any) -> None:
    """vcrpy's ``body`` matcher, except for multipart uploads, whose random boundary changes
    the body on every run (the Batch API's file upload): those match on method and path."""
    from vcr import matchers

    if "multipart/form-data" in (r1.headers.get("Content-Type") or ""):
        return
    matchers.body(r1, r2)


def pytest_recording_configure(config: pytest.Config, vcr: Any) -> None:
    """Matchers a test may name in its ``match_on``."""
    vcr.register_matcher("body_unless_multipart", _body_unless_multipart)
