"""The history log: every draft drafter makes, appended to a local SQLite database.

One row per draft: the case (hash, file, account), what was drafted and how (kind, mode,
path taken, model), the exact messages sent and the raw replies, the checks' report, tokens,
cost and timings, and the finished draft with the bytes meant for the output file. A draft
is recorded *before* it is written, so one whose write failed can be recovered
(``drafter log recover``): nothing the user paid for is lost.

The database is ``history.db`` in the platform's user data folder, or ``$DRAFTER_HISTORY``.
It is created private to the user (0600), runs in WAL mode, and is safe for concurrent
writers: every call opens its own short-lived connection (so threads and forked processes
never share one), writes in ``BEGIN IMMEDIATE`` transactions and waits ``WRITE_WAIT``
seconds for a lock (a reader ``BUSY_TIMEOUT``). The schema version is
``PRAGMA user_version``; ``MIGRATIONS`` upgrades older files in place (the file itself:
:mod:`drafter.historydb`).

Recording is best effort: :func:`record` never raises. On any failure (read-only disk,
locked or corrupt database) it returns ``None`` and passes a one-line reason to ``warn``.

``sqlite3`` (with ``datetime``) and ``platformdirs`` are imported only inside the functions
that use them, so importing this module costs nothing noticeable at start-up.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Mapping, Sequence
from contextlib import closing
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, cast

from drafter.errors import DrafterError, InputError
from drafter.historydb import (
    ENV_VAR,
    MIGRATIONS,
    SCHEMA_VERSION,
    connect,
    db_path,
    schema_version,
    writing,
)

if TYPE_CHECKING:
    import sqlite3

    from drafter.case import Case
    from drafter.drafts import Draft, Kind

__all__ = [
    "ENV_VAR",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Entry",
    "HistoryError",
    "Mode",
    "Route",
    "case_hash",
    "chain",
    "db_path",
    "get",
    "list_entries",
    "lookup",
    "mark_written",
    "record",
    "schema_version",
]

Mode = Literal["templates", "llm"]
Route = Literal["model", "repaired", "template"]
"""The path a draft took: the model's first draft, a repaired one, or the template."""

_JSON_FIELDS = ("reasons", "messages", "replies", "checks")


class HistoryError(DrafterError):
    """The history log cannot be read (exit 1). Writing never raises."""


@dataclass(frozen=True)
class Entry:
    """One recorded draft. ``id`` is set on entries read back from the log."""

    kind: Kind
    subject: str
    body: str
    mode: Mode = "templates"
    route: Route = "template"
    """Stored in the ``path`` column (and shown as ``path`` by ``--json``)."""
    account: str = ""
    case_hash: str = ""
    case_path: str | None = None
    """The case file as given (``-`` for standard input)."""
    model: str | None = None
    reasons: tuple[str, ...] = ()
    """Why the path is not ``model``."""
    messages: Sequence[Mapping[str, Any]] = ()
    """The exact messages of the last request sent (earlier replies and repair prompts
    included, so every request made is a prefix of it plus the replies)."""
    replies: Sequence[str] = ()
    """Every raw reply, in order."""
    checks: Mapping[str, Any] | None = None
    """The final draft's ``checks.Report.to_dict()``."""
    prompt_tokens: int = 0
    completion_tokens: int = 0
    calls: int = 0
    cost: float | None = None
    """Estimated USD; ``None`` when unknown or for template drafts."""
    started: float = field(default_factory=time.time)
    """Unix time the drafting started."""
    duration_ms: int | None = None
    body_format: Literal["text", "markdown"] = "text"
    output_format: str | None = None
    """text, markdown, json or eml: the format of ``output``."""
    output: bytes | None = None
    """The bytes meant for the output file or stdout, what ``recover`` re-emits."""
    output_path: str | None = None
    """Where the output went or was meant to go (``-`` for stdout)."""
    written: bool = False
    """Whether the output was written (see :func:`mark_written`)."""
    case_json: str | None = None
    """The validated case (config defaults and ``--tone`` applied) as JSON, to revise from;
    ``None`` in entries logged before drafter kept it."""
    redacted: bool = False
    """Whether the model was sent the redacted case (a revision is redacted too)."""
    parent: int | None = None
    """The entry this draft revises (``drafter revise``)."""
    instruction: str | None = None
    """The user's revision instruction, for a revision."""
    id: int | None = None

    @classmethod
    def of(cls, draft: Draft, **values: Any) -> Entry:
        """An entry for ``draft``: its kind, subject, body and body format, plus ``values``."""
        return cls(
            kind=draft.kind,
            subject=draft.subject,
            body=draft.body,
            body_format="markdown" if draft.markdown else "text",
            **values,
        )

    @property
    def tokens(self) -> int:
        return self.prompt_tokens + self.completion_tokens

    @property
    def lost(self) -> bool:
        """Meant for a file that was never written: recover it with ``drafter log recover``."""
        return not self.written and self.output_path not in (None, "-")

    def recovered(self, body_only: bool = False) -> bytes:
        """The draft to re-emit: the stored output, else (or with ``body_only``) the text."""
        if body_only:
            return self.body.encode("utf-8")
        if self.output is not None:
            return self.output
        head = "" if not self.subject else f"Subject: {self.subject}\n\n"
        return (head + self.body).encode("utf-8")

    def to_dict(self, full: bool = True) -> dict[str, Any]:
        """JSON-ready; without ``full``, only the summary ``drafter log list`` shows."""
        data: dict[str, Any] = {
            "id": self.id,
            "started": _iso(self.started),
            "duration_ms": self.duration_ms,
            "account": self.account,
            "kind": self.kind,
            "mode": self.mode,
            "path": self.route,
            "model": self.model,
            "prompt_tokens": self.prompt_tokens,
            "completion_tokens": self.completion_tokens,
            "calls": self.calls,
            "cost_usd": self.cost,
            "case_hash": self.case_hash,
            "case_path": self.case_path,
            "subject": self.subject,
            "output_path": self.output_path,
            "written": self.written,
            "parent": self.parent,
            "instruction": self.instruction,
        }
        if full:
            data |= {
                "reasons": list(self.reasons),
                "messages": [dict(m) for m in self.messages],
                "replies": list(self.replies),
                "redacted": self.redacted,
                "checks": dict(self.checks) if self.checks is not None else None,
                "body": self.body,
                "body_format": self.body_format,
                "output_format": self.output_format,
                "output": (
                    self.output.decode("utf-8", "replace") if self.output is not None else None
                ),
            }
        return data


def _iso(started: float) -> str:
    """Local time with offset, e.g. ``2025-03-01T14:05:09+0100``."""
    return time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started))


def case_hash(case: Case) -> str:
    """SHA-256 of the validated case (after config defaults), for grouping drafts by case."""
    import hashlib

    return hashlib.sha256(case.model_dump_json().encode("utf-8")).hexdigest()


# --- writing ---------------------------------------------------------------------------------

_COLUMN_OF = {"route": "path"}
"""Entry attributes stored under another column name."""
_FIELDS = tuple(f.name for f in fields(Entry) if f.name != "id")
_COLUMNS = tuple(_COLUMN_OF.get(name, name) for name in _FIELDS)
_INSERT = f"INSERT INTO drafts ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' for _ in _COLUMNS)})"


def _row(entry: Entry) -> tuple[Any, ...]:
    values: list[Any] = []
    for name in _FIELDS:
        value = getattr(entry, name)
        if name in _JSON_FIELDS:
            value = None if value is None else json.dumps(_plain(value), ensure_ascii=False)
        elif name in ("written", "redacted"):
            value = int(value)
        values.append(value)
    return tuple(values)


def _plain(value: Any) -> Any:
    """Tuples and mappings as lists and dicts, for ``json.dumps``."""
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    return value


def record(entry: Entry, *, warn: Callable[[str], None] | None = None) -> int | None:
    """Append ``entry`` to the log; its new id, or ``None`` (never an exception) on failure.

    ``warn`` receives a one-line reason when recording fails; the draft itself is unharmed.
    """
    where: Path | str = "the history log"
    try:
        where = db_path()
        row = _row(entry)
        with writing(where, create=True) as conn:
            cursor = conn.execute(_INSERT, row)
            return cursor.lastrowid
    except Exception as exc:  # best effort by design: recording must never break drafting
        if warn is not None:
            warn(f"the {entry.kind} draft was not recorded in the history log {where}: {_why(exc)}")
        return None


def mark_written(
    entry_id: int | None, output_path: str, *, warn: Callable[[str], None] | None = None
) -> bool:
    """Note that entry ``entry_id``'s output was written to ``output_path`` (``-``: stdout).

    A no-op returning ``False`` for ``entry_id=None`` (the draft was not recorded); like
    :func:`record`, never raises.
    """
    if entry_id is None:
        return False
    where: Path | str = "the history log"
    try:
        where = db_path()
        with writing(where, create=False) as conn:
            cursor = conn.execute(
                "UPDATE drafts SET written = 1, output_path = ? WHERE id = ?",
                (output_path, entry_id),
            )
            return cursor.rowcount == 1
    except Exception as exc:  # best effort, as record()
        if warn is not None:
            warn(f"the history log {where} could not note draft {entry_id} as written: {_why(exc)}")
        return False


def _why(exc: BaseException) -> str:
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return str(exc) or type(exc).__name__


# --- reading ---------------------------------------------------------------------------------


def list_entries(
    limit: int = 20, account: str | None = None, kind: str | None = None
) -> list[Entry]:
    """The most recent ``limit`` entries, newest first, optionally for one account
    (case-insensitive) or kind. An empty list when nothing was ever recorded."""
    where: list[str] = []
    params: list[Any] = []
    if account is not None:
        where.append("account = ? COLLATE NOCASE")
        params.append(account)
    if kind is not None:
        where.append("kind = ?")
        params.append(kind)
    clause = f"WHERE {' AND '.join(where)} " if where else ""
    sql = f"SELECT * FROM drafts {clause}ORDER BY id DESC LIMIT ?"
    return _query(sql, (*params, max(limit, 0)))


def get(entry_id: int) -> Entry | None:
    """The entry with id ``entry_id``, or ``None``."""
    found = _query("SELECT * FROM drafts WHERE id = ?", (entry_id,))
    return found[0] if found else None


def lookup(entry_id: int) -> Entry:
    """The entry with id ``entry_id``; :class:`InputError` (exit 2) when there is none."""
    entry = get(entry_id)
    if entry is None:
        raise InputError(
            f"no draft {entry_id} in the history log {db_path()}; "
            "`drafter log list` shows the recorded drafts."
        )
    return entry


def chain(entry_id: int) -> list[tuple[int, Entry]]:
    """The revisions ``entry_id`` belongs to: from the draft they all started from, every
    revision with its depth, each followed by its own revisions (oldest first)."""
    root = _query(
        "WITH RECURSIVE up(id, parent) AS (SELECT id, parent FROM drafts WHERE id = ? "
        "UNION SELECT d.id, d.parent FROM drafts d JOIN up ON d.id = up.parent) "
        "SELECT * FROM drafts WHERE id = (SELECT id FROM up WHERE parent IS NULL)",
        (entry_id,),
    )
    if not root:
        return []
    tree = _query(
        "WITH RECURSIVE down(id) AS (SELECT ? UNION SELECT d.id FROM drafts d "
        "JOIN down ON d.parent = down.id) SELECT * FROM drafts WHERE id IN down ORDER BY id",
        (root[0].id,),
    )
    children: dict[int | None, list[Entry]] = {}
    for entry in tree:
        children.setdefault(entry.parent, []).append(entry)
    found: list[tuple[int, Entry]] = []
    stack = [(0, root[0])]
    while stack:
        depth, entry = stack.pop()
        found.append((depth, entry))
        stack += [(depth + 1, c) for c in reversed(children.get(entry.id, []))]
    return found


def _query(sql: str, params: Sequence[Any]) -> list[Entry]:
    import sqlite3

    path = db_path()
    if not path.exists():
        return []
    try:
        with closing(connect(path, create=False)) as conn:
            conn.row_factory = sqlite3.Row
            return [_entry(row) for row in conn.execute(sql, tuple(params))]
    except (OSError, sqlite3.Error, ValueError) as exc:
        raise HistoryError(f"cannot read the history log {path}: {_why(exc)}.") from None


def _entry(row: sqlite3.Row) -> Entry:
    known = {f.name for f in fields(Entry)}
    attribute = {column: name for name, column in _COLUMN_OF.items()}
    values = {attribute.get(k, k): v for k, v in zip(row.keys(), row, strict=True)}
    values = {k: v for k, v in values.items() if k in known}
    for name in _JSON_FIELDS:
        raw = values.get(name)
        values[name] = None if raw is None else json.loads(raw)
    values["reasons"] = tuple(values["reasons"] or ())
    values["messages"] = tuple(values["messages"] or ())
    values["replies"] = tuple(values["replies"] or ())
    values["written"] = bool(values["written"])
    values["redacted"] = bool(values.get("redacted"))
    if isinstance(values.get("output"), str):  # written by hand as TEXT
        values["output"] = cast(str, values["output"]).encode("utf-8")
    return Entry(**values)
