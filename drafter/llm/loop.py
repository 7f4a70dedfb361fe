"""The model loop: ask, judge, repair, and fall back to the template in one place.

:func:`draft` sends the first request through a :class:`Provider` (or takes the first reply
given, a Batch API output line), judges each reply (:class:`Judge`: restore, render, check),
sends a failing draft back with its violations ``repair_rounds`` times, and returns the
model's draft, or the caller's template draft with the reason when the model path fails
(``strict``: raises :class:`LLMError` instead).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Literal, Protocol

from drafter import tokens
from drafter.case import Case
from drafter.checks import Report, Violation, check_draft
from drafter.drafts import Draft, Kind
from drafter.errors import DrafterError
from drafter.llm.prompts import Prepared, prepare, repair_prompt
from drafter.llm.provider import Failure, Message, Provider, Reply, Usage, Why
from drafter.render import RenderOptions
from drafter.schemas import ModelDraft
from drafter.settings import LLMSettings

if TYPE_CHECKING:
    import openai

Route = Literal["model", "repaired", "template"]
UNRESTORED_RULE = "unrestored-placeholder"


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


class LLMError(DrafterError):
    """The model path failed and ``strict`` forbids the template fallback (exit 1)."""

    def __init__(self, reason: str, report: Report | None = None) -> None:
        self.reason = reason
        self.report = report
        """The checks' report on the last model draft, if one was checked."""
        super().__init__(f"{reason} (strict mode: no template fallback)")


@dataclass(frozen=True)
class Outcome:
    """What :func:`draft` produced, how, and why."""

    draft: Draft
    route: Route
    """``model``, the first draft passed; ``repaired``, a repair round fixed it;
    ``template``, the caller's fallback draft."""
    reasons: tuple[str, ...] = ()
    """Why the route is not ``model`` (stderr notices)."""
    notices: tuple[str, ...] = ()
    """Other stderr notices: prompt trimmed, token counts estimated."""
    usage: Usage = field(default_factory=Usage)
    cost: float | None = None
    """Estimated USD for ``usage``; ``None`` when the model's price is unknown."""
    model: str = ""
    report: Report | None = None
    """The checks' report on the last model draft, if one was checked."""
    messages: tuple[Message, ...] = ()
    """The last request's messages exactly as sent (redacted, if a redactor was given)."""
    replies: tuple[str, ...] = ()
    """Every reply's raw content, as received."""

    @property
    def path(self) -> Route:
        """Read-only alias of :attr:`route`, the attribute's old name: kept only because
        ``tests/test_hostile_server.py`` (not to be edited) reads it. Use ``route``."""
        return self.route

    def summary(self) -> str:
        """One line for ``-v``: tokens used and cost."""
        u = self.usage
        calls = f"{u.calls} call{'s' if u.calls != 1 else ''}"
        return (
            f"{self.model}: {u.prompt_tokens:,} prompt + {u.completion_tokens:,} completion "
            f"tokens in {calls}; {tokens.format_cost(self.cost, self.model)}"
        )


@dataclass(frozen=True)
class Judge:
    """A parsed reply made a draft of the real case and checked against the method."""

    kind: Kind
    case: Case
    options: RenderOptions
    redaction: Redactor | None = None

    def __call__(self, parsed: ModelDraft) -> tuple[Draft, Report]:
        if self.redaction is not None:
            parsed = self.redaction.restore_model(parsed)
        candidate = parsed.to_draft(self.case, self.options)
        report = check_draft(candidate, self.case)
        left = []
        if self.redaction is not None:
            left = self.redaction.unrestored(f"{candidate.subject}\n{candidate.body}")
        if left:  # leftover placeholders count as a broken rule
            why = "Placeholders from redaction could not be mapped back to the case."
            extra = tuple(Violation(UNRESTORED_RULE, why, text) for text in left)
            report = Report(
                self.kind, report.violations + extra, (*report.rules_run, UNRESTORED_RULE)
            )
        return candidate, report

    def for_model(self, violations: tuple[Violation, ...]) -> tuple[Violation, ...]:
        """Violations as the model may see them: offending text redacted again."""
        if self.redaction is None:
            return violations
        redact = self.redaction.redact_text
        return tuple(Violation(v.rule, v.reason, redact(v.text)) for v in violations)


@dataclass
class _Tally:
    """What the conversation has cost and said so far."""

    messages: list[Message] = field(default_factory=list)
    replies: list[str] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    batched: Usage = field(default_factory=Usage)
    """The part of ``usage`` billed through the Batch API (a first reply given)."""

    report: Report | None = None
    """The checks' report on the last model draft."""

    def take(self, answer: Reply | Failure, batched: bool = False) -> Reply | Failure:
        """Count a reply's tokens (and keep its text), or a failure's."""
        self.usage += answer.usage
        if batched:
            self.batched += answer.usage
        if isinstance(answer, Reply):
            self.replies.append(answer.raw)
        return answer

    def judged(self, judge: Judge, reply: Reply) -> tuple[Draft, Report]:
        """The reply's draft and its report, kept as the last one."""
        candidate, self.report = judge(reply.parsed)
        return candidate, self.report

    def outcome(
        self,
        made: Draft,
        route: Route,
        reasons: tuple[str, ...],
        notices: tuple[str, ...],
        settings: LLMSettings,
    ) -> Outcome:
        return Outcome(
            draft=made,
            route=route,
            reasons=reasons,
            notices=notices,
            usage=self.usage,
            cost=_cost(settings.model, self.usage, self.batched),
            model=settings.model,
            report=self.report,
            messages=tuple(self.messages),
            replies=tuple(settings.scrub(r) for r in self.replies),
        )


def draft(
    kind: Kind,
    case: Case,
    settings: LLMSettings,
    fallback: Callable[[], Draft],
    options: RenderOptions | None = None,
    *,
    client: openai.OpenAI | None = None,
    provider: Provider | None = None,
    prompt_case: Case | None = None,
    redaction: Redactor | None = None,
    first: Reply | Failure | None = None,
    conversation: Sequence[Message] | None = None,
) -> Outcome:
    """Draft ``kind`` for ``case`` with the model; when the model path fails, return
    ``fallback()`` (the template draft, made only then) with the reason.

    ``provider`` defaults to OpenAI through ``client`` (a test's mock transport, the Batch
    API's collect step; else one built from ``settings`` on the first request). To keep
    personal data local, pass ``prompt_case`` (the redacted case the model sees) and its
    ``redaction``. ``first`` is the first reply when it was asked for elsewhere (a Batch API
    output line, read by :func:`drafter.llm.openai_api.read_reply`), or why there is none;
    ``case``, ``prompt_case`` and ``settings`` must be those its request was built from.
    ``conversation`` is sent instead of the first request built from the case: a logged
    conversation continued with the user's instruction (``drafter revise``).
    """
    if provider is None:
        from drafter.llm.openai_api import OpenAIProvider

        provider = OpenAIProvider(settings, client)
    judge = Judge(kind, case, options or RenderOptions(), redaction)
    tally = _Tally()
    notices: tuple[str, ...] = ()
    try:
        prepared = (
            prepare(kind, prompt_case or case, settings)
            if conversation is None
            else Prepared(list(conversation), ())
        )
    except tokens.PromptTooLong as exc:
        result: _Drafted | Failure = Failure(Why.PROMPT_TOO_LONG, str(exc))
    else:
        notices = prepared.notices
        tally.messages += prepared.messages
        result = _converse(kind, settings, provider, judge, tally, first)
    if isinstance(result, _Drafted):
        reasons = (result.reason,) if result.reason else ()
        return tally.outcome(result.draft, result.route, reasons, notices, settings)
    reason = settings.scrub(result.reason)
    if settings.strict:
        raise LLMError(reason, tally.report)
    reasons = (f"{reason}; using the template draft",)
    return tally.outcome(fallback(), "template", reasons, notices, settings)


@dataclass(frozen=True)
class _Drafted:
    """The model's draft, by which route, and why not ``model``."""

    route: Route
    draft: Draft
    reason: str | None = None


def _converse(
    kind: Kind,
    settings: LLMSettings,
    provider: Provider,
    judge: Judge,
    tally: _Tally,
    first: Reply | Failure | None,
) -> _Drafted | Failure:
    """The first reply, then repair rounds while the draft breaks rules."""
    if first is not None:
        answer = tally.take(first, batched=True)
    else:
        answer = tally.take(provider.send(kind, tally.messages))
    if isinstance(answer, Failure):
        return answer
    candidate, report = tally.judged(judge, answer)
    initial, rounds = report, 0
    while not report.ok and rounds < settings.repair_rounds:
        rounds += 1
        tally.messages += [
            {"role": "assistant", "content": answer.raw},
            {"role": "user", "content": repair_prompt(judge.for_model(report.violations))},
        ]
        answer = tally.take(provider.send(kind, tally.messages))
        if isinstance(answer, Failure):
            return answer
        candidate, report = tally.judged(judge, answer)
    if report.ok and rounds == 0:
        return _Drafted("model", candidate)
    if report.ok:
        fixed = "it" if len({v.rule for v in initial.violations}) == 1 else "them"
        why = f"the model's draft broke {_broke(initial)}; repair round {rounds} fixed {fixed}"
        return _Drafted("repaired", candidate, why)
    if rounds:
        plural = "s" if rounds != 1 else ""
        broke = f"still broke {_broke(report)} after {rounds} repair round{plural}"
    else:
        broke = f"broke {_broke(report)}, and repair_rounds is 0"
    return Failure(Why.BROKE_RULES, f"the model's draft {broke}")


def _broke(report: Report) -> str:
    """``2 rules (agenda-listen, agenda-work-together)``; each rule's reason is in the report."""
    rules = list(dict.fromkeys(v.rule for v in report.violations))
    return f"{len(rules)} rule{'s' if len(rules) != 1 else ''} ({', '.join(rules)})"


def _cost(model: str, usage: Usage, batched: Usage) -> float | None:
    """Estimated USD for ``usage``, of which ``batched`` went through the Batch API."""
    direct = tokens.estimate_cost(
        model,
        usage.prompt_tokens - batched.prompt_tokens,
        usage.completion_tokens - batched.completion_tokens,
    )
    half = tokens.estimate_cost(model, batched.prompt_tokens, batched.completion_tokens, batch=True)
    return None if direct is None or half is None else direct + half
