"""OpenAI, or any OpenAI-compatible server: the first :class:`~drafter.llm.provider.Provider`.

Requests go through the client's own retries and timeout, under the budget of
:mod:`drafter.llm.budget`; a reply (or a Batch API output line's body) is checked as a chat
completion and parsed into the kind's schema by :func:`read_reply`, every fault a typed
:class:`Failure`. ``openai`` (and so ``httpx2``) is imported only inside the functions that
use it: importing this module loads neither.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from drafter.case import Case
from drafter.drafts import Kind
from drafter.errors import InputError
from drafter.llm import budget
from drafter.llm.prompts import prepare
from drafter.llm.provider import Failure, Message, Reply, Usage, Why
from drafter.llm.schema import response_format
from drafter.schemas import SCHEMAS
from drafter.settings import KEY_ENV, LLMSettings, key_problem

if TYPE_CHECKING:
    import httpx2
    import openai
    from openai.types.completion_usage import CompletionUsage

LOCAL_API_KEY = "local-no-key"
"""Sent to local servers, which accept any key: the client library insists on one."""


class MissingKeyError(InputError):
    """No usable API key for a server that is not local (exit 2)."""


def key_advice(settings: LLMSettings) -> str | None:
    """What to do about the key (:func:`drafter.settings.key_problem`); ``None``: nothing."""
    problem = key_problem(settings)
    if problem == "unusable":
        return (
            f"the API key ({KEY_ENV}, or api_key in the config) has characters an HTTP "
            "header cannot carry (non-ASCII or control characters): copy it again"
        )
    if problem == "missing":
        return (
            f"no API key for {settings.url}: set {KEY_ENV}, or use --base-url with a local "
            "OpenAI-compatible server"
        )
    return None


def make_client(
    settings: LLMSettings, *, http_client: httpx2.Client | None = None
) -> openai.OpenAI:
    """An OpenAI client using its own retries and timeout; a dummy key for local servers.

    The HTTP client (``http_client``, e.g. a test's mock transport, or openai's default) gets
    the hooks that hold each request sent :func:`budget.within` a budget to it. Raises
    :class:`MissingKeyError` when no usable key is configured for a remote server.
    """
    import openai

    advice = key_advice(settings)
    if advice:
        raise MissingKeyError(advice)
    http_client = http_client or openai.DefaultHttpxClient()
    http_client.event_hooks["request"].append(budget.before_request)
    http_client.event_hooks["response"].append(budget.after_response)
    return openai.OpenAI(
        api_key=settings.api_key or LOCAL_API_KEY,
        base_url=settings.endpoint,
        timeout=settings.request_timeout,
        max_retries=settings.max_retries,
        http_client=http_client,
    )


class OpenAIProvider:
    """Chat completions with a strict JSON schema; the client made on the first send."""

    def __init__(self, settings: LLMSettings, client: openai.OpenAI | None = None) -> None:
        self.settings = settings
        self.client = client

    def send(self, kind: Kind, messages: Sequence[Message]) -> Reply | Failure:
        """One request, with the client's retries, under the budget (no key: nothing sent)."""
        import openai

        settings = self.settings
        advice = key_advice(settings)
        if advice:
            return Failure(Why.NO_KEY, advice)
        if self.client is None:
            self.client = make_client(settings)
        try:
            with budget.within(settings):
                response = self.client.chat.completions.with_raw_response.create(
                    **chat_body(kind, settings, messages)
                )
        except budget.GaveUp as exc:
            return Failure(Why.GAVE_UP, str(exc))
        except openai.OpenAIError as exc:
            return Failure(Why.API_ERROR, explain(exc, settings))
        source = f"the reply from {settings.url}"
        raw = response.http_response
        try:
            body = json.loads(raw.content)
        except ValueError:  # not JSON, cut off, or not UTF-8
            kind_of = raw.headers.get("content-type", "unknown type")
            what = f"{len(raw.content):,} bytes of {kind_of}"
            return Failure(Why.NOT_JSON, f"{source} is not valid JSON ({what})", Usage(calls=1))
        return read_reply(kind, body, settings, source)


def read_reply(
    kind: Kind, body: object, settings: LLMSettings, source: str = "the batch reply"
) -> Reply | Failure:
    """A chat-completion body (a reply :meth:`OpenAIProvider.send` got, or a Batch API output
    line's) checked as a chat completion, then its first choice parsed into ``kind``'s schema.
    The client itself trusts the server's JSON; this does not."""
    from openai.types.chat import ChatCompletion

    try:
        completion = ChatCompletion.model_validate(body)
    except ValidationError as exc:
        error = exc.errors()[0]
        where = ".".join(str(p) for p in error["loc"]) or "the body"
        why = f"{source} is not a chat completion ({where}: {error['msg']})"
        return Failure(Why.NOT_A_COMPLETION, why, Usage(calls=1))
    usage = _usage(completion.usage)
    parsed = []
    for choice in completion.choices:  # every choice, in order, as the client's parse() does
        if choice.finish_reason == "length":
            return Failure(
                Why.CUT_OFF,
                f"the model's reply was cut off at {settings.max_output_tokens} tokens "
                "(finish_reason=length)",
                usage,
            )
        if choice.finish_reason == "content_filter":
            why = "the provider's content filter withheld the model's reply"
            return Failure(Why.FILTERED, why, usage)
        content = choice.message.content if not choice.message.refusal else None
        try:
            parsed.append(SCHEMAS[kind].model_validate_json(content) if content else None)
        except ValidationError as exc:  # the reply's usage is lost with the parse error
            return _unparsed(kind, exc)
    if not completion.choices:
        return Failure(Why.NO_CHOICES, "the model returned no reply (no choices)", usage)
    message = completion.choices[0].message
    if message.refusal:
        refusal = " ".join(message.refusal.split())[:200]
        return Failure(Why.REFUSED, f'the model refused: "{refusal}"', usage)
    if not (message.content or "").strip() or parsed[0] is None:
        return Failure(Why.EMPTY, "the model returned an empty reply", usage)
    return Reply(parsed[0], message.content or "", usage)


def _unparsed(kind: Kind, exc: ValidationError) -> Failure:
    errors = exc.errors()
    if errors and errors[0]["type"] == "json_invalid":
        return Failure(Why.INVALID_JSON, "the model's reply was not valid JSON", Usage(calls=1))
    where = ".".join(str(p) for p in errors[0]["loc"]) if errors else "?"
    msg = errors[0]["msg"] if errors else str(exc)
    why = f"the model's reply did not match the {kind} schema ({where}: {msg})"
    return Failure(Why.WRONG_SCHEMA, why, Usage(calls=1))


def _usage(raw: CompletionUsage | None) -> Usage:
    if raw is None:
        return Usage(calls=1)
    return Usage(raw.prompt_tokens, raw.completion_tokens, 1)


def chat_body(kind: Kind, settings: LLMSettings, messages: Sequence[Message]) -> dict[str, Any]:
    """The JSON body of one structured-output chat request, keys in the client's order:
    what :meth:`OpenAIProvider.send` sends, and a Batch API line carries."""
    body: dict[str, Any] = {
        "model": settings.model,
        "stream": False,
        "messages": messages,
        "max_completion_tokens": settings.max_output_tokens,
        "response_format": response_format(kind),
    }
    if settings.seed is not None:
        body["seed"] = settings.seed
    if settings.temperature is not None:
        body["temperature"] = settings.temperature
    return body


def request_body(kind: Kind, case: Case, settings: LLMSettings) -> dict[str, Any]:
    """The body of the first request for ``kind`` and ``case`` (the redacted case when
    drafting with redaction): what one OpenAI Batch API line carries.

    Raises :class:`tokens.PromptTooLong` when the prompt cannot fit ``max_prompt_tokens``.
    """
    return chat_body(kind, settings, prepare(kind, case, settings).messages)


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
