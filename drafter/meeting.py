"""The clear-the-air meeting: its length, and the agenda's time boxes (METHOD.md, the agenda).

The length is ``meeting.minutes``, else what the ask says ("ten minutes at your shop", "a
30-minute call", "half an hour"), else 45 minutes. The agenda keeps the method's order
(thanks; our account of what went wrong; their view; what we have changed; remaining gaps; an
approved gesture; can we work together again; agreed next steps) and merges neighbouring
items in a short meeting; the listening item and the work-together question always head an
item of their own (in any meeting of two minutes or more). Whole minutes are shared out by
weight, every item gets at least one, and the boxes add up to the length exactly.
Deterministic: the same case gives the same agenda.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from drafter.case import Case, Failure

Part = Literal["thanks", "account", "listen", "changed", "gaps", "offer", "together", "next"]
"""One of the method's agenda items; a short meeting merges several into one time box."""

DEFAULT_MINUTES = 45
"""The length when neither the case's meeting nor its ask gives one."""

WEIGHTS: dict[Part, int] = {
    "thanks": 1,
    "account": 2,
    "listen": 4,
    "changed": 2,
    "gaps": 1,
    "offer": 1,
    "together": 3,
    "next": 1,
}
"""How much of the meeting each item deserves: listening most, then the work-together question."""

FULL_FROM = 40
"""From this length every item has its own time box."""
MERGED_FROM = 25
"""From this length the thanks join our account, and the gaps join what we have changed; below
it, the agreed next steps also join the work-together question."""

_STAGES: tuple[tuple[tuple[Part, ...], ...], ...] = (
    (
        ("thanks",),
        ("account",),
        ("listen",),
        ("changed",),
        ("gaps",),
        ("offer",),
        ("together",),
        ("next",),
    ),
    (("thanks", "account"), ("listen",), ("changed", "gaps"), ("offer",), ("together",), ("next",)),
    (("thanks", "account"), ("listen",), ("changed", "gaps"), ("offer",), ("together", "next")),
    (("thanks", "account", "listen"), ("changed", "gaps"), ("offer", "together", "next")),
    (("thanks", "account", "listen"), ("changed", "gaps", "offer", "together", "next")),
    (("thanks", "account", "listen", "changed", "gaps", "offer", "together", "next"),),
)
"""From the full agenda to the tightest merge, in the method's order."""

_TITLE_PART: tuple[Part, ...] = (
    "listen",
    "together",
    "account",
    "changed",
    "gaps",
    "offer",
    "thanks",
    "next",
)
"""Which part names a merged item, first match wins: a merged item keeps the listening or the
work-together question as its heading."""


@dataclass(frozen=True)
class Item:
    """One time box on the agenda: the method's items it covers, in order, and its minutes."""

    parts: tuple[Part, ...]
    minutes: int

    @property
    def lead(self) -> Part:
        """The part whose heading the item carries."""
        return next(p for p in _TITLE_PART if p in self.parts)


@dataclass(frozen=True)
class Agenda:
    """The time-boxed agenda of one meeting, and the failures no change answers yet."""

    minutes: int
    items: tuple[Item, ...]
    gaps: tuple[Failure, ...]


# --- the length ---------------------------------------------------------------------------

_UNIT_TEXT = """one two three four five six seven eight nine ten eleven twelve thirteen fourteen
    fifteen sixteen seventeen eighteen nineteen"""
_TENS_TEXT = "twenty thirty forty fifty sixty seventy eighty ninety"
_UNITS = _UNIT_TEXT.split()
_TENS = _TENS_TEXT.split()
WORD_NUMBERS: dict[str, int] = {w: i + 1 for i, w in enumerate(_UNITS)} | {
    w: 10 * (i + 2) for i, w in enumerate(_TENS)
}
_WORD = "|".join(sorted(WORD_NUMBERS, key=len, reverse=True))
_NUMBER = rf"\d+(?:\.\d+)?|(?:{_WORD})(?:[- ](?:{'|'.join(_UNITS[:9])}))?\b|an?\b"
_LENGTH = re.compile(
    rf"(?<![\w.])(?P<num>{_NUMBER})(?P<half>\s+and\s+a\s+half)?[\s-]*"
    r"(?P<unit>minutes?|mins?|hours?|hrs?)\b(?P<plus>\s+and\s+a\s+half)?",
    re.IGNORECASE,
)
_FRACTION = re.compile(
    r"(?<!\w)(?:(?P<half>half)(?:\s+an|\s*-)?|(?:a\s+)?(?P<quarter>quarter)(?:\s+of\s+an|\s*-)?)"
    r"\s*hour\b",
    re.IGNORECASE,
)
_NOT_A_LENGTH = re.compile(
    r"(?:\b(?:within|in|after|every|per|past|last|than|next|under|over)\s+(?:the\s+)?)$",
    re.IGNORECASE,
)
"""Words before a number that make it a deadline or a rate ('within 24 hours'), not a length."""


def _value(number: str) -> float:
    number = number.lower()
    if number in ("a", "an"):
        return 1
    if number[0].isdigit():
        return float(number)
    words = re.split(r"[- ]", number)
    return sum(WORD_NUMBERS[w] for w in words)


def parse_length(text: str | None) -> int | None:
    """The meeting length a phrase states, in minutes ("ten minutes", "a 30-minute call",
    "half an hour", "an hour and a half", "15 min"), or None. In a range the upper bound
    counts; a deadline ("within 24 hours") is not a length."""
    if not text:
        return None
    found: list[tuple[int, float]] = []
    fractions = list(_FRACTION.finditer(text))
    for m in fractions:
        if not _NOT_A_LENGTH.search(text[: m.start()]):
            found.append((m.start(), 30 if m["half"] else 15))
    for m in _LENGTH.finditer(text):
        inside = any(f.start() <= m.start() < f.end() for f in fractions)  # "half [an hour]"
        if inside or _NOT_A_LENGTH.search(text[: m.start()]):
            continue
        hours = m["unit"].lower().startswith("h")
        if m["num"].lower() in ("a", "an") and not hours:
            continue
        amount = _value(m["num"]) + (0.5 if m["half"] or m["plus"] else 0)
        found.append((m.start(), amount * 60 if hours else amount))
    for _, minutes in sorted(found):
        if 1 <= minutes <= 8 * 60 and float(minutes).is_integer():
            return int(minutes)
    return None


def meeting_minutes(case: Case) -> int:
    """The meeting's length: ``meeting.minutes``, else what the ask says, else 45."""
    if case.meeting and case.meeting.minutes:
        return case.meeting.minutes
    return parse_length(case.ask) or DEFAULT_MINUTES


# --- the time boxes -------------------------------------------------------------------------


def _share(units: int, weights: list[int], least: int = 1) -> list[int]:
    """``units`` shared by ``weights``, at least ``least`` each: largest remainder, then the
    heavier item, then the earlier one."""
    count, whole = len(weights), sum(weights)
    shares = [max(least, units * w // whole) for w in weights]
    while sum(shares) > units:  # the minimum pushed us over: take from the most over-served
        i = max(
            (i for i in range(count) if shares[i] > least),
            key=lambda i: (shares[i] * whole - units * weights[i], -weights[i], i),
        )
        shares[i] -= 1
    while sum(shares) < units:
        i = max(
            range(count), key=lambda i: (units * weights[i] - shares[i] * whole, weights[i], -i)
        )
        shares[i] += 1
    return shares


def allocate(total: int, weights: list[int]) -> list[int]:
    """Share ``total`` whole minutes by ``weights``, summing exactly. Boxes are multiples of
    five minutes when that still gives the heaviest item (the listening) as long as any other
    and longer than the lightest; else whole minutes, at least two each when the meeting has
    room for it (three per item), else at least one."""
    count = len(weights)
    if count > total:
        raise ValueError(f"cannot give {count} items a minute each in {total} minutes")
    if total % 5 == 0 and total // 5 >= count:
        boxes = [5 * s for s in _share(total // 5, weights)]
        top = boxes[weights.index(max(weights))]
        if top == max(boxes) and top > min(boxes):
            return boxes
    return _share(total, weights, 2 if total >= 3 * count else 1)


_IGNORED_TEXT = """a about after again all also always an and any are as at back be been
    before being but
    by came come could did do does each ever every far for from get got had has have he her
    his i if in into is it its just made make me more most much my never no nobody not now
    of on once one only or our out over own same she side so some still than that the their
    them then there these they this those time to too two up us very was we were what when
    where which while who why will with within without would you your team customer account
    month week day year new"""
_STEMS_IGNORED = frozenset(_IGNORED_TEXT.split())
"""Words too common to tie a failure to a change."""
_SAME_IDEA = {
    "answer": "respond",
    "unanswered": "respond",
    "reply": "respond",
    "respond": "respond",
    "response": "respond",
    "returned": "respond",
    "sold": "order",
    "sell": "order",
    "order": "order",
    "bought": "order",
    "buy": "order",
    "purchase": "order",
    "use": "use",
    "usage": "use",
    "used": "use",
}
"""A few words that name the same thing in a failure and in the change that answers it."""


def _stem(word: str) -> str:
    if word in _SAME_IDEA:
        return _SAME_IDEA[word]
    for suffix in ("ing", "ed", "es", "s"):
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    return _SAME_IDEA.get(word, word[:5])


def _stems(text: str) -> set[str]:
    words = re.findall(r"[^\W\d_]+", text.lower())
    return {_stem(w) for w in words if len(w) > 2 and w not in _STEMS_IGNORED}


def unanswered(case: Case) -> tuple[Failure, ...]:
    """The failures that no change in the case speaks to (no significant word in common)."""
    changes = set().union(*(_stems(c.change) for c in case.what_changed))
    return tuple(
        f for f in case.what_went_wrong if not _stems(f"{f.issue} {f.impact or ''}") & changes
    )


def plan(case: Case) -> Agenda:
    """The agenda for ``case``: the finest merge the length suits, and its time boxes."""
    total = meeting_minutes(case)
    if total >= FULL_FROM:
        stages = _STAGES
    elif total >= MERGED_FROM:
        stages = _STAGES[1:]
    else:
        stages = _STAGES[2:]
    for stage in stages:
        groups = [
            g
            for g in (tuple(p for p in group if p != "offer" or case.give_first) for group in stage)
            if g
        ]
        if len(groups) <= total:
            break
    minutes = allocate(total, [sum(WEIGHTS[p] for p in g) for g in groups])
    items = tuple(Item(g, m) for g, m in zip(groups, minutes, strict=True))
    return Agenda(total, items, unanswered(case))
