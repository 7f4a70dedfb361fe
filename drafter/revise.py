"""Revise a logged draft: its conversation continued with the user's instruction, under the method.

The revision's messages are the logged conversation (system prompt, the case, every turn
sent) with the model's last reply as the assistant's turn; for a template draft, or one
whose model path failed, the first request is built afresh from the case kept in the log
and the draft's text is the assistant's turn. Then the user's instruction, quoted as their
wish under the method (``prompts/revise.j2``). The reply goes through the same model loop as
any draft (:func:`drafter.llm.draft`: parsed with the artifact's schema, laid out by its
template, checked, repaired once) in strict mode: a revision that still breaks a rule is
refused with the reasons, nothing is written or logged, and the previous draft is kept.
A draft whose model saw the case redacted is revised redacted too.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from drafter.errors import DrafterError, InputError

if TYPE_CHECKING:
    from drafter.case import Tone
    from drafter.history import Entry
    from drafter.llm.provider import Message
    from drafter.output import Format
    from drafter.pipeline import Produced, Request
    from drafter.redact import Redaction


class RevisionRefused(DrafterError):
    """The model's revision broke the method (or the model failed): nothing written (exit 1)."""


@dataclass(frozen=True)
class Revision:
    """The conversation to continue, ending with the instruction, and the draft it revises."""

    parent: int
    instruction: str
    messages: tuple[Message, ...]


def request_for(
    entry: Entry,
    choices: Mapping[str, Any],
    *,
    tone: Tone | None = None,
    templates_dir: Path | None = None,
    dry_run: bool = False,
    log: bool = True,
) -> Request:
    """The request revising ``entry``: its logged case, the model settings in strict mode,
    redacted when the entry was. :class:`InputError` when no model is set up (a dry run
    needs none) or the entry predates the case being logged."""
    from drafter.case import Case
    from drafter.config import UserConfig
    from drafter.pipeline import Request
    from drafter.settings import choose, resolve

    if entry.case_json is None:
        raise InputError(
            f"draft {entry.id} was logged before drafter kept the case with each draft; "
            f"draft it again from {entry.case_path or 'its case file'} and revise that."
        )
    config = UserConfig.locate()
    settings = resolve(config, choices)
    llm = settings if dry_run else choose(settings, config)[0]
    if llm is None:
        raise InputError(
            "revising a draft needs a model, and none is set up: set OPENAI_API_KEY (or "
            f"api_key in the [llm] table of {config.path}), or pass --base-url for a local "
            "OpenAI-compatible server."
        )
    redact = entry.redacted or llm.redact
    return Request.of(
        config,
        Case.model_validate_json(entry.case_json),
        entry.case_path or "-",
        tone=tone,
        templates_dir=templates_dir,
        llm=dataclasses.replace(llm, strict=True, redact=redact),
        log=log,
        redact=redact,
        show_waiting=True,
    )


def revision(entry: Entry, instruction: str, request: Request) -> Revision:
    """The messages revising ``entry`` by ``instruction`` (see the module's docstring)."""
    from drafter.llm.prompts import build_messages, revise_prompt

    assert entry.id is not None, "a logged entry"
    prompt_case, redaction = request.prompt_case()
    said: list[Message]
    if entry.route != "template" and entry.replies and entry.redacted == request.redact:
        said = [{str(k): str(v) for k, v in m.items()} for m in entry.messages]
        said.append({"role": "assistant", "content": entry.replies[-1]})
    else:
        text = f"Subject: {entry.subject}\n\n{entry.body}" if entry.subject else entry.body
        said = [
            *build_messages(entry.kind, prompt_case or request.case),
            {"role": "assistant", "content": _hidden(text, redaction)},
        ]
    ask = revise_prompt(_hidden(instruction, redaction))
    return Revision(entry.id, instruction, (*said, {"role": "user", "content": ask}))


def _hidden(text: str, redaction: Redaction | None) -> str:
    return text if redaction is None else redaction.redact_text(text)


def produce(
    request: Request, entry: Entry, revised: Revision, fmt: Format, target: str
) -> Produced:
    """The revised draft, formatted and logged with its parent; :class:`RevisionRefused`
    with the reasons when the model's revision still breaks the method."""
    from drafter import pipeline
    from drafter.llm import LLMError

    try:
        return pipeline.produce(request, entry.kind, fmt, target, revision=revised)
    except LLMError as exc:
        lines = [f"draft {entry.id} was not revised: {exc.reason}."]
        if exc.report is not None:
            broken: dict[str, list[str]] = {}
            for v in exc.report.violations:
                broken.setdefault(f"{v.rule}: {v.reason}", []).extend([v.text] if v.text else [])
            for rule, texts in broken.items():
                said = ", ".join(json.dumps(t, ensure_ascii=False) for t in dict.fromkeys(texts))
                lines.append(f"  - {rule} ({said})" if said else f"  - {rule}")
        lines.append(f"Nothing was written; draft {entry.id} is kept as it was.")
        raise RevisionRefused("\n".join(lines)) from None


def preview(revised: Revision) -> str:
    """The messages a revision would send (``--dry-run``); nothing is sent."""
    lines = [f"# dry run: revision of draft {revised.parent}; nothing sent"]
    for i, message in enumerate(revised.messages, 1):
        lines += ["", f"## message {i}: {message['role']}", "", message["content"]]
    return "\n".join(lines) + "\n"
