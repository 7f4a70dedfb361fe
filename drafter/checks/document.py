"""One draft as the rules see it: normalised, unwrapped, split into sentences, with the
spans copied from the case; and free text split into a subject and a body."""

from __future__ import annotations

import re
from bisect import bisect_right
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from itertools import accumulate

from drafter.artifact import Artifact, Kind
from drafter.artifacts import artifact
from drafter.case import Case
from drafter.checks.facts import Facts, case_facts
from drafter.checks.text import count_words, normalize, stems_of, unwrap

NEGATION_WORDS = 12
"""A negation this many words before a term, in the same clause, negates it: 'I won't use
this note to talk about your renewal'."""


LEAD_IN_WORDS = 6
"""A heading this short ('What I'm not doing') negates the list items under it."""


_LIST_MARK = re.compile(r"\s*(?:[-*•\u2013\u2014]|\d+[.)])\s")


QUOTE_CHARS = 10
"""A quoted piece this long, found in the customer's words, is their question, not an ask."""


_HEADER = re.compile(r"^\s*(subject|to|from|cc|bcc)\s*:\s*(.*)$", re.IGNORECASE)


_GREETING = re.compile(
    r"^(?:dear|hi|hello|hey|good (?:morning|afternoon|evening)|greetings)\b", re.IGNORECASE
)


_SENTENCE_END = re.compile(r"[.!?](?=[\s\"')]|$)|\n")


CLAUSE_BREAK = re.compile(
    r"[.!?;:\n]|\b(?:but|however|yet|so|although|though|except|unless|whereas)\b", re.IGNORECASE
)


_NEGATION = re.compile(
    r"(?<!\w)(?:no|not|never|nor|without|neither|none|nothing|cannot|rather than"
    r"|instead of)\b(?! (?:only|just|better|one)\b| (?:\w+ )?(?:like|beats)\b)"
    r"|n't\b(?! (?:miss|wait|beat)\b)",
    re.IGNORECASE,
)
"""A refusal, not a sales idiom that merely contains a negation ('not only', 'no better
time', 'don't miss')."""


_NEGATED_AFTER = re.compile(
    r" (?:(?:is|are|was|were|will|would|should|can|could|do|does) (?:not|never)\b|\w+n't\b"
    r"|cannot\b|(?:is|are) off the table)",
    re.IGNORECASE,
)
"""A term as the subject of a negated verb: 'more business isn't on the table'."""


@dataclass(frozen=True)
class Reach:
    """Spans sorted by start, to ask in log time how far those starting by a position reach:
    'is this inside one of them?' stays cheap however many spans there are."""

    starts: tuple[int, ...]
    ends: tuple[int, ...]
    """The running maximum of the spans' ends, in order of start."""

    @classmethod
    def of(cls, spans: Iterable[tuple[int, int]]) -> Reach:
        ordered = sorted(spans)
        return cls(tuple(a for a, _ in ordered), tuple(accumulate((b for _, b in ordered), max)))

    def at(self, pos: int) -> int:
        """The furthest end of a span starting at or before ``pos``; -1 if there is none."""
        i = bisect_right(self.starts, pos)
        return self.ends[i - 1] if i else -1


@dataclass(frozen=True)
class Doc:
    """One draft, prepared once for all rules."""

    kind: Kind
    case: Case
    body: str
    flow: str
    """Subject and body with wrapped lines joined: what phrases are matched against."""
    stems: tuple[str, ...]
    verbatim: Reach
    """Spans of ``flow`` copied from the case."""
    breaks: tuple[int, ...]
    """Sentence ends in ``flow``."""
    facts: Facts
    searched: dict[tuple[re.Pattern[str], int, int], bool] = field(
        default_factory=dict, compare=False, repr=False
    )
    """What :meth:`sentence_has` found, by pattern and span."""

    @property
    def artifact(self) -> Artifact:
        """The artifact this draft is."""
        return artifact(self.kind)

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
        before = CLAUSE_BREAK.split(self.flow[max(0, m.start() - 200) : m.start()])[-1]
        near = " ".join(before.split()[-NEGATION_WORDS:])
        if _NEGATION.search(near) or _NEGATED_AFTER.match(self.flow, m.end()):
            return True
        lead = self._lead_in(m.start())
        return bool(lead and _NEGATION.search(lead))

    def _lead_in(self, pos: int) -> str:
        """The short heading a line hangs from: 'What I won't do: talk about renewal', or
        the line above a list item ('What I'm not doing' over '* Talking about renewal')."""
        line_start = self.flow.rfind("\n", 0, pos) + 1
        line = self.flow[line_start:pos]
        if ":" in line:
            head = line.split(":", 1)[0]
            return head if len(head.split()) <= LEAD_IN_WORDS else ""
        if not _LIST_MARK.match(line):
            return ""
        lines = self.flow[:line_start].rstrip("\n").split("\n")
        while lines and _LIST_MARK.match(lines[-1]):
            lines.pop()
        head = lines[-1].strip() if lines else ""
        return head if len(head.split()) <= LEAD_IN_WORDS else ""

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


def prepare(kind: Kind, subject: str, body: str, case: Case) -> Doc:
    subject, body = normalize(subject).strip(), normalize(body)
    flow = unwrap(f"{subject}\n\n{body}")
    facts = case_facts(case)
    return Doc(
        kind=kind,
        case=case,
        body=body,
        flow=flow,
        stems=stems_of(flow),
        verbatim=Reach.of(_spans(flow, (*facts.strings, facts.quote))),
        breaks=tuple(m.end() for m in _SENTENCE_END.finditer(flow)),
        facts=facts,
    )


def split_headers(text: str) -> tuple[str, str]:
    """Split free text into (subject, body): 'Subject:'/'To:' lines, or a title line. A
    'From:' line stays at the top of the body: a memo signed in its header is signed."""
    lines = normalize(text).strip("\n").split("\n")
    subject, i, senders = "", 0, []
    while i < len(lines) and (m := _HEADER.match(lines[i])):
        subject = m[2].strip() if m[1].lower() == "subject" else subject
        senders += [lines[i].strip()] if m[1].lower() == "from" else []
        i += 1
    first = i
    while first < len(lines) and not lines[first].strip():
        first += 1
    rest = senders + lines[first:]
    if i == 0 and len(rest) > 1 and _is_title(rest[0]) and not rest[1].strip():
        subject, rest = rest[0].strip(), rest[1:]
    return subject, "\n".join(rest)


def _is_title(line: str) -> bool:
    """A first line followed by a blank line reads as a subject unless it is a greeting."""
    line = line.strip()
    greeting = _GREETING.match(line) or line.endswith(",")
    return bool(line) and not greeting and count_words(line) <= 15
