"""The .eml rendering: an unsent draft whose every header reads back as exactly what was meant.

Header values are built here, not by the :mod:`email` folder, which (Python 3.11) can
decode a name that looks like an encoded word into a new address and leaves a long name
on one line past the 998-byte limit. Here every header is plain ASCII: words that are not
plain printable ASCII, or that look like an encoded word (``=?``), are themselves encoded
(RFC 2047), so they decode to the literal text; lines fold at 78 characters.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from itertools import repeat

from drafter.drafts import Draft, Party

LINE = 78
"""RFC 5322's recommended line length: headers fold before it (998 is the hard limit)."""
DEFAULT_DOMAIN = "drafter.invalid"
"""The Message-ID domain without a sender address: reserved, so it names no real host."""

_ATEXT = "A-Za-z0-9!#$%&'*+/=?^_`{|}~-"
_LABEL = "[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
ADDRESS_PATTERN = f"^[{_ATEXT}]+(?:\\.[{_ATEXT}]+)*@{_LABEL}(?:\\.{_LABEL})+$"
"""A plain ASCII ``name@example.com``: a dot-atom local part and a host name with a dot."""

_ADDRESS = re.compile(ADDRESS_PATTERN)
_ATOM = re.compile(f"[{_ATEXT}]+")
_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_QUOTED = re.compile(r'[\\"=]')
"""What a quoted display name escapes: the quote syntax, and ``=`` (no encoded word)."""


def strip_controls(text: str) -> str:
    """``text`` safe to print or encode: C0/C1 controls removed except newline and tab,
    and lone surrogates (which cannot be written as UTF-8) replaced by U+FFFD."""
    return _SURROGATE.sub("\ufffd", _UNPRINTABLE.sub("", text))


def one_line(text: str) -> str:
    """Text for a header or address line: no controls, any run of whitespace one space."""
    return " ".join(strip_controls(text).split())


def check_address(text: str) -> str:
    """``text`` if it is a plain ASCII address every mail client reads back unchanged.

    Raises ``ValueError`` saying what is wrong: an invisible or control character, a
    non-ASCII character (internationalised addresses are not supported), or a shape
    outside ``local.part@host.example`` (dot-atom rules: no spaces, quotes, or leading,
    trailing or doubled dots), checked again by the :mod:`email` parser.
    """
    hidden = next((ch for ch in text if unicodedata.category(ch) in ("Cc", "Cf")), None)
    if hidden is not None:
        raise ValueError(
            f"the email address contains an invisible or control character "
            f"(U+{ord(hidden):04X}); retype it"
        )
    if not text.isascii():
        odd = next(ch for ch in text if not ch.isascii())
        raise ValueError(
            f"the email address contains {odd!r}; internationalised addresses are not "
            "supported, so use the address's ASCII form (a domain as xn--…)"
        )
    local = text.rpartition("@")[0]
    if not _ADDRESS.fullmatch(text) or len(local) > 64 or len(text) > 254:
        raise ValueError(
            "expected an email address like name@example.com: no spaces, quotes or "
            "brackets, no leading, trailing or double dots, at most 64 characters before "
            "the @ and 254 in all"
        )
    if not _parses_back(text):
        raise ValueError("the email address does not read back unchanged as a mail header")
    return text


def _parses_back(text: str) -> bool:
    """Whether the :mod:`email` parsers read ``text`` back as exactly this address."""
    from email.errors import HeaderParseError
    from email.headerregistry import Address
    from email.utils import parseaddr

    try:
        parsed = Address(addr_spec=text).addr_spec
    except (HeaderParseError, ValueError):
        return False
    return parsed == text and parseaddr(text) == ("", text)


def as_eml(draft: Draft, in_reply_to: str | None = None, references: Sequence[str] = ()) -> bytes:
    """An unsent RFC 5322 message (``X-Unsent: 1``) that mail clients open as a draft, with
    a ``Date`` (now, local time) and a new ``Message-ID``.

    A reply names the message it answers in ``In-Reply-To`` and its thread in
    ``References`` (message IDs ``<…>``, oldest first, folded between IDs).

    Recipients without an address are left off ``To:`` (the escalation's decider by name,
    without the title after a comma); a sender without one is written
    as an empty group, ``From: Name :;`` (RFC 6854): the name, and no address. Raises
    ``ValueError`` for an address :func:`check_address` rejects.
    """
    from email.message import EmailMessage
    from email.policy import default
    from email.utils import formatdate

    msg = EmailMessage(policy=default.clone(refold_source="none"))
    sender = draft.sender
    if sender.email:
        msg.set_raw("From", _fold("From", _mailbox(sender)))
    elif one_line(sender.name):
        msg.set_raw("From", _fold("From", [*_words(one_line(sender.name), phrase=True), ":;"]))
    to = [_decider(p) if draft.kind == "escalation" else p for p in draft.to if p.email]
    boxes = [_mailbox(p) for p in to]
    if boxes:
        listed = [word for box in boxes[:-1] for word in (*box[:-1], box[-1] + ",")]
        msg.set_raw("To", _fold("To", listed + boxes[-1]))
    msg.set_raw("Subject", _fold("Subject", _words(one_line(draft.subject), phrase=False)))
    msg.set_raw("Date", formatdate(localtime=True))
    msg.set_raw("Message-ID", _message_id(sender.email))
    if in_reply_to:
        msg.set_raw("In-Reply-To", in_reply_to)
    if references:
        msg.set_raw("References", _fold("References", list(references)))
    msg.set_raw("X-Unsent", "1")
    msg.set_content(strip_controls(draft.body), charset="utf-8")
    return msg.as_bytes()


def _decider(party: Party) -> Party:
    """The escalation's decider as a mailbox: the name without the title ("Mark Olsen,
    VP Sales" → "Mark Olsen"), as a mail client shows it."""
    return Party(party.name.split(",")[0].strip() or party.name, party.email)


def _message_id(sender: str | None) -> str:
    """A new ``<…@domain>`` message ID: the sender's domain, or :data:`DEFAULT_DOMAIN` when
    there is no sender address or the ID would not fit on one header line."""
    from email.utils import make_msgid

    domain = sender.rpartition("@")[2] if sender else DEFAULT_DOMAIN
    msgid = make_msgid(domain=domain)
    return msgid if len("Message-ID: " + msgid) <= LINE else make_msgid(domain=DEFAULT_DOMAIN)


_WIDEST = LINE - len("Subject: ") - 1
"""The longest header word: it fits after the longest header name, with a comma."""


def _mailbox(party: Party) -> list[str]:
    """``Name <address>`` as header words."""
    return [*_words(one_line(party.name), phrase=True), f"<{check_address(party.email or '')}>"]


def _words(text: str, phrase: bool) -> list[str]:
    """One line of text as header words that decode to exactly that text.

    Plain words stay as they are (quoted where a ``phrase``, a display name, needs it);
    each run of other words becomes encoded words, so nothing in it is read as syntax.
    """
    words: list[str] = []
    run: list[str] = []
    for word in text.split():
        shown = _as_plain(word, phrase)
        if shown is None:
            run.append(word)
            continue
        words += _encoded(run)
        run = []
        words.append(shown)
    return words + _encoded(run)


def _as_plain(word: str, phrase: bool) -> str | None:
    """``word`` as written in a header, or ``None`` if it must be encoded.

    A word needs encoding when it is not printable ASCII or would not fit on a folded
    line; in a phrase, a word with specials or ``=?`` is quoted instead, its ``=`` escaped
    so no parser reads an encoded word in it. Elsewhere ``=?`` needs encoding.
    """
    if not (word.isascii() and word.isprintable()):
        return None
    if phrase and ("=?" in word or not _ATOM.fullmatch(word)):
        word = '"' + _QUOTED.sub(r"\\\g<0>", word) + '"'
    elif "=?" in word:
        return None
    return word if len(word) <= _WIDEST else None


def _encoded(words: list[str]) -> list[str]:
    """``words`` joined by spaces, as RFC 2047 UTF-8 encoded words of at most
    :data:`_WIDEST` characters (none for no words)."""
    from email.charset import Charset

    if not words:
        return []
    encoded = Charset("utf-8").header_encode_lines(" ".join(words), repeat(_WIDEST))
    return [ew for ew in encoded if ew is not None]  # None only for a width too narrow


def _fold(name: str, words: list[str]) -> str:
    """The value of header ``name``: ``words`` separated by spaces, with a line break
    before any word that would take its line past :data:`LINE` characters."""
    lines = [""]
    indent = len(name) + 2
    for word in words:
        if lines[-1] and indent + len(lines[-1]) + 1 + len(word) > LINE:
            lines.append("")
            indent = 1
        lines[-1] = f"{lines[-1]} {word}" if lines[-1] else word
    return "\n ".join(lines)
