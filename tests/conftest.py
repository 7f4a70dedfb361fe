"""Shared test setup: offline tiktoken files, shared cases, and isolation from the user's setup."""

from __future__ import annotations

import os
import re
from collections.abc import Iterator
from email import message_from_bytes
from email.message import EmailMessage
from email.policy import default
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SHARED_CASES = sorted((SHARED / "cases").glob("*.yaml"))
NEEDS_SHARED = (
    f"needs the specification's shared material in {SHARED} (its cases and tiktoken files), "
    "which is not part of this repository"
)
_TEST_IMPORT = re.compile(r"^from tests\.(test_\w+) import", re.MULTILINE)

if (SHARED / "tiktoken").is_dir():
    os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(SHARED / "tiktoken"))


class _NeedsShared(pytest.Module):
    """A test module that reads ../shared, collected as one skip when the folder is absent."""

    def collect(self) -> list[pytest.Item | pytest.Collector]:
        pytest.skip(f"{self.path.name} {NEEDS_SHARED}")


def pytest_pycollect_makemodule(
    module_path: Path, parent: pytest.Collector
) -> pytest.Module | None:
    """Without ../shared (a clone on its own), skip the modules that use it instead of
    importing them: their module-level lookups of shared cases would fail at collection."""
    if SHARED.is_dir() or not _uses_shared(module_path):
        return None
    return _NeedsShared.from_parent(parent, path=module_path)


def _uses_shared(module_path: Path, seen: frozenset[Path] = frozenset()) -> bool:
    """Whether a test module names ../shared, itself or through a test module it imports."""
    text = module_path.read_text(encoding="utf-8")
    if "SHARED" in text or 'parent / "shared"' in text:
        return True
    imported = {module_path.with_name(f"{name}.py") for name in _TEST_IMPORT.findall(text)}
    return any(
        _uses_shared(other, seen | {module_path})
        for other in imported - seen - {module_path}
        if other.is_file()
    )


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


def parse_eml(data: bytes) -> EmailMessage:
    """An .eml drafter wrote, parsed back with the stdlib as a mail client would."""
    msg = message_from_bytes(data, policy=default)
    assert isinstance(msg, EmailMessage)
    return msg
