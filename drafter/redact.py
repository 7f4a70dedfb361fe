"""Keep personal data on the laptop: redact a case before it goes to a model API, restore the reply.

:func:`redact` returns a redacted copy of a case, still a valid :class:`Case`, and the
:class:`Redaction` that maps every placeholder back. Replaced, in every string field of the
case (identity fields and free text alike):

- the names of the case's people: the customer (``name``, ``salutation``, ``manager``), the
  sender, the escalation decider (``escalation.to``, up to its first comma), the hand-over
  colleague, and owners of changes and agreed steps that are people, not teams: the full
  name in any case, and each name word alone when written as in the name (``Dana``,
  ``Whitfield``) or in capitals;
- names found only in free text, by shape (a heuristic): two or three capitalised words in
  a row, none an ordinary word, role, company or day ("Marco Ruiz will own the review";
  not "Black Friday", "Field Service"); job titles are not searched;
- the account name and the sender's company: the full name in any case, and its distinctive
  first word alone (``Northwind``). The sender's company is redacted too: beside the
  customer's name and complaint, who sells to whom is confidential business information,
  and the model needs neither to write a good draft;
- the customer's and sender's emails, the sender's phone, and any other email address or
  phone number found in free text.

Placeholders are invented names and companies (``Korvessa Vantrell``, ``Quorvane Group``),
``contact1@example.invalid`` and ``+1 000 000 0001``. Plain, name-shaped words: a model
treats them as real names and copies them verbatim ("Dear Korvessa,"), where ``[CUSTOMER]``
or ``Person 1`` invite it to fill in a blank (and the method's checks flag ``[Name]``).
A person's placeholder is word-aligned with the name, so the first name maps to the first
placeholder word and ``first_name`` works on both sides. Each placeholder word is chosen
so that no word of the case is within two edits of it, so restoring can never touch the
case's own words. The same case always gets the same placeholders.

:meth:`Redaction.restore` maps placeholders back case-insensitively, across line breaks,
with possessives and plurals (``Korvessa's`` → ``Dana's``), and keeps the writer's casing
(``KORVESSA`` → ``DANA``); a placeholder word misspelt by one letter is restored when only
one placeholder is that close. :meth:`Redaction.unrestored` lists what still looks like a
placeholder afterwards, so a mangled reply can be repaired or replaced by the template.

Common-word first names (``Will``, ``May``, ``Mark``) are not redacted alone at the start
of a sentence ("May I ask…"); lower-case words are never redacted alone ("we will"). A name
not in a people field is missed when it only appears as one word ("ask Marco"), in lower
case, or in a script without capitals; a name-shaped pair that is no person ("Acme
Surgical") is redacted too, and restored like any other.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import cached_property, lru_cache
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from drafter.case import Case
from drafter.drafts import Draft, Party

PlaceholderKind = Literal["email", "phone", "name", "word"]
M = TypeVar("M", bound=BaseModel)

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
"""What :meth:`Redaction.redact_text` puts for an email or phone not in the case."""


def _vocabulary(words: str) -> frozenset[str]:
    return frozenset(words.split())


_SKIP_FIELDS = frozenset(
    {"version", "situation", "tone", "status", "management_support", "currency"}
)
"""Case fields that hold a fixed vocabulary, never personal data."""

_HONORIFICS = _vocabulary("mr mrs ms mx miss dr prof sir dame jr sr ii iii iv phd md")
_PARTICLES = _vocabulary("de da di do du del della der den la le van von ter bin ibn al el y")
_COMMON_WORDS = _vocabulary(
    """will may mark bill grace hope joy rose frank pat sue june april august dawn faith art
    jack max summer rich gene don ray sky chase chance drew dean earl guy hunter lane miles
    sandy stone wade wells king young long brown white green black park hall ward price page
    bell cook baker lake glen heath iris ivy lily penny ruby sage amber crystal river rain
    autumn willow forest cash carol nick angel major rusty dusty mason cooper carter fisher
    porter hill rivers day mercy hardy best"""
)
"""First names that are also ordinary words: not redacted alone at the start of a sentence."""
_ROLE_WORDS = _vocabulary(
    """vp svp evp ceo cfo coo cto cio cro cmo cco head chief officer director manager president
    vice senior management board team sales operations executive leadership committee
    department the of and for global regional general counsel partner lead owner founder
    customer success account accounts my our your their"""
)
"""Words that make ``escalation.to`` a role rather than a person's name."""
_ORG_GENERIC = _vocabulary(
    """the a an of and first national united general global international american north
    south east west new central regional city county state group holdings partners company
    corporation systems services solutions supply supplies health medical hospital
    hospitals bank foods"""
)
_LEGAL = _vocabulary("inc llc ltd limited plc gmbh ag sa bv nv corp co lp llp pty oy ab srl spa kg")
_NOT_NAMES = _vocabulary(
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

# --- patterns ---------------------------------------------------------------------------------

_EMAIL = r"(?<![\w.+-])[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
_PHONE = (
    r"(?<![\w+$€£¥₹.,/-])"
    r"(?:\+\d{7,15}|(?:\+\d{1,3}[ .-]?)?(?:\(\d{1,5}\)[ .-]?)?\d{2,5}(?:[ .-]\d{2,5}){0,4})"
    r"(?![\w/%]|[.,-]\d)"
)
_NOT_PHONE = re.compile(
    r"\d{4}[ .-]\d{1,2}[ .-]\d{1,2}|\d{1,2}[ .-]\d{1,2}[ .-]\d{2,4}"  # dates
    r"|\d{1,3}(?:[ ,.]\d{3})+"  # thousands
    r"|(?:19|20)\d\d[ .-](?:19|20)\d\d"  # year ranges
)
_END = r"(?=[sS]?(?!\w))"
"""After a name: a word boundary, allowing a plural or possessive ``s`` (``Vantrells``)."""
_WORD = re.compile(r"[^\W\d_]+")
_SPLIT_ESCALATION = re.compile(r"[,(;/]|\s[-\u2013\u2014]\s")


def _digits(text: str) -> str:
    return re.sub(r"\D", "", text)


def _is_phone(text: str) -> bool:
    """Whether a :data:`_PHONE` match is a phone number rather than a date or an amount."""
    if not 7 <= len(_digits(text)) <= 15:
        return False
    if text.startswith("+") or "(" in text:
        return True
    groups = re.split(r"[ .-]", text)
    if _NOT_PHONE.fullmatch(text):
        return False
    return len(groups) >= 3 or re.fullmatch(r"\d{3}[ .-]\d{4}", text) is not None


def _apostrophes(text: str) -> str:
    return text.replace("\u2019", "'")


def _key(text: str) -> str:
    return _apostrophes(" ".join(text.split()).casefold())


def _literal(text: str) -> str:
    """``text`` as a pattern: any run of whitespace between words, either apostrophe."""
    return r"\s+".join(re.escape(w).replace("'", "['\u2019]") for w in text.split())


def _alternation(items: Iterable[str]) -> str:
    """Longest first, so ``Dana Whitfield`` wins over ``Dana``."""
    return "|".join(_literal(s) for s in sorted(set(items), key=lambda s: (-len(s), s)))


def _recase(written: str, source: str, target: str) -> str:
    """``target``, cased the way ``written`` is cased relative to ``source``."""
    if written == source or not any(c.isalpha() for c in written):
        return target
    if written == source.upper() or (written.isupper() and len(written) > 1):
        return target.upper()
    if written == source.lower() or written.islower():
        return target.lower()
    if written == source[:1].lower() + source[1:]:
        return target[:1].lower() + target[1:]
    return target


def _recase_words(written: str, source: str, target: str) -> str:
    """Like :func:`_recase`, word by word when the three have as many words, keeping the
    writer's whitespace (a name wrapped across lines stays wrapped)."""
    pieces = re.split(r"(\s+)", written)
    words, sources, targets = pieces[::2], source.split(), target.split()
    if not len(words) == len(sources) == len(targets):
        return _recase(" ".join(words), source, target)
    pieces[::2] = [_recase(w, s, t) for w, s, t in zip(words, sources, targets, strict=True)]
    return "".join(pieces)


def _ordinary_word(text: str, start: int, end: int) -> bool:
    """Whether a common-word name at ``text[start:end]`` reads as the ordinary word: it opens
    a sentence and a lower-case word or "I" follows ("May I ask", "Will you")."""
    before = text[:start].rstrip(" \t\"'\u201c\u2018\u201d\u2019()[]*-\u2022>")
    if before and before[-1] not in ".!?:\n":
        return False
    after = re.match(r"\s+(\w+)", text[end:])
    return after is not None and (after.group(1)[0].islower() or after.group(1) == "I")


def _distance(a: str, b: str, limit: int) -> int:
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


@lru_cache(maxsize=4096)
def _near(word: str, tokens: tuple[str, ...], limit: int) -> tuple[str, ...]:
    """The ``tokens`` within ``limit`` edits of ``word``."""
    return tuple(t for t in tokens if _distance(word, t, limit) <= limit)


def _map_strings(value: Any, fn: Callable[[str], str], key: str | None = None) -> Any:
    """``value`` (a model dump) with ``fn`` applied to every string outside ``_SKIP_FIELDS``."""
    if isinstance(value, str):
        return value if key in _SKIP_FIELDS else fn(value)
    if isinstance(value, dict):
        return {k: _map_strings(v, fn, k) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_map_strings(v, fn, key) for v in value]
    return value


# --- the redaction ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Placeholder:
    """One original value and the placeholder that stands for it."""

    original: str
    token: str
    kind: PlaceholderKind
    """``name``: several words, matched in any case; ``word``: one word, redacted alone only
    as written (or in capitals); ``email`` and ``phone``."""


@dataclass(frozen=True)
class Redaction:
    """The placeholders of one redacted case, in order: redact more text, or restore it."""

    placeholders: tuple[Placeholder, ...]

    def _of(self, kind: PlaceholderKind) -> list[Placeholder]:
        return [p for p in self.placeholders if p.kind == kind]

    # forward: original -> placeholder

    @cached_property
    def _forward(self) -> tuple[re.Pattern[str], dict[str, Placeholder]]:
        lookup: dict[str, Placeholder] = {}
        for p in self.placeholders:
            if p.kind == "word":
                lookup.setdefault("w:" + p.original, p)
                lookup.setdefault("w:" + p.original.upper(), p)
            elif p.kind == "phone":
                lookup.setdefault("p:" + _digits(p.original), p)
            else:
                lookup.setdefault(p.kind[0] + ":" + _key(p.original), p)
        emails = [p.original for p in self._of("email")]
        phones = [p.original for p in self._of("phone")]
        names = [p.original for p in self._of("name")]
        words = [w for p in self._of("word") for w in (p.original, p.original.upper())]
        parts = []
        if emails:
            parts.append(rf"(?P<email>(?i:(?<![\w.+-])(?:{_alternation(emails)})(?![\w-]|\.\w)))")
        parts.append(rf"(?P<anyemail>{_EMAIL})")
        if phones:
            parts.append(rf"(?P<phone>(?<![\w+])(?:{_alternation(phones)})(?!\d))")
        parts.append(rf"(?P<anyphone>{_PHONE})")
        if names:
            parts.append(rf"(?P<name>(?i:(?<!\w)(?:{_alternation(names)})){_END})")
        if words:
            parts.append(rf"(?P<word>(?<!\w)(?:{_alternation(words)}){_END})")
        return re.compile("|".join(parts)), lookup

    def redact_text(self, text: str) -> str:
        """``text`` with this case's names, emails and phones replaced by their placeholders,
        and any other email or phone number masked (e.g. a repair prompt quoting a draft)."""
        pattern, lookup = self._forward

        def replace(m: re.Match[str]) -> str:
            found, group = m.group(), m.lastgroup
            if group in ("email", "anyemail"):
                p = lookup.get("e:" + _key(found))
                return p.token if p else MASKED_EMAIL
            if group in ("phone", "anyphone"):
                p = lookup.get("p:" + _digits(found))
                if p:
                    return p.token
                return MASKED_PHONE if _is_phone(found) else found
            if group == "name":
                p = lookup.get("n:" + _key(found)) or next(
                    p  # a Unicode case pair that casefold() and re disagree on
                    for p in self._of("name")
                    if re.fullmatch(_literal(p.original), found, re.IGNORECASE)
                )
                return _recase_words(found, p.original, p.token)
            p = lookup["w:" + _apostrophes(found)]
            common = p.original.casefold() in _COMMON_WORDS
            if common and _ordinary_word(m.string, m.start(), m.end()):
                return found
            return _recase(found, p.original, p.token)

        return pattern.sub(replace, text)

    # backward: placeholder -> original

    @cached_property
    def _backward(self) -> tuple[re.Pattern[str], dict[str, Placeholder]]:
        lookup: dict[str, Placeholder] = {}
        for p in self.placeholders:
            key = _digits(p.token)[-10:] if p.kind == "phone" else _key(p.token)
            lookup.setdefault(p.kind[0] + ":" + key, p)
        parts = []
        emails = [p.token for p in self._of("email")]
        if emails:
            parts.append(rf"(?P<email>(?i:(?<![\w.+-])(?:{_alternation(emails)})(?![\w-]|\.\w)))")
        phones = [r"[\s.()-]*".join(_digits(p.token)[-10:]) for p in self._of("phone")]
        if phones:
            alternatives = "|".join(phones)
            parts.append(rf"(?P<phone>(?<![\w+])(?:\+?1[\s.-]*)?\(?(?:{alternatives})(?!\d))")
        kinds: tuple[PlaceholderKind, ...] = ("name", "word")
        for kind in kinds:
            tokens = [p.token for p in self._of(kind)]
            if tokens:
                parts.append(rf"(?P<{kind}>(?i:(?<!\w)(?:{_alternation(tokens)}){_END}))")
        return re.compile("|".join(parts) or r"(?!)"), lookup

    @cached_property
    def _token_words(self) -> dict[str, Placeholder]:
        return {p.token.casefold(): p for p in self._of("word")}

    def restore(self, text: str) -> str:
        """``text`` with every placeholder put back (see the module docstring)."""
        pattern, lookup = self._backward

        def replace(m: re.Match[str]) -> str:
            found, group = m.group(), m.lastgroup or ""
            key = _digits(found)[-10:] if group == "phone" else _key(found)
            p = lookup[group[0] + ":" + key]
            if group in ("email", "phone"):
                return p.original
            return _recase_words(found, p.token, p.original)

        restored = pattern.sub(replace, text)
        return _WORD.sub(self._restore_misspelt, restored) if self._token_words else restored

    def _restore_misspelt(self, m: re.Match[str]) -> str:
        word = m.group()
        if len(word) < 6 or word.casefold() in self._token_words:
            return word
        close = _near(word.casefold(), tuple(self._token_words), 1)
        if len(close) != 1:
            return word
        original = self._token_words[close[0]].original
        return original.upper() if word.isupper() and len(word) > 1 else original

    def unrestored(self, text: str) -> list[str]:
        """What in restored ``text`` still looks like a placeholder: a placeholder email or
        phone, or a word two letters from a placeholder word. A draft with any should be
        repaired or replaced: it would reach the customer with an invented name in it."""
        found = re.findall(rf"[\w.+-]*@{re.escape(EMAIL_DOMAIN)}", text, re.IGNORECASE)
        found += re.findall(r"(?<![\d,.])(?:\+?1[\s.-]*)?\(?000\)?[\s.-]*000[\s.-]*\d{4}", text)
        tokens = tuple(self._token_words)
        found += [w for w in _WORD.findall(text) if len(w) >= 6 and _near(w.casefold(), tokens, 2)]
        return list(dict.fromkeys(s.strip() for s in found))

    def restore_draft(self, draft: Draft) -> Draft:
        """``draft`` with its subject, body and parties restored."""
        return dataclasses.replace(
            draft,
            subject=self.restore(draft.subject),
            body=self.restore(draft.body),
            sender=self._party(draft.sender),
            to=tuple(self._party(p) for p in draft.to),
        )

    def _party(self, party: Party) -> Party:
        email = self.restore(party.email) if party.email else party.email
        return Party(self.restore(party.name), email)

    def restore_model(self, model: M) -> M:
        """A copy of ``model`` (e.g. a parsed structured reply) with every string restored."""
        return type(model).model_validate(_map_strings(model.model_dump(), self.restore))


# --- building the placeholders ----------------------------------------------------------------


def _strings(value: Any, key: str | None = None, skip: frozenset[str] = _SKIP_FIELDS) -> list[str]:
    """Every string of a model dump, outside the ``skip`` fields."""
    if isinstance(value, str):
        return [] if key in skip else [value]
    if isinstance(value, dict):
        return [s for k, v in value.items() for s in _strings(v, k, skip)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v, key, skip)]
    return []


def _bare(word: str) -> str:
    return word.strip(".,;:!?\"'()[]")


def _significant(word: str, position: int) -> bool:
    """Whether a word of a name identifies the person (not ``Dr.``, ``F.``, ``van``)."""
    bare = _bare(word)
    if sum(c.isalpha() for c in bare) < 2 or bare.casefold() in _HONORIFICS:
        return False
    return not (position > 0 and bare.islower() and bare in _PARTICLES)


def _escalation_person(to: str | None, orgs: Iterable[str]) -> str | None:
    """The person in ``escalation.to`` ("Mark Olsen, VP Sales", "VP Sales (Mark Olsen)"),
    or ``None`` when it names a role ("Senior management") or an organisation."""
    org_words = {_bare(w).casefold() for org in orgs for w in org.split()}
    for i, segment in enumerate(_SPLIT_ESCALATION.split(to or "")):
        name = segment.strip(" ()[]")
        words = [_bare(w) for w in name.split()]
        if not (1 if i == 0 else 2) <= len(words) <= 4:
            continue
        if all(
            w
            and w.casefold() not in _ROLE_WORDS | org_words
            and not (w.isupper() and len(w) > 1)
            and (w[0].isupper() or w in _PARTICLES)
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


def _name_pairs(text: str, excluded: frozenset[str]) -> list[str]:
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


def _case_people(case: Case, orgs: tuple[str, ...], excluded: frozenset[str]) -> list[str]:
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
        *(p for owner in owners if owner for p in _name_pairs(owner, excluded)),
    ]
    return [p for p in found if p]


class _Builder:
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
        return all(_distance(w, s, 2) > 2 for s in self.seen if abs(len(s) - len(w)) <= 2)

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
            if not _significant(word, position):
                out.append(word)
                continue
            bare = _bare(word)
            token = self.words.get(bare.casefold())
            if token is None:
                token = self._pick("first" if position == 0 else "last")
                self.words[bare.casefold()] = token
                self._add(bare, token, "word")
            out.append(word.replace(bare, token, 1))
            position += 1
        if len(out) > 1:
            self._add(" ".join(name.split()), " ".join(out), "name")
            core = [w for w in name.split() if _bare(w) and _significant(w, 1)]
            if 1 < len(core) < len(out):  # "Dana Whitfield" inside "Dr. Dana Whitfield, PhD"
                self._add(
                    " ".join(core), " ".join(self.words[_bare(w).casefold()] for w in core), "name"
                )

    def org(self, name: str) -> None:
        words = name.split()
        legal = words[-1] if len(words) > 1 and _bare(words[-1]).casefold() in _LEGAL else ""
        distinct = next(
            (
                _bare(w)
                for w in words
                if len(_bare(w)) >= 3
                and _bare(w).casefold() not in _ORG_GENERIC | _LEGAL
                and _bare(w)[0].isupper()
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
        if any(p.kind == "email" and _key(p.original) == _key(address) for p in self.placeholders):
            return
        while True:
            self.next["email"] += 1
            token = f"contact{self.next['email']}@{EMAIL_DOMAIN}"
            if token not in self.text:
                break
        self._add(address, token, "email")

    def phone(self, number: str) -> None:
        digits = _digits(number)
        if not digits or any(
            p.kind == "phone" and _digits(p.original) == digits for p in self.placeholders
        ):
            return
        while True:
            self.next["phone"] += 1
            token = f"{PHONE_PREFIX}{self.next['phone']:04d}"
            if _digits(token)[-10:] not in re.sub(r"\D", "", self.text):
                break
        self._add(number, token, "phone")


def redact(case: Case) -> tuple[Case, Redaction]:
    """A copy of ``case`` with its names, emails, phone numbers, account and company
    replaced by stable placeholders, and the :class:`Redaction` that restores them.

    The copy is a valid :class:`Case`; the same case always gets the same placeholders.
    """
    data = case.model_dump()
    texts = _strings(data)
    build = _Builder(texts)
    orgs = (case.account, case.sender.company)
    org_words = {_bare(w).casefold() for org in orgs for w in org.split()}
    excluded = _NOT_NAMES | _ROLE_WORDS | _ORG_GENERIC | _LEGAL | _HONORIFICS | org_words
    people = _case_people(case, orgs, excluded)
    prose = _strings(data, skip=_SKIP_FIELDS | {"title"})  # "Operating Room Manager"
    people += [p for text in prose for p in _name_pairs(text, excluded)]
    for name in people:
        build.person(name)
    for org in dict.fromkeys(orgs):
        build.org(org)
    handover, escalation = case.handover_to, case.escalation
    addresses = (
        case.customer.email,
        case.sender.email,
        handover.email if handover else None,
        escalation.to_email if escalation else None,
    )
    for address in addresses:
        if address:
            build.email(address)
    if case.sender.phone:
        build.phone(case.sender.phone)
    for text in texts:
        for m in re.finditer(_EMAIL, text):
            build.email(m.group())
        for m in re.finditer(_PHONE, text):
            if _is_phone(m.group()):
                build.phone(m.group())
    redaction = Redaction(tuple(build.placeholders))
    redacted = Case.model_validate(_map_strings(data, redaction.redact_text))
    return redacted, redaction
