"""The case file model: one damaged customer relationship (case format version 2).

Version 1 files are valid version 2 files: version 2 only adds optional fields.
"""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    WithJsonSchema,
)

from drafter.eml import ADDRESS_PATTERN, check_address

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> Any:
    """Accept only ISO ``YYYY-MM-DD`` text (or a date object) as a date."""
    if isinstance(value, date):
        return value
    if isinstance(value, str) and _ISO_DATE.fullmatch(value.strip()):
        try:
            return date.fromisoformat(value.strip())
        except ValueError as exc:
            raise ValueError(f"{value.strip()!r} is not a real date ({exc})") from None
    raise ValueError("expected a date written as YYYY-MM-DD, e.g. 2026-12-15")


_DECIMAL = re.compile(r"[-+]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][-+]?[0-9]+)?")


def _decimal(value: Any) -> Any:
    """A number written in plain decimal (``15000``, ``2.5``); not yes/no, hex or ``10:30``."""
    if isinstance(value, str) and _DECIMAL.fullmatch(value.strip()):
        return float(value)
    if isinstance(value, bool | str):
        raise ValueError("expected a number written in decimal, e.g. 15000 or 2.5")
    return value


def _version(value: Any) -> Any:
    """The format version as a whole number: ``2``, not ``2.0`` or ``true``."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,3}", value.strip()):
        return int(value)
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError("expected the case format version as a whole number: 1 or 2")
    return value


def _yes_no(value: Any) -> Any:
    """YAML reads a bare ``yes``/``no`` as a boolean; map it back to the word."""
    if value is True:
        return "yes"
    if value is False:
        return "no"
    return value


Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]
"""Free text; may span lines. Never template code: printed as written."""

Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, pattern=r"^[^\r\n]*$")]
"""Text that must fit on one line (names, titles, subjects)."""

Email = Annotated[
    str,
    StringConstraints(strip_whitespace=True),
    AfterValidator(check_address),
    WithJsonSchema({"type": "string", "format": "email", "pattern": ADDRESS_PATTERN}),
]
"""A plain ASCII address, checked as mail headers will read it (see ``check_address``)."""
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Tone = Literal["warm", "formal", "direct"]
Status = Literal["done", "in_progress", "planned"]
Support = Annotated[Literal["yes", "no", "unknown"], BeforeValidator(_yes_no)]
Amount = Annotated[float, BeforeValidator(_decimal), Field(ge=0, allow_inf_nan=False)]
"""A sum of money or a count of years: a decimal number, at least 0."""
Situation = Literal["incident", "lost", "deal", "personal"]


class _Model(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, coerce_numbers_to_str=True, defer_build=True
    )
    """Built once, with the ``Case`` that holds them: each part's own validator is not needed."""


class Customer(_Model):
    """The person the email is written to."""

    name: Line
    title: Line | None = None
    email: Email | None = None
    salutation: Line | None = Field(
        default=None, description="How greetings address them, e.g. 'Dr. Whitfield', '田中様'."
    )
    new_in_role: bool = Field(default=False, description="They took the role after the failures.")
    refuses_to_meet: bool = Field(default=False, description="They have refused to meet us.")
    manager: Line | None = Field(
        default=None, description="Who is above them, e.g. 'Ellen Cho, COO'."
    )


class Sender(_Model):
    """The person who signs the drafts."""

    name: Line
    company: Line
    title: Line | None = None
    email: Email | None = None
    phone: Line | None = None


class Failure(_Model):
    """One thing that went wrong, in the customer's terms."""

    issue: Text
    impact: Text | None = None
    when: Text | None = Field(default=None, description="Free text or a date.")


class Change(_Model):
    """One real change the company has made or is making."""

    change: Text
    owner: Line | None = None
    status: Status = "done"
    by: IsoDate | None = None


class ValueAtStake(_Model):
    """What the account is worth to the seller."""

    model_config = ConfigDict(coerce_numbers_to_str=False)

    annual_value: Amount
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = Field(
        default="USD", description="ISO 4217 code, e.g. USD, EUR."
    )
    renewal: IsoDate | None = None
    notes: Text | None = None


class Handover(_Model):
    """The colleague who takes the account over."""

    name: Line
    title: Line | None = None
    email: Email | None = None


class Meeting(_Model):
    """The clear-the-air meeting."""

    minutes: Annotated[int, BeforeValidator(_decimal), Field(gt=0, le=24 * 60)] | None = None
    when: Text | None = Field(default=None, description="Free text or a date.")
    where: Text | None = None


class AgreedStep(_Model):
    """One next step both sides agreed in the meeting."""

    step: Text
    owner: Line | None = None
    by: IsoDate | None = None


class AfterMeeting(_Model):
    """What the meeting produced: the material of the follow-up email."""

    held: IsoDate | None = None
    heard: list[Text] = Field(default_factory=list)
    agreed: list[AgreedStep] = Field(default_factory=list)
    next_contact: IsoDate | None = None


class Escalation(_Model):
    """What the escalation note asks of senior management."""

    to: Line | None = Field(default=None, description="Who decides, e.g. 'Mark Olsen, VP Sales'.")
    to_email: Email | None = None
    cost: Amount | None = Field(
        default=None, description="Estimated cost of the recovery, in the case's currency."
    )
    needs: list[Text] = Field(default_factory=list)
    decide_by: IsoDate | None = None
    management_support: Support = "unknown"


class Case(_Model):
    """One damaged customer relationship: what went wrong, what changed, what is at stake."""

    version: Annotated[Literal[1, 2], BeforeValidator(_version)] = 2
    situation: Situation = "incident"
    account: Line
    customer: Customer
    sender: Sender
    inherited: bool = False
    what_went_wrong: Annotated[list[Failure], Field(min_length=1)]
    customer_words: Text | None = None
    what_changed: list[Change]
    value_at_stake: ValueAtStake
    relationship_years: Amount | None = None
    give_first: list[Text] = Field(default_factory=list)
    ask: Text | None = None
    handover_to: Handover | None = None
    meeting: Meeting | None = None
    after_meeting: AfterMeeting | None = None
    escalation: Escalation | None = None
    competitor: Text | None = None
    tone: Tone = "warm"


FIELD_NAMES: dict[str, frozenset[str]] = {
    model.__name__: frozenset(model.model_fields)
    for model in (
        Case,
        Customer,
        Sender,
        Failure,
        Change,
        ValueAtStake,
        Escalation,
        Handover,
        Meeting,
        AgreedStep,
        AfterMeeting,
    )
}
"""Known keys per model, for 'did you mean' suggestions."""
