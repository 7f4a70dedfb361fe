"""Batch safety: writes stay inside -o DIR, one folder per case, honest resume, one batch per
folder, and workers and Ctrl-C that stop when asked (or when the parent dies)."""

from __future__ import annotations

import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner

from drafter import batch, batchfiles
from drafter.cli import cli
from drafter.drafts import Kind
from drafter.pipeline import Produced
from tests.conftest import SHARED_CASES

SETTINGS = {"format": "text", "llm": None}
CASE = SHARED_CASES[0]
needs_linux = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="fork, /proc")


def _files(root: Path) -> dict[Path, bytes]:
    return {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}


def _templates(args: list[str]) -> tuple[int, str]:
    result = CliRunner().invoke(cli, ["batch", *args, "--mode", "templates"])
    return result.exit_code, result.output


class Counting:
    """A drafting step that counts its calls and tags each draft with the call number."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Kind]] = []
        self.lock = threading.Lock()

    def __call__(self, source: Path, kind: Kind, case_bytes: bytes) -> Produced:
        with self.lock:
            self.calls.append((source.name, kind))
            n = len(self.calls)
        digest = hashlib.sha256(case_bytes).hexdigest()[:8]
        return Produced(f"{source.name} {kind} {digest} #{n}\n".encode(), route="model")


# --- 1. nothing is written outside -o DIR ---------------------------------------------------


def test_case_file_names_never_write_outside_the_output_folder(tmp_path: Path) -> None:
    cases = tmp_path / "w" / "cases"
    cases.mkdir(parents=True)
    names = ["...yaml", "..yaml", "a\x1b[31mb.yaml", "x" * 250 + ".yaml", "-rf.yaml"]
    for name in names:
        (cases / name).write_bytes(CASE.read_bytes())
    precious = tmp_path / "w" / "email.txt"
    precious.write_text("precious\n", encoding="utf-8")
    out = tmp_path / "w" / "drafts"
    (out).mkdir()
    (out / "email.txt").write_text("mine\n", encoding="utf-8")

    code, output = _templates([str(cases), "-o", str(out), "--kinds", "email"])

    assert code == 0, output
    assert "\x1b" not in output  # a file name never drives the terminal
    assert precious.read_text(encoding="utf-8") == "precious\n"
    assert (out / "email.txt").read_text(encoding="utf-8") == "mine\n"
    folders = sorted(p.parent for p in out.rglob("email.txt") if p.parent != out)
    assert len(folders) == len(names)  # one folder each, every one directly inside DIR
    for folder in folders:
        assert folder.parent == out and not folder.name.startswith((".", "-"))
        assert folder.name.isprintable() and len(folder.name.encode()) <= 100


def test_a_folder_that_leads_outside_the_output_folder_is_never_written(tmp_path: Path) -> None:
    """A case folder turned into a link elsewhere, or a tampered Batch API record naming
    ``..``, fails that case with the reason; nothing lands outside DIR."""
    case = tmp_path / "a.yaml"
    case.write_bytes(CASE.read_bytes())
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    out = tmp_path / "out"
    out.mkdir()
    (out / "a").symlink_to(elsewhere)
    before = _files(tmp_path)

    for folder in (out / "a", out / "..", out):
        results = batch.run(
            [case], out, ("email",), "text", SETTINGS, Counting(), folders={case: folder}
        )
        assert results[0].status == "failed"
        assert "outside" in results[0].reasons[0] and "nothing was written" in results[0].reasons[0]
    assert {p: d for p, d in _files(tmp_path).items() if p.name != batchfiles.LOCK} == before


# --- 2. one folder per case, stable across runs -----------------------------------------------


def test_clashing_case_names_get_distinct_folders_whatever_the_order(tmp_path: Path) -> None:
    paths = [
        tmp_path / "x" / "a.yaml",
        tmp_path / "x" / "a.yml",
        tmp_path / "p" / "x" / "a.yaml",
        tmp_path / "q" / "x" / "a.yaml",
        tmp_path / "x" / "A.yaml",  # the same folder on macOS and Windows
        tmp_path / "y-a.yaml",
        tmp_path / "y" / "a.yaml",
        tmp_path / "solo.yaml",
    ]
    out = tmp_path / "out"
    folders = batchfiles.folders_for(paths, out)
    assert len({f.name.casefold() for f in folders.values()}) == len(paths)
    assert all(f.parent == out for f in folders.values())
    assert folders[tmp_path / "solo.yaml"] == out / "solo"  # no clash: the plain name
    assert folders[tmp_path / "y-a.yaml"] == out / "y-a"
    assert batchfiles.folders_for(paths[::-1], out) == folders  # order never changes a name
    # A file named like another's disambiguated folder still gets a folder of its own.
    twin = tmp_path / "z" / f"{folders[paths[0]].name}.yaml"
    again = batchfiles.folders_for([*paths, twin], out)
    assert len({f.name.casefold() for f in again.values()}) == len(paths) + 1


def test_two_cases_with_one_name_are_both_drafted_and_both_resume(tmp_path: Path) -> None:
    first, second = tmp_path / "x" / "a.yaml", tmp_path / "x" / "a.yml"
    first.parent.mkdir()
    first.write_bytes(CASE.read_bytes())
    second.write_bytes(CASE.read_bytes().replace(b"account: ", b"account: Other ", 1))
    out = tmp_path / "out"
    args = [str(first), str(second), "-o", str(out), "--kinds", "email"]

    code, output = _templates(args)

    assert code == 0 and "2 template" in output, output
    drafts = sorted(out.glob("*/email.txt"))
    assert len(drafts) == 2 and drafts[0].read_bytes() != drafts[1].read_bytes()
    code, output = _templates(args)
    assert code == 0 and "2 already done" in output, output


# --- 3. resume records only drafts that are on disk -------------------------------------------


def test_resume_redrafts_a_draft_that_does_not_match_its_record(tmp_path: Path) -> None:
    case = tmp_path / "a.yaml"
    case.write_bytes(CASE.read_bytes())
    out = tmp_path / "out"
    kinds: tuple[Kind, ...] = ("email", "agenda")
    batch.run([case], out, kinds, "text", SETTINGS, Counting())
    (out / "a" / "email.txt").write_text("stale draft from another run\n", encoding="utf-8")
    (out / "a" / "agenda.txt").unlink()

    again = Counting()
    results = batch.run([case], out, kinds, "text", SETTINGS, again)

    assert sorted(again.calls) == [("a.yaml", "agenda"), ("a.yaml", "email")]
    assert results[0].status == "model"
    assert (out / "a" / "email.txt").read_text(encoding="utf-8").startswith("a.yaml email")
    manifest = json.loads((out / "a" / batchfiles.MANIFEST).read_text(encoding="utf-8"))
    written = hashlib.sha256((out / "a" / "email.txt").read_bytes()).hexdigest()
    assert manifest["email"]["sha256"] == written


@pytest.mark.parametrize("dies_at", ["email.txt", batchfiles.MANIFEST])
def test_a_crash_while_writing_redrafts_instead_of_keeping_a_stale_draft(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, dies_at: str
) -> None:
    """However the process dies while a changed case is redrafted (writing the draft, or
    between the draft and its record), the rerun drafts again: the record never says done
    for an old draft."""
    case = tmp_path / "a.yaml"
    case.write_bytes(CASE.read_bytes())
    out = tmp_path / "out"
    batch.run([case], out, ("email",), "text", SETTINGS, Counting())
    case.write_bytes(CASE.read_bytes().replace(b"account: ", b"account: Edited ", 1))
    edited = hashlib.sha256(case.read_bytes()).hexdigest()[:8]
    real = batch.write_atomic

    def dying(path: Path, data: bytes, force: bool = False) -> None:
        if path.name == dies_at:
            raise SystemExit("killed")  # like the process dying right there
        real(path, data, force=force)

    monkeypatch.setattr(batch, "write_atomic", dying)
    with pytest.raises(SystemExit):
        batch.run([case], out, ("email",), "text", SETTINGS, Counting())
    monkeypatch.setattr(batch, "write_atomic", real)

    again = Counting()
    results = batch.run([case], out, ("email",), "text", SETTINGS, again)
    assert again.calls == [("a.yaml", "email")] and results[0].status == "model"
    assert edited in (out / "a" / "email.txt").read_text(encoding="utf-8")
    rerun = batch.run([case], out, ("email",), "text", SETTINGS, Counting())
    assert rerun[0].status == "skipped"


def test_temporary_files_left_by_a_killed_run_are_removed(tmp_path: Path) -> None:
    case = tmp_path / "a.yaml"
    case.write_bytes(CASE.read_bytes())
    out = tmp_path / "out"
    (out / "a").mkdir(parents=True)
    leftovers = [
        out / "a" / ".email.txt.k2j4_x9q.tmp",
        out / "a" / ".drafter.json.0a1b2c3d.tmp",
        out / "a" / ".agenda.txt.zz00zz00.tmp.old",
        out / ".drafter-batch.json.abcdefgh.tmp",
    ]
    mine = [out / "a" / "notes.tmp", out / "a" / ".notes.tmp", out / "keep.txt"]
    for path in leftovers + mine:
        path.write_text("x", encoding="utf-8")

    batch.run([case], out, ("email",), "text", SETTINGS, Counting())

    assert not any(p.exists() for p in leftovers)
    assert all(p.read_text(encoding="utf-8") == "x" for p in mine)


def test_a_second_batch_on_the_same_folder_is_refused(tmp_path: Path) -> None:
    out = tmp_path / "out"
    with batchfiles.locked(out):
        code, output = _templates([str(CASE), "-o", str(out)])
        assert code == 2
        assert f"{out} is in use by another drafter batch (process {os.getpid()})" in output
        assert "Traceback" not in output
    assert not list(out.glob("*/*.txt"))  # nothing drafted while refused
    code, output = _templates([str(CASE), "-o", str(out)])
    assert code == 0, output  # released when the first batch ended


# --- 4 and 5. workers die with their parent; one Ctrl-C stops the batch -----------------------


class SilentServer:
    """A local server that accepts connections and never answers: a model that hangs."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port = self.sock.getsockname()[1]
        self.accepted: list[socket.socket] = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                conn, _ = self.sock.accept()
            except OSError:  # closed
                return
            self.accepted.append(conn)

    def close(self) -> None:
        self.sock.close()
        for conn in self.accepted:
            conn.close()


@pytest.fixture
def silent() -> Iterator[SilentServer]:
    server = SilentServer()
    yield server
    server.close()


def _start_batch(
    tmp_path: Path, server: SilentServer, cases: int, jobs: int
) -> subprocess.Popen[str]:
    """``drafter batch`` on ``cases`` copies of a case against ``server``, once it has a
    request in flight; in its own session, like a shell's job."""
    folder = tmp_path / "cases"
    folder.mkdir()
    for i in range(cases):
        (folder / f"case{i:02d}.yaml").write_bytes(CASE.read_bytes())
    args = [sys.executable, "-m", "drafter", "batch", str(folder), "-o", str(tmp_path / "out")]
    args += ["-j", str(jobs), "--base-url", f"http://127.0.0.1:{server.port}/v1"]
    args += ["--timeout", "120", "--max-retries", "0", "--kinds", "email"]
    proc = subprocess.Popen(
        args,
        env={**os.environ, "OPENAI_API_KEY": "x"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    deadline = time.monotonic() + 60
    while not server.accepted and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.05)
    assert server.accepted, proc.communicate(timeout=10)
    return proc


def _state(pid: int) -> tuple[str, int] | None:
    """A process's state letter and parent, or None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text(encoding="ascii", errors="replace")
    except OSError:
        return None
    state, ppid = stat.rsplit(")", 1)[1].split()[:2]
    return state, int(ppid)


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (_state(int(entry.name)) or ("", 0))[1] == pid:
            found.append(int(entry.name))
    return found


def _alive(pid: int) -> bool:
    """Whether any thread of ``pid`` still runs (a zombie leader may outlive its threads
    for a moment; an unreaped zombie with none left has died)."""
    state = _state(pid)
    if state is None:
        return False
    try:
        threads = len(list(Path(f"/proc/{pid}/task").iterdir()))
    except OSError:
        return False
    return state[0] not in ("Z", "X") or threads > 1


@needs_linux
def test_killing_the_parent_kills_its_worker_processes(
    tmp_path: Path, silent: SilentServer
) -> None:
    proc = _start_batch(tmp_path, silent, cases=16, jobs=8)
    deadline = time.monotonic() + 30
    while len(workers := _children(proc.pid)) < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert len(workers) >= 2  # -j 8 over 16 cases: worker processes

    proc.kill()  # kill -9: no handler runs in the parent
    proc.wait(timeout=10)

    deadline = time.monotonic() + 5
    while any(map(_alive, workers)) and time.monotonic() < deadline:
        time.sleep(0.05)
    assert not any(map(_alive, workers))
    # The folder's lock died with them: the next batch is not refused.
    code, output = _templates([str(tmp_path / "cases"), "-o", str(tmp_path / "out")])
    assert code == 0, output


@needs_linux
@pytest.mark.parametrize(("cases", "jobs"), [(3, 2), (16, 8)], ids=["threads", "processes"])
def test_one_ctrl_c_stops_the_batch_at_once(
    tmp_path: Path, silent: SilentServer, cases: int, jobs: int
) -> None:
    """Requests that never get an answer are abandoned: exit 130 with one line, and a second
    Ctrl-C right after never prints a traceback. Ctrl-C goes to the whole process group."""
    proc = _start_batch(tmp_path, silent, cases, jobs)
    time.sleep(0.3)
    workers = _children(proc.pid)
    assert len(workers) == (2 if jobs == 8 else 0)
    started = time.monotonic()
    os.killpg(proc.pid, signal.SIGINT)
    time.sleep(0.1)
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    took = time.monotonic() - started

    assert proc.returncode == 130, err
    assert took < 10
    assert (
        err.count("interrupted; 0 finished drafts are kept; rerun the same command to resume.") == 1
    )
    assert "Traceback" not in err
    assert not any(map(_alive, workers))  # stopped and reaped before the parent exited
