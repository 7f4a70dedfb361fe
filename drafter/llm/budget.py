"""The request budget: a deadline for all of a request's tries, Retry-After and a size cap.

Hooks on the HTTP client (:func:`before_request`, :func:`after_response`) hold a request
sent :func:`within` a budget to :attr:`LLMSettings.deadline`, and stop a reply larger than
:data:`MAX_REPLY_BYTES`: a misbehaving server costs bounded time and memory. They raise
:class:`GaveUp`, which the client does not retry.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from drafter.settings import LLMSettings

if TYPE_CHECKING:
    import httpx2

MAX_REPLY_BYTES = 4 * 1024 * 1024
"""A chat completion of ``max_output_tokens`` is a few KB: a bigger body is not a reply."""


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
"""Set by :func:`within` around one request (and the client's retries of it), per thread: a
client shared by batch workers holds each worker's request to its own budget. Other requests
(the Batch API's files) are not limited."""


class GaveUp(Exception):
    """Raised inside the HTTP client to end a request at once, unretried; ``str()``: why."""


def before_request(request: httpx2.Request) -> None:
    """No try starts once the budget is spent; no single wait may outlast it."""
    budget = _BUDGET.get()
    if budget is None:
        return
    left = budget.left()
    if left <= 0:
        raise GaveUp(budget.spent())
    timeouts = request.extensions.get("timeout") or {}
    request.extensions["timeout"] = {
        name: left if value is None else min(value, left) for name, value in timeouts.items()
    }


def after_response(response: httpx2.Response) -> None:
    """Refuse a Retry-After the budget cannot wait out; cap and time the body as it streams."""
    budget = _BUDGET.get()
    if budget is None:
        return
    wait = _retry_after(response.headers) if response.status_code >= 400 else None
    tries = int(response.request.headers.get("x-stainless-retry-count") or 0)
    if wait is not None and wait >= budget.left() and tries < budget.settings.max_retries:
        raise GaveUp(
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
                    raise GaveUp(
                        f"{self.budget.settings.url} sent a reply over "
                        f"{MAX_REPLY_BYTES // 2**20} MB; stopped reading it"
                    )
                if self.budget.left() <= 0:
                    raise GaveUp(self.budget.spent())
                yield chunk

        def close(self) -> None:
            self.stream.close()

    return CappedStream


@contextmanager
def within(settings: LLMSettings) -> Iterator[None]:
    """Hold the requests sent in the body (one, and the client's retries of it) to the
    deadline of ``settings``, in this thread."""
    token = _BUDGET.set(_Budget(settings, time.monotonic() + settings.deadline))
    try:
        yield
    finally:
        _BUDGET.reset(token)
