"""The agenda's own rules: time boxes, the customer's view, working together again."""

from __future__ import annotations

import re

from drafter.checks.document import Doc
from drafter.checks.report import Violation
from drafter.checks.rulebook import only, rule, violation

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


@rule(
    "agenda-timeboxes",
    "Every agenda item has a time box (METHOD, the agenda: time-boxed items).",
    applies=only("agenda"),
)
def _agenda_timeboxes(doc: Doc) -> list[Violation]:
    items = _agenda_items(doc.body)
    if not items:
        return [violation("agenda-timeboxes")]
    return [violation("agenda-timeboxes", t) for t in items if not _TIMEBOX.search(t)]


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
    r"(?:it|that) take|(?:earn|win) back your (?:trust|business)"
    r"|(?:need|want) to see to (?:go|move) forward|go forward with confidence)\b",
    re.IGNORECASE,
)


@rule(
    "agenda-listen",
    "The agenda gives the customer's view its own item: listen, what did we miss? "
    "(METHOD, the agenda).",
    applies=only("agenda"),
)
def _agenda_listen(doc: Doc) -> list[Violation]:
    return [] if _LISTEN.search(doc.flow) else [violation("agenda-listen")]


@rule(
    "agenda-work-together",
    "The agenda asks 'is it possible to work together again, and what would that take?' "
    "(METHOD, the agenda).",
    applies=only("agenda"),
)
def _agenda_work_together(doc: Doc) -> list[Violation]:
    return [] if _WORK_TOGETHER.search(doc.flow) else [violation("agenda-work-together")]
