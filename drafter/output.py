"""Format drafts as text, Markdown, JSON or .eml, and write them atomically without clobbering."""

from __future__ import annotations

import contextlib
import json
import os
import stat
import threading
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from drafter.artifacts import artifact
from drafter.drafts import Draft, Party
from drafter.eml import as_eml, one_line, strip_controls
from drafter.errors import InputError, OutputError

if TYPE_CHECKING:
    from drafter.reply import Original

Format = Literal["text", "markdown", "json", "eml"]
FORMATS: tuple[Format, ...] = ("text", "markdown", "json", "eml")
EXTENSIONS: dict[Format, str] = {"text": ".txt", "markdown": ".md", "json": ".json", "eml": ".eml"}


_ALIASES: dict[str, Format] = {".markdown": "markdown", ".text": "text"}
_BY_EXTENSION: dict[str, Format] = {ext: fmt for fmt, ext in EXTENSIONS.items()} | _ALIASES


def format_for_path(path: str | None) -> Format | None:
    """The format a file name implies by its extension (``draft.eml`` → ``eml``), if any."""
    if not path or path == "-":
        return None
    return _BY_EXTENSION.get(Path(path).suffix.lower())


def output_format(fmt: Format | None, path: str | None) -> Format:
    """The format to write: ``fmt`` if given, else the one ``path``'s extension implies, else
    text. An extension drafter does not know is bad input unless ``fmt`` is given."""
    if fmt is not None:
        return fmt
    implied = format_for_path(path)
    suffix = Path(path).suffix if path and path != "-" else ""
    if implied is None and suffix:
        known = ", ".join(
            f"{name} ({' or '.join(e for e, f in _BY_EXTENSION.items() if f == name)})"
            for name in FORMATS
        )
        raise InputError(
            f"{path}: drafter cannot tell the format from the extension {suffix}. It writes "
            f"{known}: use one of those extensions, or give -f FORMAT to write {path} in "
            "that format anyway."
        )
    return implied or "text"


def _address(party: Party) -> str:
    name = one_line(party.name)
    return f"{name} <{party.email}>" if party.email else name


def as_text(draft: Draft) -> str:
    """Copy-paste-ready plain text: address lines, subject, blank line, body."""
    head = []
    if artifact(draft.kind).to_line:
        head.append("To: " + ", ".join(_address(p) for p in draft.to))
    head.append("Subject: " + one_line(draft.subject))
    return "\n".join(head) + "\n\n" + strip_controls(draft.body)


def as_markdown(draft: Draft) -> str:
    """Markdown: the subject as the title, then the body."""
    return f"# {one_line(draft.subject)}\n\n{strip_controls(draft.body)}"


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


def render_output(
    draft: Draft,
    fmt: Format,
    meta: Mapping[str, Any] | None = None,
    reply: Original | None = None,
) -> bytes:
    """The bytes to print or save for one draft in one format; with ``reply``, as the
    answer to that message: its subject and sender, ending with it quoted."""
    if reply is not None:
        draft = reply.answer(draft)
        meta = {**(meta or {}), "in_reply_to": reply.message_id, "references": list(reply.chain)}
    if fmt == "eml":
        return as_eml(draft, reply.message_id if reply else None, reply.chain if reply else ())
    if fmt == "json":
        text = json.dumps(as_dict(draft, meta), indent=2, ensure_ascii=False) + "\n"
    elif fmt == "markdown":
        text = as_markdown(draft)
    else:
        text = as_text(draft)
    return text.encode("utf-8")


class WriteError(OutputError):
    """Writing failed; ``placed`` are the files left holding a new draft (normally none)."""

    def __init__(self, message: str, placed: Sequence[Path] = ()) -> None:
        super().__init__(message)
        self.placed = tuple(placed)


def write_files(files: Sequence[tuple[Path, bytes]], force: bool = False) -> None:
    """Write every file atomically, all or none.

    Without ``force`` nothing is written if any file already exists. Every file is first
    written to a temporary file in its folder; only then are they moved into place. If any
    step fails, the temporary files are removed and the files already moved are rolled
    back (what was there before is restored), and :class:`WriteError` is raised.
    """
    if not force:
        taken = [str(path) for path, _ in files if path.exists()]
        if taken:
            raise WriteError(
                f"{', '.join(taken)} already exist{'s' if len(taken) == 1 else ''}; "
                "nothing was written. Use --force to overwrite, or choose another -o."
            )
    staged: list[tuple[Path, str]] = []
    try:
        for path, data in files:
            staged.append((path, _stage(path, data)))
        _place_all(staged, force)
    finally:
        for _, tmp in staged:
            for leftover in (tmp, _backup(tmp)):
                with contextlib.suppress(FileNotFoundError):
                    os.unlink(leftover)
    for folder in {path.parent for path, _ in files}:
        _fsync_folder(folder)


def write_atomic(path: Path, data: bytes, force: bool = False) -> None:
    """Write ``data`` to ``path`` via a temporary file so readers never see half a file.

    Without ``force`` an existing file is never replaced, even if it appears meanwhile;
    with it, the replaced file's permissions are kept.
    """
    write_files([(path, data)], force=force)


def _stage(path: Path, data: bytes) -> str:
    """A temporary file beside ``path`` holding ``data`` on disk, with the final mode."""
    import tempfile

    folder = path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=folder)
    except FileExistsError:
        raise WriteError(
            f"cannot write to {folder}: it is a file, not a folder; nothing was written."
        ) from None
    except OSError as exc:
        raise WriteError(f"cannot write to {folder}: {_why(exc)}; nothing was written.") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, _mode_for(path))
    except BaseException as exc:
        os.unlink(tmp)
        if isinstance(exc, OSError):
            raise WriteError(f"cannot write {path}: {_why(exc)}; nothing was written.") from None
        raise
    return tmp


def _mode_for(path: Path) -> int:
    """The permissions ``path`` has now (kept when it is replaced), or a new file's."""
    try:
        return stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        return 0o666 & ~_umask()


def _backup(tmp: str) -> str:
    """Where the file a staged ``tmp`` replaces is kept until all files are in place."""
    return tmp + ".old"


def _place_all(staged: Sequence[tuple[Path, str]], force: bool) -> None:
    """Move every staged file into place, or roll back the ones already moved and raise."""
    done: list[tuple[Path, str, bool]] = []
    for i, (path, tmp) in enumerate(staged):
        try:
            keep = force and i < len(staged) - 1 and path.exists()  # the last is never undone
            if keep:
                os.link(path, _backup(tmp))
            if force:
                os.replace(tmp, path)
            else:
                os.link(tmp, path)  # fails if path exists: no check-then-write race
        except BaseException as exc:
            left = _roll_back(done)
            if not isinstance(exc, OSError):
                raise
            raise WriteError(_failure(path, exc, left), left) from None
        done.append((path, tmp, keep))


def _roll_back(done: Sequence[tuple[Path, str, bool]]) -> list[Path]:
    """Restore what each path held before (or remove it); the paths that could not be."""
    left = []
    for path, tmp, kept in reversed(done):
        try:
            if kept:
                os.replace(_backup(tmp), path)
            else:
                os.unlink(path)
        except OSError:
            left.append(path)
    return left


def _failure(path: Path, exc: OSError, left: Sequence[Path]) -> str:
    """The message for a move into place that failed, after the roll-back."""
    if isinstance(exc, FileExistsError):
        what, fix = f"{path} already exists", " Use --force to overwrite."
    else:
        what, fix = f"cannot write {path}: {_why(exc)}", ""
    if not left:
        return f"{what}; nothing was written.{fix}"
    names = ", ".join(map(str, left))
    return f"{what}; {names} could not be rolled back and now hold the new drafts.{fix}"


def _fsync_folder(folder: Path) -> None:
    """Make the new directory entries durable; best effort, as not every system can."""
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _why(exc: OSError) -> str:
    return exc.strerror or str(exc)


_UMASK: list[int] = []
_UMASK_LOCK = threading.Lock()


def _umask() -> int:
    """The process umask, read once: from /proc on Linux, else by setting and restoring it
    under a lock (the only time it is ever set, so no thread sees it at 0 later)."""
    with _UMASK_LOCK:
        if not _UMASK:
            _UMASK.append(_read_umask())
        return _UMASK[0]


def _read_umask() -> int:
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o077)
    os.umask(mask)
    return mask
