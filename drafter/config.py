"""The user's config file: default sender, signature, tone and model settings (TOML)."""

from __future__ import annotations

import os
import re
import stat
import sys
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from drafter.case import Sender, Text, Tone
from drafter.errors import InputError
from drafter.settings import config_keys

ENV_VAR = "DRAFTER_CONFIG"
"""Environment variable naming another config file to use."""

MAX_BYTES = 100_000
"""Largest config file read; a real one is a few hundred bytes."""

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


def _llm_table() -> type[BaseModel]:
    """The ``[llm]`` table: every model setting the config file may set, each optional;
    declared with the settings themselves (:class:`drafter.settings.LLMSettings`)."""
    fields: dict[str, Any] = {
        name: (kind | None, Field(default=None, **args))
        for name, (kind, args) in config_keys().items()
    }
    config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    return create_model("LLMConfig", __config__=config, **fields)


if TYPE_CHECKING:
    LLMConfig = BaseModel
else:
    LLMConfig = _llm_table()


class Config(BaseModel):
    """Everything the config file may set."""

    model_config = ConfigDict(extra="forbid", frozen=True, defer_build=True)
    """Validators are built only when there is a file to validate (start-up time)."""

    sender: Sender | None = None
    signature: Text | None = None
    tone: Tone | None = None
    history: bool = True
    """Record every draft in the history log (``drafter log``)."""
    llm: LLMConfig = Field(default_factory=LLMConfig.model_construct)


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
        text = self._read()
        if text is None:
            return Config.model_construct()
        import tomllib  # only when there is a file to read

        try:
            data = tomllib.loads(text)
        except tomllib.TOMLDecodeError as exc:
            raise InputError(f"config file {self.path}: not valid TOML: {exc}.") from None
        except RecursionError:
            raise InputError(
                f"config file {self.path}: tables or lists are nested too deeply to read."
            ) from None
        except ValueError:  # an integer longer than Python's int-to-text limit
            raise InputError(
                f"config file {self.path}: a number has more than "
                f"{sys.get_int_max_str_digits():,} digits; no setting takes one that long."
            ) from None
        if not data:
            return Config.model_construct()
        try:
            return Config.model_validate(data)
        except ValidationError as exc:
            problems = [_describe(err, text) for err in exc.errors()]
            raise InputError(f"config file {self.path}: " + " ".join(problems)) from None

    def _read(self) -> str | None:
        """The config file's text (a regular file, at most MAX_BYTES); ``None`` if absent.

        ``DRAFTER_CONFIG=/dev/null`` is the usual way to say "no config": it reads as empty.
        """
        if self.path == Path(os.devnull):
            return ""
        try:
            # non-blocking, so a FIFO cannot hang the open; refused below all the same
            fd = os.open(self.path, os.O_RDONLY | os.O_NONBLOCK)
        except FileNotFoundError:
            if self.explicit:
                raise InputError(
                    f"config file {self.path} (from ${ENV_VAR}) does not exist."
                ) from None
            return None
        except OSError as exc:
            raise InputError(f"config file {self.path} cannot be read: {exc.strerror}.") from None
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):  # /dev/zero would never end, a FIFO never start
            os.close(fd)
            kind = "a folder" if stat.S_ISDIR(mode) else "a device or pipe"
            raise InputError(f"config file {self.path} is {kind}, not a regular TOML file.")
        with os.fdopen(fd, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
        if len(raw) > MAX_BYTES:
            raise InputError(
                f"config file {self.path} is larger than {MAX_BYTES // 1000} KB; "
                "a config file is a few lines."
            )
        try:
            return raw.decode("utf-8")
        except UnicodeDecodeError as exc:
            line = raw[: exc.start].count(b"\n") + 1
            raise InputError(f"config file {self.path}: line {line}: is not UTF-8 text.") from None

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
        from drafter.casefile import known_keys, unknown_key

        known = known_keys(err["loc"][:-1], Config)
        return f"{where}`{field}` {unknown_key(loc[-1], known, noun='setting')}"
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
