"""Batch drafting: many cases, bounded concurrency, failures isolated, resumable after a crash."""

from __future__ import annotations

import json
import multiprocessing
import os
import sys
import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from drafter import batch, batchfiles, batchreport, batchworkers, history
from drafter.cli import cli
from drafter.drafts import Kind
from drafter.errors import DrafterError
from drafter.pipeline import Produced
from tests.conftest import SHARED_CASES

SETTINGS = {"format": "text", "llm": None}


def _cases(tmp_path: Path, n: int) -> list[Path]:
    folder = tmp_path / "cases"
    folder.mkdir()
    source = SHARED_CASES[0].read_text(encoding="utf-8")
    paths = []
    for i in range(n):
        path = folder / f"case{i:02d}.yaml"
        path.write_text(source.replace("account: ", f"account: Account {i} ", 1), encoding="utf-8")
        paths.append(path)
    return paths


class Recorder:
    """A stand-in for the drafting step: records calls, can fail or 'crash' on cue."""

    def __init__(self, fail: Sequence[str] = (), crash_after: int | None = None) -> None:
        self.calls: list[tuple[str, Kind]] = []
        self.fail = set(fail)
        self.crash_after = crash_after
        self.lock = threading.Lock()
        self.active = 0
        self.peak = 0

    def __call__(self, source: Path, kind: Kind, case_bytes: bytes) -> Produced:
        with self.lock:
            if self.crash_after is not None and len(self.calls) >= self.crash_after:
                raise SystemExit("simulated crash")  # not an Exception: like the process dying
            self.calls.append((source.stem, kind))
            self.active += 1
            self.peak = max(self.peak, self.active)
        try:
            time.sleep(0.01)
            if source.stem in self.fail:
                raise DrafterError("the model's reply was cut off (finish_reason=length)")
            return Produced(f"{source.stem} {kind}\n".encode(), route="model")
        finally:
            with self.lock:
                self.active -= 1


KINDS: tuple[Kind, ...] = ("email", "agenda", "escalation")


def test_one_failing_case_never_stops_the_others(tmp_path: Path) -> None:
    paths = _cases(tmp_path, 6)
    produce = Recorder(fail=["case02"])
    results = batch.run(paths, tmp_path / "out", KINDS, "text", SETTINGS, produce, jobs=3)
    assert [r.source for r in results] == paths  # input order, whatever finished first
    by_name = {r.source.stem: r for r in results}
    assert by_name["case02"].status == "failed"
    assert "finish_reason=length" in by_name["case02"].reasons[0]
    assert all(by_name[f"case{i:02d}"].status == "model" for i in (0, 1, 3, 4, 5))
    assert (tmp_path / "out" / "case05" / "escalation.txt").read_text() == "case05 escalation\n"


def test_concurrency_is_bounded_by_jobs(tmp_path: Path) -> None:
    produce = Recorder()
    batch.run(_cases(tmp_path, 8), tmp_path / "out", ("email",), "text", SETTINGS, produce, jobs=3)
    assert produce.peak <= 3
    assert produce.peak >= 2  # really concurrent


def test_resume_after_a_crash_loses_nothing_and_redoes_nothing(tmp_path: Path) -> None:
    paths = _cases(tmp_path, 5)
    out = tmp_path / "out"
    first = Recorder(crash_after=7)
    with pytest.raises(SystemExit):
        batch.run(paths, out, KINDS, "text", SETTINGS, first, jobs=1)
    done = set(first.calls)
    assert len(done) == 7
    before = {p: p.read_bytes() for p in out.rglob("*.txt")}
    assert len(before) == 7  # every paid-for draft reached the disk, none half-written
    assert not list(out.rglob("*.tmp"))

    second = Recorder()
    results = batch.run(paths, out, KINDS, "text", SETTINGS, second, jobs=2)
    assert not done & set(second.calls)  # nothing redone
    assert len(done) + len(second.calls) == len(paths) * len(KINDS)  # nothing lost
    assert all(p.read_bytes() == data for p, data in before.items())
    assert all(r.ok for r in results)

    third = Recorder()
    results = batch.run(paths, out, KINDS, "text", SETTINGS, third, jobs=2)
    assert third.calls == [] and {r.status for r in results} == {"skipped"}


def test_changed_case_or_settings_are_redrafted(tmp_path: Path) -> None:
    paths = _cases(tmp_path, 2)
    out = tmp_path / "out"
    batch.run(paths, out, KINDS, "text", SETTINGS, Recorder(), jobs=2)
    paths[0].write_text(paths[0].read_text() + "\n# edited\n", encoding="utf-8")
    again = Recorder()
    batch.run(paths, out, KINDS, "text", SETTINGS, again, jobs=2)
    assert {stem for stem, _ in again.calls} == {"case00"}
    other = Recorder()
    batch.run(paths, out, KINDS, "text", {**SETTINGS, "llm": {"model": "x"}}, other, jobs=2)
    assert len(other.calls) == 6


def _pid_produce(source: Path, kind: Kind, case_bytes: bytes) -> Produced:
    """Drafts that say which process made them; case03 kills its worker."""
    if source.stem == "case03":
        os._exit(3)  # like a worker killed by the OOM killer: no exception, no cleanup
    time.sleep(0.01)
    return Produced(f"{source.stem} {kind} {os.getpid()}\n".encode(), route="model")


needs_fork = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="workers fork")


@needs_fork
def test_worker_processes_share_the_cases_and_report_each_one(tmp_path: Path) -> None:
    paths = [p for p in _cases(tmp_path, 9) if p.stem != "case03"]
    seen: list[str] = []
    results = batch.run(
        paths,
        tmp_path / "out",
        KINDS,
        "text",
        SETTINGS,
        _pid_produce,
        jobs=4,
        progress=lambda r: seen.append(r.source.stem),
        processes=2,
    )
    assert [r.source for r in results] == paths  # input order, whatever finished first
    assert sorted(seen) == sorted(p.stem for p in paths)  # progress as each case finished
    assert {r.status for r in results} == {"model"}
    pids = set()
    for path in paths:
        for kind in KINDS:
            stem, made, pid = (tmp_path / "out" / path.stem / f"{kind}.txt").read_text().split()
            assert (stem, made) == (path.stem, kind)
            pids.add(int(pid))
    assert len(pids) == 2 and os.getpid() not in pids
    assert not multiprocessing.active_children()


@needs_fork
def test_a_worker_that_dies_fails_its_unfinished_cases_and_nothing_else(tmp_path: Path) -> None:
    paths = _cases(tmp_path, 8)
    results = batch.run(
        paths, tmp_path / "out", ("email",), "text", SETTINGS, _pid_produce, jobs=2, processes=2
    )
    by_name = {r.source.stem: r for r in results}
    assert len(results) == 8
    dead = {name for name, r in by_name.items() if r.status == "failed"}
    assert "case03" in dead
    assert all("worker process stopped (exit code 3)" in by_name[n].reasons[0] for n in dead)
    # The other worker's cases (every second one) all finished.
    assert all(by_name[f"case{i:02d}"].status == "model" for i in (0, 2, 4, 6))
    assert all((tmp_path / "out" / n / "email.txt").exists() for n in by_name if n not in dead)


@needs_fork
def test_ctrl_c_stops_the_workers_and_a_rerun_finishes_the_rest(tmp_path: Path) -> None:
    paths = [p for p in _cases(tmp_path, 30) if p.stem != "case03"]
    out = tmp_path / "out"

    def interrupt(result: batchreport.CaseResult) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        batch.run(
            paths,
            out,
            KINDS,
            "text",
            SETTINGS,
            _pid_produce,
            jobs=2,
            progress=interrupt,
            processes=2,
        )
    assert not multiprocessing.active_children()  # no worker left behind
    done = [  # drafts in flight were abandoned: only the recorded ones count as finished
        folder / entry["file"]
        for folder in out.iterdir()
        if (folder / batchfiles.MANIFEST).exists()
        for entry in json.loads((folder / batchfiles.MANIFEST).read_text(encoding="utf-8")).values()
    ]
    assert 0 < len(done) < len(paths) * len(KINDS)  # stopped early, kept what was finished
    before = {p: p.read_bytes() for p in done}
    results = batch.run(paths, out, KINDS, "text", SETTINGS, _pid_produce, jobs=2, processes=2)
    assert all(r.ok for r in results)
    assert all(p.read_bytes() == data for p, data in before.items())  # nothing redone
    assert len(list(out.rglob("*.txt"))) == len(paths) * len(KINDS)
    assert not list(out.rglob("*.tmp"))  # what a stopped worker left half-staged is gone


def test_processes_are_used_only_for_big_batches_on_linux(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batchworkers.sys, "platform", "linux")
    monkeypatch.setattr(batchworkers.os, "sched_getaffinity", lambda pid: {0, 1}, raising=False)
    assert batchworkers.worker_processes(16, 2000) == 4
    assert batchworkers.worker_processes(64, 2000) == 4  # two per CPU at most
    assert batchworkers.worker_processes(8, 2000) == 2
    assert batchworkers.worker_processes(4, 2000) == 1  # few jobs: threads alone
    assert batchworkers.worker_processes(16, 20) == 1  # small batch: not worth forking
    monkeypatch.setattr(batchworkers.sys, "platform", "darwin")
    assert batchworkers.worker_processes(16, 2000) == 1


def test_per_case_builds_once_per_case_and_holds_one_per_thread() -> None:
    built: list[str] = []

    def build(source: Path, case_bytes: bytes) -> str:
        built.append(source.name)
        return case_bytes.decode()

    request_for = batch.per_case(build)
    for _kind in KINDS:  # as draft_case asks, once per kind
        assert request_for(Path("a.yaml"), b"A") == "A"
    assert request_for(Path("b.yaml"), b"B") == "B"
    other = threading.Thread(target=request_for, args=(Path("b.yaml"), b"B"))
    other.start()
    other.join()
    assert built == ["a.yaml", "b.yaml", "b.yaml"]  # the other thread builds its own


def test_find_cases_takes_files_globs_and_folders(tmp_path: Path) -> None:
    paths = _cases(tmp_path, 3)
    (tmp_path / "cases" / "notes.txt").write_text("x", encoding="utf-8")
    assert batchfiles.find_cases([str(tmp_path / "cases")]) == paths
    assert (
        batchfiles.find_cases([str(tmp_path / "cases" / "case0[12].yaml"), str(paths[1])])
        == paths[1:]
    )


def test_cli_batch_mixes_valid_and_invalid_cases(tmp_path: Path) -> None:
    bad = tmp_path / "broken.yaml"
    bad.write_text("account: Nobody\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["batch", *map(str, SHARED_CASES), str(bad), "-o", str(out), "--mode", "templates"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    assert "broken.yaml" in result.stdout and "invalid case" in result.stdout
    assert f"{len(SHARED_CASES)} template" in result.stdout
    for case in SHARED_CASES:
        assert (out / case.stem / "email.txt").exists()
    rerun = CliRunner().invoke(cli, args)
    assert f"{len(SHARED_CASES)} already done" in rerun.stdout


def test_cli_batch_reports_unreadable_case_files_as_invalid(tmp_path: Path) -> None:
    """A case file is read once, capped at 1 MB, and that content is both hashed and
    drafted: a huge or non-UTF-8 file is an invalid case with the reason, never a crash."""
    huge = tmp_path / "huge.yaml"
    huge.write_bytes(b"account: x\n" + b"#" * 1_100_000)
    latin = tmp_path / "latin.yaml"
    latin.write_bytes(SHARED_CASES[0].read_bytes().replace(b"account: ", b"account: Caf\xe9 ", 1))
    out = tmp_path / "out"
    args = ["batch", str(SHARED_CASES[0]), str(huge), str(latin), "-o", str(out)]
    result = CliRunner().invoke(
        cli, [*args, "--mode", "templates", "--kinds", "email"], env={"COLUMNS": "400"}
    )
    assert result.exit_code == 2, result.output
    table = {line.split()[0]: line for line in result.stdout.splitlines() if ".yaml" in line}
    assert "invalid case" in table["huge.yaml"] and "is larger than 1000 KB" in table["huge.yaml"]
    assert "invalid case" in table["latin.yaml"] and "is not UTF-8 text" in table["latin.yaml"]
    assert "template" in table[SHARED_CASES[0].name]
    assert sorted(p.parent.name for p in out.glob("*/email.txt")) == [SHARED_CASES[0].stem]


@pytest.mark.vcr(match_on=("method", "path"), allow_playback_repeats=True, record_mode="none")
def test_cli_batch_with_a_model_falls_back_per_case(tmp_path: Path, vcr: object) -> None:
    """Hand-written cassette: every case gets the same generic model draft, which the checks
    reject; with no repair round each case falls back to its template, concurrently, with
    the reason in the summary and one request per case through one shared client."""
    out = tmp_path / "out"
    args = ["batch", *map(str, SHARED_CASES), "-o", str(out), "--kinds", "email", "-j", "3"]
    args += ["--base-url", "http://127.0.0.1:8088/v1", "--repair-rounds", "0", "--model", "stub"]
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert f"{len(SHARED_CASES)} template" in result.stdout
    assert result.stdout.count("the model's draft broke") == len(SHARED_CASES)  # per case
    assert vcr.play_count == len(SHARED_CASES)  # type: ignore[attr-defined]
    for case in SHARED_CASES:
        assert (out / case.stem / "email.txt").read_text(encoding="utf-8").startswith("To: ")


@needs_fork
@pytest.mark.vcr(
    "test_cli_batch_with_a_model_falls_back_per_case.yaml",
    match_on=("method", "path"),
    allow_playback_repeats=True,
    record_mode="none",
)
def test_cli_big_batch_spreads_over_worker_processes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, vcr: object
) -> None:
    """The same hand-written cassette, replayed in forked workers: 40 cases at -j 16 run in
    several processes, and the summary still accounts for every case, the invalid one too."""
    used: list[int] = []
    real = batchworkers.worker_processes
    monkeypatch.setattr(
        batchworkers, "worker_processes", lambda j, n: used.append(real(j, n)) or used[-1]
    )
    paths = _cases(tmp_path, 40)
    paths[7].write_text("account: Nobody\n", encoding="utf-8")
    out = tmp_path / "out"
    args = ["batch", str(tmp_path / "cases"), "-o", str(out), "--kinds", "email", "-j", "16"]
    args += ["--base-url", "http://127.0.0.1:8088/v1", "--repair-rounds", "0", "--model", "stub"]
    result = CliRunner().invoke(cli, args)
    assert used and used[0] >= 2
    assert result.exit_code == 2, result.output
    assert "39 template, 1 invalid case (40 cases)" in result.stdout
    assert result.stdout.count("the model's draft broke") == 39
    assert "case07.yaml" in result.stdout
    assert len(list(out.glob("*/email.txt"))) == 39
    assert not multiprocessing.active_children()
    logged = history.list_entries(limit=100)  # written by every worker into one log
    assert sorted(e.case_path for e in logged) == sorted(str(p) for p in paths if p != paths[7])
    assert all(e.route == "template" and e.calls == 1 and e.written for e in logged)
