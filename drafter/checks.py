"""The recovery method (METHOD.md) as code: rules a draft must pass.

Every rule has a stable kebab-case id and a one-sentence reason (``RULES``). The checks
work on free text as well as on rendered drafts: a first line may be ``Subject: …`` or not,
``To:``/``From:`` lines are skipped, and wrapped paragraphs are joined before phrases are
matched. Text copied verbatim from the case is never flagged as an excuse, a sales pitch,
an invented fact or a placeholder: the case is the source of truth.
"""

from __future__ import annotations

import math
import re
from bisect import bisect_right
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import lru_cache
from itertools import accumulate
from typing import Any

from drafter.case import Case
from drafter.drafts import Draft, Kind

RULES: dict[str, str] = {
    "greeting": "The email greets the customer by name near the top (METHOD, the artifacts: "
    "greeting by name).",
    "failures-named": "Every failure in the case is stated plainly, in the customer's terms "
    "(METHOD principle 2, take the stick).",
    "changes-named": "Every real change in the case is named, and nothing vague such as 'we are "
    "looking into it' stands in for one (METHOD principle 5, what changed).",
    "no-selling": "No pitching, upgrades, renewals, pricing or discounts while the relationship "
    "is broken (METHOD principle 1, repair first, sell never).",
    "no-excuses": "No excuses and no blame on the customer, a predecessor, a supplier or "
    "'circumstances' (METHOD principle 3, own it, no excuses).",
    "no-invented-facts": "Every amount, percentage, date and offer comes from the case; nothing "
    "is improvised (METHOD principles 5 and 6).",
    "one-ask": "The email closes with exactly one concrete, low-pressure next step (METHOD "
    "principle 7, ask, don't push).",
    "signature": "The sender signs with their name at the end (METHOD, the artifacts: the "
    "sender's signature).",
    "length": "The draft is short enough to read on a phone and is not a wall of text (METHOD, "
    "the artifacts: about 120-300 words for the email).",
    "no-placeholders": "No placeholders or template syntax are left in the text (METHOD, tells "
    "of a bad draft).",
    "agenda-purpose": "The agenda states its purpose: to make it right, not to sell (METHOD, "
    "the agenda; principle 1).",
    "agenda-timeboxes": "Every agenda item has a time box (METHOD, the agenda: time-boxed items).",
    "agenda-listen": "The agenda gives the customer's view its own item: listen, what did we "
    "miss? (METHOD, the agenda).",
    "agenda-work-together": "The agenda asks 'is it possible to work together again, and what "
    "would that take?' (METHOD, the agenda).",
    "escalation-value": "The note states the account's annual value (METHOD, the escalation "
    "note: the value at stake).",
    "escalation-needs": "The note names everything the recovery needs from the company "
    "(METHOD, the escalation note; principle 8).",
    "escalation-decision-date": "The note asks for a decision, by the case's date when it has "
    "one (METHOD, the escalation note).",
    "escalation-recommendation": "The note recommends recover, escalate, hand over or walk "
    "away, and says why (METHOD principle 8, know when to stop).",
}
"""Every rule: id → why it matters, citing the method."""

KIND_RULES: dict[Kind, tuple[str, ...]] = {
    "email": (
        "greeting",
        "failures-named",
        "changes-named",
        "no-selling",
        "no-excuses",
        "no-invented-facts",
        "one-ask",
        "no-placeholders",
        "signature",
        "length",
    ),
    "agenda": (
        "agenda-purpose",
        "failures-named",
        "changes-named",
        "agenda-timeboxes",
        "agenda-listen",
        "agenda-work-together",
        "no-selling",
        "no-excuses",
        "no-invented-facts",
        "no-placeholders",
        "length",
    ),
    "escalation": (
        "failures-named",
        "escalation-value",
        "escalation-needs",
        "escalation-decision-date",
        "escalation-recommendation",
        "no-excuses",
        "no-invented-facts",
        "no-placeholders",
        "signature",
        "length",
    ),
}
"""The rules run for each kind of draft, in report order."""

EMAIL_WORDS = (100, 350)
"""Email body bounds in words: the method's 'about 120-300', with some slack."""
MAX_WORDS: dict[Kind, int] = {"email": EMAIL_WORDS[1], "agenda": 450, "escalation": 450}
MAX_PARAGRAPH_WORDS = 150
"""A longer paragraph is a wall of text, whatever the total."""

MATCH_SHARE = 0.5
"""Share of an item's significant words that must appear close together in the draft..."""
MATCH_CAP = 4
"""...but this many distinct significant words always suffice for a long item."""
WINDOW_MIN, WINDOW_PER_KEY, WINDOW_MAX = 12, 3, 40
"""How far apart (in significant words) an item's words may be and still count."""
MONEY_TOLERANCE = 0.02
"""'About $48,000' for the case's 48,500 is rounding, not an invented figure."""
GREETING_LINES = 3
SIGNATURE_LINES = 5
NEGATION_WORDS = 6
"""A negation this many words before a term, in the same clause, negates it."""
WINDOW_CHARS = 500
"""How far after 'Purpose' or 'Recommend' to look for what should follow."""
CLIP = 160
QUOTE_CHARS = 10
"""A quoted piece this long, found in the customer's words, is their question, not an ask."""

# --- text normalisation and significant words ---------------------------------------
# Phrase patterns open with (?<!\w) rather than \b: the same here, and faster in ``re``.

_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})
_SPACES = re.compile(r"[ \t]+")
_EMPHASIS = re.compile(r"\*\*")
_QUOTE_PREFIX = re.compile(r"^(?:>\s?)+")
_STRUCTURAL = re.compile(
    r"^(?:#{1,6}\s|[-*•\u2013]\s|\d{1,2}[.)]\s|\[[ xX]\]\s|[A-Z][\w' ]{0,30}:\s)"
)
_HEADER = re.compile(r"^\s*(subject|to|from|cc|bcc)\s*:\s*(.*)$", re.IGNORECASE)
_GREETING = re.compile(
    r"^(?:dear|hi|hello|hey|good (?:morning|afternoon|evening)|greetings)\b", re.IGNORECASE
)
_SENTENCE_END = re.compile(r"[.!?](?=[\s\"')]|$)|\n")
_CLAUSE_BREAK = re.compile(
    r"[.!?;:\n]|\b(?:but|however|yet|so|although|though|except|unless|whereas)\b", re.IGNORECASE
)
_NEGATION = re.compile(
    r"(?<!\w)(?:no|not|never|nor|without|neither|none|nothing|cannot|rather than"
    r"|instead of)\b|n't\b",
    re.IGNORECASE,
)
_NEGATED_AFTER = re.compile(
    r" (?:(?:is|are|was|were|will|would|should|can|could|do|does) (?:not|never)\b|\w+n't\b"
    r"|cannot\b|(?:is|are) off the table)",
    re.IGNORECASE,
)
"""A term as the subject of a negated verb: 'more business isn't on the table'."""
_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_WORD = re.compile(r"(?<!\S)\S*[^\W_]\S*")
"""A token with a letter or digit; tried only where a token starts, so a long run of
symbols is scanned once, not once per character."""
_PARAGRAPH = re.compile(r"\n[ \t]*\n")
_SUFFIXES = ("ing", "ed", "es", "s")
_STOPWORD_TEXT = """a about above after against all also am an and any are as at be
    because been before being below between both but by can could did do does doing down
    during each even ever every few for from had has have having he her here hers him
    his how i if in into is it its just let like ll made many may me might more most
    much must my no nor not now of off on once one only or other ought our ours out over
    own per quite rather re really same she should since so some still such than that
    the their theirs them then there these they this those through thus to too under
    until up upon us ve very via was we were what when where whether which while who
    whom whose why will with within would yet you your yours don won isn wasn weren aren
    didn doesn haven hasn hadn couldn shouldn wouldn"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


def _normalize(text: str) -> str:
    """Straight quotes, plain spaces, Unix newlines."""
    return text.translate(_QUOTES).replace("\r\n", "\n").replace("\r", "\n")


def _unwrap(text: str) -> str:
    """Join wrapped lines of a paragraph; keep list items, headings and labels on their own."""
    out: list[list[str]] = []  # each output line as its wrapped pieces, joined once at the end
    joinable = False
    for raw in text.split("\n"):
        line = _SPACES.sub(" ", _QUOTE_PREFIX.sub("", _EMPHASIS.sub("", raw).strip())).strip()
        if not line:
            if out and out[-1]:
                out.append([])
            joinable = False
            continue
        if joinable and not _STRUCTURAL.match(line):
            out[-1].append(line)
        else:
            out.append([line])
        joinable = not (line.startswith("#") or line.endswith(":"))
    return "\n".join(" ".join(pieces) for pieces in out).strip()


@lru_cache(maxsize=8192)
def _stem(word: str) -> str:
    """Light stemming: drop one inflection, keep five letters, drop a final 'e'."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 3:
            word = word[: -len(suffix)]
            break
    word = word[:5]
    return word[:-1] if len(word) > 3 and word.endswith("e") else word


@lru_cache(maxsize=1024)
def _stems(text: str) -> tuple[str, ...]:
    """The significant words of ``text``, stemmed, in order."""
    words = (t.split("'")[0] for t in _TOKEN.findall(_THOUSANDS.sub("", text.lower())))
    return tuple(_stem(w) for w in words if len(w) > 1 and w not in _STOPWORDS)


def _covered(keys: frozenset[str], stems: Sequence[str]) -> bool:
    """Do enough of ``keys`` occur close together in ``stems``?"""
    if not keys:
        return True
    need = min(max(math.ceil(len(keys) * MATCH_SHARE), min(len(keys), 2)), MATCH_CAP)
    width = min(max(WINDOW_MIN, WINDOW_PER_KEY * len(keys)), WINDOW_MAX)
    return any(
        stem in keys and len(keys.intersection(stems[i : i + width])) >= need
        for i, stem in enumerate(stems)
    )


def _mentioned(phrasings: Iterable[str], stems: Sequence[str]) -> bool:
    """Is an item mentioned, in any of its phrasings, paraphrase allowed?"""
    return any(_covered(frozenset(_stems(p)), stems) for p in phrasings)


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= CLIP else text[: CLIP - 1].rstrip() + "…"


def _words(text: str) -> int:
    return len(_WORD.findall(text))


def _nonblank(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _name_in(text: str, name: str) -> bool:
    """Does ``text`` name the person: full name, or a first or last name?"""
    parts = [p for p in name.split() if len(p) > 1 and not p.endswith(".")]
    return any(
        re.search(rf"(?<!\w){re.escape(p)}(?!\w)", text, re.IGNORECASE) for p in [name, *parts]
    )


# --- facts: amounts, percentages, dates -------------------------------------------------

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
_PERCENT = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s?(?:%|percent\b|per cent\b)", re.IGNORECASE)
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|(?-i:May)|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)"
)
_MONTH_NAMES = ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec")
_MONTHS = {m: i for i, m in enumerate(_MONTH_NAMES, 1)}
_DATE = re.compile(
    r"\b(?P<iy>\d{4})-(?P<im>\d{1,2})-(?P<id>\d{1,2})\b"
    rf"|\b(?P<d1>\d{{1,2}})(?:st|nd|rd|th)?\s+(?:of\s+)?(?P<m1>{_MONTH})\b\.?(?:,?\s+(?P<y1>\d{{4}})\b)?"
    rf"|\b(?P<m2>{_MONTH})\b\.?\s+(?P<d2>\d{{1,2}})(?:st|nd|rd|th)?\b(?:,?\s+(?P<y2>\d{{4}})\b)?"
    rf"|\b(?P<m3>{_MONTH})\b\.?,?\s+(?P<y3>\d{{4}})\b"
    r"|\b(?P<sa>\d{1,2})/(?P<sb>\d{1,2})/(?P<sy>\d{4}|\d{2})\b",
    re.IGNORECASE,
)
_BARE_YEAR = re.compile(r"\b(?:19|20)\d{2}\b")
_YEAR = re.compile(r"(?<![\w$€£.,-])(?:19|20)\d{2}(?![\w,-]|\.\d)")

_DateRef = tuple[int | None, int, int | None]
"""(year or None, month, day or None): a date as precise as the text states it."""


def _amount(number: str, multiplier: str | None) -> float:
    return float(number.replace(",", "")) * _MULTIPLIERS.get((multiplier or "").lower(), 1.0)


def _money(text: str) -> Iterator[tuple[re.Match[str], float]]:
    """Money figures in ``text`` with their values."""
    for m in _MONEY.finditer(text):
        number, mult = next((m[g], m[g + "m"]) for g in "abc" if m[g])
        yield m, _amount(number, mult)


def _numbers(text: str) -> set[float]:
    """Every number in ``text``, with 'k'/'million' multipliers applied."""
    return {_amount(m["n"], m["nm"]) for m in _NUMBER.finditer(text)}


def _date_refs(m: re.Match[str]) -> list[_DateRef]:
    """The readings of one date match (a slashed date has two)."""
    if m["iy"]:
        return [(int(m["iy"]), int(m["im"]), int(m["id"]))]
    if m["sa"]:
        year = int(m["sy"]) + (2000 if len(m["sy"]) == 2 else 0)
        a, b = int(m["sa"]), int(m["sb"])
        return [(year, a, b), (year, b, a)]
    month = _MONTHS[(m["m1"] or m["m2"] or m["m3"])[:3].lower()]
    stated_year = m["y1"] or m["y2"] or m["y3"]
    day = m["d1"] or m["d2"]
    return [(int(stated_year) if stated_year else None, month, int(day) if day else None)]


def _date_known(ref: _DateRef, known: Iterable[_DateRef]) -> bool:
    """Is a date in the draft one the case states (no more precise than the case)?"""
    year, month, day = ref
    return any(
        month == k_month and year in (None, k_year) and day in (None, k_day)
        for k_year, k_month, k_day in known
    )


@dataclass(frozen=True)
class _Facts:
    """What the case states, for telling real facts from invented ones."""

    strings: tuple[str, ...]
    quote: str
    """The customer's words, whitespace collapsed: exempt only when quoted in full."""
    numbers: frozenset[float]
    percents: frozenset[float]
    dates: frozenset[_DateRef]
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
    return dates


def _facts(case: Case) -> _Facts:
    """The case's facts. The customer's words are a quotation, not a source of facts: a
    figure or offer the customer demands ('give me 50% off') is not thereby approved."""
    stated = case.model_dump(exclude={"customer_words"})
    strings = tuple(" ".join(_normalize(s).split()) for s in _case_strings(stated))
    numbers = {case.value_at_stake.annual_value}
    numbers |= {case.relationship_years} if case.relationship_years is not None else set()
    percents: set[float] = set()
    dates: set[_DateRef] = {(d.year, d.month, d.day) for d in _case_dates(case)}
    years = {d.year for d in _case_dates(case)}
    for s in strings:
        numbers |= _numbers(s)
        percents |= {float(m[1]) for m in _PERCENT.finditer(s)}
        dates |= {ref for m in _DATE.finditer(s) for ref in _date_refs(m)}
        years |= {int(y) for y in _BARE_YEAR.findall(s)}
    years |= {y for y, _, _ in dates if y}
    needs = case.escalation.needs if case.escalation else []
    return _Facts(
        strings=strings,
        quote=" ".join(_normalize(case.customer_words or "").split()),
        numbers=frozenset(numbers),
        percents=frozenset(percents),
        dates=frozenset(dates),
        years=frozenset(years),
        gifts=frozenset(_stems(" ".join(case.give_first))),
        changes=frozenset(_stems(" ".join(c.change for c in case.what_changed))),
        needs=frozenset(_stems(" ".join(needs))),
    )


# --- the draft as the rules see it ------------------------------------------------------


@dataclass(frozen=True)
class _Reach:
    """Spans sorted by start, to ask in log time how far those starting by a position reach:
    'is this inside one of them?' stays cheap however many spans there are."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]
    """The running maximum of the spans' ends, in order of start."""

    @classmethod
    def of(cls, spans: Iterable[tuple[int, int]]) -> _Reach:
        ordered = sorted(spans)
        return cls(tuple(a for a, _ in ordered), tuple(accumulate((b for _, b in ordered), max)))

    def at(self, pos: int) -> int:
        """The furthest end of a span starting at or before ``pos``; -1 if there is none."""
        i = bisect_right(self.starts, pos)
        return self.ends[i - 1] if i else -1


@dataclass(frozen=True)
class _Doc:
    """One draft, prepared once for all rules."""

    kind: Kind
    case: Case
    body: str
    flow: str
    """Subject and body with wrapped lines joined: what phrases are matched against."""
    stems: tuple[str, ...]
    verbatim: _Reach
    """Spans of ``flow`` copied from the case."""
    breaks: tuple[int, ...]
    """Sentence ends in ``flow``."""
    facts: _Facts
    searched: dict[tuple[re.Pattern[str], int, int], bool] = field(
        default_factory=dict, compare=False, repr=False
    )
    """What :meth:`sentence_has` found, by pattern and span."""

    def copied(self, m: re.Match[str]) -> bool:
        """Was this match copied verbatim from the case?"""
        return self.verbatim.at(m.start()) >= m.end()

    def sentence(self, pos: int) -> tuple[int, int]:
        """The span of the sentence around ``pos``."""
        i = bisect_right(self.breaks, pos)
        start = self.breaks[i - 1] if i else 0
        end = self.breaks[i] if i < len(self.breaks) else len(self.flow)
        return start, end

    def sentence_text(self, pos: int) -> str:
        start, end = self.sentence(pos)
        return self.flow[start:end].strip(" \n.!?")

    def sentences(self) -> Iterator[str]:
        start = 0
        for end in (*self.breaks, len(self.flow)):
            if text := self.flow[start:end].strip():
                yield text
            start = end

    def quoted(self, sentence: str) -> bool:
        """Does this sentence quote the customer's own words back ('You asked: "…?"')?"""
        quote = self.facts.quote.lower()
        pieces = (" ".join(p.strip(" '.!?").split()).lower() for p in sentence.split('"'))
        return bool(quote) and any(len(p) >= QUOTE_CHARS and p in quote for p in pieces)

    def negated(self, m: re.Match[str]) -> bool:
        """Is the match negated: 'no pricing', 'won't discuss renewals', 'upgrades are not…'?"""
        before = _CLAUSE_BREAK.split(self.flow[max(0, m.start() - 200) : m.start()])[-1]
        near = " ".join(before.split()[-NEGATION_WORDS:])
        return bool(_NEGATION.search(near) or _NEGATED_AFTER.match(self.flow, m.end()))

    def sentence_has(self, pattern: re.Pattern[str], pos: int, *, and_next: bool = False) -> bool:
        """Does ``pattern`` occur in the sentence around ``pos`` (and, ``and_next``, the one
        after it)? Each sentence is searched once, however many matches it holds."""
        start, end = self.sentence(pos)
        end = self.sentence(end)[1] if and_next else end
        key = (pattern, start, end)
        if key not in self.searched:
            self.searched[key] = bool(pattern.search(self.flow, start, end))
        return self.searched[key]


def _spans(flow: str, strings: Iterable[str]) -> tuple[tuple[int, int], ...]:
    """Where each string occurs in ``flow`` (case-insensitive, end punctuation optional)."""
    hay = flow.replace("\n", " ")
    fold = len(hay.lower()) == len(hay)
    hay = hay.lower() if fold else hay
    spans: list[tuple[int, int]] = []
    for s in strings:
        needle = s.rstrip(" .!?;:")
        needle = needle.lower() if fold else needle
        if len(needle) < 4:
            continue
        start = hay.find(needle)
        while start != -1:
            spans.append((start, start + len(needle)))
            start = hay.find(needle, start + 1)
    return tuple(spans)


def _prepare(kind: Kind, subject: str, body: str, case: Case) -> _Doc:
    subject, body = _normalize(subject).strip(), _normalize(body)
    flow = _unwrap(f"{subject}\n\n{body}")
    facts = _facts(case)
    return _Doc(
        kind=kind,
        case=case,
        body=body,
        flow=flow,
        stems=_stems(flow),
        verbatim=_Reach.of(_spans(flow, (*facts.strings, facts.quote))),
        breaks=tuple(m.end() for m in _SENTENCE_END.finditer(flow)),
        facts=facts,
    )


def _split_headers(text: str) -> tuple[str, str]:
    """Split free text into (subject, body): 'Subject:'/'To:' lines, or a title line."""
    lines = _normalize(text).strip("\n").split("\n")
    subject, i = "", 0
    while i < len(lines) and (m := _HEADER.match(lines[i])):
        subject = m[2].strip() if m[1].lower() == "subject" else subject
        i += 1
    first = i
    while first < len(lines) and not lines[first].strip():
        first += 1
    rest = lines[first:]
    if i == 0 and len(rest) > 1 and _is_title(rest[0]) and not rest[1].strip():
        subject, rest = rest[0].strip(), rest[1:]
    return subject, "\n".join(rest)


def _is_title(line: str) -> bool:
    """A first line followed by a blank line reads as a subject unless it is a greeting."""
    line = line.strip()
    greeting = _GREETING.match(line) or line.endswith(",")
    return bool(line) and not greeting and _words(line) <= 15


# --- the rules --------------------------------------------------------------------------


@dataclass(frozen=True)
class Violation:
    """One broken rule: its id, why it matters, and the offending text ("" if missing)."""

    rule: str
    reason: str
    text: str = ""


def _violation(rule: str, text: str = "") -> Violation:
    return Violation(rule, RULES[rule], _clip(text))


def _phrases(rule: str, matches: Iterable[re.Match[str]]) -> list[Violation]:
    """One violation per distinct offending phrase, in order of appearance."""
    seen: dict[str, Violation] = {}
    for m in sorted(matches, key=lambda m: m.start()):
        seen.setdefault(m[0].lower(), _violation(rule, m[0]))
    return list(seen.values())


def _greeting(doc: _Doc) -> list[Violation]:
    top = _nonblank(doc.body)[:GREETING_LINES]
    if _name_in(" ".join(top), doc.case.customer.name):
        return []
    return [_violation("greeting", top[0] if top else "")]


def _signature(doc: _Doc) -> list[Violation]:
    end = _nonblank(doc.body)[-SIGNATURE_LINES:]
    if _name_in(" ".join(end), doc.case.sender.name):
        return []
    return [_violation("signature", end[-1] if end else "")]


def _failures_named(doc: _Doc) -> list[Violation]:
    return [
        _violation("failures-named", f.issue)
        for f in doc.case.what_went_wrong
        if not _mentioned([f.issue, f"{f.issue} {f.impact or ''}"], doc.stems)
    ]


_VAGUE = re.compile(
    r"(?<!\w)(?:look(?:ing)? into (?:it|this|that|the (?:matter|issue|problem)s?)"
    r"|work(?:ing)? on (?:it|this|that|a fix|a solution|the (?:issue|problem)s?)"
    r"|investigating|taking (?:steps|measures|action)|(?:steps|measures) (?:are being|have been) "
    r"taken|(?:put|putting) (?:measures|processes|steps) in place|doing (?:everything|all) we can"
    r"|review(?:ing)? (?:our|the) process(?:es)?|(?:we will|we'll) do better"
    r"|lessons (?:have been )?learned|(?:we|I)(?:'ve| have) (?:now )?(?:changed|introduced"
    r"|implemented|put in place))\b",
    re.IGNORECASE,
)


def _changes_named(doc: _Doc) -> list[Violation]:
    if doc.case.what_changed:
        return [
            _violation("changes-named", c.change)
            for c in doc.case.what_changed
            if not _mentioned([c.change], doc.stems)
        ]
    spans = [doc.sentence(m.start()) for m in _VAGUE.finditer(doc.flow) if not doc.copied(m)]
    said = {span: _violation("changes-named", doc.sentence_text(span[0])) for span in set(spans)}
    return [said[span] for span in spans]


_SELLING = re.compile(
    r"(?<!\w)(?:upgrad\w*|discount\w*|coupons?|promo(?:tion|tions|tional)?|promo codes?"
    r"|(?:special|exclusive|introductory) offers?|limited[- ]time|free trial|upsell\w*"
    r"|cross-sell\w*|(?:a|the|this|special|great|better|good|best|package|exclusive|sweet) deal"
    r"|(?:new|latest|newest|next[- ]generation) (?:\w+ ){0,2}(?:products?|offerings?|features?"
    r"|models?|range|lines?|suite|platform|solutions?|modules?|releases?|versions?|programs?)"
    r"|premium (?:plans?|tiers?|packages?|versions?|service|support)|bundles?|loyalty \w+"
    r"|(?:introduce|introducing|launch|launching) (?:you to )?our"
    r"|renewals?|renew|renewing|(?:buy|purchase|order)(?:ing)? more|add-ons?"
    r"|pricing|price (?:list|increase|change|cut|reduction|break|match|point)s?"
    r"|(?:special|better|lower|best|reduced|discounted|preferential) prices?"
    r"|(?:additional|further|more|new) business)\b"
    r"|(?<!\d)\d+(?:\.\d+)?\s?(?:%|percent)\s?off\b",
    re.IGNORECASE,
)
_PLEDGE = re.compile(r"\bearn(?:ed)? (?:the right|it back|back your trust)\b", re.IGNORECASE)


def _no_selling(doc: _Doc) -> list[Violation]:
    return _phrases(
        "no-selling",
        (
            m
            for m in _SELLING.finditer(doc.flow)
            if not (
                doc.copied(m)
                or doc.negated(m)
                or doc.sentence_has(_PLEDGE, m.start())
                or _approved(m[0], doc.facts.gifts | doc.facts.changes)
            )
        ),
    )


def _approved(term: str, allowed: frozenset[str]) -> bool:
    """Do all significant words of ``term`` come from an approved case item?"""
    stems = set(_stems(term))
    return bool(stems) and stems <= allowed


_EXCUSES = re.compile(
    r"(?<!\w)(?:unfortunately|due to (?:\w+ ){0,2}circumstances|circumstances (?:beyond|outside)"
    r"|(?:beyond|outside|out of) (?:our|my) (?:control|hands)|unforeseen"
    r"|(?:mistakes|errors) (?:were|have been) made|sorry (?:that )?you (?:feel|felt)"
    r"|(?:sorry|apologi[sz]e|regret) if|if (?:we|I) (?:have |may have |might have )?"
    r"(?:caused|upset|offended|disappointed)|inconvenien\w*|not (?:really |entirely )?(?:my|our) "
    r"fault|through no fault|user error|you (?:misunderstood|misread)"
    r"|(?:you|your \w+) (?:should|could|ought to) have (?:told|called|informed|let|raised|"
    r"contacted|checked|read|followed|asked|reported|flagged|noticed|ordered|known|escalated|"
    r"emailed|mentioned|said)|(?:you|your \w+) (?:failed|forgot|neglected) to"
    r"|(?:you|your \w+) (?:didn't|did not|never) (?:follow|read|tell|inform|report|raise|flag"
    r"|check|order|use|train)|(?:a |some )?(?:miscommunication|misunderstanding)s?"
    r"|if you had (?:told|let|called|informed|read|followed|asked)|as you were (?:told|informed|"
    r"advised))\b",
    re.IGNORECASE,
)
"""Excuses in any context."""
_BLAME = re.compile(
    r"(?<!\w)(?:(?:(?!our\b|my\b)\w+'s|your|their|his|her) fault"
    r"|(?:the )?fault of (?!us\b|me\b|ours\b)|fault (?:lies|lay|was|is) with (?!us\b|me\b)"
    r"|(?:our|the|a|their) (?:suppliers?|vendors?|carriers?|couriers?|manufacturers?"
    r"|subcontractors?|third[- ]part(?:y|ies)|logistics partners?))\b",
    re.IGNORECASE,
)
"""Blame on someone else, unless negated ('none of this was your fault')."""
_NEW_HERE = re.compile(
    r"(?<!\w)(?:before my time|before I (?:joined|arrived|started|took over|came on board)"
    r"|I (?:wasn't|was not) (?:here|there|involved|responsible|around)|predecessors?"
    r"|(?:the|my|your) (?:previous|former|prior|old|last) (?:reps?|representatives?|account "
    r"(?:managers?|executives?|reps?)|sales ?(?:people|persons?|reps?)|salesperson|team|manager"
    r"|management))\b",
    re.IGNORECASE,
)
"""Hiding behind being new, unless that sentence or the next owns it for the company."""
_OWNING = re.compile(
    r"(?<!\w)(?:own|owns|owning|ownership|ours|mine|responsib\w*|accountab\w*|no excuse"
    r"|doesn't change|does not change|changes nothing|regardless|on (?:me|us)|hide behind"
    r"|on behalf of|our (?:fault|failure|problem|mistake|job))\b",
    re.IGNORECASE,
)


def _no_excuses(doc: _Doc) -> list[Violation]:
    found = [m for m in _EXCUSES.finditer(doc.flow) if not doc.copied(m)]
    found += [m for m in _BLAME.finditer(doc.flow) if not (doc.copied(m) or doc.negated(m))]
    found += [
        m
        for m in _NEW_HERE.finditer(doc.flow)
        if not (doc.copied(m) or doc.sentence_has(_OWNING, m.start(), and_next=True))
    ]
    return _phrases("no-excuses", found)


_OFFER_TERM = re.compile(
    r"(?<!\w)(?:credits?|credited|refund\w*|discount\w*|rebates?|waive[rsd]?|waiving|compensat\w*"
    r"|reimburs\w*|money back|write[- ]off|written off|complimentary|vouchers?|coupons?"
    r"|gift cards?|on the house|at no (?:charge|cost)|no[- ]charge|free of charge|for free"
    r"|free (?:of|service|months?|upgrades?|products?|replacements?|training|licen[cs]es?|support"
    r"|shipping|delivery|deliveries|stock|units?|items?|days?|weeks?)"
    r"|(?:days?|weeks?|months?|years?) (?:free|at no (?:charge|cost)))\b"
    r"|(?<!\d)\d+(?:\.\d+)?\s?(?:%|percent)\s?off\b",
    re.IGNORECASE,
)
_OFFER_CUE = re.compile(
    r"(?<!\w)(?:offer\w*|give|giving|provide|providing|issue|issuing|apply|applying|extend|send"
    r"|grant|include|including|arrange|waive|we'll|we will|we'd|we would|we can|we could|we are"
    r"|we're|I'll|I will|I'd|I would|I can|I could|I've|I have|happy to|glad to|able to"
    r"|approved|as a gesture|goodwill|on us|here's|here is|enjoy|you'll get|you will get"
    r"|as a thank)\b",
    re.IGNORECASE,
)


def _no_invented_facts(doc: _Doc) -> list[Violation]:
    facts, found = doc.facts, []
    taken: list[tuple[int, int]] = []
    for m, value in _money(doc.flow):
        taken.append(m.span())
        if not any(math.isclose(value, n, rel_tol=MONEY_TOLERANCE) for n in facts.numbers):
            found.append(m)
    for m in _PERCENT.finditer(doc.flow):
        if float(m[1]) not in facts.percents:
            found.append(m)
    for m in _DATE.finditer(doc.flow):
        taken.append(m.span())
        if not any(_date_known(ref, facts.dates) for ref in _date_refs(m)):
            found.append(m)
    reach = _Reach.of(taken)
    for m in _YEAR.finditer(doc.flow):
        inside = reach.at(m.start()) > m.start()
        if not inside and int(m[0]) not in facts.years:
            found.append(m)
    allowed = facts.gifts | (facts.needs if doc.kind == "escalation" else frozenset())
    found += [m for m in _OFFER_TERM.finditer(doc.flow) if _is_offer(doc, m, allowed)]
    return _phrases("no-invented-facts", (m for m in found if not doc.copied(m)))


def _is_offer(doc: _Doc, m: re.Match[str], allowed: frozenset[str]) -> bool:
    """Is this credit/refund/free/… an offer, and not one the case approved?"""
    clause = _CLAUSE_BREAK.split(doc.flow[max(0, m.start() - 200) : m.end()])[-1]
    return bool(_OFFER_CUE.search(clause) and not doc.negated(m) and not _approved(m[0], allowed))


_ASK_CUE = re.compile(
    r"\?|(?<!\w)(?:please (?!accept|know|be assured|forgive)\w+|let (?:me|us) know|could you"
    r"|would you|can you|will you|(?:call|ring|email|text|phone) me|write (?:to me|back)"
    r"|(?:just |simply )?reply (?:with|to (?:this|me)|and)|hit reply|get back to (?:me|us)"
    r"|send (?:me|us)|tell me|drop me|book (?:a|some|time)|(?:pick|choose|suggest) a"
    r"|are you (?:free|available|open)|would (?:it|that|this) (?:work|suit|be possible)"
    r"|if (?:you're|you are) (?:open|willing|free|available)|may I|can we|could we|shall we"
    r"|(?:I|we)(?:'d| would) (?:like|love) to (?:meet|talk|speak|visit|come|sit|hear|call|set up"
    r"|book|schedule|ask|arrange|invite|propose|suggest|find)"
    r"|(?:I|we)(?:'d| would) (?:like|love|welcome|value|appreciate) (?:a|an|some|the chance"
    r"|the opportunity|it|\d+)"
    r"|(?:I|we) (?:propose|suggest)|my (?:one |only )?(?:request|ask)|ask (?:you )?for)\b",
    re.IGNORECASE,
)
_MEETING = re.compile(
    r"(?<!\w)(?:call|phone|meet|meeting|talk|speak|chat|conversation|visit|sit down|coffee"
    r"|come (?:by|over|to)|stop by|drop by|minutes?|half an hour|an hour|calendar|schedule"
    r"|slots?|(?:a|what|which|any) (?:time|day|date)|suits? you|works? for you|convenient)\b",
    re.IGNORECASE,
)


def _one_ask(doc: _Doc) -> list[Violation]:
    ask_keys = frozenset(_stems(doc.case.ask or ""))
    main, extra = 0, []
    for text in doc.sentences():
        if doc.quoted(text):
            continue
        cue = bool(_ASK_CUE.search(text))
        on_topic = bool(ask_keys) and _covered(ask_keys, _stems(text))
        if on_topic or (cue and _MEETING.search(text)):
            main += 1
        elif cue:
            extra.append(text)
    if not main:
        return [_violation("one-ask")]
    return [_violation("one-ask", text) for text in extra]


def _length(doc: _Doc) -> list[Violation]:
    words = _words(doc.body)
    low = EMAIL_WORDS[0] if doc.kind == "email" else 0
    high = MAX_WORDS[doc.kind]
    found = []
    if not low <= words <= high:
        bounds = f"{low}-{high}" if low else f"at most {high}"
        found.append(_violation("length", f"{words} words; expected {bounds}"))
    for paragraph in _PARAGRAPH.split(doc.body):
        if (n := _words(paragraph)) > MAX_PARAGRAPH_WORDS:
            found.append(
                _violation("length", f"a paragraph of {n} words: {_clip(paragraph)[:60]}…")
            )
    return found


_PLACEHOLDER = re.compile(
    r"\{[{%#][^\n{]*?[}%#]\}|\{\{|\}\}|\{%|%\}|\$?\{\s*[A-Za-z_][\w.]*\s*\}"  # template syntax
    r"|_{3,}"  # a blank to fill in
    r"|<(?:insert|your |name|company|date|customer|todo)[^<>@\n]*>"  # <insert name>
    r"|\[(?:(?>[^\[\]\n]*(?:name|company|insert|date|customer|client|recipient|sender|title"
    r"|placeholder|tbd|todo))[^\[\]\n]*+|(?-i:X+)|\.\.\.|…)\](?!\()"  # [Name], not [a](link)
    r"|(?-i:\b(?:TODO|TBD|FIXME|XX+)\b)|\blorem\b",
    re.IGNORECASE,
)
"""Template syntax and blanks. A tag or bracket does not nest ('{{', '[' or '<' inside one
starts a new one), so each character is scanned from one opener only: linear time."""


def _no_placeholders(doc: _Doc) -> list[Violation]:
    return _phrases(
        "no-placeholders", (m for m in _PLACEHOLDER.finditer(doc.flow) if not doc.copied(m))
    )


_ITEM = re.compile(
    r"^(?P<indent>[ \t]*)(?:#{1,6}[ \t]*)?(?:\*\*)?(?P<marker>\d{1,2}[.)]|[-*•\u2013])[ \t]+"
    r"(?P<text>.+)$"
)
_PEOPLE = re.compile(
    r"(?<!\w)(?:attendees?|participants?|invitees?|invited|present)\b", re.IGNORECASE
)
_TIMEBOX = re.compile(
    r"\b\d{1,3}\s?[-\u2013]?\s?(?:min(?:ute)?s?|hours?|hrs?|h)\b|\b\d{1,3}\s?'|\b\d{1,2}:\d{2}\b",
    re.IGNORECASE,
)


def _agenda_items(body: str) -> list[str]:
    """Top-level agenda items: numbered lines if any, else bullets outside an attendee list."""
    items: list[tuple[int, bool, str]] = []
    people = False  # is the section (the last non-blank line, not an item) an attendee list?
    for line in body.split("\n"):
        m = _ITEM.match(line)
        if not m:
            people = bool(_PEOPLE.search(line)) if line.strip() else people
        elif not people:
            indent = len(m["indent"].expandtabs())
            items.append((indent, m["marker"][0].isdigit(), m["text"]))
    pool = [item for item in items if item[1]] or items
    top = min((indent for indent, _, _ in pool), default=0)
    return [text for indent, _, text in pool if indent == top]


def _agenda_timeboxes(doc: _Doc) -> list[Violation]:
    items = _agenda_items(doc.body)
    if not items:
        return [_violation("agenda-timeboxes")]
    return [_violation("agenda-timeboxes", t) for t in items if not _TIMEBOX.search(t)]


_PURPOSE = re.compile(
    r"(?<!\w)(?:purpose|goal|objective|aim|why we(?:'re| are) meeting)\b", re.IGNORECASE
)
_MAKE_RIGHT = re.compile(
    r"(?<!\w)(?:(?:make|making|put|putting|set|setting) (?:it|this|that|things) right|make amends"
    r"|repair\w*|rebuild\w*|restor\w*|fix(?:ing)? (?:this|it|what)|not (?:to|here to|about) "
    r"(?:sell|selling|pitch)|not (?:a )?sales|no (?:selling|sales|pitch)|not selling)\b",
    re.IGNORECASE,
)
_LISTEN = re.compile(
    r"(?<!\w)(?:your (?:view|views|perspective|side|account|experience|story|concerns|take)"
    r"|(?:the )?customer's (?:view|perspective|side)|in your (?:own )?words"
    r"|what (?:did )?we (?:miss|missed|get wrong|got wrong)|what else we got wrong"
    r"|listen\w*|hear(?:ing)? (?:from )?you)\b",
    re.IGNORECASE,
)
_WORK_TOGETHER = re.compile(
    r"(?<!\w)(?:work(?:ing)? (?:together|with (?:us|you)) again|(?:possible|willing|open) to work "
    r"together|continue (?:working|to work) together|future together|what (?:would|will|could) "
    r"(?:it|that) take|(?:earn|win) back your (?:trust|business))\b",
    re.IGNORECASE,
)


def _agenda_purpose(doc: _Doc) -> list[Violation]:
    for m in _PURPOSE.finditer(doc.flow):
        if _MAKE_RIGHT.search(doc.flow, m.start(), m.start() + WINDOW_CHARS):
            return []
    return [_violation("agenda-purpose")]


def _agenda_listen(doc: _Doc) -> list[Violation]:
    return [] if _LISTEN.search(doc.flow) else [_violation("agenda-listen")]


def _agenda_work_together(doc: _Doc) -> list[Violation]:
    return [] if _WORK_TOGETHER.search(doc.flow) else [_violation("agenda-work-together")]


def _escalation_value(doc: _Doc) -> list[Violation]:
    value = doc.case.value_at_stake.annual_value
    if any(math.isclose(value, v, rel_tol=MONEY_TOLERANCE) for v in _numbers(doc.flow)):
        return []
    return [_violation("escalation-value")]


def _escalation_needs(doc: _Doc) -> list[Violation]:
    needs = doc.case.escalation.needs if doc.case.escalation else []
    return [_violation("escalation-needs", n) for n in needs if not _mentioned([n], doc.stems)]


_DECISION = re.compile(r"(?<!\w)(?:decision|decide|approv\w*|sign-?off|go-ahead)\b", re.IGNORECASE)


def _escalation_decision_date(doc: _Doc) -> list[Violation]:
    due = doc.case.escalation.decide_by if doc.case.escalation else None
    if due is None:
        return [] if _DECISION.search(doc.flow) else [_violation("escalation-decision-date")]
    wanted = [(due.year, due.month, due.day)]
    for m in _DATE.finditer(doc.flow):
        if any(ref[2] and _date_known(ref, wanted) for ref in _date_refs(m)):
            return []
    return [_violation("escalation-decision-date", f"{due:%Y-%m-%d}")]


_RECOMMEND = re.compile(r"\brecommend\w*", re.IGNORECASE)
_ACTION = re.compile(
    r"(?<!\w)(?:recover\w*|escalat\w*|hand(?:ing)? (?:\w+ ){0,3}over|hand-?over"
    r"|walk(?:ing)? away)\b",
    re.IGNORECASE,
)
_REASON = re.compile(
    r"(?<!\w)(?:because|since|given|reason|so that|which is why|as long as|provided)\b",
    re.IGNORECASE,
)


def _escalation_recommendation(doc: _Doc) -> list[Violation]:
    for m in _RECOMMEND.finditer(doc.flow):
        window = doc.flow[m.start() : m.start() + WINDOW_CHARS]
        if _ACTION.search(window) and _REASON.search(window):
            return []
    return [_violation("escalation-recommendation")]


_CHECKS: dict[str, Callable[[_Doc], list[Violation]]] = {
    "greeting": _greeting,
    "failures-named": _failures_named,
    "changes-named": _changes_named,
    "no-selling": _no_selling,
    "no-excuses": _no_excuses,
    "no-invented-facts": _no_invented_facts,
    "one-ask": _one_ask,
    "signature": _signature,
    "length": _length,
    "no-placeholders": _no_placeholders,
    "agenda-purpose": _agenda_purpose,
    "agenda-timeboxes": _agenda_timeboxes,
    "agenda-listen": _agenda_listen,
    "agenda-work-together": _agenda_work_together,
    "escalation-value": _escalation_value,
    "escalation-needs": _escalation_needs,
    "escalation-decision-date": _escalation_decision_date,
    "escalation-recommendation": _escalation_recommendation,
}


# --- reports ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Report:
    """The result of checking one draft."""

    kind: Kind
    violations: tuple[Violation, ...]
    rules_run: tuple[str, ...]

    @property
    def ok(self) -> bool:
        return not self.violations

    @property
    def failed(self) -> tuple[str, ...]:
        """Ids of the rules broken, in report order."""
        broken = {v.rule for v in self.violations}
        return tuple(rule for rule in self.rules_run if rule in broken)

    @property
    def score(self) -> float:
        """Share of rules passed, 0.0 to 1.0."""
        return 1.0 - len(self.failed) / len(self.rules_run) if self.rules_run else 1.0

    def to_dict(self) -> dict[str, Any]:
        """A JSON-able summary, for ``drafter check --json``."""
        return {
            "kind": self.kind,
            "ok": self.ok,
            "score": round(self.score, 3),
            "rules_run": list(self.rules_run),
            "failed": list(self.failed),
            "violations": [asdict(v) for v in self.violations],
        }


def format_report(report: Report) -> str:
    """The report as text for a terminal: a summary line, then each broken rule once,
    with its reason and every offending passage."""
    passed = len(report.rules_run) - len(report.failed)
    head = f"{report.kind}: {passed}/{len(report.rules_run)} rules passed"
    if report.ok:
        return f"{head}."
    lines = [f"{head} (score {report.score:.2f})."]
    for rule in report.failed:
        lines.append(f"- {rule}: {RULES[rule]}")
        lines.extend(f"    {v.text}" for v in report.violations if v.rule == rule and v.text)
    return "\n".join(lines)


def _run(kind: Kind, subject: str, body: str, case: Case) -> Report:
    doc = _prepare(kind, subject, body, case)
    rules = KIND_RULES[kind]
    violations = tuple(v for rule in rules for v in _CHECKS[rule](doc))
    return Report(kind=kind, violations=violations, rules_run=rules)


def check_text(kind: Kind, text: str, case: Case) -> Report:
    """Check any draft text (subject line included if it has one) against the method."""
    subject, body = _split_headers(text)
    return _run(kind, subject, body, case)


def check_draft(draft: Draft, case: Case) -> Report:
    """Check a rendered draft: its subject and body together."""
    return _run(draft.kind, draft.subject, draft.body, case)
