"""Finding people's names in a case: its people fields, and name-shaped words in free text.

A heuristic, for :mod:`drafter.redact`: two or three capitalised words in a row, none an
ordinary word, role, company or day, read as a name ("Marco Ruiz will own the review";
not "Black Friday", "Field Service"); ``escalation.to`` and the customer's manager name a
person only when no word of theirs is a role ("Mark Olsen, VP Sales", not "Senior
management").
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from drafter.case import Case


def _vocabulary(words: str) -> frozenset[str]:
    return frozenset(words.split())


HONORIFICS = _vocabulary("mr mrs ms mx miss dr prof sir dame jr sr ii iii iv phd md")
PARTICLES = _vocabulary("de da di do du del della der den la le van von ter bin ibn al el y")
COMMON_WORDS = _vocabulary(
    """will may mark bill grace hope joy rose frank pat sue june april august dawn faith art
    jack max summer rich gene don ray sky chase chance drew dean earl guy hunter lane miles
    sandy stone wade wells king young long brown white green black park hall ward price page
    bell cook baker lake glen heath iris ivy lily penny ruby sage amber crystal river rain
    autumn willow forest cash carol nick angel major rusty dusty mason cooper carter fisher
    porter hill rivers day mercy hardy best"""
)
"""First names that are also ordinary words: not redacted alone at the start of a sentence."""
ROLE_WORDS = _vocabulary(
    """vp svp evp ceo cfo coo cto cio cro cmo cco head chief officer director manager president
    vice senior management board team sales operations executive leadership committee
    department the of and for global regional general counsel partner lead owner founder
    customer success account accounts my our your their"""
)
"""Words that make ``escalation.to`` a role rather than a person's name."""
ORG_GENERIC = _vocabulary(
    """the a an of and first national united general global international american north
    south east west new central regional city county state group holdings partners company
    corporation systems services solutions supply supplies health medical hospital
    hospitals bank foods"""
)
LEGAL = _vocabulary("inc llc ltd limited plc gmbh ag sa bv nv corp co lp llp pty oy ab srl spa kg")
NOT_NAMES = _vocabulary(
    """monday tuesday wednesday thursday friday saturday sunday january february march july
    september october november december christmas easter thanksgiving eve day days week weeks
    month months year years quarter today tomorrow yesterday morning evening night
    the a an this that these those our your their my his her its we you they it he she
    and or but if when while after before since until because so then also yes no not
    all any every each some both no none who what why how where there here
    dear hi hello thanks thank regards best kind warm sincerely cheers please sorry
    team teams department service services support reliability site field product products
    development engineering logistics billing finance accounting operations success quality
    legal marketing procurement purchasing security network platform data research design
    office store region delivery deliveries order orders invoice invoices contract
    black cyber new old weekly daily monthly annual review call meeting email api it hr"""
)
"""Words that make a pair of capitalised words something other than a person's name
("Black Friday", "Field Service", "Weekly Review")."""

_SPLIT_ESCALATION = re.compile(r"[,(;/]|\s[-\u2013\u2014]\s")


def ordinary_word(text: str, start: int, end: int) -> bool:
    """Whether a common-word name at ``text[start:end]`` reads as the ordinary word: it opens
    a sentence and a lower-case word or "I" follows ("May I ask", "Will you")."""
    before = text[:start].rstrip(" \t\"'\u201c\u2018\u201d\u2019()[]*-\u2022>")
    if before and before[-1] not in ".!?:\n":
        return False
    after = re.match(r"\s+(\w+)", text[end:])
    return after is not None and (after.group(1)[0].islower() or after.group(1) == "I")


def bare_word(word: str) -> str:
    return word.strip(".,;:!?\"'()[]")


def significant(word: str, position: int) -> bool:
    """Whether a word of a name identifies the person (not ``Dr.``, ``F.``, ``van``)."""
    bare = bare_word(word)
    if sum(c.isalpha() for c in bare) < 2 or bare.casefold() in HONORIFICS:
        return False
    return not (position > 0 and bare.islower() and bare in PARTICLES)


def _escalation_person(to: str | None, orgs: Iterable[str]) -> str | None:
    """The person in ``escalation.to`` ("Mark Olsen, VP Sales", "VP Sales (Mark Olsen)"),
    or ``None`` when it names a role ("Senior management") or an organisation."""
    org_words = {bare_word(w).casefold() for org in orgs for w in org.split()}
    for i, segment in enumerate(_SPLIT_ESCALATION.split(to or "")):
        name = segment.strip(" ()[]")
        words = [bare_word(w) for w in name.split()]
        if not (1 if i == 0 else 2) <= len(words) <= 4:
            continue
        if all(
            w
            and w.casefold() not in ROLE_WORDS | org_words
            and not (w.isupper() and len(w) > 1)
            and (w[0].isupper() or w in PARTICLES)
            for w in words
        ):
            return name
    return None


_TOKEN = re.compile(r"[^\W\d_]+(?:['\u2019-][^\W\d_]+)*")
_POSSESSIVE = re.compile(r"['\u2019][sS]$")


def _name_word(word: str, excluded: frozenset[str]) -> bool:
    """Whether ``word`` is shaped like a word of a name (``Marco``, ``O'Brien``, ``Ruiz's``)
    and is none of the ``excluded`` ordinary words."""
    bare = _POSSESSIVE.sub("", word)
    parts = re.split(r"['\u2019-]", bare)
    return (
        len(bare) >= 2
        and all(p[:1].isupper() and p[1:] == p[1:].lower() for p in parts)
        and bare.casefold() not in excluded
    )


def name_pairs(text: str, excluded: frozenset[str]) -> list[str]:
    """Names in free text, by shape: two or three capitalised words in a row, on one line,
    none an ``excluded`` ordinary word ("Marco Ruiz will own the weekly review")."""
    runs: list[list[str]] = []
    end = -1
    for m in _TOKEN.finditer(text):
        if not _name_word(m.group(), excluded):
            end = -1
            continue
        if end >= 0 and text[end : m.start()] == " ":
            runs[-1].append(m.group())
        else:
            runs.append([m.group()])
        end = m.end()
    return [" ".join([*r[:-1], _POSSESSIVE.sub("", r[-1])]) for r in runs if 2 <= len(r) <= 3]


def case_people(case: Case, orgs: tuple[str, ...], excluded: frozenset[str]) -> list[str]:
    """The people named in the case's fields, in order: customer, sender, escalation decider,
    the customer's salutation and manager, the hand-over colleague, and owners that are
    people ("Priya Shah", not "Field Service")."""
    escalation, after = case.escalation, case.after_meeting
    owners = [c.owner for c in case.what_changed] + [
        s.owner for s in (after.agreed if after else [])
    ]
    found = [
        case.customer.name,
        case.sender.name,
        _escalation_person(escalation.to if escalation else None, orgs),
        case.customer.salutation,
        _escalation_person(case.customer.manager, orgs),
        case.handover_to.name if case.handover_to else None,
        *(p for owner in owners if owner for p in name_pairs(owner, excluded)),
    ]
    return [p for p in found if p]
