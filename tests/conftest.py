"""Shared test setup: offline tiktoken files, shared cases, and isolation from the user's setup."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared"
SHARED_CASES = sorted((SHARED / "cases").glob("*.yaml"))

os.environ.setdefault("TIKTOKEN_CACHE_DIR", str(SHARED / "tiktoken"))


@pytest.fixture(autouse=True)
def _isolated_user_setup(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No test sees the developer's config file, API key or model settings."""
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(home / "config"))
    monkeypatch.setenv("XDG_DATA_HOME", str(home / "data"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / "cache"))
    for name in ("DRAFTER_CONFIG", "OPENAI_API_KEY", "OPENAI_BASE_URL", "DRAFTER_MODEL", "OPENAI_ORG_ID"):
        monkeypatch.delenv(name, raising=False)
    yield
