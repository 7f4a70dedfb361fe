"""The agenda's own rules: its purpose, time boxes that add up to the meeting's length, the
customer's view, working together again.

Items are read from any layout a person would use: numbered or bulleted lists, tables,
lines led by a clock range ("10:00-10:05", "0:02-0:06"), minute offsets ("00-02") or a
length ("5 min", "5m", "(10')"), and lines that end with one ("Thanks - 5 min"). Lines
indented under an item (sub-bullets, wrapped text) belong to it."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from drafter.checks.document import Doc
from drafter.checks.report import Violation
from drafter.checks.rulebook import only, rule, violation
from drafter.meeting import WORD_NUMBERS, meeting_minutes, parse_length

_WORDS = "|".join(sorted(WORD_NUMBERS, key=len, reverse=True))

_BOX = (
    r"(?P<h1>\d{1,2})[:.](?P<m1>\d{2})\s*(?:[-\u2013\u2014]|to)\s*(?P<h2>\d{1,2})[:.](?P<m2>\d{2})"
    rf"|(?P<n>\d{{1,3}}|(?:{_WORDS})(?:[- ](?:{_WORDS}))?)\s?-?\s?(?P<unit>minutes?|mins?|m|'"
    r"|hours?|hrs?|h)(?![\w'])"
    r"|(?P<hh>\d{1,2}):(?P<mm>\d{2})(?!\d)"
)
"""One time box: a clock range, a length ("5 min", "10'", "ten minutes", "1 hour") or a
lone clock reading ("0:10" is ten minutes; "10:00" a start time)."""

_LEAD = re.compile(
    rf"^[(\[]?(?:{_BOX}|(?P<a>\d{{1,3}})\s*[-\u2013]\s*(?P<b>\d{{1,3}}))[)\]]?"
    r"(?:\s*[|:.\u00b7\u2013\u2014-]\s*|\s+)(?P<text>\S.*)$",
    re.IGNORECASE,
)
"""An item led by its box: "0:02-0:06  Our account", "5 min  Thanks", "00-02 Thanks"."""

_PLAIN_BOX = re.sub(r"\(\?P<\w+>", "(?:", _BOX.rsplit("|", 1)[0])
"""A box without a lone clock reading: at the end of a line "10:00" is a time, not a box."""

_TRAIL = re.compile(
    rf"(?:^|[\s(\[\u2013\u2014:\u00b7|,-])\(?(?P<end>{_PLAIN_BOX})\)?\.?$"
    rf"|\s[\u2013\u2014-]\s*(?P<dash>{_PLAIN_BOX})(?=[.;:,)]?(?:\s|$))"
    rf"|,\s*(?P<comma>{_PLAIN_BOX})(?=[.;:]?(?:\s|$))"
    rf"|\((?P<paren>{_PLAIN_BOX}|0:\d{{2}})\)|\[(?P<bracket>[^\[\]]{{0,40}}?(?:{_PLAIN_BOX})[^\[\]]{{0,40}})\]",
    re.IGNORECASE,
)
"""An item that ends with its box ("Thanks - 5 min", "Thanks (5')") or carries one in
brackets ("[10-minute slot]", "(10 min)")."""

_IN_BOX = re.compile(_BOX, re.IGNORECASE)

_CELL = re.compile(rf"^[(\[]?(?:{_BOX})[)\]]?$", re.IGNORECASE)

_MARKER = re.compile(r"^(?:#{1,6}\s*)?(?P<marker>\d{1,2}[.)]|[-*\u2022\u2013\u2014]|\[[ xX]\])\s+")

_RULE_ROW = re.compile(r"^[\s|:\-]+$")

_PEOPLE = re.compile(
    r"(?<!\w)(?:attendees?|participants?|invitees?|invited|present|who)\b", re.IGNORECASE
)

_TOTAL = re.compile(r"^(?:total|in all|overall|length|duration)\b", re.IGNORECASE)
"""A line that states the meeting's length, not an item's."""


@dataclass
class Item:
    """One agenda item: its line, its time box in minutes (None when the box is a start time
    or missing), whether it has a box, and the lines indented under it."""

    text: str
    indent: int
    minutes: int | None
    boxed: bool
    marker: str
    """How the line is marked: "1" numbered, "-" a bullet, "|" a table row, "" not at all."""
    detail: list[str]

    @property
    def whole(self) -> str:
        """The item with everything under it."""
        return "\n".join([self.text, *self.detail])


def _minutes(m: re.Match[str]) -> int | None:
    """The length a box states; None for a start time."""
    if m["h1"] is not None:
        start, end = int(m["h1"]) * 60 + int(m["m1"]), int(m["h2"]) * 60 + int(m["m2"])
        return (end - start) % (24 * 60)
    if m["n"] is not None:
        unit = m["unit"].lower()
        if unit in ("m", "'"):
            return int(m["n"]) if m["n"].isdigit() else None
        return parse_length(f"{m['n']} {'hours' if unit.startswith('h') else 'minutes'}")
    if m.groupdict().get("a") is not None:
        return int(m["b"]) - int(m["a"]) if int(m["b"]) > int(m["a"]) else None
    return int(m["mm"]) if int(m["hh"]) == 0 and int(m["mm"]) else None


def _row(line: str, minutes_column: int | None) -> Item | None:
    """A table row as an item (bare numbers count as minutes in a "Min" column); None for an
    empty row."""
    cells = [c.strip() for c in line.strip().strip("|").split("|")]
    boxes = [(i, m) for i, c in enumerate(cells) if (m := _CELL.match(c))]
    # a length beats a start time: "| 0:05 | 10 min | Our account |"
    boxes.sort(key=lambda b: b[1]["hh"] is not None)
    at = boxes[0][0] if boxes else None
    minutes = _minutes(boxes[0][1]) if boxes else None
    if minutes is None and minutes_column is not None and minutes_column < len(cells):
        bare = cells[minutes_column]
        at, minutes = (minutes_column, int(bare)) if bare.isdigit() else (at, minutes)
    text = " ".join(c for i, c in enumerate(cells) if i != at)
    if not text.strip(" #"):
        return None
    return Item(text, 0, minutes, at is not None, "|", [])


def _line(line: str) -> Item | None:
    """A line as an item, when it is one (boxed, or a list item); else None."""
    indent = len(line) - len(line.lstrip())
    text = line.strip()
    found = _MARKER.match(text)
    text = text[found.end() :] if found else text
    marker = "" if not found else "1" if found["marker"][0].isdigit() else "-"
    if m := _LEAD.match(text):
        return Item(m["text"], indent, _minutes(m), True, marker, [])
    if (m := _TRAIL.search(text)) and (
        box := _IN_BOX.search(m["end"] or m["dash"] or m["comma"] or m["paren"] or m["bracket"])
    ):
        return Item(text, indent, _minutes(box), True, marker, [])
    return Item(text, indent, None, False, marker, []) if marker else None


_MINUTES_HEADER = re.compile(r"^(?:min(?:ute)?s?\.?|time|length|duration)$", re.IGNORECASE)


def _lines(body: str) -> Iterator[tuple[int, Item | None, str]]:
    """Each line's indent, the item it opens (or None) and its text."""
    lines = body.replace("**", "").expandtabs().split("\n")
    minutes_column: int | None = None
    for i, line in enumerate(lines):
        if not line.strip() or _RULE_ROW.match(line):
            continue
        if line.lstrip().startswith("|"):
            if i + 1 < len(lines) and _RULE_ROW.match(lines[i + 1]) and "|" in lines[i + 1]:
                cells = [c.strip() for c in line.strip().strip("|").split("|")]
                named = [n for n, c in enumerate(cells) if _MINUTES_HEADER.match(c)]
                minutes_column = named[0] if named else None
                yield 0, None, line.strip()
            else:
                yield 0, _row(line, minutes_column), line.strip()
        else:
            yield len(line) - len(line.lstrip()), _line(line), line.strip()


def agenda_items(body: str) -> list[Item]:
    """The agenda's top-level items, with what is indented under each. Attendee lists are not
    items; nor is a line that states the whole meeting's length ("At your office - 45
    minutes") or its total."""
    found: list[Item] = []
    people = False  # is this an attendee section?
    for indent, item, text in _lines(body):
        last = found[-1] if found else None
        if item is None:
            people = bool(_PEOPLE.match(text.lstrip("#* ")))
            if last and not people:
                last.detail.append(text)
        elif last and indent > last.indent and (last.boxed or not item.boxed):
            last.detail.append(text)
        elif last and last.boxed and not item.boxed and item.marker != last.marker:
            last.detail.append(text)  # bullets under numbered items
        elif not (people and not item.boxed):
            people = False
            found.append(item)
    boxed = [i for i in found if i.boxed]
    if boxed:
        top = min(i.indent for i in boxed)
        kinds = {i.marker for i in boxed}  # a missing box, in a list of boxed items
        found = [i for i in found if i.indent <= top and (i.boxed or i.marker in kinds - {""})]
    else:
        found = [i for i in found if i.marker == "1"] or found
    found = [i for i in found if not (i.boxed and _TOTAL.match(i.text))]
    boxes = [i.minutes for i in found if i.boxed]
    if len(boxes) < 3 or None in boxes:
        return found
    total = sum(b for b in boxes if b is not None)
    return [i for i in found if not _is_total(i, total)]


def _is_total(item: Item, total: int) -> bool:
    """Does this box state the meeting's length (the sum of all the other boxes), rather
    than an item's share? Only an unmarked line can: a heading, not a list item."""
    return not item.marker and item.minutes is not None and 2 * item.minutes == total


_WORK_TOGETHER = re.compile(
    r"(?<!\w)(?:work(?:ing)? (?:together|with (?:us|you)) again|(?:possible|willing|open) to "
    r"(?:work together|consider working)|consider working (?:together|with us)|continue "
    r"(?:working|to work) together|future together|what (?:would|will|could) (?:it|that) take"
    r"|(?:earn|win) back your (?:trust|business)|(?:need|want) to see to (?:go|move) forward"
    r"|go forward with confidence)\b",
    re.IGNORECASE,
)


_PURPOSE = re.compile(
    r"(?<!\w)(?:purpose|goal|objective|aim|why\b(?: we(?:'re| are) meeting)?"
    r"|(?:is|are) (?:only |simply |just |here )?(?:to|about|for)|so (?:that )?we can)\b",
    re.IGNORECASE,
)


_MAKE_RIGHT = re.compile(
    r"(?<!\w)(?:(?:make|making|put|putting|set|setting)(?: (?:it|this|that|things|matters))?"
    r" right|make amends|repair\w*|rebuild\w*|restor\w*|fix(?:ing)? (?:this|it|what)"
    r"|what (?:it|that|we) would take"
    r"|(?:hear|learn|understand)\w* (?:from you|your|what|whether|how)"
    r"|listen\w*|in your (?:own )?words|not (?:to|here to|about) (?:sell|selling|pitch)"
    r"|not (?:a )?sales|no (?:selling|sales|pitch)|not selling|nothing to sell"
    r"|what (?:else )?(?:did )?we (?:miss|missed|get wrong|got wrong))\b",
    re.IGNORECASE,
)
"""A purpose that makes it right (or first hears what it would take)."""


_SETTLE = re.compile(
    r"(?<!\w)(?:settl\w*|address\w*|answer\w*|resolv\w*|clear\w* up|close out|work through)"
    r"[\w\s,']{0,40}? (?:concerns?|doubts?|questions?|worries)\b",
    re.IGNORECASE,
)
"""In a deal, the purpose is to settle the concerns the misstep raised."""


HEADING_WORDS = 4
"""A purpose label this short ("Purpose", "Why we are meeting") heads the text after it."""


@rule(
    "agenda-purpose",
    "The agenda states its purpose: to make it right, not to sell; in a deal, to settle the "
    "concerns the misstep raised (METHOD, the agenda; principle 1).",
    applies=only("agenda"),
)
def _agenda_purpose(doc: Doc) -> list[Violation]:
    wanted: tuple[re.Pattern[str], ...] = (_MAKE_RIGHT, _WORK_TOGETHER)
    wanted += (_SETTLE,) if doc.case.situation == "deal" else ()
    for m in _PURPOSE.finditer(doc.flow):
        if any(doc.sentence_has(p, m.start(), and_next=True) for p in wanted):
            return []
        start, end = doc.sentence(m.start())
        if len(doc.flow[start:end].split()) > HEADING_WORDS:
            continue
        while end < len(doc.flow) and not doc.flow[end : doc.sentence(end)[1]].strip():
            end = doc.sentence(end)[1]  # a heading's text follows it, perhaps after a blank line
        if any(doc.sentence_has(p, end, and_next=True) for p in wanted):
            return []
    return [violation("agenda-purpose")]


def _length_given(doc: Doc) -> bool:
    """Does the case state the meeting's length (its minutes, or its ask)?"""
    meeting = doc.case.meeting
    return bool(meeting and meeting.minutes) or parse_length(doc.case.ask) is not None


LENGTH_TOLERANCE = 0.34
"""When the case gives no length, boxes within this share of the default 45 minutes pass."""


@rule(
    "agenda-timeboxes",
    "Every agenda item has a time box, and the boxes add up to the meeting's length (METHOD, "
    "the agenda: time-boxed items that add up to the meeting's length).",
    applies=only("agenda"),
)
def _agenda_timeboxes(doc: Doc) -> list[Violation]:
    items = agenda_items(doc.body)
    if not items:
        return [violation("agenda-timeboxes")]
    missing = [violation("agenda-timeboxes", i.text) for i in items if not i.boxed]
    boxes = [i.minutes for i in items]
    if missing or None in boxes:
        return missing
    total, length = sum(b for b in boxes if b is not None), meeting_minutes(doc.case)
    slack = 0 if _length_given(doc) else round(length * LENGTH_TOLERANCE)
    if abs(total - length) <= slack:
        return []
    return [
        violation("agenda-timeboxes", f"the time boxes add up to {total} minutes, not {length}")
    ]


_LISTEN = re.compile(
    r"(?<!\w)(?:listen\w*|hear\w*|tell us|in your (?:own )?words|you first|floor is yours"
    r"|(?:what|anything) (?:else )?(?:did|have|has|do) (?:we|I) (?:miss(?:ed)?|get wrong"
    r"|got wrong|overlook(?:ed)?)"
    r"|(?:what|anything) (?:else )?(?:we|I)(?: have| are)? (?:missed|missing|overlooked)"
    r"|what else (?:we|I) got wrong|what (?:else )?(?:do )?(?:we|I) need to (?:know|hear))\b",
    re.IGNORECASE,
)
"""Words that give the customer the floor."""


_VIEW = re.compile(
    r"(?<!\w)(?:(?:your|the customer's|their|[A-Z][\w.-]*(?: [A-Z][\w.-]*)?'s) (?:own )?"
    r"(?:view|views|perspective|side|account|experience|story|concerns|take|questions)\b)",
    re.IGNORECASE,
)
"""An item headed by the customer's view: theirs to give, so a question or nothing more."""


VIEW_WORDS = 6
"""An item headed by their view, with no question, is theirs if this short and nothing more."""


def _listens(item: Item) -> bool:
    """Does this item give the floor to the customer? Their view stated for them (their
    impact, listed) is not listening."""
    if _LISTEN.search(item.whole):
        return True
    view = _VIEW.search(item.text)
    rest = item.text[view.end() :].split() if view else []
    return bool(view) and ("?" in item.whole or (not item.detail and len(rest) <= VIEW_WORDS))


@rule(
    "agenda-listen",
    "The agenda gives the customer's view its own item: listen, what did we miss? "
    "(METHOD, the agenda).",
    applies=only("agenda"),
)
def _agenda_listen(doc: Doc) -> list[Violation]:
    items = agenda_items(doc.body)
    if any(_listens(i) for i in items) or (not items and _LISTEN.search(doc.flow)):
        return []
    return [violation("agenda-listen")]


@rule(
    "agenda-work-together",
    "The agenda asks 'is it possible to work together again, and what would that take?'; in a "
    "deal, what they would need to see to go forward with confidence (METHOD, the agenda).",
    applies=only("agenda"),
)
def _agenda_work_together(doc: Doc) -> list[Violation]:
    items = agenda_items(doc.body)
    if any(_WORK_TOGETHER.search(i.whole) for i in items):
        return []
    if not items and _WORK_TOGETHER.search(doc.flow):
        return []
    return [violation("agenda-work-together")]
