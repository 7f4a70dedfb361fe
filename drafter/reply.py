"""Replying in the customer's thread: read their .eml and say what the reply needs.

The reply's subject is ``Re:`` and theirs (never ``Re: Re:``), it goes to their ``From``,
its ``In-Reply-To`` is their ``Message-ID`` and its ``References`` their chain plus that
ID, and it ends with their message quoted the way mail clients quote it. Their own words
(without what they quoted) fill the case's ``customer_words`` when it has none.

Decided for awkward input: no ``Message-ID`` still replies (subject, recipient, quote) but
cannot thread, and says so; an HTML-only message is quoted as its text; any charset is
decoded, an unknown one as UTF-8 with replacement characters; a ``From`` without a usable
address leaves the case's customer as the recipient, saying so; a file over
:data:`MAX_BYTES`, without a ``From`` (not an email), or with a MIME bomb is an error.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

from drafter.drafts import Draft, Party
from drafter.eml import check_address, one_line, strip_controls
from drafter.errors import InputError

if TYPE_CHECKING:
    from email.message import EmailMessage

MAX_BYTES = 10_000_000
"""Largest .eml accepted: a long thread with a few attachments is well under."""
MAX_MIME_SECTIONS = 100
"""Most multipart boundaries read (the parser slows quadratically with nesting)."""
MAX_REFERENCES = 20
"""Longest References chain kept: the first ID and the latest ones (RFC 5322 allows it)."""

_MSGID = re.compile(r"<[!-;=?-~]{3,900}>")
"""A message ID as written in a header: printable ASCII in angle brackets, fit for a line."""
_RE = re.compile(r"^\s*(?:re|aw|sv|antw)\s*(?:\[\d+\])?\s*:\s*", re.IGNORECASE)
_DAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_SPACES = re.compile(r"[ \t\r\n\f]+")
"""HTML's white space (not the no-break space), which renders as one space."""
_QUOTED_START = re.compile(r"^(?:>|-{2,}\s*Original Message\s*-{2,}|On .{0,300} wrote:$)", re.I)


@dataclass(frozen=True)
class Original:
    """The customer's message a draft replies to."""

    subject: str
    sender: Party | None
    """Who the reply goes to; ``None``: their ``From`` has no address drafter can use."""
    message_id: str | None
    references: tuple[str, ...]
    """Their own ``References`` (or ``In-Reply-To``): the thread before their message."""
    attribution: str
    """``On Mon, 3 Nov 2025 at 09:14, Dana Whitfield wrote:``"""
    body: str
    notices: tuple[str, ...] = ()

    @property
    def chain(self) -> tuple[str, ...]:
        """The reply's ``References``: theirs, then their ``Message-ID``, at most
        :data:`MAX_REFERENCES` (the first and the latest)."""
        ids = (*self.references, self.message_id) if self.message_id else self.references
        if len(ids) > MAX_REFERENCES:
            ids = (ids[0], *ids[-(MAX_REFERENCES - 1) :])
        return ids

    def subject_for(self, ours: str) -> str:
        """``Re: <theirs>``, never twice; ours when theirs is empty."""
        theirs = one_line(self.subject)
        while _RE.match(theirs):
            theirs = _RE.sub("", theirs, count=1)
        return f"Re: {theirs}" if theirs else ours

    def quote(self) -> str:
        """Their message as mail clients quote it: the attribution, then ``> `` lines."""
        lines = strip_controls(self.body).replace("\r\n", "\n").strip("\n").split("\n")
        quoted = [
            ">" + line if line.startswith(">") or not line else "> " + line
            for line in (line.rstrip() for line in lines)
        ]
        return "\n".join([self.attribution, *quoted]) + "\n"

    def answer(self, draft: Draft) -> Draft:
        """``draft`` as the reply: their subject, to them, their message quoted below."""
        body = draft.body.rstrip("\n") + "\n\n" + self.quote()
        to = (self.sender,) if self.sender else draft.to
        return replace(draft, subject=self.subject_for(draft.subject), to=to, body=body)

    def own_words(self) -> str | None:
        """What they wrote themselves, without what they quoted: for ``customer_words``."""
        kept: list[str] = []
        for line in self.body.replace("\r\n", "\n").split("\n"):
            if _QUOTED_START.match(line.strip()):
                break
            kept.append(line)
        words = strip_controls("\n".join(kept)).strip()
        return words or None


def read_original(path: str) -> Original:
    """The customer's message in the .eml at ``path``; :class:`InputError` naming the file
    when it cannot be read or is not an email."""
    try:
        with open(path, "rb") as fh:
            raw = fh.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise InputError(f"{path}: no such file (--reply-to wants the customer's .eml).") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, not an .eml file.") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot be read ({exc.strerror or exc}).") from None
    if len(raw) > MAX_BYTES:
        raise InputError(
            f"{path}: is larger than {MAX_BYTES // 1_000_000} MB; save the customer's message "
            "without its attachments and reply to that."
        )
    return parse_original(raw, path)


def parse_original(raw: bytes, source: str) -> Original:
    """The customer's message from an .eml's bytes; ``source`` names it in errors."""
    from email import message_from_bytes
    from email.policy import default

    if len(re.findall(rb"boundary\s*=", raw, re.IGNORECASE)) > MAX_MIME_SECTIONS:
        raise InputError(
            f"{source}: has more than {MAX_MIME_SECTIONS} multipart sections; save the "
            "customer's message as plain text .eml and reply to that."
        )
    try:
        msg = message_from_bytes(raw, policy=default)
        sender = _sender(msg, source)
        body, notices = _body(msg)
    except RecursionError:
        raise InputError(f"{source}: its MIME parts are nested too deeply to read.") from None
    message_id = _ids(msg, "Message-ID")[:1]
    if not message_id:
        notices.append(
            f"{source} has no Message-ID, so the reply cannot thread under it in mail clients "
            "(it keeps their subject and address)"
        )
    references = _ids(msg, "References") or _ids(msg, "In-Reply-To")[:1]
    name = sender.name if sender and sender.name != sender.email else None
    who = name or (sender.email if sender else "") or _raw(msg, "From") or "they"
    if sender is None:
        notices.append(
            f"the From of {source} has no address drafter can use; the reply goes to the "
            "case's customer"
        )
    return Original(
        subject=_raw(msg, "Subject"),
        sender=sender,
        message_id=message_id[0] if message_id else None,
        references=tuple(r for r in references if r not in message_id),
        attribution=f"On {_when(msg)}, {who} wrote:" if _when(msg) else f"{who} wrote:",
        body=body,
        notices=tuple(notices),
    )


def _raw(msg: EmailMessage, name: str) -> str:
    """Header ``name`` decoded to one line, or empty when absent or unreadable."""
    try:
        value = msg.get(name)
    except (ValueError, LookupError, IndexError):  # a header the registry cannot parse
        value = next((v for k, v in msg.raw_items() if k.lower() == name.lower()), None)
    return one_line(str(value)) if value is not None else ""


def _sender(msg: EmailMessage, source: str) -> Party | None:
    """Their ``From`` as a recipient, ``None`` when it has no usable address; an error when
    there is no ``From`` at all (then it is no email)."""
    if msg.get_all("From") is None:
        raise InputError(
            f"{source}: is not an email message (it has no From: header); save the "
            "customer's message from your mail client as .eml and pass that."
        )
    try:
        addresses = msg["From"].addresses
    except (AttributeError, ValueError, LookupError, IndexError):
        return None
    for address in addresses:
        try:
            email = check_address(address.addr_spec)
        except ValueError:
            continue
        return Party(one_line(address.display_name) or email, email)
    return None


def _ids(msg: EmailMessage, name: str) -> list[str]:
    """The message IDs in header ``name``, as written, in order, each once."""
    found: list[str] = []
    for value in msg.get_all(name, failobj=[]):
        found += (i for i in _MSGID.findall(str(value)) if i not in found)
    return found


def _when(msg: EmailMessage) -> str:
    """Their ``Date`` as ``Mon, 3 Nov 2025 at 09:14`` (their time), or empty."""
    from email.utils import parsedate_to_datetime

    try:
        at = parsedate_to_datetime(_raw(msg, "Date"))
    except (TypeError, ValueError, IndexError):
        return ""
    return f"{_DAYS[at.weekday()]}, {at.day} {_MONTHS[at.month - 1]} {at.year} at {at:%H:%M}"


def _body(msg: EmailMessage) -> tuple[str, list[str]]:
    """Their message's text (from the HTML when there is no plain part), and notices."""
    part = msg.get_body(preferencelist=("plain", "html"))
    if part is None:
        return "", ["the customer's message has no text to quote"]
    try:
        text = part.get_content()
    except (LookupError, UnicodeError):  # charset=x-unknown, or a codec that is no text
        payload = part.get_payload(decode=True)
        text = payload.decode("utf-8", "replace") if isinstance(payload, bytes) else ""
    if not isinstance(text, str):
        return "", ["the customer's message has no text to quote"]
    if part.get_content_subtype() == "html":
        return html_text(text), []
    return text, []


def html_text(html: str) -> str:
    """The visible text of an HTML message: one line per block, blank lines collapsed."""
    from html.parser import HTMLParser  # only for HTML-only mail: not on every start-up

    blocks = {"p", "div", "br", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote"}
    blocks |= {"pre", "table", "ul", "ol", "hr", "title"}
    hidden_tags = {"script", "style", "head"}
    parts: list[str] = []
    hidden = 0

    class Text(HTMLParser):
        def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
            nonlocal hidden
            if tag in hidden_tags:
                hidden += 1
            elif tag in blocks:
                parts.append("\n")

        def handle_endtag(self, tag: str) -> None:
            nonlocal hidden
            if tag in hidden_tags:
                hidden = max(0, hidden - 1)
            elif tag in blocks:
                parts.append("\n")

        def handle_data(self, data: str) -> None:
            if not hidden:
                parts.append(_SPACES.sub(" ", data))

    parser = Text(convert_charrefs=True)
    parser.feed(html)
    parser.close()
    lines = [line.strip() for line in "".join(parts).split("\n")]
    text = re.sub(r"\n{3,}", "\n\n", "\n".join(lines))
    return text.strip()
