"""A dry run: the exact first request a model draft would send, its tokens and cost."""

from __future__ import annotations

import json

from drafter import tokens
from drafter.case import Case
from drafter.drafts import Kind
from drafter.llm.openai_api import chat_body
from drafter.llm.prompts import count_prompt, prepare
from drafter.settings import LLMSettings


def dry_run(kind: Kind, case: Case, settings: LLMSettings) -> str:
    """The exact request :func:`drafter.llm.draft` would send first, its token count and
    estimated cost.

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
