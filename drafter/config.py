"""The user's config file: default sender, signature, tone and model settings (TOML)."""

from __future__ import annotations

import os
import re
from functools import cached_property
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from drafter.case import Sender, Text, Tone
from drafter.errors import InputError

ENV_VAR = "DRAFTER_CONFIG"
"""Environment variable naming another config file to use."""

EXAMPLE = """\
# drafter configuration (TOML). Every key is optional.
tone = "warm"                 # default tone when a case does not set one: warm | formal | direct
history = true                # keep every draft in the history log (`drafter log`)
signature = \"\"\"
Priya Shah
Account Executive, Meridian Medical Devices
+1 555 0100\"\"\"

[sender]                      # used when a case file has no `sender:` block
name = "Priya Shah"
company = "Meridian Medical Devices"
title = "Account Executive"
email = "priya.shah@meridian.example"

[llm]                         # only used with --mode llm (or auto with a key or base URL)
model = "gpt-4o-mini"
# base_url = "http://127.0.0.1:8088/v1"   # any OpenAI-compatible server
temperature = 0.4
# redact = true               # send placeholders instead of names, emails, phones, account
"""


class LLMConfig(BaseModel):
    """The ``[llm]`` table: defaults for the model-drafting options."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    mode: Literal["auto", "llm", "templates"] | None = None
    model: str | None = None
    base_url: str | None = None
    api_key: str | None = Field(default=None, repr=False)
    temperature: float | None = Field(default=None, ge=0, le=2)
    seed: int | None = None
    timeout: float | None = Field(default=None, gt=0)
    max_retries: int | None = Field(default=None, ge=0, le=10)
    max_prompt_tokens: int | None = Field(default=None, gt=0)
    repair_rounds: int | None = Field(default=None, ge=0, le=5)
    redact: bool | None = None
    """Replace names, emails, phone numbers and the account before anything is sent."""


class Config(BaseModel):
    """Everything the config file may set."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sender: Sender | None = None
    signature: Text | None = None
    tone: Tone | None = None
    history: bool = True
    """Record every draft in the history log (``drafter log``)."""
    llm: LLMConfig = LLMConfig()


class UserConfig:
    """The config file's location and, once read, its validated contents."""

    def __init__(self, path: Path, explicit: bool) -> None:
        self.path = path
        self.explicit = explicit

    @classmethod
    def locate(cls) -> UserConfig:
        """``$DRAFTER_CONFIG`` if set, else ``config.toml`` in the platform's config folder."""
        if env := os.environ.get(ENV_VAR):
            return cls(Path(env).expanduser(), explicit=True)
        return cls(config_dir() / "config.toml", explicit=False)

    @cached_property
    def values(self) -> Config:
        """The validated config; empty when the file does not exist (unless named explicitly)."""
        try:
            text = self.path.read_text(encoding="utf-8")
        except FileNotFoundError:
            if self.explicit:
                raise InputError(
                    f"config file {self.path} (from ${ENV_VAR}) does not exist."
                ) from None
            return Config()
        except (OSError, UnicodeDecodeError) as exc:
            raise InputError(f"config file {self.path} cannot be read: {exc}.") from None
        import tomllib  # only when there is a file to read

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"config file {self.path}: not valid TOML: {exc}.") from None
        try:
            return Config.model_validate(data)
        except ValidationError as exc:
            problems = [_describe(err, text) for err in exc.errors()]
            raise InputError(f"config file {self.path}: " + " ".join(problems)) from None

    @property
    def template_dir(self) -> Path | None:
        """A ``templates/`` folder beside the config file, if the user made one."""
        folder = self.path.parent / "templates"
        return folder if folder.is_dir() else None

    def case_defaults(self) -> dict[str, Any]:
        """Top-level case keys the config supplies when a case file omits them."""
        cfg = self.values
        defaults: dict[str, Any] = {}
        if cfg.sender is not None:
            defaults["sender"] = cfg.sender.model_dump(exclude_none=True)
        if cfg.tone is not None:
            defaults["tone"] = cfg.tone
        return defaults


def config_dir() -> Path:
    """The platform's per-user config folder for drafter."""
    import platformdirs

    return Path(platformdirs.user_config_dir("drafter", appauthor=False))


def _describe(err: Any, text: str) -> str:
    loc = [str(p) for p in err["loc"]]
    field = ".".join(loc)
    line = _line_of_key(text, loc)
    where = f"line {line}, " if line else ""
    if err["type"] == "extra_forbidden":
        return f"{where}`{field}` is not a known setting."
    if err["type"] == "missing":
        return f"{where}`{field}` is required."
    return f"{where}`{field}`: {err['msg'].removeprefix('Value error, ')}."


def _line_of_key(text: str, loc: list[str]) -> int | None:
    """Best-effort line of ``key =`` (or ``[table]``) for a validation error's location."""
    for name in reversed(loc):
        pattern = re.compile(rf"^\s*(\[\s*{re.escape(name)}\s*\]|{re.escape(name)}\s*=)", re.M)
        if match := pattern.search(text):
            return text.count("\n", 0, match.start()) + 1
    return None
