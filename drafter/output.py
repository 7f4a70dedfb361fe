"""Format drafts as text, Markdown, JSON or .eml, and write them atomically without clobbering."""

from __future__ import annotations

import json
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from drafter.drafts import Draft, Party
from drafter.errors import OutputError

Format = Literal["text", "markdown", "json", "eml"]
FORMATS: tuple[Format, ...] = ("text", "markdown", "json", "eml")
EXTENSIONS: dict[Format, str] = {"text": ".txt", "markdown": ".md", "json": ".json", "eml": ".eml"}


def format_for_path(path: str | None) -> Format | None:
    """The format a file name implies by its extension (``draft.eml`` → ``eml``), if any."""
    if not path or path == "-":
        return None
    suffix = Path(path).suffix.lower()
    aliases: dict[str, Format] = {".markdown": "markdown", ".text": "text"}
    by_ext = {ext: fmt for fmt, ext in EXTENSIONS.items()} | aliases
    return by_ext.get(suffix)


def _one_line(text: str) -> str:
    """Fold any line breaks or runs of space: header values stay on one line."""
    return " ".join(text.split())


def _address(party: Party) -> str:
    name = _one_line(party.name)
    return f"{name} <{party.email}>" if party.email else name


def as_text(draft: Draft) -> str:
    """Copy-paste-ready plain text: address lines, subject, blank line, body."""
    head = []
    if draft.kind != "agenda":
        head.append("To: " + ", ".join(_address(p) for p in draft.to))
    head.append("Subject: " + _one_line(draft.subject))
    return "\n".join(head) + "\n\n" + draft.body


def as_markdown(draft: Draft) -> str:
    """Markdown: the subject as the title, then the body."""
    return f"# {_one_line(draft.subject)}\n\n{draft.body}"


def as_dict(draft: Draft, meta: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """A JSON-ready mapping of the draft, plus any metadata (mode, checks, usage)."""
    return {
        "kind": draft.kind,
        "subject": draft.subject,
        "from": _party(draft.sender),
        "to": [_party(p) for p in draft.to],
        "body": draft.body,
        "body_format": "markdown" if draft.markdown else "text",
        **(meta or {}),
    }


def _party(party: Party) -> dict[str, str | None]:
    return {"name": party.name, "email": party.email}


def as_eml(draft: Draft) -> bytes:
    """An unsent RFC 5322 message (``X-Unsent: 1``) that mail clients open as a draft.

    Recipients without an address are left off the ``To:`` header (a name alone is not
    an address); header values are folded to one line so no header can be injected.
    """
    from email.headerregistry import Address
    from email.message import EmailMessage
    from email.policy import default

    msg = EmailMessage(policy=default)
    sender = draft.sender
    msg["From"] = Address(_one_line(sender.name), addr_spec=sender.email or "")
    to = [Address(_one_line(p.name), addr_spec=p.email) for p in draft.to if p.email]
    if to:
        msg["To"] = to
    msg["Subject"] = _one_line(draft.subject)
    msg["X-Unsent"] = "1"
    msg.set_content(draft.body, charset="utf-8")
    return msg.as_bytes()


def render_output(draft: Draft, fmt: Format, meta: Mapping[str, Any] | None = None) -> bytes:
    """The bytes to print or save for one draft in one format."""
    if fmt == "eml":
        return as_eml(draft)
    if fmt == "json":
        text = json.dumps(as_dict(draft, meta), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "markdown":
        text = as_markdown(draft)
    else:
        text = as_text(draft)
    return text.encode("utf-8")


def write_files(files: Sequence[tuple[Path, bytes]], force: bool = False) -> None:
    """Write every file atomically; with ``force`` false, write none if any already exists."""
    if not force:
        taken = [str(path) for path, _ in files if path.exists()]
        if taken:
            raise OutputError(
                f"{', '.join(taken)} already exist{'s' if len(taken) == 1 else ''}; "
                "nothing was written. Use --force to overwrite, or choose another -o."
            )
    for path, data in files:
        write_atomic(path, data, force=force)


def write_atomic(path: Path, data: bytes, force: bool = False) -> None:
    """Write ``data`` to ``path`` via a temporary file so readers never see half a file.

    Without ``force`` an existing file is never replaced, even if it appears meanwhile.
    """
    import tempfile

    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except OSError as exc:
        raise OutputError(f"cannot write to {folder}: {exc.strerror or exc}.") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        if force:
            os.replace(tmp, path)
        else:
            os.link(tmp, path)  # fails if path exists: no check-then-write race
    except FileExistsError:
        raise OutputError(
            f"{path} already exists; nothing was written. Use --force to overwrite."
        ) from None
    except OSError as exc:
        raise OutputError(f"cannot write {path}: {exc.strerror or exc}.") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
