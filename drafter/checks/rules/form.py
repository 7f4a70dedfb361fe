"""The draft's form: one ask, no placeholders, the signature, and its length."""

from __future__ import annotations

import re

from drafter.checks.document import Doc
from drafter.checks.report import Violation
from drafter.checks.rulebook import letters, phrases, rule, signed, violation
from drafter.checks.text import (
    clip,
    count_words,
    covered,
    name_in,
    nonblank_lines,
    stems_of,
)

MAX_PARAGRAPH_WORDS = 150
"""A longer paragraph is a wall of text, whatever the total."""


SIGNATURE_LINES = 5


_PARAGRAPH = re.compile(r"\n[ \t]*\n")


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


@rule(
    "one-ask",
    "The email closes with exactly one concrete, low-pressure next step (METHOD principle "
    "7, ask, don't push).",
    applies=letters,
)
def _one_ask(doc: Doc) -> list[Violation]:
    ask_keys = frozenset(stems_of(doc.case.ask or ""))
    main, extra = 0, []
    for text in doc.sentences():
        if doc.quoted(text):
            continue
        cue = bool(_ASK_CUE.search(text))
        on_topic = bool(ask_keys) and covered(ask_keys, stems_of(text))
        if on_topic or (cue and _MEETING.search(text)):
            main += 1
        elif cue:
            extra.append(text)
    if not main:
        return [violation("one-ask")]
    return [violation("one-ask", text) for text in extra]


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


@rule(
    "no-placeholders",
    "No placeholders or template syntax are left in the text (METHOD, tells of a bad draft).",
)
def _no_placeholders(doc: Doc) -> list[Violation]:
    return phrases(
        "no-placeholders", (m for m in _PLACEHOLDER.finditer(doc.flow) if not doc.copied(m))
    )


@rule(
    "signature",
    "The sender signs with their name at the end (METHOD, the artifacts: the sender's signature).",
    applies=signed,
)
def _signature(doc: Doc) -> list[Violation]:
    end = nonblank_lines(doc.body)[-SIGNATURE_LINES:]
    if name_in(" ".join(end), doc.case.sender.name):
        return []
    return [violation("signature", end[-1] if end else "")]


@rule(
    "length",
    "The draft is short enough to read on a phone and is not a wall of text (METHOD, the "
    "artifacts: about 120-300 words for the email).",
)
def _length(doc: Doc) -> list[Violation]:
    words = count_words(doc.body)
    low, high = doc.artifact.words
    found = []
    if not low <= words <= high:
        bounds = f"{low}-{high}" if low else f"at most {high}"
        found.append(violation("length", f"{words} words; expected {bounds}"))
    for paragraph in _PARAGRAPH.split(doc.body):
        if (n := count_words(paragraph)) > MAX_PARAGRAPH_WORDS:
            found.append(violation("length", f"a paragraph of {n} words: {clip(paragraph)[:60]}…"))
    return found
