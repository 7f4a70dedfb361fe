"""Safe writes: all or none, permissions kept, failures that say where the draft is, and
`drafter log list` aligned for wide characters."""

from __future__ import annotations

import errno
import json
import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from drafter import history, output
from drafter.cli import cli
from drafter.history import Entry
from tests.conftest import SHARED_CASES

HOSPITAL = next(str(p) for p in SHARED_CASES if p.stem == "hospital-overstock")
NAMES = ["agenda.txt", "email.txt", "escalation.txt"]


@pytest.fixture(autouse=True)
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "history.db"
    monkeypatch.setenv(history.ENV_VAR, str(path))
    return path


def run(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(cli, list(args))
    assert "Traceback" not in result.output
    return result.exit_code, result.output


def logged() -> list[dict[str, Any]]:
    code, out = run("log", "list", "--json")
    assert code == 0, out
    entries: list[dict[str, Any]] = json.loads(out)
    return entries


def fail_on_call(
    monkeypatch: pytest.MonkeyPatch, name: str, nth: int, exc: OSError
) -> Callable[..., Any]:
    """Make ``os.<name>`` raise ``exc`` on its ``nth`` call (1-based), as drafter sees it."""
    real = getattr(os, name)
    calls = 0

    def flaky(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == nth:
            raise exc
        return real(*args, **kwargs)

    monkeypatch.setattr(output.os, name, flaky)
    return flaky


def files_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# --- 1. all or none ---------------------------------------------------------------------------


def test_all_on_a_full_disk_writes_nothing_and_can_be_rerun(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "drafts"
    with monkeypatch.context() as m:
        fail_on_call(m, "fsync", 2, OSError(errno.ENOSPC, os.strerror(errno.ENOSPC)))
        code, text = run("all", HOSPITAL, "-o", str(out))
    assert code == 2
    assert "No space left on device" in text and "nothing was written" in text
    assert files_in(out) == []  # no partial set, no temporary files
    assert [e["written"] for e in logged()] == [False] * 3
    code, text = run("all", HOSPITAL, "-o", str(out))  # no --force needed
    assert code == 0, text
    assert files_in(out) == NAMES
    assert [e["written"] for e in logged()[:3]] == [True] * 3


def test_all_with_force_restores_the_old_files_when_a_rename_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "drafts"
    out.mkdir()
    for name in NAMES:
        (out / name).write_text(f"my edited {name}", encoding="utf-8")
    with monkeypatch.context() as m:
        fail_on_call(m, "replace", 2, PermissionError(errno.EPERM, "Operation not permitted"))
        code, text = run("all", HOSPITAL, "-o", str(out), "--force")
    assert code == 2 and "Operation not permitted" in text
    assert files_in(out) == NAMES  # no temporary or backup files left
    for name in NAMES:
        assert (out / name).read_text(encoding="utf-8") == f"my edited {name}"
    assert not any(e["written"] for e in logged())


def test_all_without_force_removes_the_new_files_when_a_link_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "drafts"
    with monkeypatch.context() as m:
        fail_on_call(m, "link", 3, OSError(errno.EIO, "Input/output error"))
        code, _ = run("all", HOSPITAL, "-o", str(out))
    assert code == 2
    assert files_in(out) == []


def test_a_file_that_cannot_be_rolled_back_is_named_and_marked_written(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    out = tmp_path / "drafts"
    with monkeypatch.context() as m:
        fail_on_call(m, "link", 2, OSError(errno.EIO, "Input/output error"))
        fail_on_call(m, "unlink", 1, OSError(errno.EIO, "Input/output error"))
        code, text = run("all", HOSPITAL, "-o", str(out))
    assert code == 2
    assert f"{out / 'email.txt'} could not be rolled back" in text
    by_kind = {e["kind"]: e["written"] for e in logged()}
    assert by_kind == {"email": True, "agenda": False, "escalation": False}
    assert (out / "email.txt").exists()


# --- 2. permissions and the umask ------------------------------------------------------------


def test_force_keeps_a_private_files_mode(tmp_path: Path) -> None:
    target = tmp_path / "email.txt"
    target.write_text("old", encoding="utf-8")
    target.chmod(0o600)
    code, text = run("email", HOSPITAL, "-o", str(target), "--force")
    assert code == 0, text
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.read_text(encoding="utf-8").startswith("To: ")


def test_new_files_follow_the_umask(tmp_path: Path) -> None:
    output.write_atomic(tmp_path / "new.txt", b"x")
    (tmp_path / "touched.txt").touch()  # the kernel applies the umask
    modes = {stat.S_IMODE(p.stat().st_mode) for p in tmp_path.iterdir()}
    assert len(modes) == 1


def test_writing_never_sets_the_umask(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    output._umask()  # read once, before any thread starts

    def forbidden(mask: int) -> int:
        raise AssertionError(f"os.umask({mask:o}) called while writing")

    monkeypatch.setattr(output.os, "umask", forbidden)
    threads = [
        threading.Thread(target=output.write_atomic, args=(tmp_path / f"{i}.txt", b"x"))
        for i in range(4)
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert files_in(tmp_path) == [f"{i}.txt" for i in range(4)]


# --- 3. a failed write says where the draft is -----------------------------------------------


def test_failed_write_names_the_history_id_and_the_recover_command(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    fail_on_call(monkeypatch, "link", 1, PermissionError(errno.EPERM, "Nope"))
    code, text = run("email", HOSPITAL, "-o", str(tmp_path / "email.txt"))
    assert code == 2
    (entry,) = logged()
    assert f"cannot write {tmp_path / 'email.txt'}: Nope" in text
    assert f"drafter log recover {entry['id']} -o FILE" in text
    assert not entry["written"]


def test_failed_all_names_every_draft_in_the_log(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    code, text = run("all", HOSPITAL, "-o", str(blocker / "drafts"))
    assert code == 2
    ids = sorted(e["id"] for e in logged())
    for entry_id, kind in zip(ids, ("email", "agenda", "escalation"), strict=True):
        assert f"{entry_id} ({kind})" in text
    assert "drafter log recover ID -o FILE" in text


def test_failed_write_without_the_log_says_the_draft_was_not_kept(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("", encoding="utf-8")
    code, text = run("email", HOSPITAL, "--no-log", "-o", str(blocker / "email.txt"))
    assert code == 2
    assert "The email draft was not kept: the history log is off." in text
    assert "recover" not in text


# --- 4. unknown extensions -------------------------------------------------------------------


def test_unknown_extension_is_refused_listing_the_formats(tmp_path: Path) -> None:
    target = tmp_path / "e1.html"
    code, text = run("email", HOSPITAL, "-o", str(target))
    assert code == 2
    for listed in ("text (.txt", "markdown (.md", "json (.json)", "eml (.eml)", "-f FORMAT"):
        assert listed in text
    assert not target.exists() and logged() == []  # refused before drafting


def test_explicit_format_accepts_any_extension(tmp_path: Path) -> None:
    target = tmp_path / "e1.html"
    code, text = run("email", HOSPITAL, "-o", str(target), "-f", "markdown")
    assert code == 0, text
    assert target.read_text(encoding="utf-8").startswith("# ")


# --- 5. wide characters in `drafter log list` ------------------------------------------------


def test_log_list_aligns_wide_account_names() -> None:
    # account → how many more characters than columns it takes (wide: 2 columns, é: 2 chars)
    accounts = {"Acme": 0, "田中商事": -4, "Cafe\u0301 Noir Roasters": 1, "田中商事" * 4: -11}
    for account in accounts:
        history.record(Entry(kind="email", subject="Sorry", body="Sorry.", account=account))
    code, text = run("log", "list")
    assert code == 0, text
    header, *rows = text.splitlines()[:5]
    kind_column = header.index("KIND")
    for row, extra in zip(rows, reversed(accounts.values()), strict=True):  # newest first
        assert row.index("email") == kind_column + extra, row
    assert "田中商事田中商事田中商…" in text  # clipped to 24 columns, not 24 characters
