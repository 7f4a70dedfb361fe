"""Batch drafting: many cases, bounded concurrency, failures isolated, resumable after a crash."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from pathlib import Path

import pytest
from click.testing import CliRunner

from drafter import batch
from drafter.cli import cli
from drafter.drafts import Kind
from drafter.errors import DrafterError
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

    def __call__(self, source: Path, kind: Kind) -> tuple[bytes, batch.Status, tuple[str, ...]]:
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
            return f"{source.stem} {kind}\n".encode(), "model", ()
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


def test_find_cases_takes_files_globs_and_folders(tmp_path: Path) -> None:
    paths = _cases(tmp_path, 3)
    (tmp_path / "cases" / "notes.txt").write_text("x", encoding="utf-8")
    assert batch.find_cases([str(tmp_path / "cases")]) == paths
    assert (
        batch.find_cases([str(tmp_path / "cases" / "case0[12].yaml"), str(paths[1])]) == paths[1:]
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
