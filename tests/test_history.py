"""The history log: what is recorded, that recording never breaks drafting, and recovery."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys
import threading
from dataclasses import fields
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from drafter import history, historydb
from drafter.cli.log import log
from drafter.errors import InputError, OutputError
from drafter.history import Entry
from drafter.output import render_output, write_atomic
from drafter.pipeline import load_case
from drafter.render import RenderOptions, render
from tests.conftest import SHARED_CASES

HOSPITAL = next(str(p) for p in SHARED_CASES if p.stem == "hospital-overstock")

MESSAGES = (
    {"role": "system", "content": "You draft apologies."},
    {"role": "user", "content": 'account: "Acme"'},
    {"role": "assistant", "content": '{"subject": "first"}'},
    {"role": "user", "content": "Fix: one-ask"},
)
REPLIES = ('{"subject": "first"}', '{"subject": "Sorry"}')
CHECKS = {
    "kind": "email",
    "ok": False,
    "score": 0.9,
    "rules_run": ["one-ask", "greeting"],
    "failed": ["one-ask"],
    "violations": [{"rule": "one-ask", "reason": "One ask.", "text": "call me or write"}],
}


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "logs" / "history.db"
    monkeypatch.setenv(history.ENV_VAR, str(path))
    return path


def llm_entry(**values: object) -> Entry:
    base: dict[str, object] = {
        "kind": "email",
        "subject": "Sorry",
        "body": "Dear Dana,\n\nWe let you down.\n\nPriya",
        "mode": "llm",
        "route": "repaired",
        "account": "Acme Health",
        "case_hash": "ab" * 32,
        "case_path": "cases/acme.yaml",
        "model": "gpt-4o-mini",
        "reasons": ("the model's draft broke 1 rule (one-ask); repair round 1 fixed it",),
        "messages": MESSAGES,
        "replies": REPLIES,
        "checks": CHECKS,
        "prompt_tokens": 1200,
        "completion_tokens": 340,
        "calls": 2,
        "cost": 0.000384,
        "started": 1_700_000_000.5,
        "duration_ms": 2310,
        "output_format": "text",
        "output": b"To: Dana\nSubject: Sorry\n\nDear Dana,\n\nWe let you down.\n\nPriya",
        "output_path": "out/email.txt",
    }
    return Entry(**{**base, **values})  # type: ignore[arg-type]


# --- the store ---------------------------------------------------------------------------------


def test_path_is_in_the_user_data_dir_unless_overridden(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    monkeypatch.delenv(history.ENV_VAR, raising=False)
    if sys.platform.startswith("linux"):
        assert history.db_path() == tmp_path / "data" / "drafter" / "history.db"
    monkeypatch.setenv(history.ENV_VAR, "~/h.db")
    assert history.db_path() == Path("~/h.db").expanduser()


def test_record_get_round_trip(db: Path) -> None:
    entry = llm_entry()
    entry_id = history.record(entry)
    assert entry_id == 1
    got = history.get(entry_id)
    assert got is not None
    assert got.id == 1
    for name in (f.name for f in fields(Entry) if f.name != "id"):
        assert getattr(got, name) == getattr(entry, name), name
    assert got.messages[2] == {"role": "assistant", "content": '{"subject": "first"}'}
    assert got.checks == CHECKS
    assert not got.written and got.lost
    assert history.get(99) is None


def test_stored_as_json_text_with_schema_version_and_wal(db: Path) -> None:
    history.record(llm_entry())
    assert history.schema_version(db) == history.SCHEMA_VERSION
    assert db.stat().st_mode & 0o777 == 0o600
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        messages, checks = conn.execute("SELECT messages, checks FROM drafts").fetchone()
    assert json.loads(messages) == [dict(m) for m in MESSAGES]
    assert json.loads(checks)["failed"] == ["one-ask"]


def test_entry_of_a_real_template_draft(db: Path) -> None:
    case = load_case(HOSPITAL)
    draft = render("agenda", case, RenderOptions(markdown=True))
    data = render_output(draft, "markdown")
    entry = Entry.of(
        draft,
        account=case.account,
        case_hash=history.case_hash(case),
        case_path=HOSPITAL,
        output_format="markdown",
        output=data,
    )
    got = history.get(history.record(entry) or 0)
    assert got is not None
    assert (got.kind, got.mode, got.route, got.body_format) == (
        "agenda",
        "templates",
        "template",
        "markdown",
    )
    assert got.case_hash == history.case_hash(load_case(HOSPITAL))
    assert len(got.case_hash) == 64
    assert got.recovered() == data
    assert got.recovered(body_only=True) == draft.body.encode()


def test_list_newest_first_with_filters_and_limit(db: Path) -> None:
    assert history.list_entries() == []  # nothing recorded: no error, no file created
    assert not db.exists()
    for i, (account, kind) in enumerate(
        [("Acme Health", "email"), ("Borealis", "agenda"), ("acme health", "agenda")]
    ):
        history.record(llm_entry(account=account, kind=kind, started=1_700_000_000 + i))
    assert [e.id for e in history.list_entries()] == [3, 2, 1]
    assert [e.id for e in history.list_entries(limit=2)] == [3, 2]
    assert [e.id for e in history.list_entries(account="ACME HEALTH")] == [3, 1]
    assert [e.id for e in history.list_entries(kind="agenda")] == [3, 2]
    assert [e.id for e in history.list_entries(account="Acme Health", kind="email")] == [1]


def test_mark_written(db: Path) -> None:
    entry_id = history.record(llm_entry())
    assert history.mark_written(entry_id, "drafts/email.txt")
    got = history.get(entry_id or 0)
    assert got is not None and got.written and not got.lost
    assert got.output_path == "drafts/email.txt"
    assert not history.mark_written(None, "x")  # the draft was not recorded: a no-op
    assert not history.mark_written(42, "x")


def test_a_new_log_opened_by_another_writer_is_waited_for(db: Path) -> None:
    """While another writer holds a new log, SQLite refuses the switch to WAL at once rather
    than wait out the busy timeout (it could deadlock). The draft must wait, not be lost:
    seen as a 1-in-300 flake when 8 threads created a log together."""
    db.parent.mkdir(parents=True)
    other = sqlite3.connect(db, isolation_level=None, check_same_thread=False)
    other.execute("BEGIN IMMEDIATE")  # the other writer is mid-way through creating it
    threading.Timer(0.3, other.close).start()
    warnings: list[str] = []
    assert history.record(llm_entry(), warn=warnings.append) == 1, warnings
    assert history.schema_version(db) == history.SCHEMA_VERSION


def test_concurrent_writers_from_8_threads_lose_nothing(db: Path) -> None:
    per_thread = 25
    ids: list[int | None] = []
    lock = threading.Lock()
    start = threading.Barrier(8)

    def work(n: int) -> None:
        start.wait()
        for i in range(per_thread):
            entry_id = history.record(llm_entry(account=f"thread {n}", subject=f"{n}-{i}"))
            with lock:
                ids.append(entry_id)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert None not in ids
    assert len(set(ids)) == 8 * per_thread
    entries = history.list_entries(limit=1000)
    assert {e.subject for e in entries} == {f"{n}-{i}" for n in range(8) for i in range(per_thread)}


WRITER = """
import sys
from drafter import history
for i in range(int(sys.argv[2])):
    entry = history.Entry(kind="email", subject=f"{sys.argv[1]}-{i}", body="b")
    assert history.record(entry, warn=print) is not None
"""


def test_concurrent_writer_processes_lose_nothing(db: Path) -> None:
    procs = [
        subprocess.Popen([sys.executable, "-c", WRITER, str(n), "20"], stderr=subprocess.PIPE)
        for n in range(4)
    ]
    for p in procs:
        _, err = p.communicate(timeout=60)
        assert p.returncode == 0, err.decode()
    assert len(history.list_entries(limit=1000)) == 80
    assert history.schema_version(db) == history.SCHEMA_VERSION


def test_unwritable_location_returns_none_and_warns(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    monkeypatch.setenv(history.ENV_VAR, str(blocker / "history.db"))  # parent is a file
    warnings: list[str] = []
    assert history.record(llm_entry(), warn=warnings.append) is None
    assert len(warnings) == 1
    assert str(blocker / "history.db") in warnings[0]
    assert "email draft was not recorded" in warnings[0]
    assert history.record(llm_entry()) is None  # no warn callback: still silent, no raise


def test_read_only_database_returns_none(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    history.record(llm_entry())
    real_connect = sqlite3.connect

    def read_only(path: Path, timeout: float, isolation_level: None) -> sqlite3.Connection:
        uri = f"file:{path}?mode=ro"  # what a read-only disk looks like to SQLite
        return real_connect(uri, timeout=timeout, isolation_level=isolation_level, uri=True)

    warnings: list[str] = []
    with monkeypatch.context() as patch:
        patch.setattr(sqlite3, "connect", read_only)
        assert history.record(llm_entry(), warn=warnings.append) is None
    assert "readonly" in warnings[0]
    assert [e.id for e in history.list_entries()] == [1]


def test_locked_or_corrupt_database_returns_none(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    history.record(llm_entry())
    monkeypatch.setattr(historydb, "BUSY_TIMEOUT", 0.1)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    warnings: list[str] = []
    try:
        assert history.record(llm_entry(), warn=warnings.append) is None
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert "locked" in warnings[0]
    assert history.record(llm_entry()) == 2  # the lock is gone: recording resumes

    db.unlink()
    db.write_bytes(b"this is not an SQLite database" * 100)
    assert history.record(llm_entry(), warn=warnings.append) is None
    with pytest.raises(history.HistoryError, match="cannot read the history log"):
        history.list_entries()


def test_unserialisable_fields_do_not_raise(db: Path) -> None:
    warnings: list[str] = []
    bad = llm_entry(checks={"when": object()})
    assert history.record(bad, warn=warnings.append) is None
    assert len(warnings) == 1
    assert not db.exists()


def test_migration_hook_upgrades_an_old_database(db: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    history.record(llm_entry())
    monkeypatch.setattr(historydb, "SCHEMA_VERSION", historydb.SCHEMA_VERSION + 1)
    monkeypatch.setattr(
        historydb,
        "MIGRATIONS",
        [*historydb.MIGRATIONS, ("ALTER TABLE drafts ADD COLUMN note TEXT",)],
    )
    assert history.record(llm_entry()) == 2
    assert history.schema_version(db) == historydb.SCHEMA_VERSION
    with sqlite3.connect(db) as conn:
        columns = {row[1] for row in conn.execute("PRAGMA table_info(drafts)")}
    assert "note" in columns
    assert [e.id for e in history.list_entries()] == [2, 1]  # unknown columns are ignored


def test_import_is_cheap() -> None:
    probe = (
        "import sys; import drafter.history; "
        "print(','.join(m for m in ('sqlite3', 'platformdirs', 'pydantic') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


# --- the CLI group -----------------------------------------------------------------------------


@pytest.fixture
def cli() -> click.Group:
    group = click.Group("drafter")
    group.add_command(log)
    return group


def run(cli: click.Group, *args: str) -> Result:
    return CliRunner().invoke(cli, ["log", *args])


def test_cli_path(cli: click.Group, db: Path) -> None:
    result = run(cli, "path")
    assert result.exit_code == 0
    assert result.output.strip() == str(db)


def test_cli_list_table_and_json(cli: click.Group, db: Path) -> None:
    result = run(cli, "list")
    assert result.exit_code == 0
    assert "no drafts recorded" in result.output
    history.record(llm_entry())
    history.record(Entry(kind="agenda", subject="Agenda", body="1. Listen", account="Borealis"))
    result = run(cli, "list")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == [
        "ID",
        "WHEN",
        "ACCOUNT",
        "KIND",
        "MODE/PATH",
        "MODEL",
        "TOKENS",
        "COST",
    ]
    assert "Borealis" in lines[1] and "templates" in lines[1]
    assert lines[2].lstrip().startswith("1*")  # meant for a file, never written
    for text in ("Acme Health", "llm/repaired", "gpt-4o-mini", "1,200+340", "$0.000384"):
        assert text in lines[2]
    assert "drafter log recover" in result.output

    result = run(cli, "list", "--json", "-n", "1")
    rows = json.loads(result.output)
    assert [r["id"] for r in rows] == [2]
    assert rows[0]["kind"] == "agenda" and "messages" not in rows[0]
    assert [r["id"] for r in json.loads(run(cli, "list", "--json", "--kind", "email").output)] == [
        1
    ]


def test_cli_show_prints_everything(cli: click.Group, db: Path) -> None:
    history.record(llm_entry())
    result = run(cli, "show", "1")
    assert result.exit_code == 0, result.output
    out = result.output
    for text in (
        "draft 1: email for Acme Health",
        "cases/acme.yaml",
        "llm, repaired draft, model gpt-4o-mini",
        "repair round 1 fixed it",
        "1,200 prompt + 340 completion in 2 calls",
        "took 2,310 ms",
        "checks:   failed one-ask (score 0.9)",
        "call me or write",
        "## message 1: system",
        "You draft apologies.",
        "## message 4: user",
        "Fix: one-ask",
        "## reply 2",
        '{"subject": "Sorry"}',
        "out/email.txt was NOT written",
        "We let you down.",
    ):
        assert text in out, text
    full = json.loads(run(cli, "show", "1", "--json").output)
    assert full["messages"] == [dict(m) for m in MESSAGES]
    assert full["replies"] == list(REPLIES)
    assert full["checks"] == CHECKS


def test_cli_unknown_id_is_bad_input(cli: click.Group, db: Path) -> None:
    history.record(llm_entry())
    for command in ("show", "recover"):
        result = run(cli, command, "7")
        assert isinstance(result.exception, InputError)
        assert result.exception.exit_code == 2
        assert "no draft 7 in the history log" in str(result.exception)


def test_cli_unknown_id_exits_2_under_drafters_group(db: Path) -> None:
    from drafter.cli import DrafterGroup

    group = DrafterGroup("drafter")
    group.add_command(log)
    result = CliRunner().invoke(group, ["log", "show", "7"])
    assert result.exit_code == 2
    assert "drafter: no draft 7" in result.output
    assert "Traceback" not in result.output


def test_recover_after_a_failed_write(cli: click.Group, db: Path, tmp_path: Path) -> None:
    # What a drafting command does: draft, record, then write (which fails here).
    case = load_case(HOSPITAL)
    draft = render("email", case, RenderOptions())
    data = render_output(draft, "eml")
    blocked = tmp_path / "not-a-folder"
    blocked.write_text("")
    target = blocked / "email.eml"
    entry_id = history.record(
        Entry.of(
            draft, account=case.account, output_format="eml", output=data, output_path=str(target)
        )
    )
    with pytest.raises(OutputError):
        write_atomic(target, data)
    assert entry_id is not None

    assert f"{entry_id}*" in run(cli, "list").output
    saved = tmp_path / "recovered.eml"
    result = run(cli, "recover", str(entry_id), "-o", str(saved))
    assert result.exit_code == 0, result.output
    assert saved.read_bytes() == data  # byte for byte what the failed write would have written
    got = history.get(entry_id)
    assert got is not None and got.written and got.output_path == str(saved)
    assert f"{entry_id}*" not in run(cli, "list").output

    again = run(cli, "recover", str(entry_id), "-o", str(saved))
    assert isinstance(again.exception, OutputError)  # never clobbers without --force
    assert run(cli, "recover", str(entry_id), "-o", str(saved), "--force").exit_code == 0

    stdout = run(cli, "recover", str(entry_id), "--body")
    assert stdout.exit_code == 0
    assert stdout.output == draft.body


def test_recover_without_stored_output_emits_subject_and_body(cli: click.Group, db: Path) -> None:
    history.record(Entry(kind="escalation", subject="Acme at risk", body="We need a decision."))
    result = run(cli, "recover", "1")
    assert result.output == "Subject: Acme at risk\n\nWe need a decision."
