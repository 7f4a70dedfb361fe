"""The provider seam: send messages with a draft kind's schema, get a reply or a failure.

:class:`drafter.llm.openai_api.OpenAIProvider` is the first implementation; the model loop
(:mod:`drafter.llm.loop`) knows only :class:`Provider`, :class:`Reply` and :class:`Failure`.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from drafter.drafts import Kind
from drafter.schemas import ModelDraft

Message = dict[str, str]


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
class Reply:
    """A reply parsed into the kind's schema, its raw text, and the tokens it cost."""

    parsed: ModelDraft
    raw: str
    usage: Usage


class Why(enum.Enum):
    """Why the model path produced no usable draft."""

    NO_KEY = "no usable API key"
    PROMPT_TOO_LONG = "the prompt cannot fit max_prompt_tokens"
    GAVE_UP = "the request's deadline or size cap was reached"
    API_ERROR = "the API answered with an error"
    NOT_JSON = "the body is not JSON"
    NOT_A_COMPLETION = "the body is not a chat completion"
    CUT_OFF = "finish_reason=length"
    FILTERED = "finish_reason=content_filter"
    INVALID_JSON = "the reply is not valid JSON"
    WRONG_SCHEMA = "the reply does not match the schema"
    NO_CHOICES = "no choices"
    REFUSED = "the model refused"
    EMPTY = "the reply is empty"
    BATCH_FAILED = "the Batch API request failed or has no reply"
    BROKE_RULES = "the draft still breaks the method's rules"


@dataclass(frozen=True)
class Failure:
    """A typed failure; ``reason`` is the line the user is shown."""

    why: Why
    reason: str
    usage: Usage = Usage()


class Provider(Protocol):
    """One model API."""

    def send(self, kind: Kind, messages: Sequence[Message]) -> Reply | Failure:
        """Send ``messages`` asking for ``kind``'s schema; the parsed reply, or why not."""
        ...
