"""Model settings: one type, each setting declared once, resolved once.

Every field of :class:`LLMSettings` declares, in one place, its type, default, environment
variable, whether the config file's ``[llm]`` table takes it (with its bounds), its
command-line flag (:func:`flags`; ``drafter.cli.options`` makes the click options of them),
its help, and whether it shapes a draft (batch resume keys). :func:`resolve` applies flags, then the
environment, then the config file, then the defaults; :func:`choose` decides templates or
model; :func:`key_problem` is the one API-key check. Importing this module stays cheap: the
offline path resolves settings too.
"""

from __future__ import annotations

import dataclasses
import os
import re
import typing
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit, urlunsplit

from drafter.errors import InputError

if TYPE_CHECKING:
    from drafter.config import UserConfig

Mode = Literal["auto", "llm", "templates"]
DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
REMOTE_TIMEOUT = 60.0
LOCAL_TIMEOUT = 120.0
FIRST_BACKOFF, MAX_BACKOFF = 0.5, 8.0
"""The openai client's back-off between retries: 0.5 s, doubling, at most 8 s."""
KEY_ENV = "OPENAI_API_KEY"

_SECRET = re.compile(r"\b(sk-[A-Za-z0-9_*-]{4,}|Bearer\s+\S+)")
"""Anything shaped like an OpenAI key or a bearer token, whoever's it is."""


def _about(
    help: str,
    *,
    env: str | None = None,
    config: Mapping[str, Any] | None = None,
    flag: Mapping[str, Any] | None = None,
    shapes: bool = False,
    stored: bool = True,
) -> dict[str, Any]:
    """One setting's declaration. ``help``: its ``--help`` text; ``env``: its environment
    variable; ``config``: the ``[llm]`` key's pydantic ``Field`` arguments (``None``: not a
    config key); ``flag``: its command-line flag (``None``: none), with an optional
    ``metavar`` and ``bounds`` (``ge``/``gt``/``le``/``lt``; default: the config key's);
    ``shapes``: part of the batch resume key; ``stored``: kept by a Batch API run."""
    return {
        "help": help,
        "env": env,
        "config": config,
        "flag": flag,
        "shapes": shapes,
        "stored": stored,
    }


_BOUNDS = ("ge", "gt", "le", "lt")


@dataclass(frozen=True)
class Flag:
    """One setting's command-line flag, as :func:`flags` declares it (no click here)."""

    name: str
    """The setting's name, the flag's parameter name (``--`` and dashes on the command line)."""
    type: Any
    """``str``, ``int``, ``float``, ``bool``, or a tuple of choices (a ``Literal``)."""
    help: str | None
    metavar: str | None = None
    bounds: Mapping[str, float] = field(default_factory=dict)
    """``ge``/``gt``/``le``/``lt`` for numbers."""
    negatable: bool = False
    """A boolean that the config file can set too, so ``--no-NAME`` exists."""


@dataclass(frozen=True)
class LLMSettings:
    """How to reach and drive the model: flags, environment, config file and defaults
    resolved (:func:`resolve`). Nothing else reads the environment for these."""

    mode: Mode = field(
        default="auto",
        metadata=_about(
            "auto: a model if a key or base URL is set, else templates (default).",
            config={},
            flag={},
            stored=False,
        ),
    )
    model: str = field(
        default=DEFAULT_MODEL,
        metadata=_about(
            "Model name [default: gpt-4o-mini].",
            env="DRAFTER_MODEL",
            config={},
            flag={},
            shapes=True,
        ),
    )
    base_url: str | None = field(
        default=None,
        metadata=_about(
            "An OpenAI-compatible server, e.g. http://127.0.0.1:8088/v1 (no key needed for a "
            "local one).",
            env="OPENAI_BASE_URL",
            config={},
            flag={"metavar": "URL"},
        ),
    )
    api_key: str | None = field(
        default=None,
        repr=False,
        metadata=_about(
            "required unless base_url is a local server; never stored",
            env=KEY_ENV,
            config={"repr": False},
            stored=False,
        ),
    )
    temperature: float | None = field(
        default=None,
        metadata=_about(
            "Sampling temperature.",
            config={"ge": 0, "le": 2, "allow_inf_nan": False},
            flag={},
            shapes=True,
        ),
    )
    seed: int | None = field(
        default=None,
        metadata=_about(
            "For repeatable drafts.",
            config={"ge": -(2**63), "lt": 2**63},
            flag={"bounds": {}},
            shapes=True,
        ),
    )
    timeout: float | None = field(
        default=None,
        metadata=_about(
            "Per try [default: 60, or 120 for a local server]. A draft's request gives up "
            "after TIMEOUT x (MAX_RETRIES + 1) plus the back-off (0.5 s doubling, at most "
            "8 s): 182 s at the defaults (362 s local), then you get the template draft.",
            config={"gt": 0, "le": 3600, "allow_inf_nan": False},  # at most an hour
            flag={"metavar": "SECONDS", "bounds": {"gt": 0}},
        ),
    )
    max_retries: int = field(
        default=2,
        metadata=_about(
            "Retries of rate limits, 5xx and timeouts, by the client [default: 2]. A "
            "Retry-After longer than the time left is not waited for.",
            config={"ge": 0, "le": 10},
            flag={},
        ),
    )
    max_prompt_tokens: int | None = field(
        default=None,
        metadata=_about(
            "Trim long free text (customer words, notes) so the prompt fits, saying so.",
            config={"gt": 0, "le": 10_000_000},
            flag={"metavar": "N", "bounds": {"ge": 1}},
            shapes=True,
        ),
    )
    repair_rounds: int = field(
        default=1,
        metadata=_about(
            "Times a failing model draft is sent back with its problems [default: 1].",
            config={"ge": 0, "le": 5},
            flag={"metavar": "N"},
            shapes=True,
        ),
    )
    redact: bool = field(
        default=False,
        metadata=_about(
            "Send the model placeholders instead of names, emails, phone numbers and the "
            "account; the reply is restored before checks and output.",
            config={},
            flag={},
            stored=False,
        ),
    )
    max_output_tokens: int = field(
        default=800,
        metadata=_about("max_completion_tokens: bounds a model that loops (finish_reason=length)"),
    )
    strict: bool = field(
        default=False,
        metadata=_about(
            "Exit 1 instead of falling back to the template draft.", flag={}, shapes=True
        ),
    )

    @property
    def url(self) -> str:
        """The base URL as shown and stored: without any ``user:password@``."""
        return strip_credentials(self.endpoint)

    @property
    def endpoint(self) -> str:
        """The base URL requests go to, credentials included: for the client only."""
        return (self.base_url or DEFAULT_BASE_URL).rstrip("/")

    @property
    def is_local(self) -> bool:
        """Whether the base URL is a server on this machine or a private network."""
        return is_local_url(self.url)

    @property
    def request_timeout(self) -> float:
        """The timeout actually used."""
        if self.timeout is not None:
            return self.timeout
        return LOCAL_TIMEOUT if self.is_local else REMOTE_TIMEOUT

    @property
    def deadline(self) -> float:
        """Seconds one request may take in all: every try, and the back-off between them."""
        backoff = sum(min(FIRST_BACKOFF * 2.0**n, MAX_BACKOFF) for n in range(self.max_retries))
        return self.request_timeout * (self.max_retries + 1) + backoff

    def scrub(self, text: str) -> str:
        """``text`` with the API key, its long parts and URL credentials masked."""
        key = self.api_key or ""
        secrets = [key, *(part for part in key.split() if len(part) >= 8)]
        userinfo = urlsplit(self.endpoint).netloc.rpartition("@")[0]
        password = userinfo.partition(":")[2]
        secrets += [userinfo, password if len(password) >= 6 else ""]
        for secret in sorted(filter(None, secrets), key=len, reverse=True):
            text = text.replace(secret, "[redacted]")
        return _SECRET.sub("[redacted]", text)

    def fingerprint(self) -> dict[str, Any]:
        """The settings that shape a draft (batch resume keys); the URL without credentials."""
        shaping = {f.name: getattr(self, f.name) for f in _fields() if f.metadata["shapes"]}
        return {"model": shaping.pop("model"), "url": self.url, **shaping}

    def stored(self) -> dict[str, Any]:
        """What a Batch API run keeps: no key, no mode or redaction, no URL credentials."""
        record = {f.name: getattr(self, f.name) for f in _fields() if f.metadata["stored"]}
        if self.base_url:
            record["base_url"] = self.url
        return record


def _fields() -> tuple[dataclasses.Field[Any], ...]:
    return dataclasses.fields(LLMSettings)


def config_keys() -> dict[str, tuple[Any, Mapping[str, Any]]]:
    """The ``[llm]`` table's keys: each one's type and ``Field`` arguments."""
    types = typing.get_type_hints(LLMSettings)
    return {
        f.name: (types[f.name], f.metadata["config"])
        for f in _fields()
        if f.metadata["config"] is not None
    }


def flags() -> tuple[Flag, ...]:
    """The settings that have a command-line flag, in declaration order."""
    types = typing.get_type_hints(LLMSettings)
    made = []
    for f in _fields():
        flag, config = f.metadata["flag"], f.metadata["config"]
        if flag is None:
            continue
        kind = _plain_type(types[f.name])
        declared = flag.get("bounds", config or {})
        made.append(
            Flag(
                name=f.name,
                type=kind,
                help=f.metadata["help"],
                metavar=flag.get("metavar"),
                bounds={k: v for k, v in declared.items() if k in _BOUNDS},
                negatable=kind is bool and config is not None,
            )
        )
    return tuple(made)


def _plain_type(hint: Any) -> Any:
    """``int`` of ``int | None``; a ``Literal``'s choices as a tuple."""
    args = [a for a in typing.get_args(hint) if a is not type(None)]
    if typing.get_origin(hint) is Literal:
        return tuple(args)
    if args and len(args) == 1:
        return _plain_type(args[0])
    return hint


def resolve(config: UserConfig, flags: Mapping[str, Any] | None = None) -> LLMSettings:
    """Each setting from its flag (``None``: not given), else its environment variable, else
    the config file's ``[llm]`` table, else its default. The key has no flag."""
    flags = flags or {}
    table = config.values.llm
    values: dict[str, Any] = {}
    for f in _fields():
        env = f.metadata["env"]
        candidates = (
            flags.get(f.name),
            os.environ.get(env) if env else None,
            getattr(table, f.name, None) if f.metadata["config"] is not None else None,
        )
        chosen = next((v for v in candidates if v is not None and v != ""), None)
        if chosen is not None:
            values[f.name] = chosen
    return LLMSettings(**values)


def choose(settings: LLMSettings, config: UserConfig) -> tuple[LLMSettings | None, str | None]:
    """Templates (``None``) or the model, by ``mode``; in auto mode, a line saying which.

    Raises :class:`InputError` when ``--mode llm`` has no key for a remote server.
    """
    if settings.mode == "templates" or (
        settings.mode == "auto" and not (settings.api_key or settings.base_url)
    ):
        notice = None
        if settings.mode == "auto":
            notice = (
                "drafting from templates: no model is set up. To draft with one, set "
                f"{KEY_ENV} (or api_key in the [llm] table of {config.path}), or pass "
                "--base-url for a local OpenAI-compatible server"
            )
        return None, notice
    if key_problem(settings) == "missing":
        raise InputError(
            f"--mode llm needs an API key for {settings.url}: set {KEY_ENV}, or point "
            "--base-url (or OPENAI_BASE_URL) at a local OpenAI-compatible server."
        )
    notice = None
    if settings.mode == "auto":
        notice = (
            f"drafting with {settings.model} at {settings.url}, checked against the method "
            "(--mode templates to stay offline)"
        )
    return settings, notice


def reloaded(record: Mapping[str, Any], config: UserConfig, redact: bool) -> LLMSettings:
    """Settings a Batch API run stored (:meth:`LLMSettings.stored`), with today's key."""
    return LLMSettings(**record, redact=redact, api_key=resolve(config).api_key)


def key_problem(settings: LLMSettings) -> Literal["unusable", "missing"] | None:
    """Why no request can be sent with this key: characters a header cannot carry, or no key
    for a server that is not local; ``None`` when it can."""
    key = settings.api_key
    if key and not (key.isascii() and key.isprintable()):
        return "unusable"
    if key or settings.is_local:
        return None
    return "missing"


def strip_credentials(url: str) -> str:
    """``url`` without a ``user:password@`` part."""
    parts = urlsplit(url)
    if "@" not in parts.netloc:
        return url
    return urlunsplit(parts._replace(netloc=parts.netloc.rpartition("@")[2]))


def is_local_url(url: str) -> bool:
    """``http://127.0.0.1:8088/v1``, ``http://localhost:11434/v1``, a private IP, ``*.local``."""
    host = (urlsplit(url).hostname or "").lower()
    if host == "localhost" or host.endswith((".localhost", ".local", ".internal")):
        return True
    import ipaddress

    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private or ip.is_link_local
