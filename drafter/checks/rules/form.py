"""The draft's form: one low-pressure ask, no grovelling, nothing said twice, names spelt as
the case spells them, no placeholders, the signature, and its length."""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import lru_cache

from drafter.checks.document import Doc
from drafter.checks.report import Violation
from drafter.checks.rulebook import letters, phrases, rule, signed, violation
from drafter.checks.rules.coverage import follow_up
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


HEADER_LINES = 4
"""A memo may name its sender in its first lines ('From: Priya Shah') instead of signing."""


MAX_APOLOGIES = 2
"""More apologies than this is grovelling (METHOD principle 4; tells: more than two)."""


REPEAT_WORDS = 6
"""A sentence this long said twice is a repetition; shorter ones ('Thank you.') may recur."""


FOLLOW_UP_WORDS = 12
"""A question this short that refers back to the ask ('Would that work?') is part of it."""


_PARAGRAPH = re.compile(r"\n[ \t]*\n")


_ASK_CUE = re.compile(
    r"\?|(?<!\w)(?:please (?!accept|know|be assured|forgive)\w+|let (?:me|us) know|could you"
    r"|would you|can you|will you|(?:call|ring|email|text|phone) me|write (?:to me|back)"
    r"|(?:just |simply )?reply (?:with|to (?:this|me)|and)|hit reply|get back to (?:me|us)"
    r"|send (?:me|us)|(?<!you have to )(?<!for you to )tell me|drop me|book (?:a|some|time)"
    r"|(?:pick|choose|suggest) a"
    r"|are you (?:free|available|open)|would (?:it|that|this) (?:work|suit|be possible)"
    r"|if (?:you're|you are) (?:open|willing|free|available)|may I|can we|could we|shall we"
    r"|if you could|(?:it )?would (?:\w+ ){0,3}help (?:\w+ ){0,4}if you"
    r"|(?:I|we)(?:'d| would) (?:(?:just|simply|really|only) )?(?:like|love|want) to"
    r" (?:meet|talk|speak|visit|come|sit|hear|call"
    r"|set up|book|schedule|ask|arrange|invite|propose|suggest|find|know)"
    r"|(?:I|we)(?:'d| would) (?:like|love|welcome|value|appreciate) (?:a|an|some|the chance"
    r"|the opportunity|it|\d+)|(?:I|we)(?:'d| would) be (?:grateful|glad) (?:for|if)"
    r"|(?:I|we) need (?:your|you to)|(?:I|we) (?:propose|suggest)|my (?:one |only )?(?:request"
    r"|ask|question)|(?:I|we)(?:'d| would)? ask (?:you )?for(?! (?:very )?little| nothing| much"
    r"| no more)"
    r"|(?:all|what|the (?:one|only) thing) (?:I|we)(?:'m| am|'re"
    r"| are) (?:after|asking|hoping for)|would be (?:welcome|very welcome|appreciated)"
    r"|if you (?:were|are|'re) willing)\b",
    re.IGNORECASE,
)
"""What makes a sentence an ask, direct or indirect ('I would like to know whether…')."""


_MEETING = re.compile(
    r"(?<!\w)(?:call|phone|meet|meeting|talk|speak|chat|conversation|visit|sit down|coffee"
    r"|come (?:by|over|to)|stop by|drop by|minutes?|half an hour|an hour|calendar|schedule"
    r"|slots?|(?:a|what|which|any) (?:time|day|date)|suits? you|works? for you|convenient)\b",
    re.IGNORECASE,
)


_REFERS_BACK = re.compile(
    r"(?<!\w)(?:that|this|it|then|if so|whether|willing|(?:a|which|what) (?:time|day|date|morning"
    r"|afternoon|slot)|suits? you|works? for you)\b",
    re.IGNORECASE,
)
"""A follow-up that only settles the ask already made: 'Would you be open to that?'."""


_ANOTHER = re.compile(
    r"(?<!\w)(?:also|too|as well|in the meantime|meanwhile|another|one more|separately"
    r"|in addition|besides)\b",
    re.IGNORECASE,
)
"""A second request, however close to the first: 'Could you also send…'."""


_DAY = r"(?:mon|tues|wednes|thurs|fri|satur|sun)day"


_MONTH = r"(?:jan|feb|mar|apr|may|jun|jul|aug|sep|oct|nov|dec)[a-z]*"


_DEADLINE = re.compile(
    r"(?<!\w)(?:(?:by|before|no later than|ahead of)\s+(?:(?:the )?(?:end|close) of\s+)?"
    rf"(?:today|tonight|tomorrow|(?:this|next) (?:week|month|{_DAY})|{_DAY}|noon|midday|eod|cob"
    rf"|\d{{1,2}}(?:[:.]\d{{2}})?\s?(?:am|pm)|\d{{1,2}}(?:st|nd|rd|th)? (?:of )?{_MONTH}"
    rf"|{_MONTH} \d{{1,2}}|\d{{4}}-\d{{2}}-\d{{2}})"
    r"|within (?:\d+|an?|one|two|three|four|five|a few) (?:hours?|(?:working |business )?days?))\b",
    re.IGNORECASE,
)
"""A deadline put on the customer: 'confirm by Friday', 'reply within 48 hours'."""


def _sentence_spans(doc: Doc) -> Iterator[tuple[int, int]]:
    start = 0
    for end in (*doc.breaks, len(doc.flow)):
        if doc.flow[start:end].strip():
            yield start, end
        start = end


def _is_ask(doc: Doc, start: int, end: int) -> bool:
    """Does the sentence ask something of the reader (a refusal, 'I won't ask you for a
    meeting', does not)?"""
    return any(m[0] == "?" or not doc.negated(m) for m in _ASK_CUE.finditer(doc.flow, start, end))


def _continues(text: str) -> bool:
    """Does this ask only settle the one before it ('Would that work?', 'Just reply with a
    day that suits you')?"""
    short = count_words(text) <= FOLLOW_UP_WORDS
    return short and not _ANOTHER.search(text) and bool(_REFERS_BACK.search(text))


def asks(doc: Doc) -> list[list[str]]:
    """The draft's asks, each as its sentences: a statement of what we would like and the
    question that follows it ('Would you be open to that?') are one ask."""
    found: list[list[str]] = []
    since = 2  # sentences since the last ask sentence
    for start, end in _sentence_spans(doc):
        text = doc.flow[start:end].strip()
        if doc.quoted(text) or not _is_ask(doc, start, end):
            since += 1
            continue
        if found and since <= 1 and _continues(text):
            found[-1].append(text)
        else:
            found.append([text])
        since = 0
    return found


@rule(
    "one-ask",
    "The email closes with exactly one concrete, low-pressure next step (METHOD principle "
    "7, ask, don't push; tells: more than one ask).",
    applies=letters,
)
def _one_ask(doc: Doc) -> list[Violation]:
    found = asks(doc)
    if not found:
        return [] if follow_up(doc) else [violation("one-ask")]
    ask_keys = frozenset(stems_of(doc.case.ask or ""))

    def central(ask: list[str]) -> bool:
        text = " ".join(ask)
        return bool(_MEETING.search(text)) or (bool(ask_keys) and covered(ask_keys, stems_of(text)))

    main = next((ask for ask in found if central(ask)), found[0])
    return [violation("one-ask", ask[0]) for ask in found if ask is not main]


_OWN_SENTENCE = re.compile(
    r"(?:I|we|our|my|you|your|it|this|that|they|their|he|she|would|could|will|can|may|shall"
    r"|please|let|thank|thanks)\b",
    re.IGNORECASE,
)
"""How a sentence the writer made of a case field starts: a subject, or a request."""


@rule(
    "whole-sentences",
    "The ask and any gesture are written as sentences to the reader, not pasted from the case "
    "as a bare line ('A short call before Friday.') (METHOD principles 6 and 7: give "
    "something first, one ask).",
    applies=letters,
)
def _whole_sentences(doc: Doc) -> list[Violation]:
    fields = {_key(f, numbers=True) for f in (doc.case.ask, *doc.case.give_first) if f}
    found = []
    for paragraph in _PARAGRAPH.split(doc.body):
        line = paragraph.strip()
        if "\n" in line or _LIST_ITEM.match(line) or _OWN_SENTENCE.match(line):
            continue
        if _key(line, numbers=True) in fields:
            found.append(violation("whole-sentences", line))
    return found


@rule(
    "no-deadline",
    "The ask sets no deadline the case does not set: 'confirm by Friday' is pressure "
    "(METHOD principle 7, ask, don't push; tells: a deadline).",
    applies=letters,
)
def _no_deadline(doc: Doc) -> list[Violation]:
    allowed = frozenset(stems_of(" ".join(filter(None, [doc.case.ask, _meeting_when(doc)]))))
    found = []
    for ask in asks(doc):
        for m in _DEADLINE.finditer(" ".join(ask)):
            if not set(stems_of(m[0])) <= allowed:
                found.append(violation("no-deadline", m[0]))
    return found


def _meeting_when(doc: Doc) -> str:
    meeting = doc.case.meeting
    return str(meeting.when) if meeting and meeting.when else ""


_APOLOGY = re.compile(
    r"(?<!\w)(?:sorry|apologi[sz](?:e|es|ed|ing)\b|apolog(?:y|ies)\b|regret(?:s|ted|ful)?\b)",
    re.IGNORECASE,
)


@rule(
    "no-grovelling",
    "One sincere acknowledgement of what it cost them, not a string of apologies (METHOD "
    "principle 4, empathy without grovelling; tells: more than two apologies).",
)
def _no_grovelling(doc: Doc) -> list[Violation]:
    said = [
        m
        for m in _APOLOGY.finditer(doc.flow)
        if not (doc.copied(m) or doc.quoted(doc.sentence_text(m.start())))
    ]
    if len(said) <= MAX_APOLOGIES:
        return []
    return [violation("no-grovelling", f"{len(said)} apologies: " + " | ".join(m[0] for m in said))]


_WORDS = re.compile(r"[^\W_]+")


@rule(
    "no-repeats",
    "Nothing is said twice: a repeated sentence, paragraph or agenda item reads as padding "
    "(METHOD, tells of a bad draft: a sentence or paragraph said twice).",
)
def _no_repeats(doc: Doc) -> list[Violation]:
    found: dict[str, Violation] = {}
    for text in (doc.flow, doc.body):
        seen: set[str] = set()
        for said in _statements(text):
            keys = _keys(said)
            for key in keys:
                if key in seen and key not in found:
                    found[key] = violation("no-repeats", said)
            seen |= keys
    return list(found.values())


PIECE_WORDS = 10
"""A sentence inside a list item, or a clause after a semicolon, this long said again
elsewhere is a repetition too (shorter ones may be a shared formula: 'owned by Support')."""


_PIECE = re.compile(r"[^.!?;]+")


def _key(text: str, *, numbers: bool = False) -> str:
    """Text compared by its words alone: case, punctuation and (unless ``numbers``) bare
    numbers ignored."""
    return " ".join(w for w in _WORDS.findall(text.lower()) if numbers or not w.isdigit())


def _keys(said: str) -> set[str]:
    """How a statement is compared: whole, and by its long sentences and clauses."""
    whole = _key(said)
    keys = {whole} if len(whole.split()) >= REPEAT_WORDS else set()
    pieces = (_key(m[0]) for m in _PIECE.finditer(said))
    return keys | {p for p in pieces if len(p.split()) >= PIECE_WORDS}


_LIST_ITEM = re.compile(r"\s*(?:[-*•\u2013\u2014|]|\d)")


_SENTENCE = re.compile(r"[^.!?]+[.!?]*")


def _statements(text: str) -> Iterator[str]:
    """What a draft says, one statement at a time: each list item or agenda line whole
    (two items may share a formula such as 'In place now, owned by Support'), each
    sentence of prose. Read both as unwrapped and as written, an agenda line is found
    however unwrapping joins it to its neighbours."""
    for line in text.split("\n"):
        if _LIST_ITEM.match(line):
            yield line.strip()
        else:
            yield from (m[0].strip() for m in _SENTENCE.finditer(line))


NAME_LETTERS = 5
"""Names shorter than this are too close to ordinary words to judge a misspelling by."""


def _people(doc: Doc) -> list[str]:
    """Every person the case names, as written ('Ellen Cho, COO' keeps its title)."""
    case = doc.case
    people = [case.customer.name, case.sender.name, case.customer.manager or ""]
    people += [case.handover_to.name] if case.handover_to else []
    people += [case.escalation.to or ""] if case.escalation else []
    return people


def _name_words(doc: Doc) -> set[str]:
    """The words of every name the case gives: the account, the people, the company."""
    case = doc.case
    names = [case.account, case.sender.company, case.customer.salutation or "", *_people(doc)]
    return {
        w for n in names for w in _WORDS.findall(n) if len(w) >= NAME_LETTERS and w[0].isupper()
    }


def _full_names(doc: Doc) -> list[list[str]]:
    """Each person's name as its words, when it has two or more ('Renee Park')."""
    names = (_WORDS.findall(p.split(",")[0]) for p in _people(doc))
    return [words for words in names if len(words) >= 2]


def _misspelt_in_pairs(doc: Doc) -> Iterator[tuple[re.Match[str], str]]:
    """A short name misspelt beside the rest of the person's name: 'Renee Parks' for Renee
    Park, 'Priyanka Rau' for Priyanka Rao (alone, a short name is too close to words)."""
    for words in _full_names(doc):
        for i, name in enumerate(words[:2]):
            other = words[1 - i]
            slot = r"([A-Z][\w-]*)"
            pair = rf"\b{re.escape(other)} {slot}\b" if i else rf"\b{slot} {re.escape(other)}\b"
            for m in re.finditer(pair, doc.flow):
                if _near(m[1], name, plural=True):
                    yield m, name


@lru_cache(maxsize=4096)
def _near(word: str, name: str, plural: bool = False) -> bool:
    """Is ``word`` a misspelling of ``name``: same first letter, one edit away (two for a
    long name), and neither the name itself nor (unless ``plural``) its plural?"""
    limit = 1 if len(name) <= 7 else 2
    inflected = not plural and word in (f"{name}s", f"{name}es")  # 'the Harborviews'
    if inflected or word == name or word[0] != name[0] or abs(len(word) - len(name)) > limit:
        return False
    previous = list(range(len(name) + 1))
    for i, a in enumerate(word, 1):
        current = [i]
        for j, b in enumerate(name, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a != b)))
        if min(current) > limit:
            return False
        previous = current
    return previous[-1] <= limit


_CAPITALISED = re.compile(r"(?<![\w'])[^\W\d_]{5,}")


@rule(
    "names-spelt",
    "Every name (the account, the customer, the sender, their colleagues) is spelt as the "
    "case spells it (METHOD, tells of a bad draft: a name misspelt anywhere).",
)
def _names_spelt(doc: Doc) -> list[Violation]:
    names = _name_words(doc)
    known = {w.lower() for s in doc.facts.strings for w in _WORDS.findall(s)}
    found: dict[str, Violation] = {}
    for m in _CAPITALISED.finditer(doc.flow):
        word = m[0]
        if not word[0].isupper() or word in found or word.lower() in known:
            continue
        name = next((n for n in names if _near(word, n)), None)
        if name:
            found[word] = violation("names-spelt", f"{word} (the case: {name})")
    for m, name in _misspelt_in_pairs(doc):
        word = m[1]
        if word not in found and word.lower() not in known and not doc.copied(m):
            found[word] = violation("names-spelt", f"{word} (the case: {name})")
    return list(found.values())


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
    "The sender signs with their name at the end, or a memo names them in its header "
    "(METHOD, the artifacts: the sender's signature).",
    applies=signed,
)
def _signature(doc: Doc) -> list[Violation]:
    end = nonblank_lines(doc.body)[-SIGNATURE_LINES:]
    header = [] if doc.artifact.letter else nonblank_lines(doc.flow)[:HEADER_LINES]
    if name_in(" ".join(end + header), doc.case.sender.name):
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
    for block in _blocks(doc.body):
        if (n := count_words(block)) > MAX_PARAGRAPH_WORDS:
            found.append(violation("length", f"a paragraph of {n} words: {clip(block)[:60]}…"))
    return found


_ITEM_START = re.compile(r"^(?:[ \t]+\S|[-*•\u2013\u2014|#>]|\d|\[|[A-Z][\w' ]{0,30}:\s)")
"""A line that starts an item of its own: a list item, a table row, a heading, a time, a
label, or an indented line."""


def _blocks(body: str) -> Iterator[str]:
    """The body's blocks of running text: paragraphs, with each list item, table row or
    labelled line a block of its own (a list is not a wall of text)."""
    for paragraph in _PARAGRAPH.split(body):
        block: list[str] = []
        for line in paragraph.split("\n"):
            if block and _ITEM_START.match(line):
                yield "\n".join(block)
                block = []
            block.append(line)
        yield "\n".join(block)
