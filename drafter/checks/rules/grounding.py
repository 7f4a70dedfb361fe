"""Grounding: no amount, percentage, date, deadline, person or offer the case does not give."""

from __future__ import annotations

import math
import re
from bisect import bisect_left

from drafter.checks.document import CLAUSE_BREAK, Doc, Reach
from drafter.checks.facts import (
    DATE,
    MONEY_TOLERANCE,
    PERCENT,
    YEAR,
    date_known,
    date_refs,
    money_in,
)
from drafter.checks.report import Violation
from drafter.checks.rulebook import phrases, rule, violation
from drafter.checks.text import NOT_NAMES, approved, covered, stems_of

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


@rule(
    "no-invented-facts",
    "Every amount, percentage, date, deadline, person and offer comes from the case, and an "
    "escalation need is not an approved offer; nothing is improvised (METHOD principles 5 "
    "and 6).",
)
def _no_invented_facts(doc: Doc) -> list[Violation]:
    facts, found = doc.facts, []
    taken: list[tuple[int, int]] = []
    money = _money_known(doc)
    ratios = _ratios(money)
    for m, value in money_in(doc.flow):
        taken.append(m.span())
        if not any(math.isclose(value, n, rel_tol=MONEY_TOLERANCE) for n in money):
            found.append(m)
    for m in PERCENT.finditer(doc.flow):
        taken.append(m.span())
        share = doc.flow.startswith(" of ", m.end()) and _share_of(float(m[1]), doc)
        if float(m[1]) not in facts.percents and not share:
            found.append(m)
    for m in DATE.finditer(doc.flow):
        taken.append(m.span())
        if not any(date_known(ref, facts.dates) for ref in date_refs(m)):
            found.append(m)
    reach = Reach.of(taken)
    for m in YEAR.finditer(doc.flow):
        inside = reach.at(m.start()) > m.start()
        if not inside and int(m[0]) not in facts.years:
            found.append(m)
    for m in _QUANTITY.finditer(doc.flow):
        value = float(m[1].replace(",", ""))
        inside = reach.at(m.start()) > m.start()
        if not (inside or value in facts.numbers or value in money or _near(value, ratios)):
            found.append(m)
    found += [m for m in _WITHIN.finditer(doc.flow) if not _span_known(m, doc)]
    found += _strangers(doc)
    management = doc.artifact.audience == "management"
    allowed = _stated(doc) | (facts.needs if management else frozenset())
    found += [m for m in _OFFER_TERM.finditer(doc.flow) if _is_offer(doc, m, allowed)]
    said = phrases("no-invented-facts", (m for m in found if not doc.copied(m)))
    return said + (_gift_asked_again(doc) if management else _need_offered(doc))


_WORD_NUMBERS = {
    w: n
    for n, w in enumerate(
        [
            "zero",
            "one",
            "two",
            "three",
            "four",
            "five",
            "six",
            "seven",
            "eight",
            "nine",
            "ten",
            "eleven",
            "twelve",
        ]
    )
} | {"twenty-four": 24, "forty-eight": 48, "seventy-two": 72, "thirty": 30, "sixty": 60}


_YEARS_OF = re.compile(
    rf"(?<!\w)(\d+|{'|'.join(_WORD_NUMBERS)})[- ](?:years?|months?)\b", re.IGNORECASE
)


def _money_known(doc: Doc) -> frozenset[float]:
    """The case's numbers, its money over the case's own spans of years and months ('USD 3.6
    million in all' for 1.2 million a year on a three-year agreement), and the difference of
    two of its amounts ('the recovery costs 13,000 more than the account brings in')."""
    spans = {12.0} | {
        float(_WORD_NUMBERS.get(m[1].lower(), 0) or m[1])
        for s in doc.facts.strings
        for m in _YEARS_OF.finditer(s)
    }
    if doc.case.relationship_years:
        spans.add(float(doc.case.relationship_years))
    base = [float(n) for n in doc.facts.numbers if n >= 1000]
    derived = {v * k for v in base for k in spans} | {v / k for v in base for k in spans if k}
    derived |= {abs(a - b) for a in base for b in base if a != b}
    return frozenset(float(n) for n in doc.facts.numbers) | frozenset(derived)


_HEDGED_SHARE = 1.0
"""'Under 6%', 'about 7%': a share of the case's money stated to the nearest point."""


def _share_of(percent: float, doc: Doc) -> bool:
    """Is this percentage one case amount as a share of another ('GBP 18,000 is under 6% of
    one year's value')? Only a share ('N% of …') is read this way, never 'N% off'."""
    amounts = [float(n) for n in doc.facts.numbers if n >= 1000]
    return any(
        abs(100 * a / b - percent) <= _HEDGED_SHARE for a in amounts for b in amounts if a < b
    )


def _ratios(money: frozenset[float]) -> list[float]:
    """Every ratio of one case amount to a smaller one, sorted ('roughly 140 times the
    cost'): computed once per draft, then looked up in log time."""
    amounts = [n for n in money if n >= 1000]
    return sorted(a / b for a in amounts for b in amounts if a > b)


def _near(value: float, ratios: list[float]) -> bool:
    i = bisect_left(ratios, value * (1 - RATIO_TOLERANCE))
    return i < len(ratios) and ratios[i] <= value * (1 + RATIO_TOLERANCE)


RATIO_TOLERANCE = 0.05
"""'Roughly 140 times': a ratio of the case's amounts, rounded."""


_QUANTITY = re.compile(
    r"(?<![\w.,:/$€£¥₹+-])(\d{1,3}(?:,\d{3})+|\d{3,})(?![\w,:/-]|\.\d)(?! ?(?:%|percent))"
)
"""A count of a hundred or more ('6,000 copies'): the case's, or invented."""


_WITHIN = re.compile(
    rf"(?<!\w)(?:within|in under|inside|in the next|in less than) (?:a |an )?(\d+|"
    rf"{'|'.join(_WORD_NUMBERS)})? ?(?:business |working |calendar )?(minute|hour|day|week"
    r"|month)s?\b",
    re.IGNORECASE,
)
"""A deadline in words: 'within 48 hours', 'within a week'."""


def _span_known(m: re.Match[str], doc: Doc) -> bool:
    """Does the case state this span of time ('within one business day')?"""
    amount = m[1].lower() if m[1] else "1"
    n = _WORD_NUMBERS.get(amount, None)
    number = str(n) if n is not None else amount
    words = {number} | {w for w, v in _WORD_NUMBERS.items() if str(v) == number}
    words |= {"a", "an"} if number == "1" else set()
    unit = m[2].lower()
    return any(
        re.search(rf"(?<!\w)(?:{'|'.join(words)})[- ](?:\w+ )?{unit}", s, re.IGNORECASE)
        for s in doc.facts.strings
    )


_PERSON = re.compile(
    r"(?<!\w)(?:(?:Dr|Mr|Mrs|Ms|Prof)\.? (?P<title>[A-Z][\w'-]+(?: [A-Z][\w'-]+)?)"
    r"|(?P<name>[A-Z][a-z'-]+ [A-Z][a-z'-]+)(?=,? (?:(?:our|your|the|a|who|will|from"
    r"|at|of|has|is) |\())|(?:engineer|manager|specialist|technician|lead|director|doctor"
    r"|colleague|contact|consultant|nurse|rep|representative|coordinator),? (?P<role>[A-Z][a-z'-]+"
    r"(?: [A-Z][a-z'-]+)?))"
)
"""Someone named as a person: 'Dr. Patel', 'Tom Becker, your contact', 'our engineer, Ana'."""


def _strangers(doc: Doc) -> list[re.Match[str]]:
    """People named in the draft but nowhere in the case."""
    said = (*doc.facts.strings, doc.facts.quote)
    known = {w.lower() for s in said for w in re.findall(r"[\w-]+", s)}
    found = []
    for m in _PERSON.finditer(doc.flow):
        name = m["title"] or m["name"] or m["role"]
        words = [w.lower().removesuffix("'s") for w in name.split()]
        if any(w in NOT_NAMES for w in words):
            continue
        if not any(w in known for w in words):
            found.append(m)
    return found


def _stated(doc: Doc) -> frozenset[str]:
    """The significant words of what the case states to the customer: a word the case uses
    ('credits were promised and never issued') is not an invented offer."""
    case = doc.case
    told = [f"{f.issue} {f.impact or ''}" for f in case.what_went_wrong]
    told += [c.owner for c in case.what_changed if c.owner]
    after = case.after_meeting
    told += [*after.heard, *(s.step for s in after.agreed)] if after else []
    told += [case.handover_to.name, case.handover_to.title or ""] if case.handover_to else []
    return doc.facts.gifts | doc.facts.changes | frozenset(stems_of(" ".join(told)))


_HEDGE = re.compile(
    r"(?<!\w)(?:ask(?:ed|ing)? for|request\w*|hope|hoping|propos\w*|if (?:it is |it's )?approved"
    r"|once approved|subject to|seeking|not yet)\b",
    re.IGNORECASE,
)


def _need_offered(doc: Doc) -> list[Violation]:
    """An escalation need stated to the customer as settled: it is not approved yet."""
    needs = doc.case.escalation.needs if doc.case.escalation else []
    keys = [frozenset(stems_of(n)) - _stated(doc) for n in needs]
    keys = [k for k in keys if len(k) >= 2]
    found = []
    for text in doc.sentences():
        stems = stems_of(text)
        hedged = _HEDGE.search(text) or _NEGATION_IN.search(text)
        if any(covered(k, stems) for k in keys) and not hedged:
            found.append(violation("no-invented-facts", text))
    return found


_NEGATION_IN = re.compile(r"(?<!\w)(?:no|not|never|cannot)\b|n't\b", re.IGNORECASE)


_APPROVAL_ASK = re.compile(
    r"(?<!\w)(?<!have )(?<!has )(?<!got )(?:approval (?:to|for)|(?:please |to )approve"
    r"|authority to|permission to"
    r"|sign[- ]off (?:on|for|to)|budget (?:to|for)|(?:I|we) (?:need|ask|request) (?:you|"
    r"management|leadership) to)\b",
    re.IGNORECASE,
)


_REPORTED = re.compile(r"(?<!\w)(?:approved|already|signed off)\b", re.IGNORECASE)
"""The gesture reported as approved: 'the approved goodwill gesture covers…'."""


def _gift_asked_again(doc: Doc) -> list[Violation]:
    """An approved gesture asked for again in the escalation note: it is reported as
    approved (METHOD, the escalation note)."""
    gifts = [frozenset(stems_of(g)) for g in doc.case.give_first]
    return [
        violation("no-invented-facts", text)
        for text in doc.sentences()
        if _APPROVAL_ASK.search(text)
        and not _REPORTED.search(text)
        and any(covered(g, stems_of(text)) for g in gifts)
    ]


def _is_offer(doc: Doc, m: re.Match[str], allowed: frozenset[str]) -> bool:
    """Is this credit/refund/free/… an offer, and not one the case approved?"""
    clause = CLAUSE_BREAK.split(doc.flow[max(0, m.start() - 200) : m.end()])[-1]
    return bool(_OFFER_CUE.search(clause) and not doc.negated(m) and not approved(m[0], allowed))
