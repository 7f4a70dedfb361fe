"""Draft with a language model, held to the recovery method, with the template as safety net.

One call of :func:`draft` asks the model for a structured draft (``schemas.SCHEMAS``),
renders it through the same layout layer as template drafts, and runs the method's checks.
A draft that fails them is sent back with the violations listed (``repair_rounds`` times);
if it still fails, or the reply is malformed, truncated, refused or empty, or the API errors
after the client's own retries, the caller's template draft is returned with a reason. With
``strict`` the reason is raised as :class:`LLMError` instead.

Every request :func:`draft` sends runs under a budget (:attr:`LLMSettings.deadline`): hooks on
the HTTP client stop a reply larger than :data:`MAX_REPLY_BYTES`, a reply still arriving when
the budget is spent, and a Retry-After that would outlast it, so a misbehaving server costs
bounded time and memory and still ends in the template draft with a reason. The API key and
any ``user:password@`` in the base URL are masked in every reason (:meth:`LLMSettings.scrub`).

``openai`` (and so ``httpx2``) and ``tiktoken`` are imported only inside the functions that
call them: importing this module, or drafting from templates, never loads them.
"""

from __future__ import annotations

import email.utils
import ipaddress
import json
import re
import time
from collections.abc import Callable, Iterator, Mapping
from contextvars import ContextVar
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeAlias
from urllib.parse import urlsplit, urlunsplit

import jinja2
from pydantic import ValidationError

from drafter import tokens
from drafter.advice import recommend
from drafter.case import Case
from drafter.checks import Report, Violation, check_draft
from drafter.drafts import Draft, Kind
from drafter.errors import DrafterError, InputError
from drafter.render import FILTERS, RenderOptions
from drafter.resources import resource_dir
from drafter.schemas import SCHEMAS, ModelDraft

if TYPE_CHECKING:
    import httpx2
    import openai
    from openai.types.chat import ChatCompletion, ParsedChatCompletion
    from openai.types.completion_usage import CompletionUsage

DEFAULT_MODEL = "gpt-4o-mini"
DEFAULT_BASE_URL = "https://api.openai.com/v1"
REMOTE_TIMEOUT = 60.0
LOCAL_TIMEOUT = 120.0
MAX_REPLY_BYTES = 4 * 1024 * 1024
"""A chat completion of ``max_output_tokens`` is a few KB: a bigger body is not a reply."""
FIRST_BACKOFF, MAX_BACKOFF = 0.5, 8.0
"""The openai client's back-off between retries: 0.5 s, doubling, at most 8 s."""
LOCAL_API_KEY = "local-no-key"
"""Sent to local servers, which accept any key: the client library insists on one."""

PathTaken = Literal["model", "repaired", "template"]
Message = dict[str, str]


class Redactor(Protocol):
    """What :func:`draft` needs to keep personal data off the wire (``drafter.redact``)."""

    def redact_text(self, text: str) -> str:
        """Text with the case's personal data replaced by placeholders."""
        ...

    def restore_model(self, model: ModelDraft) -> ModelDraft:
        """A parsed reply with every placeholder mapped back."""
        ...

    def unrestored(self, text: str) -> list[str]:
        """What in restored text still looks like a placeholder."""
        ...


UNRESTORED_RULE = "unrestored-placeholder"


class LLMError(DrafterError):
    """The model path failed and ``strict`` forbids the template fallback (exit 1)."""

    def __init__(self, reason: str) -> None:
        self.reason = reason
        super().__init__(f"{reason} (strict mode: no template fallback)")


@dataclass(frozen=True)
class LLMSettings:
    """How to reach and drive the model. Resolved by the caller (CLI, config, env):
    this module reads no environment variables itself."""

    model: str = DEFAULT_MODEL
    base_url: str | None = None
    """``None`` means OpenAI's API."""
    api_key: str | None = field(default=None, repr=False)
    """Required unless ``base_url`` is a local server."""
    temperature: float | None = None
    seed: int | None = None
    timeout: float | None = None
    """Seconds per HTTP attempt (the client's own timeout); ``None``: 60 s, or 120 s for a
    local server (a small model on a CPU can take a minute or two)."""
    max_retries: int = 2
    """The client's own retries of 408/409/429/5xx, timeouts and connection errors."""
    repair_rounds: int = 1
    max_prompt_tokens: int | None = None
    max_output_tokens: int = 800
    """``max_completion_tokens``: bounds a model that loops (then finish_reason=length)."""
    strict: bool = False

    @property
    def url(self) -> str:
        """The base URL as shown and stored: without any ``user:password@``."""
        return strip_credentials(self.endpoint)

    @property
    def endpoint(self) -> str:
        """The base URL requests go to, credentials included: for the client only."""
        return (self.base_url or DEFAULT_BASE_URL).rstrip("/")

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

    @property
    def is_local(self) -> bool:
        """Whether the base URL is a server on this machine or a private network."""
        return is_local_url(self.url)


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
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        return False
    return ip.is_loopback or ip.is_private or ip.is_link_local


@dataclass(frozen=True)
class Usage:
    """Tokens the provider reported, summed over the calls made."""

    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            self.prompt_tokens + other.prompt_tokens,
            self.completion_tokens + other.completion_tokens,
            self.calls + other.calls,
        )


@dataclass(frozen=True)
class Outcome:
    """What :func:`draft` produced, how, and why."""

    draft: Draft
    path: PathTaken
    """``model``: the model's first draft passed; ``repaired``: a repair round fixed it;
    ``template``: the caller's fallback draft."""
    reasons: tuple[str, ...] = ()
    """Why the path is not ``model`` (stderr notices)."""
    notices: tuple[str, ...] = ()
    """Other stderr notices: prompt trimmed, token counts estimated."""
    usage: Usage = Usage()
    cost: float | None = None
    """Estimated USD for ``usage``; ``None`` when the model's price is unknown."""
    model: str = ""
    report: Report | None = None
    """The checks' report on the last model draft, if one was checked."""
    messages: tuple[Message, ...] = ()
    """The last request's messages exactly as sent (redacted, if a redactor was given)."""
    replies: tuple[str, ...] = ()
    """Every reply's raw content, as received."""

    def summary(self) -> str:
        """One line for ``-v``: tokens used and cost."""
        u = self.usage
        calls = f"{u.calls} call{'s' if u.calls != 1 else ''}"
        return (
            f"{self.model}: {u.prompt_tokens:,} prompt + {u.completion_tokens:,} completion "
            f"tokens in {calls}; {tokens.format_cost(self.cost, self.model)}"
        )


class MissingKeyError(InputError):
    """No API key for a server that is not local (exit 2)."""


class _Failure(Exception):
    """The model path cannot produce a draft; ``str()`` is the reason shown to the user."""

    def __init__(self, reason: str, usage: Usage | None = None) -> None:
        super().__init__(reason)
        self.usage = usage or Usage()


# --- prompts -------------------------------------------------------------------------------

_SECRET = re.compile(r"\b(sk-[A-Za-z0-9_*-]{4,}|Bearer\s+\S+)")
"""Anything shaped like an OpenAI key or a bearer token, whoever's it is."""

_UNSAFE = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026"}


def quote(value: object) -> str:
    """Untrusted text as a JSON string literal that cannot close a fence or start a line."""
    text = json.dumps(str(value), ensure_ascii=False)
    return re.sub(r"[<>&]", lambda m: _UNSAFE[m.group()], text)


@cache
def _prompt_env() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resource_dir("prompts"))),
        undefined=jinja2.StrictUndefined,
        autoescape=False,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=False,
    )
    env.filters.update(FILTERS)
    env.filters["q"] = quote
    return env


def _render_prompt(name: str, **variables: Any) -> str:
    return _prompt_env().get_template(name).render(**variables).strip()


def system_prompt(kind: Kind) -> str:
    """The static system prompt for ``kind``: the method, the task, the JSON fields."""
    return _render_prompt(f"system/{kind}.j2")


def user_prompt(kind: Kind, case: Case) -> str:
    """The case as labelled data, every free-text field quoted as untrusted."""
    return _render_prompt("user.j2", kind=kind, case=case, recommendation=recommend(case))


def repair_prompt(violations: tuple[Violation, ...]) -> str:
    """The follow-up listing a draft's violations."""
    return _render_prompt("repair.j2", violations=violations)


def build_messages(kind: Kind, case: Case) -> list[Message]:
    """The first request's messages: static system prompt, then the case."""
    return [
        {"role": "system", "content": system_prompt(kind)},
        {"role": "user", "content": user_prompt(kind, case)},
    ]


def response_schema(kind: Kind) -> dict[str, Any]:
    """The ``response_format`` the client sends for ``kind`` (imports openai); a fresh copy."""
    return json.loads(_response_schema_json(kind))  # type: ignore[no-any-return]


@cache
def _response_schema_json(kind: Kind) -> str:
    """Building the JSON schema costs milliseconds a request: once per kind and process."""
    from openai.lib._parsing._completions import type_to_response_format_param

    param = type_to_response_format_param(SCHEMAS[kind])
    assert isinstance(param, dict)
    return json.dumps(param)


@dataclass(frozen=True)
class Prepared:
    """A request ready to send: its messages, and notices about them (e.g. text trimmed)."""

    messages: list[Message]
    notices: tuple[str, ...]


def prepare(kind: Kind, case: Case, settings: LLMSettings) -> Prepared:
    """Build the messages, trimming long free text to ``max_prompt_tokens``.

    Tokens are counted only against a budget, and only when the prompt's size in bytes does
    not already prove it fits (a token is at least one byte): most requests never load
    tiktoken. Raises :class:`tokens.PromptTooLong` when trimming cannot make the prompt fit.
    """
    messages = build_messages(kind, case)
    budget = settings.max_prompt_tokens
    if budget is None or tokens.at_most(messages, extra=_response_schema_json(kind)) <= budget:
        return Prepared(messages, ())
    counts: list[tokens.TokenCount] = []

    def counted(c: Case) -> int:
        counts.append(count_prompt(kind, build_messages(kind, c), settings.model))
        return counts[-1].tokens

    case, notices = tokens.fit_case(case, budget, counted)
    if counts[-1].warning:
        notices.append(counts[-1].warning)
    return Prepared(build_messages(kind, case), tuple(notices))


def count_prompt(kind: Kind, messages: list[Message], model: str) -> tokens.TokenCount:
    """The tokens a first request takes: its messages and the response-format schema."""
    return tokens.count_messages(messages, model, extra=_response_schema_json(kind))


# --- the client ----------------------------------------------------------------------------


def make_client(
    settings: LLMSettings, *, http_client: httpx2.Client | None = None
) -> openai.OpenAI:
    """An OpenAI client using its own retries and timeout; a dummy key for local servers.

    The HTTP client (``http_client``, e.g. a test's mock transport, or openai's default) gets
    the hooks that hold each :func:`draft` request to its budget. Raises
    :class:`MissingKeyError` when no usable key is configured for a remote server.
    """
    import openai

    problem = _key_problem(settings)
    if problem:
        raise MissingKeyError(problem)
    http_client = http_client or openai.DefaultHttpxClient()
    http_client.event_hooks["request"].append(_before_request)
    http_client.event_hooks["response"].append(_after_response)
    return openai.OpenAI(
        api_key=settings.api_key or LOCAL_API_KEY,
        base_url=settings.endpoint,
        timeout=settings.request_timeout,
        max_retries=settings.max_retries,
        http_client=http_client,
    )


def _key_problem(settings: LLMSettings) -> str | None:
    key = settings.api_key
    if key and not (key.isascii() and key.isprintable()):
        return (
            "the API key (OPENAI_API_KEY, or api_key in the config) has characters an HTTP "
            "header cannot carry (non-ASCII or control characters): copy it again"
        )
    if key or settings.is_local:
        return None
    return (
        f"no API key for {settings.url}: set OPENAI_API_KEY, or use --base-url with a local "
        "OpenAI-compatible server"
    )


# --- the request budget: deadline, Retry-After and size cap ----------------------------------


@dataclass(frozen=True)
class _Budget:
    """What the HTTP hooks hold the current thread's request to (see :data:`_BUDGET`)."""

    settings: LLMSettings
    ends: float
    """``time.monotonic()`` past which nothing more is awaited."""

    def left(self) -> float:
        """Seconds left."""
        return self.ends - time.monotonic()

    def spent(self) -> str:
        """The reason when the time is up."""
        s = self.settings
        return (
            f"model {s.model!r} at {s.url} gave no complete reply within {s.deadline:g} s "
            f"(--timeout {s.request_timeout:g} s per try, {s.max_retries + 1} tries, back-off)"
        )


_BUDGET: ContextVar[_Budget | None] = ContextVar("drafter_llm_budget", default=None)
"""Set by :func:`_send` around one request (and the client's retries of it), per thread: a
client shared by batch workers holds each worker's request to its own budget. Other requests
(the Batch API's files) are not limited."""


class _GaveUp(Exception):
    """Raised inside the HTTP client to end a request at once, unretried; ``str()``: why."""


def _before_request(request: httpx2.Request) -> None:
    """No try starts once the budget is spent; no single wait may outlast it."""
    budget = _BUDGET.get()
    if budget is None:
        return
    left = budget.left()
    if left <= 0:
        raise _GaveUp(budget.spent())
    timeouts = request.extensions.get("timeout") or {}
    request.extensions["timeout"] = {
        name: left if value is None else min(value, left) for name, value in timeouts.items()
    }


def _after_response(response: httpx2.Response) -> None:
    """Refuse a Retry-After the budget cannot wait out; cap and time the body as it streams."""
    budget = _BUDGET.get()
    if budget is None:
        return
    wait = _retry_after(response.headers) if response.status_code >= 400 else None
    tries = int(response.request.headers.get("x-stainless-retry-count") or 0)
    if wait is not None and wait >= budget.left() and tries < budget.settings.max_retries:
        raise _GaveUp(
            f"{budget.settings.url} answered {response.status_code} and asked to retry after "
            f"{wait:g} s, more than the {max(budget.left(), 0):.0f} s left of the "
            f"{budget.settings.deadline:g} s deadline (--timeout, --max-retries)"
        )
    response.stream = _capped_stream()(response.stream, budget)


def _retry_after(headers: httpx2.Headers) -> float | None:
    """The wait a response asks for, read as the openai client reads it (ms, s or a date)."""
    for name, unit in (("retry-after-ms", 1000), ("retry-after", 1)):
        try:
            return float(headers.get(name, "")) / unit
        except ValueError:
            continue
    date = email.utils.parsedate_tz(headers.get("retry-after", ""))
    return None if date is None else email.utils.mktime_tz(date) - time.time()


@cache
def _capped_stream() -> Callable[[Any, _Budget], Any]:
    """The response-body wrapper class (built on first use: it subclasses an httpx2 class)."""
    import httpx2

    class CappedStream(httpx2.SyncByteStream):
        """A body read no further than :data:`MAX_REPLY_BYTES` and the budget's deadline."""

        def __init__(self, stream: httpx2.SyncByteStream, budget: _Budget) -> None:
            self.stream, self.budget = stream, budget

        def __iter__(self) -> Iterator[bytes]:
            size = 0
            for chunk in self.stream:
                size += len(chunk)
                if size > MAX_REPLY_BYTES:
                    raise _GaveUp(
                        f"{self.budget.settings.url} sent a reply over "
                        f"{MAX_REPLY_BYTES // 2**20} MB; stopped reading it"
                    )
                if self.budget.left() <= 0:
                    raise _GaveUp(self.budget.spent())
                yield chunk

        def close(self) -> None:
            self.stream.close()

    return CappedStream


def _usage(raw: CompletionUsage | None) -> Usage:
    if raw is None:
        return Usage(calls=1)
    return Usage(raw.prompt_tokens, raw.completion_tokens, 1)


def _retries(settings: LLMSettings) -> str:
    n = settings.max_retries
    return f"after {n} retr{'ies' if n != 1 else 'y'}" if n else "(no retries)"


def explain(exc: Exception, settings: LLMSettings) -> str:
    """The reason a user sees for an API error, secrets masked (imports openai)."""
    return settings.scrub(_explain(exc, settings))


def _explain(exc: Exception, settings: LLMSettings) -> str:
    import openai

    url, model = settings.url, settings.model
    if isinstance(exc, openai.AuthenticationError):
        return f"{url} rejected the API key (401 Unauthorized): check OPENAI_API_KEY (not retried)"
    if isinstance(exc, openai.PermissionDeniedError):
        return f"{url} refused access to model {model!r} (403 Forbidden): check the key's project"
    if isinstance(exc, openai.NotFoundError):
        return (
            f"model {model!r} or the API was not found at {url} (404 Not Found): "
            "check --model and --base-url (not retried)"
        )
    if isinstance(exc, openai.RateLimitError):
        return f"{url} is rate-limiting requests (429 Too Many Requests) {_retries(settings)}"
    if isinstance(exc, openai.InternalServerError):
        return f"{url} failed ({exc.status_code} server error) {_retries(settings)}"
    if isinstance(exc, openai.APIStatusError):
        detail = settings.scrub(" ".join(str(exc.message).split()))[:200]
        return f"{url} rejected the request ({exc.status_code}): {detail}"
    if isinstance(exc, openai.APITimeoutError):
        return (
            f"model {model!r} at {url} did not answer within {settings.request_timeout:g} s "
            f"{_retries(settings)}"
        )
    if isinstance(exc, openai.APIConnectionError):
        cause = exc.__cause__
        why = "connection refused" if "refused" in str(cause).lower() else str(cause or exc)
        return (
            f"could not connect to {url} ({why}) {_retries(settings)}: "
            "check --base-url and that the server is running"
        )
    return f"the request to {url} failed: {exc}"


def chat_body(kind: Kind, settings: LLMSettings, messages: list[Message]) -> dict[str, Any]:
    """The JSON body of one structured-output chat request, keys in the client's order.

    :func:`_ask` sends exactly this, and a Batch API line carries it.
    """
    body: dict[str, Any] = {
        "model": settings.model,
        "stream": False,
        "messages": messages,
        "max_completion_tokens": settings.max_output_tokens,
        "response_format": response_schema(kind),
    }
    if settings.seed is not None:
        body["seed"] = settings.seed
    if settings.temperature is not None:
        body["temperature"] = settings.temperature
    return body


def request_body(kind: Kind, case: Case, settings: LLMSettings) -> dict[str, Any]:
    """The body of the first request :func:`draft` sends for ``kind`` and ``case``: what one
    OpenAI Batch API line carries. Pass the redacted case when drafting with redaction.

    Raises :class:`tokens.PromptTooLong` when the prompt cannot fit ``max_prompt_tokens``.
    """
    return chat_body(kind, settings, prepare(kind, case, settings).messages)


Given: TypeAlias = Mapping[str, Any] | str
"""A first reply that was not asked for by :func:`draft` itself (a Batch API output line):
the chat-completion body that came back, or the reason none did."""


def _parsed(kind: Kind, raw: ChatCompletion) -> ParsedChatCompletion[ModelDraft]:
    """A chat completion with its reply parsed into ``SCHEMAS[kind]``, as the client's own
    ``parse()`` does it (the same exceptions for finish_reason=length or content_filter and
    invalid JSON), without rebuilding the JSON schema for every request."""
    from openai import omit
    from openai.lib._parsing._completions import parse_chat_completion

    _keep_parsed_types()
    parsed: ParsedChatCompletion[ModelDraft] = parse_chat_completion(
        response_format=SCHEMAS[kind], input_tools=omit, chat_completion=raw
    )
    return parsed


@cache
def _keep_parsed_types() -> tuple[object, ...]:
    """Hold the generic classes openai parametrizes on every parse.

    ``parse_chat_completion`` builds ``ParsedChoice[ResponseFormatT]`` and
    ``ParsedChatCompletion[ResponseFormatT]`` each call; pydantic caches them only while
    something references them, so once the cycle collector frees them the next reply pays
    ~4 ms to rebuild their schemas. A reference held here keeps pydantic's cache warm.
    """
    from openai.lib._parsing._completions import ResponseFormatT
    from openai.types.chat import ParsedChatCompletion, ParsedChoice

    generic: Any = (ParsedChoice, ParsedChatCompletion)  # parametrized by a free TypeVar
    return tuple(cls[ResponseFormatT] for cls in generic)


def _completion(
    kind: Kind, body: object, source: str = "the batch reply"
) -> ParsedChatCompletion[ModelDraft]:
    """A chat-completion body (a Batch API output line, or a reply :func:`_send` got),
    validated, then parsed."""
    from openai.types.chat import ChatCompletion

    try:
        raw = ChatCompletion.model_validate(body)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "the body"
        raise _Failure(
            f"{source} is not a chat completion ({where}: {error['msg']})", Usage(calls=1)
        ) from None
    return _parsed(kind, raw)


def _send(
    client: openai.OpenAI, settings: LLMSettings, kind: Kind, messages: list[Message]
) -> ParsedChatCompletion[ModelDraft]:
    """One request, with the client's retries, under the budget; the reply checked as a chat
    completion before it is used (the client itself trusts the server's JSON)."""
    token = _BUDGET.set(_Budget(settings, time.monotonic() + settings.deadline))
    try:
        response = client.chat.completions.with_raw_response.create(
            **chat_body(kind, settings, messages)
        )
    except _GaveUp as exc:
        raise _Failure(str(exc)) from None
    finally:
        _BUDGET.reset(token)
    source = f"the reply from {settings.url}"
    try:
        body = json.loads(response.http_response.content)
    except ValueError:  # not JSON, cut off, or not UTF-8
        raw = response.http_response
        what = f"{len(raw.content):,} bytes of {raw.headers.get('content-type', 'unknown type')}"
        raise _Failure(f"{source} is not valid JSON ({what})", Usage(calls=1)) from None
    return _completion(kind, body, source)


def _ask(
    client: openai.OpenAI | None,
    settings: LLMSettings,
    kind: Kind,
    messages: list[Message],
    given: Given | None = None,
) -> tuple[ModelDraft, str, Usage]:
    """One structured-output call, or the ``given`` reply to it; returns the parsed draft,
    its raw JSON and usage."""
    import openai

    if isinstance(given, str):
        raise _Failure(given)
    try:
        if given is not None:
            completion = _completion(kind, given)
        else:
            assert client is not None
            completion = _send(client, settings, kind, messages)
    except openai.LengthFinishReasonError as exc:
        raise _Failure(
            f"the model's reply was cut off at {settings.max_output_tokens} tokens "
            "(finish_reason=length)",
            _usage(exc.completion.usage),
        ) from None
    except openai.ContentFilterFinishReasonError as exc:
        usage = _usage(exc.completion.usage) if exc.completion else Usage(calls=1)
        raise _Failure("the provider's content filter withheld the model's reply", usage) from None
    except ValidationError as exc:
        # The reply arrived (tokens were spent) but its usage is lost with the parse error.
        errors = exc.errors()
        if errors and errors[0]["type"] == "json_invalid":
            raise _Failure("the model's reply was not valid JSON", Usage(calls=1)) from None
        where = ".".join(str(p) for p in errors[0]["loc"]) if errors else "?"
        msg = errors[0]["msg"] if errors else str(exc)
        raise _Failure(
            f"the model's reply did not match the {kind} schema ({where}: {msg})", Usage(calls=1)
        ) from None
    except openai.OpenAIError as exc:
        raise _Failure(explain(exc, settings)) from None

    usage = _usage(completion.usage)
    if not completion.choices:
        raise _Failure("the model returned no reply (no choices)", usage)
    message = completion.choices[0].message
    if message.refusal:
        refusal = " ".join(message.refusal.split())[:200]
        raise _Failure(f'the model refused: "{refusal}"', usage)
    if not (message.content or "").strip() or message.parsed is None:
        raise _Failure("the model returned an empty reply", usage)
    return message.parsed, message.content or "", usage


def _cost(model: str, usage: Usage, batched: Usage) -> float | None:
    """Estimated USD for ``usage``, of which ``batched`` went through the Batch API."""
    direct = tokens.estimate_cost(
        model,
        usage.prompt_tokens - batched.prompt_tokens,
        usage.completion_tokens - batched.completion_tokens,
    )
    half = tokens.estimate_cost(model, batched.prompt_tokens, batched.completion_tokens, batch=True)
    return None if direct is None or half is None else direct + half


def _broke(report: Report) -> str:
    """``2 rules (agenda-listen, agenda-work-together)``; each rule's reason is in the report."""
    rules = list(dict.fromkeys(v.rule for v in report.violations))
    return f"{len(rules)} rule{'s' if len(rules) != 1 else ''} ({', '.join(rules)})"


# --- drafting ------------------------------------------------------------------------------


def draft(
    kind: Kind,
    case: Case,
    settings: LLMSettings,
    fallback: Callable[[], Draft],
    options: RenderOptions | None = None,
    *,
    client: openai.OpenAI | None = None,
    prompt_case: Case | None = None,
    redaction: Redactor | None = None,
    first: Given | None = None,
) -> Outcome:
    """Draft ``kind`` for ``case`` with the model; when the model path fails, return
    ``fallback()`` (the template draft, made only then) with reasons. Raises
    :class:`LLMError` instead when ``settings.strict``.

    To keep personal data local, pass ``prompt_case`` (the redacted case the model sees) and
    its ``redaction``: each reply is restored before it is rendered with the real ``case``
    and checked; leftover placeholders count as a broken rule (``unrestored-placeholder``);
    offending text quoted in a repair prompt is redacted again.

    ``first`` is the first reply when it was asked for elsewhere (an OpenAI Batch API output
    line): the chat-completion body, checked, repaired (through ``client``) or replaced exactly
    like a reply to the first request; or a string, the reason there is none (an error line),
    which falls back to the template with that reason. The messages are rebuilt as they were
    sent, so ``case``, ``prompt_case`` and ``settings`` must be those the request was built from.

    ``client`` is for tests (a mock transport) and for the Batch API's collect step; by default
    one is built from ``settings`` when a request must be sent.
    """
    options = options or RenderOptions()
    usage = Usage()
    batched = Usage()
    """The part of ``usage`` billed through the Batch API (the ``first`` reply)."""
    notices: tuple[str, ...] = ()
    report: Report | None = None
    reasons: list[str] = []
    messages: list[Message] = []
    replies: list[str] = []

    def outcome(d: Draft, path: PathTaken) -> Outcome:
        return Outcome(
            draft=d,
            path=path,
            reasons=tuple(reasons),
            notices=notices,
            usage=usage,
            cost=_cost(settings.model, usage, batched),
            model=settings.model,
            report=report,
            messages=tuple(messages),
            replies=tuple(settings.scrub(r) for r in replies),
        )

    def ask(api: openai.OpenAI | None, given: Given | None = None) -> tuple[str, Draft, Report]:
        nonlocal usage, batched
        try:
            parsed, raw, used = _ask(api, settings, kind, messages, given)
        except _Failure as failure:
            if given is not None:
                batched += failure.usage
            raise
        usage += used
        if given is not None:
            batched += used
        replies.append(raw)
        if redaction is not None:
            parsed = redaction.restore_model(parsed)
        candidate = parsed.to_draft(case, options)
        checked = check_draft(candidate, case)
        if redaction is not None:
            left = redaction.unrestored(f"{candidate.subject}\n{candidate.body}")
            if left:
                why = "Placeholders from redaction could not be mapped back to the case."
                extra = tuple(Violation(UNRESTORED_RULE, why, text) for text in left)
                checked = Report(
                    kind, checked.violations + extra, (*checked.rules_run, UNRESTORED_RULE)
                )
        return raw, candidate, checked

    connected: list[openai.OpenAI] = []

    def connect() -> openai.OpenAI:
        """The client, made on the first request to send (no key: a failure, nothing sent)."""
        if not connected:
            problem = _key_problem(settings)
            if problem:
                raise _Failure(problem)
            connected.append(client or make_client(settings))
        return connected[0]

    def for_model(violations: tuple[Violation, ...]) -> tuple[Violation, ...]:
        if redaction is None:
            return violations
        return tuple(Violation(v.rule, v.reason, redaction.redact_text(v.text)) for v in violations)

    try:
        try:
            prepared = prepare(kind, prompt_case or case, settings)
        except tokens.PromptTooLong as exc:
            raise _Failure(str(exc)) from None
        notices = prepared.notices
        messages += prepared.messages

        raw, candidate, report = ask(None, first) if first is not None else ask(connect())
        initial = report
        rounds = 0
        while not report.ok and rounds < settings.repair_rounds:
            rounds += 1
            messages += [
                {"role": "assistant", "content": raw},
                {"role": "user", "content": repair_prompt(for_model(report.violations))},
            ]
            raw, candidate, report = ask(connect())
        if report.ok and rounds == 0:
            return outcome(candidate, "model")
        if report.ok:
            fixed = "it" if len({v.rule for v in initial.violations}) == 1 else "them"
            reasons.append(
                f"the model's draft broke {_broke(initial)}; repair round {rounds} fixed {fixed}"
            )
            return outcome(candidate, "repaired")
        if rounds:
            plural = "s" if rounds != 1 else ""
            broke = f"still broke {_broke(report)} after {rounds} repair round{plural}"
        else:
            broke = f"broke {_broke(report)}, and repair_rounds is 0"
        raise _Failure(f"the model's draft {broke}")
    except _Failure as failure:
        usage += failure.usage
        reason = settings.scrub(str(failure))
    if settings.strict:
        raise LLMError(reason)
    reasons.append(f"{reason}; using the template draft")
    return outcome(fallback(), "template")


def warm(kind: Kind, case: Case, settings: LLMSettings) -> None:
    """Build what every request for ``kind`` reuses (prompts, the response schema, the parsed
    reply classes) without sending one (imports openai)."""
    request_body(kind, case, settings)
    _keep_parsed_types()


def dry_run(kind: Kind, case: Case, settings: LLMSettings) -> str:
    """The exact request :func:`draft` would send first, its token count and estimated cost.

    Sends nothing and needs no API key. Raises :class:`tokens.PromptTooLong` if the prompt
    cannot be trimmed to ``max_prompt_tokens``.
    """
    prepared = prepare(kind, case, settings)
    body = chat_body(kind, settings, prepared.messages)
    count = count_prompt(kind, prepared.messages, settings.model)
    notices = [*prepared.notices, *([count.warning] if count.warning else [])]
    lines = [
        f"# dry run: {kind} for {case.account}; model {settings.model!r} at {settings.url}; "
        "nothing sent",
    ]
    lines += [f"# notice: {n}" for n in dict.fromkeys(notices)]
    for i, message in enumerate(prepared.messages, 1):
        lines += ["", f"## message {i}: {message['role']}", "", message["content"]]
    lines += ["", "## response_format", "", json.dumps(body["response_format"], indent=2)]
    params = {k: v for k, v in body.items() if k not in ("messages", "response_format")}
    lines += ["", "## parameters", "", json.dumps(params)]
    approx = "about " if count.estimated else ""
    lines += [
        "",
        "## tokens and cost",
        "",
        f"prompt: {approx}{count.tokens:,} tokens ({count.encoding}; messages and schema)",
    ]
    low = tokens.estimate_cost(settings.model, count.tokens, 0)
    high = tokens.estimate_cost(settings.model, count.tokens, settings.max_output_tokens)
    if low is None or high is None:
        lines.append(tokens.format_cost(None, settings.model))
    else:
        lines.append(
            f"estimated cost: {tokens.usd(low)} for the prompt, up to {tokens.usd(high)} with "
            f"{settings.max_output_tokens:,} output tokens; a repair round would add about as "
            f"much again (prices are estimates as of {tokens.PRICES_AS_OF})"
        )
    return "\n".join(lines) + "\n"
