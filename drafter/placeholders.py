"""Placeholders for :mod:`drafter.redact`: invented names, companies, emails and phones,
each word chosen far (in edits) from every word of the case and from each other.

Plain, name-shaped words (``Korvessa Vantrell``, ``Quorvane Group``): a model treats them as
real names and copies them verbatim ("Dear Korvessa,"), where ``[CUSTOMER]`` or ``Person 1``
invite it to fill in a blank. The same case always gets the same placeholders.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from drafter.names import LEGAL, ORG_GENERIC, bare_word, significant

PlaceholderKind = Literal["email", "phone", "name", "word"]

# --- placeholder pools: invented, name-shaped, far from real words and from each other ------

FIRST_NAMES = (
    "Korvessa", "Torwynne", "Quillory", "Brinvessa", "Halwyne", "Rinnaby",
    "Elvadry", "Velquist", "Zephrany", "Faylinor", "Gwendrik", "Esquiven",
)  # fmt: skip
"""For the first word of a person's name."""
LAST_NAMES = (
    "Vantrell", "Drummelow", "Fenwarde", "Pellisark", "Quarridge", "Sallowmere",
    "Tregarrow", "Ashwicke", "Ulverholt", "Quennick", "Thornevale", "Brackwynd",
)  # fmt: skip
"""For the other words of a person's name."""
ORG_NAMES = (
    "Quorvane", "Brixmoor", "Dunvarra", "Caskbury", "Thessiny", "Zorvantis", "Morquelle",
    "Haverlock",
)  # fmt: skip
"""For an organisation's distinctive word. Every pool word is at least four edits from
every other, and at least three from every word of four or more letters in the
cl100k/o200k tokenizer vocabularies (checked when they were chosen)."""
ORG_SUFFIX = "Group"
"""Follows the distinctive word when the organisation's name has more words."""
EMAIL_DOMAIN = "example.invalid"
"""Reserved (RFC 2606): a placeholder email can never reach anyone."""
PHONE_PREFIX = "+1 000 000 "
"""No North American area code starts with 0: a placeholder number can never ring."""
MASKED_EMAIL = f"redacted@{EMAIL_DOMAIN}"
MASKED_PHONE = f"{PHONE_PREFIX}0000"

_WORD = re.compile(r"[^\W\d_]+")


def digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def apostrophes(text: str) -> str:
    return text.replace("\u2019", "'")


def fold(text: str) -> str:
    return apostrophes(" ".join(text.split()).casefold())


def distance(a: str, b: str, limit: int) -> int:
    """Edit distance with transpositions, or ``limit + 1`` once it exceeds ``limit``."""
    if abs(len(a) - len(b)) > limit:
        return limit + 1
    prev2: list[int] = []
    prev = list(range(len(b) + 1))
    for i in range(1, len(a) + 1):
        row = [i] + [0] * len(b)
        for j in range(1, len(b) + 1):
            cost = a[i - 1] != b[j - 1]
            row[j] = min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + cost)
            if i > 1 and j > 1 and a[i - 1] == b[j - 2] and a[i - 2] == b[j - 1]:
                row[j] = min(row[j], prev2[j - 2] + 1)
        if min(row) > limit:
            return limit + 1
        prev2, prev = prev, row
    return min(prev[-1], limit + 1)


@dataclass(frozen=True)
class Placeholder:
    """One original value and the placeholder that stands for it."""

    original: str
    token: str
    kind: PlaceholderKind
    """``name``: several words, matched in any case; ``word``: one word, redacted alone only
    as written (or in capitals); ``email`` and ``phone``."""


class Builder:
    def __init__(self, texts: list[str]) -> None:
        self.placeholders: list[Placeholder] = []
        self.words: dict[str, str] = {}  # original word, casefolded -> placeholder word
        self.used: set[str] = set()
        self.seen = {w.casefold() for t in texts for w in _WORD.findall(t)}
        self.text = "\n".join(texts).casefold()
        self.next = {"first": 0, "last": 0, "org": 0, "email": 0, "phone": 0}

    def _free(self, word: str) -> bool:
        w = word.casefold()
        if w in self.used or w in self.seen:
            return False
        return all(distance(w, s, 2) > 2 for s in self.seen if abs(len(s) - len(w)) <= 2)

    def _pick(self, pool_name: Literal["first", "last", "org"]) -> str:
        pool = {"first": FIRST_NAMES, "last": LAST_NAMES, "org": ORG_NAMES}[pool_name]
        while True:
            i = self.next[pool_name]
            self.next[pool_name] += 1
            word = pool[i % len(pool)]
            if i >= len(pool):  # pool exhausted: compound words, still name-shaped
                word += LAST_NAMES[(i // len(pool) - 1) % len(LAST_NAMES)].lower()
            if self._free(word):
                self.used.add(word.casefold())
                return word

    def _add(self, original: str, token: str, kind: PlaceholderKind) -> None:
        placeholder = Placeholder(original, token, kind)
        if token != original and placeholder not in self.placeholders:
            self.placeholders.append(placeholder)

    def person(self, name: str) -> None:
        out: list[str] = []
        position = 0
        for word in name.split():
            if not significant(word, position):
                out.append(word)
                continue
            bare = bare_word(word)
            token = self.words.get(bare.casefold())
            if token is None:
                token = self._pick("first" if position == 0 else "last")
                self.words[bare.casefold()] = token
                self._add(bare, token, "word")
            out.append(word.replace(bare, token, 1))
            position += 1
        if len(out) > 1:
            self._add(" ".join(name.split()), " ".join(out), "name")
            core = [w for w in name.split() if bare_word(w) and significant(w, 1)]
            if 1 < len(core) < len(out):  # "Dana Whitfield" inside "Dr. Dana Whitfield, PhD"
                self._add(
                    " ".join(core),
                    " ".join(self.words[bare_word(w).casefold()] for w in core),
                    "name",
                )

    def org(self, name: str) -> None:
        words = name.split()
        legal = words[-1] if len(words) > 1 and bare_word(words[-1]).casefold() in LEGAL else ""
        distinct = next(
            (
                bare_word(w)
                for w in words
                if len(bare_word(w)) >= 3
                and bare_word(w).casefold() not in ORG_GENERIC | LEGAL
                and bare_word(w)[0].isupper()
            ),
            None,
        )
        token = self._pick("org")
        rest = len(words) - (1 if legal else 0) > 1
        full = " ".join([token] + ([ORG_SUFFIX] if rest else []) + ([legal] if legal else []))
        if len(words) > 1:
            self._add(" ".join(words), full, "name")
        if distinct is not None and (len(words) > 1 or distinct == name):
            self.words.setdefault(distinct.casefold(), token)
            self._add(distinct, token, "word")
        elif len(words) == 1:
            self._add(name, token, "name")

    def email(self, address: str) -> None:
        if any(p.kind == "email" and fold(p.original) == fold(address) for p in self.placeholders):
            return
        while True:
            self.next["email"] += 1
            token = f"contact{self.next['email']}@{EMAIL_DOMAIN}"
            if token not in self.text:
                break
        self._add(address, token, "email")

    def phone(self, number: str) -> None:
        number_digits = digits(number)
        if not number_digits or any(
            p.kind == "phone" and digits(p.original) == number_digits for p in self.placeholders
        ):
            return
        while True:
            self.next["phone"] += 1
            token = f"{PHONE_PREFIX}{self.next['phone']:04d}"
            if digits(token)[-10:] not in re.sub(r"\D", "", self.text):
                break
        self._add(number, token, "phone")
