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
from typing import Any, TypeVar

from pydantic import BaseModel

from drafter.case import Case
from drafter.drafts import Draft, Party
from drafter.names import (
    COMMON_WORDS,
    HONORIFICS,
    LEGAL,
    NOT_NAMES,
    ORG_GENERIC,
    ROLE_WORDS,
    bare_word,
    case_people,
    name_pairs,
    ordinary_word,
)
from drafter.placeholders import (
    EMAIL_DOMAIN,
    MASKED_EMAIL,
    MASKED_PHONE,
    Builder,
    Placeholder,
    PlaceholderKind,
    apostrophes,
    digits,
    distance,
    fold,
)

M = TypeVar("M", bound=BaseModel)

"""What :meth:`Redaction.redact_text` puts for an email or phone not in the case."""


_SKIP_FIELDS = frozenset(
    {"version", "situation", "tone", "status", "management_support", "currency"}
)
"""Case fields that hold a fixed vocabulary, never personal data."""


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


def _is_phone(text: str) -> bool:
    """Whether a :data:`_PHONE` match is a phone number rather than a date or an amount."""
    if not 7 <= len(digits(text)) <= 15:
        return False
    if text.startswith("+") or "(" in text:
        return True
    groups = re.split(r"[ .-]", text)
    if _NOT_PHONE.fullmatch(text):
        return False
    return len(groups) >= 3 or re.fullmatch(r"\d{3}[ .-]\d{4}", text) is not None


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


@lru_cache(maxsize=4096)
def _near(word: str, tokens: tuple[str, ...], limit: int) -> tuple[str, ...]:
    """The ``tokens`` within ``limit`` edits of ``word``."""
    return tuple(t for t in tokens if distance(word, t, limit) <= limit)


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
                lookup.setdefault("p:" + digits(p.original), p)
            else:
                lookup.setdefault(p.kind[0] + ":" + fold(p.original), p)
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
                p = lookup.get("e:" + fold(found))
                return p.token if p else MASKED_EMAIL
            if group in ("phone", "anyphone"):
                p = lookup.get("p:" + digits(found))
                if p:
                    return p.token
                return MASKED_PHONE if _is_phone(found) else found
            if group == "name":
                p = lookup.get("n:" + fold(found)) or next(
                    p  # a Unicode case pair that casefold() and re disagree on
                    for p in self._of("name")
                    if re.fullmatch(_literal(p.original), found, re.IGNORECASE)
                )
                return _recase_words(found, p.original, p.token)
            p = lookup["w:" + apostrophes(found)]
            common = p.original.casefold() in COMMON_WORDS
            if common and ordinary_word(m.string, m.start(), m.end()):
                return found
            return _recase(found, p.original, p.token)

        return pattern.sub(replace, text)

    # backward: placeholder -> original

    @cached_property
    def _backward(self) -> tuple[re.Pattern[str], dict[str, Placeholder]]:
        lookup: dict[str, Placeholder] = {}
        for p in self.placeholders:
            key = digits(p.token)[-10:] if p.kind == "phone" else fold(p.token)
            lookup.setdefault(p.kind[0] + ":" + key, p)
        parts = []
        emails = [p.token for p in self._of("email")]
        if emails:
            parts.append(rf"(?P<email>(?i:(?<![\w.+-])(?:{_alternation(emails)})(?![\w-]|\.\w)))")
        phones = [r"[\s.()-]*".join(digits(p.token)[-10:]) for p in self._of("phone")]
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
            key = digits(found)[-10:] if group == "phone" else fold(found)
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


def redact(case: Case) -> tuple[Case, Redaction]:
    """A copy of ``case`` with its names, emails, phone numbers, account and company
    replaced by stable placeholders, and the :class:`Redaction` that restores them.

    The copy is a valid :class:`Case`; the same case always gets the same placeholders.
    """
    data = case.model_dump()
    texts = _strings(data)
    build = Builder(texts)
    orgs = (case.account, case.sender.company)
    org_words = {bare_word(w).casefold() for org in orgs for w in org.split()}
    excluded = NOT_NAMES | ROLE_WORDS | ORG_GENERIC | LEGAL | HONORIFICS | org_words
    people = case_people(case, orgs, excluded)
    prose = _strings(data, skip=_SKIP_FIELDS | {"title"})  # "Operating Room Manager"
    people += [p for text in prose for p in name_pairs(text, excluded)]
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
