"""Draft many cases at once: bounded concurrency, resumable, one failure never stops the rest.

Each case gets a folder ``OUT/<case name>/`` holding its drafts and a small manifest
(``.drafter.json``) that records, per artifact, a key hashing the case file's bytes and
every setting that shapes the draft. A rerun skips an artifact whose key matches and whose
file exists, so a batch stopped by Ctrl-C or a crash resumes without redoing paid work.
The manifest entry is written before the draft file: a crash between the two leaves a
missing file, which the rerun drafts again; drafts are written atomically, never half.
"""

from __future__ import annotations

import gc
import glob
import hashlib
import json
import os
import signal
import sys
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from drafter import __version__
from drafter.casefile import read_bytes
from drafter.drafts import Kind
from drafter.errors import DrafterError, InputError
from drafter.output import EXTENSIONS, Format, write_atomic

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

T = TypeVar("T")

MANIFEST = ".drafter.json"
CASE_SUFFIXES = (".yaml", ".yml")

Status = Literal["model", "repaired", "template", "skipped", "invalid", "failed"]
STATUS_LABELS: dict[Status, str] = {
    "model": "drafted by model",
    "repaired": "repaired",
    "template": "template",
    "skipped": "already done",
    "invalid": "invalid case",
    "failed": "failed",
}
_RANK: dict[Status, int] = {s: i for i, s in enumerate(STATUS_LABELS)}


@dataclass
class CaseResult:
    """What happened to one case: its worst artifact status and the reasons."""

    source: Path
    folder: Path
    statuses: dict[Kind, Status] = field(default_factory=dict)
    reasons: list[str] = field(default_factory=list)
    invalid: bool = False

    @property
    def status(self) -> Status:
        """The case's overall status: the least happy of its artifacts."""
        if self.invalid:
            return "invalid"
        if not self.statuses:
            return "failed"
        return max(self.statuses.values(), key=_RANK.__getitem__)

    @property
    def ok(self) -> bool:
        return self.status not in ("invalid", "failed")


class Drafted(Protocol):
    """One artifact drafted for the batch to write (``pipeline.Produced`` is one)."""

    @property
    def data(self) -> bytes:
        """The formatted draft."""

    @property
    def path(self) -> Literal["model", "repaired", "template"]:
        """How it was made."""

    @property
    def reasons(self) -> Sequence[str]:
        """Why it is not the model's own draft."""

    def written(self, target: str) -> None:
        """Note that the draft reached ``target`` (the history log's "written" mark)."""


Produce = Callable[[Path, Kind, bytes], Drafted]
"""Draft one artifact of one case file, given the file's bytes as hashed for its resume key
(so the draft and the key always describe the same content)."""


def per_case(build: Callable[[Path, bytes], T]) -> Callable[[Path, bytes], T]:
    """``build(source, case_bytes)``, made once per case: :func:`draft_case` drafts a case's
    kinds in a row on one thread, so keeping the last value per thread parses each case once
    and holds one case per thread, however long the batch."""
    current = threading.local()

    def cached(source: Path, case_bytes: bytes) -> T:
        if getattr(current, "source", None) != source:
            current.value = build(source, case_bytes)
            current.source = source
        value: T = current.value
        return value

    return cached


def find_cases(specs: Iterable[str]) -> list[Path]:
    """Case files named by paths, globs or folders (``*.yaml``/``*.yml`` inside), in order."""
    found: dict[Path, None] = {}
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            matches = sorted(p for p in path.iterdir() if p.suffix.lower() in CASE_SUFFIXES)
        elif path.exists():
            matches = [path]
        else:
            matches = sorted(Path(p) for p in glob.glob(spec, recursive=True))
            if not matches:
                raise InputError(f"{spec}: no such file, and no case files match it.")
        found.update(dict.fromkeys(m for m in matches if m.is_file()))
    if not found:
        raise InputError("no case files found in " + ", ".join(specs) + ".")
    return list(found)


def folders_for(cases: Sequence[Path], out: Path) -> dict[Path, Path]:
    """One output folder per case, named after the file; clashing names get the parent's."""
    stems: dict[str, int] = {}
    for case in cases:
        stems[case.stem] = stems.get(case.stem, 0) + 1
    return {
        case: out / (case.stem if stems[case.stem] == 1 else f"{case.parent.name}-{case.stem}")
        for case in cases
    }


def job_key(case_bytes: bytes, kind: Kind, settings: dict[str, Any]) -> str:
    """A hash of everything that shapes one draft: the case, the artifact, the settings."""
    digest = hashlib.sha256(case_bytes)
    digest.update(
        json.dumps({"kind": kind, "version": __version__, **settings}, sort_keys=True).encode()
    )
    return digest.hexdigest()


def _read_manifest(folder: Path) -> dict[str, Any]:
    try:
        data = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def draft_case(
    source: Path,
    folder: Path,
    kinds: Sequence[Kind],
    fmt: Format,
    settings: dict[str, Any],
    produce: Produce,
    case_bytes: bytes | None = None,
) -> CaseResult:
    """Draft every artifact of one case that is not already done; never raises.

    ``case_bytes``: the case file's content as read earlier (the Batch API drafts against
    what it submitted); by default the file is read now.
    """
    result = CaseResult(source=source, folder=folder)
    if case_bytes is None:
        try:
            _, case_bytes = read_bytes(str(source))
        except InputError as exc:
            result.invalid = True
            result.reasons.append(str(exc))
            return result
    manifest = _read_manifest(folder)
    for kind in kinds:
        key = job_key(case_bytes, kind, settings)
        target = folder / f"{kind}{EXTENSIONS[fmt]}"
        if manifest.get(kind) == key and target.exists():
            result.statuses[kind] = "skipped"
            continue
        try:
            drafted = produce(source, kind, case_bytes)
            manifest[kind] = key
            write_atomic(folder / MANIFEST, json.dumps(manifest, indent=2).encode(), force=True)
            write_atomic(target, drafted.data, force=True)
            drafted.written(str(target))
        except InputError as exc:
            result.invalid = True
            result.reasons.append(str(exc))
            return result
        except DrafterError as exc:
            result.statuses[kind] = "failed"
            result.reasons.append(f"{kind}: {exc}")
            continue
        except Exception as exc:  # one case's bug must not stop the batch
            result.statuses[kind] = "failed"
            result.reasons.append(f"{kind}: unexpected {type(exc).__name__}: {exc}")
            continue
        result.statuses[kind] = drafted.path
        result.reasons.extend(f"{kind}: {r}" for r in drafted.reasons)
    return result


THREADS_PER_PROCESS = 4
"""Jobs one worker process runs as threads before another process is worth forking."""
PROCESSES_PER_CPU = 2
"""Workers mostly wait on the network: two per CPU keep each interpreter lock lightly used."""


def worker_processes(jobs: int, cases: int) -> int:
    """How many processes to spread ``jobs`` over: one per :data:`THREADS_PER_PROCESS` jobs,
    at most :data:`PROCESSES_PER_CPU` per usable CPU, and only on Linux (forking a warm
    interpreter is unsafe on macOS and missing on Windows) for batches of at least two cases
    per job.

    Threads share one interpreter lock, and each draft costs milliseconds of CPU (parsing,
    rendering, the client library, the checks). With many jobs in flight against a fast
    server, a reply waits for the lock more than for the network; a few threads in each of
    several processes keep that wait short (``bench/batch.py`` measures it).
    """
    if not sys.platform.startswith("linux") or cases < 2 * jobs:
        return 1
    cpus = len(os.sched_getaffinity(0))
    return max(1, min(PROCESSES_PER_CPU * cpus, jobs // THREADS_PER_PROCESS))


def run(
    cases: Sequence[Path],
    out: Path,
    kinds: Sequence[Kind],
    fmt: Format,
    settings: dict[str, Any],
    produce: Produce,
    jobs: int = 4,
    progress: Callable[[CaseResult], None] | None = None,
    folders: Mapping[Path, Path] | None = None,
    contents: Mapping[Path, bytes] | None = None,
    processes: int = 1,
) -> list[CaseResult]:
    """Draft all ``cases`` with at most ``jobs`` at a time; results in input order.

    ``folders`` overrides :func:`folders_for`; ``contents`` gives case files' bytes as read
    earlier (see :func:`draft_case`). With ``processes`` above 1 (see
    :func:`worker_processes`) the cases are dealt round-robin to that many forked workers,
    each running its share of the jobs as threads; ``produce`` and everything it uses are
    inherited by the fork, so build them (and warm their caches) before calling.
    """
    folders = folders or folders_for(cases, out)
    job = _Job(folders, kinds, fmt, settings, produce, contents or {})
    if processes > 1 and len(cases) > processes:
        return _run_processes(job, cases, jobs, processes, progress)
    return _run_threads(job, cases, jobs, progress)


@dataclass(frozen=True)
class _Job:
    """What every case of a batch is drafted with."""

    folders: Mapping[Path, Path]
    kinds: Sequence[Kind]
    fmt: Format
    settings: dict[str, Any]
    produce: Produce
    contents: Mapping[Path, bytes]

    def __call__(self, case: Path) -> CaseResult:
        return draft_case(
            case,
            self.folders[case],
            self.kinds,
            self.fmt,
            self.settings,
            self.produce,
            self.contents.get(case),
        )


def _run_threads(
    job: _Job,
    cases: Sequence[Path],
    jobs: int,
    progress: Callable[[CaseResult], None] | None,
) -> list[CaseResult]:
    """Draft ``cases`` on ``jobs`` threads of this process."""
    results: dict[Path, CaseResult] = {}
    pool = ThreadPoolExecutor(max_workers=max(1, jobs), thread_name_prefix="drafter")
    try:
        futures = {pool.submit(job, case): case for case in cases}
        for future in as_completed(futures):
            result = future.result()
            results[futures[future]] = result
            if progress:
                progress(result)
    finally:
        # On Ctrl-C: drop queued cases, let running ones finish their atomic writes.
        pool.shutdown(wait=True, cancel_futures=True)
    return [results[c] for c in cases if c in results]


def _run_processes(
    job: _Job,
    cases: Sequence[Path],
    jobs: int,
    processes: int,
    progress: Callable[[CaseResult], None] | None,
) -> list[CaseResult]:
    """Deal ``cases`` to forked workers; each result streams back through a pipe as its case
    finishes. A worker that dies leaves its unfinished cases failed, never lost silently."""
    import multiprocessing
    from multiprocessing.connection import Connection, wait

    ctx = multiprocessing.get_context("fork")
    threads = -(-jobs // processes)
    workers: dict[Connection, tuple[BaseProcess, list[Path]]] = {}
    gc.freeze()  # the workers' collector leaves the parent's objects (and their pages) alone
    try:
        for i in range(processes):
            shard = list(cases[i::processes])
            receiver, sender = ctx.Pipe(duplex=False)
            worker = ctx.Process(
                target=_worker,
                args=(job, shard, threads, sender),
                name=f"drafter-{i + 1}",
                daemon=True,
            )
            worker.start()
            sender.close()
            workers[receiver] = (worker, shard)
    finally:
        gc.unfreeze()
    results: dict[Path, CaseResult] = {}

    def receive(report: Callable[[CaseResult], None] | None, timeout: float | None = None) -> None:
        for conn in wait(list(workers), timeout):
            assert isinstance(conn, Connection)
            try:
                result = conn.recv()
            except EOFError:  # the worker has exited, and everything it sent has been read
                stopped, shard = workers.pop(conn)
                stopped.join()
                for case in shard:
                    if case not in results:
                        results[case] = lost = CaseResult(case, job.folders[case])
                        lost.reasons.append(
                            f"its worker process stopped (exit code {stopped.exitcode})"
                        )
                        if report:
                            report(lost)
                continue
            results[result.source] = result
            if report:
                report(result)

    try:
        while workers:
            receive(progress)
    except KeyboardInterrupt:
        for running, _ in workers.values():
            running.terminate()  # it finishes the drafts it has started, then exits
        while workers:
            receive(None, timeout=0.1)
        raise
    return [results[c] for c in cases if c in results]


def _worker(job: _Job, cases: list[Path], threads: int, conn: Connection) -> None:
    """A forked worker: draft ``cases`` on ``threads`` threads, sending each result home.

    Ctrl-C reaches the whole process group; the parent alone decides, and stops workers
    with SIGTERM, which here means "finish what you started and leave".
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        _run_threads(job, cases, threads, conn.send)
    except (KeyboardInterrupt, BrokenPipeError):  # stopped, or the parent is gone
        pass
    finally:
        conn.close()


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def summary_table(results: Sequence[CaseResult], width: int | None = None) -> str:
    """A plain table: case, outcome, reasons; then the counts."""
    width = width or int(os.environ.get("COLUMNS", "100"))
    name_w = min(max((len(r.source.name) for r in results), default=4), 40)
    lines = [f"{'case':<{name_w}}  {'outcome':<16}  reasons"]
    for r in results:
        reason = " ".join("; ".join(r.reasons).split()) or "-"
        room = max(20, width - name_w - 20)
        if len(reason) > room:
            reason = reason[: room - 1] + "…"
        lines.append(f"{r.source.name[:name_w]:<{name_w}}  {STATUS_LABELS[r.status]:<16}  {reason}")
    counts: dict[str, int] = {}
    for r in results:
        counts[STATUS_LABELS[r.status]] = counts.get(STATUS_LABELS[r.status], 0) + 1
    lines.append("")
    lines.append(
        ", ".join(f"{n} {label}" for label, n in counts.items()) + f" ({len(results)} cases)"
    )
    return "\n".join(lines)
