"""What a model writes, as structured output: one small pydantic model per artifact.

Each model is requested with ``client.chat.completions.parse(response_format=Model)`` and
turned into a :class:`~drafter.drafts.Draft` by :meth:`to_draft`, which renders it through
the same layer as template drafts (``templates/model/<kind>.j2`` via
:func:`drafter.render.render_template`), so every output format works. Facts the model
must not invent come from the case instead: the signature block (the case's sender, or the
user's configured signature), the addressees and the agenda's attendees.

The models are deliberately small and flat: a 0.5B model under grammar-constrained JSON
must be able to fill them, and OpenAI's strict structured outputs must accept them (every
field required, no ``maxLength``; ``minItems``/``maxItems`` and integer bounds only).
"""

from __future__ import annotations

import re
from typing import Annotated, Any, ClassVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field

from drafter.advice import LABELS, Action
from drafter.artifacts import ARTIFACTS, artifact
from drafter.case import Case
from drafter.drafts import Draft, Kind, Party
from drafter.render import RenderOptions, recipients, render_template


def _clean(value: Any) -> Any:
    """Collapse the whitespace a model leaves in a field, so layout stays predictable."""
    if isinstance(value, str):
        return " ".join(value.split())
    return value


Prose = Annotated[str, BeforeValidator(_clean)]
"""One field of model-written text, whitespace-normalised; may be empty."""


class _Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class ModelDraft(_Schema):
    """Common behaviour of the structured drafts: render to a :class:`Draft`."""

    kind: ClassVar[Kind]

    def to_draft(self, case: Case, options: RenderOptions | None = None) -> Draft:
        """Render this parsed reply with ``templates/model/<kind>.j2``, like a template draft."""
        options = options or RenderOptions()
        variables = {
            "draft": self,
            "case": case,
            "signature": options.signature,
            "labels": LABELS,
            **self._layout(case),
        }
        subject, body = render_template(artifact(self.kind).model_template, variables, options)
        return Draft(
            kind=self.kind,
            subject=subject,
            body=body,
            sender=Party(case.sender.name, case.sender.email),
            to=recipients(self.kind, case),
            markdown=options.markdown,
        )

    def _layout(self, case: Case) -> dict[str, Any]:
        """Extra layout variables derived from the reply and the case."""
        return {}


_SALUTATION = re.compile(r"^(dear|hi|hello|good (morning|afternoon|evening))\b", re.IGNORECASE)
_TRAILING = ",;:.!- "


def greeting_line(text: str, case: Case) -> str:
    """The model's greeting as a salutation line: ``Dana Whitfield`` → ``Dear Dana Whitfield,``."""
    text = text.strip().rstrip(_TRAILING) or case.customer.name.split()[0]
    if not _SALUTATION.match(text):
        text = f"Dear {text}"
    return text + ","


def closing_line(text: str, case: Case) -> str:
    """The model's sign-off without any name in it (the signature block adds the sender's):
    ``Kind regards, Priya Shah`` → ``Kind regards,``."""
    for name in (case.sender.name, *case.sender.name.split()):
        text = re.sub(rf"\b{re.escape(name)}\b", "", text)
    text = " ".join(text.split()).strip(_TRAILING)
    return (text or "Kind regards") + ","


class NamedFailure(_Schema):
    """One failure, said plainly, and what it cost the customer."""

    failure: Prose = Field(description="What we did wrong, plainly, in the customer's terms.")
    impact: Prose = Field(description="What it cost the customer.")


class EmailDraft(ModelDraft):
    """The Take-the-Stick email to the customer."""

    kind: ClassVar[Kind] = "email"

    subject: Prose = Field(description="Short, plain subject line; no sales words.")
    greeting: Prose = Field(description="E.g. 'Dear Alex,'.")
    failures: list[NamedFailure] = Field(min_length=1, max_length=6)
    ownership: Prose = Field(description="We own it: no excuses, no blame, one acknowledgement.")
    changes: list[Prose] = Field(max_length=6, description="What has changed; only from the case.")
    gesture: Prose = Field(description="The approved goodwill gesture, or '' if none.")
    pledge: Prose = Field(description="No selling until this is fixed to their satisfaction.")
    ask: Prose = Field(description="The one low-pressure next step.")
    sign_off: Prose = Field(description="E.g. 'Kind regards,'.")

    def _layout(self, case: Case) -> dict[str, Any]:
        return {
            "greeting": greeting_line(self.greeting, case),
            "closing": closing_line(self.sign_off, case),
        }


class AgendaItem(_Schema):
    """One time-boxed item of the clear-the-air meeting; its topic is fixed by the method."""

    minutes: int = Field(ge=1, le=30)
    detail: Prose = Field(description="What happens in this item, and who leads it.")


AGENDA_TOPICS: dict[str, str] = {
    "thanks": "Thank you for making the time",
    "what_went_wrong": "Our account of what went wrong",
    "your_view": "Your view: what did we miss?",
    "what_changed": "What we have changed",
    "remaining_gaps": "Remaining gaps, with owners and dates",
    "work_together": "Is it possible to work together again, and what would that take?",
    "next_steps": "Agreed next steps",
}
"""The method's agenda items, in order (METHOD.md, the agenda); the layout prints these
topics, the model writes each item's time box and detail."""


class AgendaDraft(ModelDraft):
    """The clear-the-air meeting agenda, shared with the customer. Its items are the
    method's, in the method's order, so even a small model cannot drop one."""

    kind: ClassVar[Kind] = "agenda"

    title: Prose
    purpose: Prose = Field(description="Make it right, not sell.")
    thanks: AgendaItem
    what_went_wrong: AgendaItem
    your_view: AgendaItem
    what_changed: AgendaItem
    remaining_gaps: AgendaItem
    work_together: AgendaItem
    next_steps: AgendaItem

    def _layout(self, case: Case) -> dict[str, Any]:
        items = [(topic, getattr(self, key)) for key, topic in AGENDA_TOPICS.items()]
        return {"items": items, "total_minutes": sum(item.minutes for _, item in items)}


class EscalationDraft(ModelDraft):
    """The internal escalation note to senior management."""

    kind: ClassVar[Kind] = "escalation"

    title: Prose
    situation: Prose = Field(description="The situation in two sentences.")
    failures: list[Prose] = Field(min_length=1, max_length=6, description="Failures as facts.")
    value: Prose = Field(description="Annual value, renewal, potential, competitor: from the case.")
    needs: list[Prose] = Field(max_length=6, description="People, money, time the recovery needs.")
    decision: Prose = Field(description="The decision asked for, and by when.")
    recommendation: Action = Field(description="recover, escalate, hand_over or walk_away.")
    reason: Prose = Field(description="Why this recommendation.")


class AgreedStepLine(_Schema):
    """One step agreed in the meeting, as the follow-up states it."""

    step: Prose = Field(description="The agreed step, from the case.")
    owner: Prose = Field(description="Who owns it, from the case, or '' if none is given.")
    by: Prose = Field(description="Its date, e.g. '15 December 2026', or '' if none is given.")


class FollowupDraft(ModelDraft):
    """The follow-up email to the customer after the meeting."""

    kind: ClassVar[Kind] = "followup"

    subject: Prose = Field(description="Short, plain subject line; no sales words.")
    greeting: Prose = Field(description="E.g. 'Dear Alex,'.")
    thanks: Prose = Field(description="Thanks for the meeting, in one or two sentences.")
    heard: list[Prose] = Field(max_length=6, description="What we heard, in their words.")
    agreed: list[AgreedStepLine] = Field(max_length=8)
    gesture: Prose = Field(description="The approved gesture, confirmed as under way, or ''.")
    pledge: Prose = Field(description="No selling until the steps are done; '' in a deal.")
    next_contact: Prose = Field(description="When they will hear from us next.")
    ask: Prose = Field(description="One question: did we hear them right, or miss a step?")
    sign_off: Prose = Field(description="E.g. 'Kind regards,'.")

    def _layout(self, case: Case) -> dict[str, Any]:
        return {
            "greeting": greeting_line(self.greeting, case),
            "closing": closing_line(self.sign_off, case),
        }


SCHEMAS: dict[Kind, type[ModelDraft]] = {kind: a.model() for kind, a in ARTIFACTS.items()}
"""The structured-output model for each artifact, as the registry names it."""
