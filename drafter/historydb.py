"""The history log's SQLite file: where it is, its schema and migrations, and opening it
(created private, WAL mode, upgraded in place) for reading or for a write transaction.

``sqlite3`` and ``platformdirs`` are imported only inside the functions that use them.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterator
from contextlib import closing, contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import sqlite3

ENV_VAR = "DRAFTER_HISTORY"
"""Environment variable naming another database file to use."""
FILE_NAME = "history.db"
BUSY_TIMEOUT = 10.0
"""Seconds a reader (``drafter log``) waits for a lock before giving up."""
WRITE_WAIT = 1.5
"""Seconds recording a draft waits for another writer's lock before giving up (and warning):
a log held by another process must not stall every draft."""

SCHEMA_VERSION = 2
"""The ``PRAGMA user_version`` this code writes. Bump it and append to ``MIGRATIONS``."""

MIGRATIONS: list[tuple[str, ...]] = [
    # 0 → 1: the drafts table.
    (
        """
        CREATE TABLE IF NOT EXISTS drafts (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            started REAL NOT NULL,
            duration_ms INTEGER,
            case_hash TEXT NOT NULL DEFAULT '',
            case_path TEXT,
            account TEXT NOT NULL DEFAULT '',
            kind TEXT NOT NULL,
            mode TEXT NOT NULL,
            path TEXT NOT NULL,
            model TEXT,
            reasons TEXT NOT NULL DEFAULT '[]',
            messages TEXT NOT NULL DEFAULT '[]',
            replies TEXT NOT NULL DEFAULT '[]',
            checks TEXT,
            prompt_tokens INTEGER NOT NULL DEFAULT 0,
            completion_tokens INTEGER NOT NULL DEFAULT 0,
            calls INTEGER NOT NULL DEFAULT 0,
            cost REAL,
            subject TEXT NOT NULL,
            body TEXT NOT NULL,
            body_format TEXT NOT NULL DEFAULT 'text',
            output_format TEXT,
            output BLOB,
            output_path TEXT,
            written INTEGER NOT NULL DEFAULT 0
        )
        """,
        "CREATE INDEX IF NOT EXISTS drafts_account ON drafts (account COLLATE NOCASE, id)",
        "CREATE INDEX IF NOT EXISTS drafts_kind ON drafts (kind, id)",
    ),
    # 1 → 2: what a revision needs (the case, whether the model saw it redacted) and its link.
    (
        "ALTER TABLE drafts ADD COLUMN case_json TEXT",
        "ALTER TABLE drafts ADD COLUMN redacted INTEGER NOT NULL DEFAULT 0",
        "ALTER TABLE drafts ADD COLUMN parent INTEGER REFERENCES drafts (id)",
        "ALTER TABLE drafts ADD COLUMN instruction TEXT",
        "CREATE INDEX IF NOT EXISTS drafts_parent ON drafts (parent, id)",
    ),
]
"""``MIGRATIONS[v]`` upgrades a version-``v`` database to ``v + 1`` (one transaction)."""


def db_path() -> Path:
    """``$DRAFTER_HISTORY`` if set, else ``history.db`` in the user data folder."""
    if env := os.environ.get(ENV_VAR):
        return Path(env).expanduser()
    import platformdirs

    return Path(platformdirs.user_data_dir("drafter", appauthor=False)) / FILE_NAME


@contextmanager
def writing(path: Path, create: bool) -> Iterator[sqlite3.Connection]:
    """A connection inside a ``BEGIN IMMEDIATE`` transaction, committed on success."""
    with closing(connect(path, create=create, wait=WRITE_WAIT)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        try:
            yield conn
            conn.execute("COMMIT")
        except BaseException:
            if conn.in_transaction:
                conn.execute("ROLLBACK")
            raise


def connect(path: Path, create: bool, wait: float = BUSY_TIMEOUT) -> sqlite3.Connection:
    """Open ``path`` in autocommit mode, waiting at most ``wait`` seconds for a lock, creating
    and upgrading it as needed. Without ``create`` a missing file is an error, not a new log."""
    import sqlite3

    if create and not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT, 0o600))  # private: customer data
    elif not path.exists():
        raise FileNotFoundError(2, "no such file", str(path))
    conn = sqlite3.connect(path, timeout=wait, isolation_level=None)
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(wait * 1000)}")
        # WAL + NORMAL: never corrupt, no fsync per draft (a power cut may drop the last one)
        conn.execute("PRAGMA synchronous = NORMAL")
        _ensure_schema(conn, wait)
    except BaseException:
        conn.close()
        raise
    return conn


def _user_version(conn: sqlite3.Connection) -> int:
    return int(conn.execute("PRAGMA user_version").fetchone()[0])


def _ensure_schema(conn: sqlite3.Connection, wait: float) -> None:
    """Switch to WAL and apply ``MIGRATIONS`` up to ``SCHEMA_VERSION``, once, atomically.

    A database from a newer drafter is left alone (migrations only add columns and tables).
    """
    if _user_version(conn) >= SCHEMA_VERSION:
        return
    _use_wal(conn, wait)
    conn.execute("BEGIN IMMEDIATE")
    try:
        for version in range(_user_version(conn), SCHEMA_VERSION):  # re-read under the lock
            for statement in MIGRATIONS[version]:
                conn.execute(statement)
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


def _use_wal(conn: sqlite3.Connection, wait: float) -> None:
    """Switch the log to WAL (persistent; impossible inside a transaction).

    The switch needs the file to itself, and SQLite answers "database is locked" at once
    instead of waiting out the busy timeout: when several writers open a new log together
    (a batch's threads and worker processes), the losers try again for ``wait`` seconds.
    """
    import sqlite3

    deadline = time.monotonic() + wait
    while True:
        try:
            conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                raise
            time.sleep(0.01)


def schema_version(path: Path | None = None) -> int:
    """The ``user_version`` of the log at ``path`` (default :func:`db_path`); 0 if absent."""
    import sqlite3

    path = path or db_path()
    if not path.exists():
        return 0
    with closing(sqlite3.connect(path, timeout=BUSY_TIMEOUT)) as conn:
        return _user_version(conn)
