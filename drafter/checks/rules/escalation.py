"""The escalation note's own rules: the value, the needs, the decision by a date, and a
recommendation with its reason."""

from __future__ import annotations

import math
import re

from drafter.advice import recommend
from drafter.checks.document import Doc
from drafter.checks.facts import (
    DATE,
    MONEY_TOLERANCE,
    DateRef,
    date_known,
    date_refs,
    numbers_in,
)
from drafter.checks.report import Violation
from drafter.checks.rulebook import only, rule, violation
from drafter.checks.text import mentioned, name_in
from drafter.meeting import WORD_NUMBERS


@rule(
    "escalation-value",
    "The note states the account's annual value (METHOD, the escalation note: the value at stake).",
    applies=only("escalation"),
)
def _escalation_value(doc: Doc) -> list[Violation]:
    value = doc.case.value_at_stake.annual_value
    if any(math.isclose(value, v, rel_tol=MONEY_TOLERANCE) for v in numbers_in(doc.flow)):
        return []
    return [violation("escalation-value")]


@rule(
    "escalation-needs",
    "The note names everything the recovery needs from the company, with the need's own "
    "figures and dates (METHOD, the escalation note: people, money, time; principle 8).",
    applies=only("escalation"),
)
def _escalation_needs(doc: Doc) -> list[Violation]:
    needs = doc.case.escalation.needs if doc.case.escalation else []
    stated = numbers_in(doc.flow) | {float(n) for w, n in WORD_NUMBERS.items() if _word(w, doc)}
    dates = [ref for m in DATE.finditer(doc.flow) for ref in date_refs(m)]
    return [
        violation("escalation-needs", n)
        for n in needs
        if not (mentioned([n], doc.stems) and _figures_stated(n, stated, dates))
    ]


def _word(word: str, doc: Doc) -> bool:
    """Is this number word in the note ("six weeks")?"""
    return re.search(rf"(?<!\w){word}\b", doc.flow, re.IGNORECASE) is not None


def _figures_stated(need: str, stated: set[float], dates: list[DateRef]) -> bool:
    """Are the need's own dates and figures (its people, money and time) in the note?"""
    wanted = [ref for m in DATE.finditer(need) for ref in date_refs(m)]
    if wanted and not any(date_known(ref, wanted) for ref in dates):
        return False
    figures = numbers_in(DATE.sub(" ", need))
    return all(any(math.isclose(f, v, rel_tol=MONEY_TOLERANCE) for v in stated) for f in figures)


_DECISION = re.compile(r"(?<!\w)(?:decision|decide|approv\w*|sign-?off|go-ahead)\b", re.IGNORECASE)


@rule(
    "escalation-decision-date",
    "The note asks for the decision by the case's date (METHOD, the escalation note: the "
    "decision asked for by a date).",
    applies=only("escalation"),
)
def _escalation_decision_date(doc: Doc) -> list[Violation]:
    due = doc.case.escalation.decide_by if doc.case.escalation else None
    if due is None:
        return []
    wanted = [(due.year, due.month, due.day)]
    for m in DATE.finditer(doc.flow):
        if any(ref[2] and date_known(ref, wanted) for ref in date_refs(m)):
            return []
    return [violation("escalation-decision-date", f"{due:%Y-%m-%d}")]


_RECOMMEND = re.compile(
    r"(?<!\w)(?:recommend\w*|my (?:advice|call|proposal)|I (?:propose|suggest|advise)|proposal"
    r"|way forward|verdict|bottom line)\b",
    re.IGNORECASE,
)


_ACTION = re.compile(
    r"(?<!\w)(?:(?P<recover>recover\w*|win (?:\w+ ){0,3}back|keep (?:the account|them|going))"
    r"|(?P<escalate>escalat\w*|go (?:over [\w']+ head )?to (?:[\w']+ ){0,4}(?:manager|director|boss"
    r"|head|chief|COO|CEO|CFO|VP|owner))"
    r"|(?P<hand_over>hand(?:ing)? (?:[\w']+ ){0,3}(?:over|to)|hand-?over"
    r"|pass(?:ing)? (?:\w+ ){0,3}to|take (?:\w+ ){0,3}over)"
    r"|(?P<walk_away>walk(?:ing)? away|step(?:ping)? (?:back|away)|keep in touch|let (?:it|them) go"
    r"|stop (?:the|our) recovery))\b",
    re.IGNORECASE,
)
"""The method's four recommendations, in their common phrasings."""


_CONDITION = re.compile(
    r"(?<!\w)(?:if|unless|provided|only with|once|on condition)\b[^.;]{0,80}?"
    r"(?:back\w*|approv\w*|commit\w*|support\w*|fund\w*|resourc\w*|staff\w*|agree\w*)",
    re.IGNORECASE,
)
"""A recovery made conditional on the backing: allowed when management has not committed."""


_REASON = re.compile(
    r"(?<!\w)(?:because|since|given|reason|why|so that|worth|outweigh\w*|justif\w*|against"
    r"|cost\w*|value|renew\w*|risk)\b",
    re.IGNORECASE,
)


REASON_WORDS = 6
"""Words after the action that, in the same paragraph, can carry its reason."""


def _recommendation(doc: Doc) -> tuple[str, re.Match[str]] | None:
    """The note's recommendation: its action and where it is stated, or None. A heading
    ("RECOMMENDATION") is followed by its text; a negated action ("not walk away") is not
    the recommendation."""
    searched = 0
    for m in _RECOMMEND.finditer(doc.flow):
        end = doc.sentence(m.start())[1]
        while end < len(doc.flow) and not doc.flow[max(m.end(), searched) : end].strip(" :\n"):
            end = doc.sentence(end)[1]  # a heading: its text follows
        for a in _ACTION.finditer(doc.flow, max(m.end(), searched), end):
            if not doc.negated(a):
                return next(k for k, v in a.groupdict().items() if v), a
        searched = max(searched, end)  # each stretch of text is searched once
    return None


def _allowed(doc: Doc, action: str, at: re.Match[str]) -> bool:
    """Does the case allow this action (drafter.advice, the method's recommendation)?"""
    expected = recommend(doc.case).action
    if expected == "recover" or action == expected:
        return True
    if expected == "walk_away":  # a recovery only if the backing is given, said plainly
        return doc.sentence_has(_CONDITION, at.start(), and_next=True)
    return False


@rule(
    "escalation-recommendation",
    "The note recommends recover, escalate, hand over or walk away as the case allows "
    "(management's backing, a personal break, a refusal to meet, the cost against the value), "
    "and says why (METHOD, the recommendation; principle 8, know when to stop).",
    applies=only("escalation"),
)
def _escalation_recommendation(doc: Doc) -> list[Violation]:
    found = _recommendation(doc)
    if found is None:
        return [violation("escalation-recommendation")]
    action, at = found
    said = doc.sentence_text(at.start())
    if not _allowed(doc, action, at):
        return [violation("escalation-recommendation", said)]
    start, end = doc.sentence(at.start())
    after = doc.flow[at.end() : doc.sentence(end)[1]]
    handover = doc.case.handover_to
    if (
        action == "hand_over"
        and handover
        and not name_in(doc.flow[start : at.end()] + after, handover.name)
    ):
        return [violation("escalation-recommendation", said)]
    if len(after.split()) < REASON_WORDS and not _REASON.search(doc.flow):
        return [violation("escalation-recommendation", said)]
    return []


_QUOTED = re.compile(r'"[^"]{0,2000}"')


_TO_MANAGER = re.compile(
    r"(?<!\w)(?:decision|decide|approv\w*|agree\w*|back(?:ing)?|support|sign[- ]?off|go-ahead"
    r"|budget|attention|authori[sz]\w*|let me know|questions?|(?:from|of|ask) you"
    r"|as you (?:know|asked|requested|may know)|you (?:asked|will see|may recall|will recall)"
    r"|your (?:call|steer|help|input|view|guidance|signature|okay|ok|answer|reply|response|say-so)"
    r"|(?:can|could|would|will) you|if you (?:want|wish|prefer|agree|'d like|would like|have)"
    r"|you (?:could|can|would|will|may) (?:approve|decide|confirm|back|sign|agree|release|fund)"
    r"|you(?:'ve| have)? (?:already )?(?:backed|approved|agreed|signed off|supported))\b",
    re.IGNORECASE,
)
"""What the writer asks of the manager: the one 'you' an internal note may use."""


_YOU = re.compile(r"(?<!\w)(?:you|your|yours|yourself)\b", re.IGNORECASE)


_THANKS = re.compile(r"^(?:thank you|thanks)\W*$", re.IGNORECASE)


@rule(
    "escalation-voice",
    "The note is written about the customer to management, never to the customer: 'you' "
    "only asks the manager for the decision (METHOD, the escalation note: the internal voice).",
    applies=only("escalation"),
)
def _escalation_voice(doc: Doc) -> list[Violation]:
    text = _QUOTED.sub(lambda q: " " * len(q[0]), doc.flow)  # their words, quoted, are theirs
    seen: set[tuple[int, int]] = set()
    found = []
    for m in _YOU.finditer(text):
        span = doc.sentence(m.start())
        if span in seen:
            continue
        seen.add(span)
        sentence = doc.flow[span[0] : span[1]].strip()
        if not (doc.sentence_has(_TO_MANAGER, m.start()) or _THANKS.match(sentence)):
            found.append(violation("escalation-voice", sentence))
    return found
