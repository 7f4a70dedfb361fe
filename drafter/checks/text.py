"""Text as the rules read it: normalised, unwrapped, reduced to significant words, and
the fuzzy matching of a case item against a draft (paraphrase allowed)."""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Sequence
from functools import lru_cache

# Phrase patterns open with (?<!\w) rather than \b: the same here, and faster in ``re``.

MATCH_SHARE = 0.5
"""Share of an item's significant words that must appear close together in the draft..."""


MATCH_CAP = 4
"""...but this many distinct significant words always suffice for a long item."""


WINDOW_MIN, WINDOW_PER_KEY, WINDOW_MAX = 12, 3, 40
"""How far apart (in significant words) an item's words may be and still count."""


WINDOW_CHARS = 500
"""How far after 'Purpose' or 'Recommend' to look for what should follow."""


CLIP = 160


_QUOTES = str.maketrans({"\u2019": "'", "\u2018": "'", "\u201c": '"', "\u201d": '"', "\u00a0": " "})


_SPACES = re.compile(r"[ \t]+")


_EMPHASIS = re.compile(r"\*\*")


_QUOTE_PREFIX = re.compile(r"^(?:>\s?)+")


_STRUCTURAL = re.compile(
    r"^(?:#{1,6}\s|[-*•\u2013]\s|\d{1,2}[.)]\s|\[[ xX]\]\s|[A-Z][\w' ]{0,30}:\s)"
)


_TOKEN = re.compile(r"[^\W_]+(?:'[^\W_]+)*")


_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")


_WORD = re.compile(r"(?<!\S)\S*[^\W_]\S*")
"""A token with a letter or digit; tried only where a token starts, so a long run of
symbols is scanned once, not once per character."""


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


def normalize(text: str) -> str:
    """Straight quotes, plain spaces, Unix newlines."""
    return text.translate(_QUOTES).replace("\r\n", "\n").replace("\r", "\n")


def unwrap(text: str) -> str:
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
def stems_of(text: str) -> tuple[str, ...]:
    """The significant words of ``text``, stemmed, in order."""
    words = (t.split("'")[0] for t in _TOKEN.findall(_THOUSANDS.sub("", text.lower())))
    return tuple(_stem(w) for w in words if len(w) > 1 and w not in _STOPWORDS)


def covered(keys: frozenset[str], stems: Sequence[str], own: frozenset[str] = frozenset()) -> bool:
    """Do enough of ``keys`` occur close together in ``stems`` (with one of ``own`` among
    them, when given: the words that tell this item from another)?"""
    if not keys:
        return True
    need = min(max(math.ceil(len(keys) * MATCH_SHARE), min(len(keys), 2)), MATCH_CAP)
    width = min(max(WINDOW_MIN, WINDOW_PER_KEY * len(keys)), WINDOW_MAX)
    for i, stem in enumerate(stems):
        if stem in keys:
            found = keys.intersection(stems[i : i + width])
            if len(found) >= need and (not own or not own.isdisjoint(found)):
                return True
    return False


def mentioned(phrasings: Iterable[str], stems: Sequence[str]) -> bool:
    """Is an item mentioned, in any of its phrasings, paraphrase allowed?"""
    return any(covered(frozenset(stems_of(p)), stems) for p in phrasings)


def approved(term: str, allowed: frozenset[str]) -> bool:
    """Do all significant words of ``term`` come from an approved case item?"""
    stems = set(stems_of(term))
    return bool(stems) and stems <= allowed


def clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= CLIP else text[: CLIP - 1].rstrip() + "…"


def count_words(text: str) -> int:
    return len(_WORD.findall(text))


def nonblank_lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def name_in(text: str, name: str) -> bool:
    """Does ``text`` name the person: full name, or a first or last name (a Japanese
    honorific may follow it: 田中様)?"""
    parts = [p for p in name.split() if len(p) > 1 and not p.endswith(".")]
    return any(
        re.search(rf"(?<!\w){re.escape(p)}(?:(?={_HONORIFIC})|(?!\w))", text, re.IGNORECASE)
        for p in [name, *parts]
    )


_HONORIFIC = "様|さん|殿|先生"


NOT_NAMES = frozenset(
    [
        "the",
        "our",
        "your",
        "their",
        "this",
        "that",
        "these",
        "those",
        "we",
        "you",
        "they",
        "he",
        "she",
        "it",
        "i",
        "a",
        "an",
        "and",
        "or",
        "but",
        "dear",
        "hi",
        "hello",
        "thanks",
        "thank",
        "best",
        "regards",
        "kind",
        "warm",
        "sincerely",
        "yours",
        "subject",
        "to",
        "from",
        "cc",
        "monday",
        "tuesday",
        "wednesday",
        "thursday",
        "friday",
        "saturday",
        "sunday",
        "january",
        "february",
        "march",
        "april",
        "may",
        "june",
        "july",
        "august",
        "september",
        "october",
        "november",
        "december",
        "mr",
        "mrs",
        "ms",
        "dr",
        "prof",
        "sir",
        "madam",
        "team",
        "purpose",
        "next",
        "what",
        "who",
        "when",
        "where",
        "why",
        "how",
        "attendees",
        "agenda",
        "notes",
        "recommendation",
        "needs",
        "value",
        "situation",
        "decision",
        "failures",
    ]
)
"""Capitalised words that are not a person's (or a rival's) name."""
