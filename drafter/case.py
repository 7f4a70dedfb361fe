"""The case file model: one damaged customer relationship (CASE_FORMAT.md, version 1)."""

from __future__ import annotations

import re
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, StringConstraints

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
    StringConstraints(
        strip_whitespace=True, pattern=r"^[^@\s<>,;\"]+@[^@\s<>,;\"]+\.[^@\s<>,;\"]+$"
    ),
]
IsoDate = Annotated[date, BeforeValidator(_iso_date)]
Tone = Literal["warm", "formal", "direct"]
Status = Literal["done", "in_progress", "planned"]
Support = Annotated[Literal["yes", "no", "unknown"], BeforeValidator(_yes_no)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class Customer(_Model):
    """The person the email is written to."""

    name: Line
    title: Line | None = None
    email: Email | None = None


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

    annual_value: Annotated[float, Field(ge=0, allow_inf_nan=False)]
    currency: Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")] = Field(
        default="USD", description="ISO 4217 code, e.g. USD, EUR."
    )
    renewal: IsoDate | None = None
    notes: Text | None = None


class Escalation(_Model):
    """What the escalation note asks of senior management."""

    to: Line | None = Field(default=None, description="Who decides, e.g. 'Mark Olsen, VP Sales'.")
    needs: list[Text] = Field(default_factory=list)
    decide_by: IsoDate | None = None
    management_support: Support = "unknown"


class Case(_Model):
    """One damaged customer relationship: what went wrong, what changed, what is at stake."""

    version: Literal[1] = 1
    account: Line
    customer: Customer
    sender: Sender
    inherited: bool = False
    what_went_wrong: Annotated[list[Failure], Field(min_length=1)]
    customer_words: Text | None = None
    what_changed: list[Change]
    value_at_stake: ValueAtStake
    relationship_years: Annotated[float, Field(ge=0, allow_inf_nan=False)] | None = None
    give_first: list[Text] = Field(default_factory=list)
    ask: Text | None = None
    escalation: Escalation | None = None
    competitor: Text | None = None
    tone: Tone = "warm"


FIELD_NAMES: dict[str, frozenset[str]] = {
    model.__name__: frozenset(model.model_fields)
    for model in (Case, Customer, Sender, Failure, Change, ValueAtStake, Escalation)
}
"""Known keys per model, for 'did you mean' suggestions."""
