"""The messages a model gets: the method as instructions, the case as quoted data, the
violations to repair; trimmed to ``max_prompt_tokens`` when asked."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

import jinja2

from drafter import tokens
from drafter.advice import recommend
from drafter.artifacts import artifact
from drafter.case import Case
from drafter.checks import Violation
from drafter.drafts import Kind
from drafter.llm.provider import Message
from drafter.llm.schema import response_format_json
from drafter.render import FILTERS
from drafter.resources import resource_dir
from drafter.settings import LLMSettings

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
    return _render_prompt(artifact(kind).system_prompt)


def user_prompt(kind: Kind, case: Case) -> str:
    """The case as labelled data, every free-text field quoted as untrusted."""
    return _render_prompt(
        "user.j2", artifact=artifact(kind), case=case, recommendation=recommend(case)
    )


def repair_prompt(violations: tuple[Violation, ...]) -> str:
    """The follow-up listing a draft's violations."""
    return _render_prompt("repair.j2", violations=violations)


def revise_prompt(instruction: str) -> str:
    """The follow-up asking for a draft revised by the user's ``instruction``."""
    return _render_prompt("revise.j2", instruction=instruction)


def build_messages(kind: Kind, case: Case) -> list[Message]:
    """The first request's messages: static system prompt, then the case."""
    return [
        {"role": "system", "content": system_prompt(kind)},
        {"role": "user", "content": user_prompt(kind, case)},
    ]


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
    if budget is None or tokens.at_most(messages, extra=response_format_json(kind)) <= budget:
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
    return tokens.count_messages(messages, model, extra=response_format_json(kind))
