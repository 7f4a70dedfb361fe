"""The case's facts (amounts, percentages, dates, approved gestures, changes, needs), and
finding those figures in text: what tells a real fact from an invented one."""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from typing import Any

from drafter.case import Case
from drafter.checks.text import normalize, stems_of

MONEY_TOLERANCE = 0.02
"""'About $48,000' for the case's 48,500 is rounding, not an invented figure."""


_MULT = r"(?:k|m|bn|thousand|million|billion)"


_MULTIPLIERS = {"k": 1e3, "thousand": 1e3, "m": 1e6, "million": 1e6, "bn": 1e9, "billion": 1e9}


_AMOUNT = r"\d[\d,]*+(?:\.\d+)?"


_AMOUNT_START = r"(?:(?<![\w,])|(?<![\d,],)(?<=,))"
"""Where an amount may start: at a run of digits and commas, not inside one (linear time)."""


_MONEY = re.compile(
    rf"[$€£¥₹]\s?(?P<a>{_AMOUNT})(?:\s?(?P<am>{_MULT})\b)?"
    rf"|{_AMOUNT_START}(?P<b>{_AMOUNT})\s?(?:(?P<bm>{_MULT})\s?)?"
    r"(?:USD|EUR|GBP|JPY|INR|CAD|AUD|CHF|SEK|NOK|DKK|dollars?|euros?|pounds?)\b"
    rf"|{_AMOUNT_START}(?P<c>{_AMOUNT})\s(?P<cm>thousand|million|billion)\b",
    re.IGNORECASE,
)


_NUMBER = re.compile(rf"(?<![\w.])(?P<n>{_AMOUNT})(?:\s?(?P<nm>{_MULT})\b)?", re.IGNORECASE)


PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?(?:%|percent\b|per cent\b)", re.IGNORECASE)


_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|(?-i:May)|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)


_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")


_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)}


DATE = re.compile(
    r"\b(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})\b"
    rf"|\b(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_MONTH})\b\.?(?:,?\s+(?P<y1>\d{{4}})\b)?"
    rf"|\b(?P<m2>{_MONTH})\b\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y2>\d{{4}})\b)?"
    rf"|\b(?P<m3>{_MONTH})\b\.?,?\s+(?P<y3>\d{{4}})\b"
    r"|\b(?P<sa>\d{1,2})/(?P<sb>\d{1,2})/(?P<sy>\d{4}|\d{2})\b"
    rf"|\b(?:by|before|until|till|in|from|ahead of|(?:the )?(?:end|start|middle) of|early|late|mid)"
    rf"[- ](?P<m4>{_MONTH})\b(?!\.?,?\s*\d)",
    re.IGNORECASE,
)
"""A date as written: ISO, '15 December 2026', 'Dec 15', 'March 2027', '3/15/27', or a month
as a deadline or time ('by March', 'the end of February')."""


_BARE_MONTH = re.compile(rf"\b{_MONTH}\b", re.IGNORECASE)


_BARE_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")


YEAR = re.compile(r"(?<![\w$€£.,-])(?:19|20)\d{2}(?![\w,-]|\.\d)")


DateRef = tuple[int | None, int, int | None]
"""(year or None, month, day or None): a date as precise as the text states it."""


def _amount(number: str, multiplier: str | None) -> float:
    return float(number.replace(",", "")) * _MULTIPLIERS.get((multiplier or "").lower(), 1.0)


def money_in(text: str) -> Iterator[tuple[re.Match[str], float]]:
    """Money figures in ``text`` with their values."""
    for m in _MONEY.finditer(text):
        number, mult = next((m[g], m[g + "m"]) for g in "abc" if m[g])
        yield m, _amount(number, mult)


def numbers_in(text: str) -> set[float]:
    """Every number in ``text``, with 'k'/'million' multipliers applied."""
    return {_amount(m["n"], m["nm"]) for m in _NUMBER.finditer(text)}


def date_refs(m: re.Match[str]) -> list[DateRef]:
    """The readings of one date match (a slashed date has two)."""
    if m["iy"]:
        return [(int(m["iy"]), int(m["im"]), int(m["id"]))]
    if m["sa"]:
        year = int(m["sy"]) + (2000 if len(m["sy"]) == 2 else 0)
        a, b = int(m["sa"]), int(m["sb"])
        return [(year, a, b), (year, b, a)]
    month = _MONTHS[(m["m1"] or m["m2"] or m["m3"] or m["m4"])[:3].lower()]
    stated_year = m["y1"] or m["y2"] or m["y3"]
    day = m["d1"] or m["d2"]
    return [(int(stated_year) if stated_year else None, month, int(day) if day else None)]


def date_known(ref: DateRef, known: Iterable[DateRef]) -> bool:
    """Is a date in the draft one the case states (no more precise than the case)?"""
    year, month, day = ref
    return any(
        month == k_month and year in (None, k_year) and day in (None, k_day)
        for k_year, k_month, k_day in known
    )


@dataclass(frozen=True)
class Facts:
    """What the case states, for telling real facts from invented ones."""

    strings: tuple[str, ...]
    quote: str
    """The customer's words, whitespace collapsed: exempt only when quoted in full."""
    numbers: frozenset[float]
    percents: frozenset[float]
    dates: frozenset[DateRef]
    years: frozenset[int]
    gifts: frozenset[str]
    """Significant words of the approved gestures (``give_first``)."""
    changes: frozenset[str]
    """Significant words of the real changes: 'a new ticketing platform' may be named."""
    needs: frozenset[str]


def _case_strings(value: Any) -> Iterator[str]:
    """Every string in the case, however deeply nested."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _case_strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _case_strings(item)


def _case_dates(case: Case) -> list[date]:
    dates = [c.by for c in case.what_changed if c.by]
    dates += [case.value_at_stake.renewal] if case.value_at_stake.renewal else []
    dates += [case.escalation.decide_by] if case.escalation and case.escalation.decide_by else []
    after = case.after_meeting
    if after:
        dates += [d for d in (after.held, after.next_contact) if d]
        dates += [a.by for a in after.agreed if a.by]
    return dates


def case_facts(case: Case) -> Facts:
    """The case's facts. The customer's words are a quotation, not a source of facts: a
    figure or offer the customer demands ('give me 50% off') is not thereby approved."""
    stated = case.model_dump(exclude={"customer_words"})
    strings = tuple(" ".join(normalize(s).split()) for s in _case_strings(stated))
    numbers = {case.value_at_stake.annual_value}
    numbers |= {case.relationship_years} if case.relationship_years is not None else set()
    numbers |= {case.escalation.cost} if case.escalation and case.escalation.cost else set()
    numbers |= {case.meeting.minutes} if case.meeting and case.meeting.minutes else set()
    percents: set[float] = set()
    dates: set[DateRef] = {(d.year, d.month, d.day) for d in _case_dates(case)}
    years = {d.year for d in _case_dates(case)}
    for s in strings:
        numbers |= numbers_in(s)
        percents |= {float(m[1]) for m in PERCENT.finditer(s)}
        dates |= {ref for m in DATE.finditer(s) for ref in date_refs(m)}
        dates |= {(None, _MONTHS[m[0][:3].lower()], None) for m in _BARE_MONTH.finditer(s)}
        years |= {int(y) for y in _BARE_YEAR.findall(s)}
    years |= {y for y, _, _ in dates if y}
    needs = case.escalation.needs if case.escalation else []
    return Facts(
        strings=strings,
        quote=" ".join(normalize(case.customer_words or "").split()),
        numbers=frozenset(numbers),
        percents=frozenset(percents),
        dates=frozenset(dates),
        years=frozenset(years),
        gifts=frozenset(stems_of(" ".join(case.give_first))),
        changes=frozenset(stems_of(" ".join(c.change for c in case.what_changed))),
        needs=frozenset(stems_of(" ".join(needs))),
    )
