"""Draft many cases at once: bounded concurrency, resumable, one failure never stops the rest.

Each case gets a folder ``OUT/<case name>/`` (a sanitised, unique name: see
:func:`folders_for`) holding its drafts and a small manifest (``.drafter.json``) that
records, per artifact, a key hashing the case file's bytes and every setting that shapes
the draft, the file written and a hash of its bytes. The manifest entry is written after
the draft, both atomically, so a rerun skips exactly the drafts that are on disk for that
content and those settings; a crash between the two redrafts one artifact, never keeps a
stale one. One batch at a time holds ``OUT/.drafter.lock``; temporary files left by a
killed run are removed by the next one.
"""

from __future__ import annotations

import contextlib
import gc
import glob
import hashlib
import json
import os
import queue
import re
import signal
import sys
import threading
import time
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, TypeVar

from drafter import __version__
from drafter.casefile import read_bytes
from drafter.drafts import Kind
from drafter.errors import DrafterError, InputError, OutputError
from drafter.output import EXTENSIONS, Format, write_atomic

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess

T = TypeVar("T")

MANIFEST = ".drafter.json"
LOCK = ".drafter.lock"
CASE_SUFFIXES = (".yaml", ".yml")
NAME_BYTES = 80
"""The longest folder name taken from a case file's name, in UTF-8 bytes."""
_SUFFIX_LENGTHS = (8, 16, 64)
"""Lengths of the path hash that tells clashing folder names apart, tried in turn."""
_UNSAFE = re.compile(r"[^\w.\- ]+")
_TEMPORARY = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp(\.old)?")
"""What :func:`drafter.output.write_atomic` leaves behind when its process is killed."""

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
    found: dict[Path, Path] = {}
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
        for match in matches:
            if match.is_file():
                found.setdefault(match.resolve(), match)  # one file named twice: drafted once
    if not found:
        raise InputError("no case files found in " + ", ".join(specs) + ".")
    return list(found.values())


def folder_name(stem: str) -> str:
    """A safe folder name from a case file's name: letters, digits, ``_ - . `` and spaces
    only (no separators, control characters or leading dots, so never ``.`` or ``..``),
    at most :data:`NAME_BYTES` long; ``case`` when nothing is left."""
    name = _UNSAFE.sub("-", unicodedata.normalize("NFC", stem)).lstrip(". -")
    name = name.encode()[:NAME_BYTES].decode(errors="ignore").rstrip(". ")
    return name or "case"


def folders_for(cases: Sequence[Path], out: Path) -> dict[Path, Path]:
    """One folder in ``out`` per case, named by :func:`folder_name`, unique and stable.

    Names that clash (ignoring case, as macOS and Windows do) get a hash of the case file's
    full path appended, longer until none clash; the result depends only on the set of
    cases, never their order, so rerunning the same command finds the same folders.
    """
    levels = dict.fromkeys(cases, 0)
    while True:
        names = {case: _named(case, level) for case, level in levels.items()}
        by_name: dict[str, list[Path]] = {}
        for case, name in names.items():
            by_name.setdefault(name.casefold(), []).append(case)
        clashing = [c for group in by_name.values() if len(group) > 1 for c in group]
        if not clashing or all(levels[c] == len(_SUFFIX_LENGTHS) for c in clashing):
            return {case: out / name for case, name in names.items()}
        for case in clashing:
            levels[case] = min(levels[case] + 1, len(_SUFFIX_LENGTHS))


def _named(case: Path, level: int) -> str:
    """The folder name for ``case`` at disambiguation ``level`` (0: no suffix)."""
    name = folder_name(case.stem)
    if not level:
        return name
    digest = hashlib.sha256(os.fsencode(case.resolve())).hexdigest()
    return f"{name}-{digest[: _SUFFIX_LENGTHS[level - 1]]}"


def _inside(root: Path, path: Path) -> bool:
    """Whether ``path``, symbolic links followed, lies within the resolved ``root``."""
    resolved = path.resolve()
    return resolved != root and resolved.is_relative_to(root)


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


def _sha256(path: Path) -> str | None:
    """The hash of ``path``'s bytes, or None when it cannot be read."""
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


def _done(folder: Path, entry: object, key: str | None = None, file: str | None = None) -> bool:
    """Whether a manifest ``entry`` names a draft that is on disk, byte for byte, and (when
    given) was made for that ``key`` (content and settings) into that ``file``."""
    if not isinstance(entry, dict) or key not in (None, entry.get("key")):
        return False
    name = entry.get("file")
    if not isinstance(name, str) or file not in (None, name) or not _plain(name):
        return False
    digest = entry.get("sha256")
    return isinstance(digest, str) and _sha256(folder / name) == digest


def _plain(name: str) -> bool:
    """Whether ``name`` is a file name in its folder: no separators, not hidden."""
    return name == Path(name).name and not name.startswith(".")


def kept(folders: Iterable[Path]) -> int:
    """How many finished drafts the manifests in ``folders`` vouch for."""
    return sum(
        _done(folder, entry) for folder in folders for entry in _read_manifest(folder).values()
    )


def _clean(folder: Path) -> None:
    """Remove the temporary files a killed run left in ``folder`` (its own, by name)."""
    with contextlib.suppress(OSError):
        for leftover in folder.glob(".*.tmp*"):
            if _TEMPORARY.fullmatch(leftover.name):
                leftover.unlink(missing_ok=True)


@contextlib.contextmanager
def locked(out: Path) -> Iterator[None]:
    """Hold ``out/.drafter.lock`` while the body runs: a second batch on the same folder is
    refused with :class:`OutputError`. The lock goes with the process, however it ends."""
    try:
        out.mkdir(parents=True, exist_ok=True)
        handle = open(out / LOCK, "a+", encoding="utf-8")  # noqa: SIM115 (held, then closed)
    except OSError as exc:
        raise OutputError(f"cannot use {out} for drafts: {exc.strerror or exc}.") from None
    with handle:
        if sys.platform != "win32":
            import fcntl

            try:
                fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                handle.seek(0)
                holder = handle.read().strip() or "unknown"
                raise OutputError(
                    f"{out} is in use by another drafter batch (process {holder}); wait for "
                    "it to finish, or choose another -o DIR. Nothing was drafted."
                ) from None
        handle.seek(0)
        handle.truncate()
        handle.write(f"{os.getpid()}\n")
        handle.flush()
        _clean(out)
        yield


def draft_case(
    source: Path,
    folder: Path,
    kinds: Sequence[Kind],
    fmt: Format,
    settings: dict[str, Any],
    produce: Produce,
    case_bytes: bytes | None = None,
    *,
    root: Path,
    stop: threading.Event | None = None,
) -> CaseResult:
    """Draft every artifact of one case that is not already done; never raises.

    ``case_bytes``: the case file's content as read earlier (the Batch API drafts against
    what it submitted); by default the file is read now. ``root``: the resolved batch
    folder, which every file written must lie in. ``stop``: once set, no new draft starts.
    """
    result = CaseResult(source=source, folder=folder)
    if not _inside(root, folder):
        result.reasons.append(f"its folder {folder} is outside {root}; nothing was written")
        return result
    if case_bytes is None:
        try:
            _, case_bytes = read_bytes(str(source))
        except InputError as exc:
            result.invalid = True
            result.reasons.append(str(exc))
            return result
    _clean(folder)
    manifest = _read_manifest(folder)
    for kind in kinds:
        key = job_key(case_bytes, kind, settings)
        target = folder / f"{kind}{EXTENSIONS[fmt]}"
        if _done(folder, manifest.get(kind), key, target.name):
            result.statuses[kind] = "skipped"
            continue
        if stop is not None and stop.is_set():
            break
        try:
            drafted = produce(source, kind, case_bytes)
            write_atomic(target, drafted.data, force=True)
            manifest[kind] = {
                "key": key,
                "file": target.name,
                "sha256": hashlib.sha256(drafted.data).hexdigest(),
            }
            write_atomic(folder / MANIFEST, json.dumps(manifest, indent=2).encode(), force=True)
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

    Holds ``out``'s lock (see :func:`locked`) throughout. On KeyboardInterrupt, drafts in
    flight are abandoned: threads are left to die with the process, workers are stopped.
    """
    folders = folders or folders_for(cases, out)
    with locked(out):
        job = _Job(out.resolve(), folders, kinds, fmt, settings, produce, contents or {})
        if processes > 1 and len(cases) > processes:
            return _run_processes(job, cases, jobs, processes, progress)
        return _run_threads(job, cases, jobs, progress)


@dataclass(frozen=True)
class _Job:
    """What every case of a batch is drafted with."""

    root: Path
    folders: Mapping[Path, Path]
    kinds: Sequence[Kind]
    fmt: Format
    settings: dict[str, Any]
    produce: Produce
    contents: Mapping[Path, bytes]

    def __call__(self, case: Path, stop: threading.Event) -> CaseResult:
        return draft_case(
            case,
            self.folders[case],
            self.kinds,
            self.fmt,
            self.settings,
            self.produce,
            self.contents.get(case),
            root=self.root,
            stop=stop,
        )


def _run_threads(
    job: _Job,
    cases: Sequence[Path],
    jobs: int,
    progress: Callable[[CaseResult], None] | None,
) -> list[CaseResult]:
    """Draft ``cases`` on ``jobs`` daemon threads of this process.

    Daemon threads, so an interrupted batch never waits for a request in flight: they
    start no new draft once stopped, and die with the process."""
    todo: queue.SimpleQueue[Path] = queue.SimpleQueue()
    for case in cases:
        todo.put(case)
    finished: queue.SimpleQueue[CaseResult | BaseException] = queue.SimpleQueue()
    stop = threading.Event()

    def work() -> None:
        while not stop.is_set():
            try:
                case = todo.get_nowait()
            except queue.Empty:
                return
            try:
                finished.put(job(case, stop))
            except BaseException as exc:  # e.g. SystemExit: the main thread re-raises it
                finished.put(exc)
                return

    for i in range(min(max(1, jobs), len(cases))):
        threading.Thread(target=work, name=f"drafter-{i + 1}", daemon=True).start()
    results: dict[Path, CaseResult] = {}
    try:
        for _ in cases:
            item = finished.get()
            if isinstance(item, BaseException):
                raise item
            results[item.source] = item
            if progress:
                progress(item)
    finally:
        stop.set()
    return [results[c] for c in cases if c in results]


STOP_GRACE = 1.0
"""Seconds a stopped worker process gets to exit after SIGTERM before SIGKILL."""


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
    everyone: list[BaseProcess] = []
    # Ctrl-C waits until each worker ignores it; the collector leaves the parent's objects
    # (and their pages) alone in the workers.
    blocked = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    gc.freeze()
    try:
        for i in range(processes):
            shard = list(cases[i::processes])
            receiver, sender = ctx.Pipe(duplex=False)
            worker = ctx.Process(
                target=_worker,
                args=(job, shard, threads, sender, os.getpid()),
                name=f"drafter-{i + 1}",
                daemon=True,
            )
            worker.start()
            everyone.append(worker)
            sender.close()
            workers[receiver] = (worker, shard)
    finally:
        gc.unfreeze()
        signal.pthread_sigmask(signal.SIG_SETMASK, blocked)
    results: dict[Path, CaseResult] = {}

    def receive() -> None:
        for conn in wait(list(workers)):
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
                        if progress:
                            progress(lost)
                continue
            results[result.source] = result
            if progress:
                progress(result)

    try:
        while workers:
            receive()
    except BaseException:
        _stop(everyone)
        raise
    return [results[c] for c in cases if c in results]


def _stop(workers: Sequence[BaseProcess]) -> None:
    """SIGTERM every worker still running, SIGKILL any left after :data:`STOP_GRACE`."""
    for worker in workers:
        if worker.is_alive():
            worker.terminate()  # it starts no new draft, and exits
    deadline = time.monotonic() + STOP_GRACE
    for worker in workers:
        worker.join(max(0.0, deadline - time.monotonic()))
    for worker in workers:
        if worker.is_alive():
            worker.kill()
            worker.join()


PR_SET_PDEATHSIG = 1
"""Linux ``prctl`` option: the signal this process gets when its parent dies."""


def _worker(job: _Job, cases: list[Path], threads: int, conn: Connection, parent: int) -> None:
    """A forked worker: draft ``cases`` on ``threads`` threads, sending each result home.

    It dies with its parent, however the parent dies (even ``kill -9``). Ctrl-C reaches the
    whole process group; the parent alone decides, and stops workers with SIGTERM, which
    here means "start nothing new and leave"; drafts in flight are abandoned.
    """
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        _run_threads(job, cases, threads, conn.send)
    except (KeyboardInterrupt, BrokenPipeError):  # stopped, or the parent is gone
        pass
    finally:
        conn.close()


def _die_with(parent: int) -> None:
    """Have the kernel SIGKILL this process when ``parent`` dies; exit now if it already has.

    (Strictly, when the thread that forked it ends: :func:`run` forks from its caller's.)
    """
    import ctypes

    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the parent died before the request took effect
        os._exit(1)


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def summary_table(results: Sequence[CaseResult], width: int | None = None) -> str:
    """A plain table: case, outcome, reasons; then the counts."""
    width = width or int(os.environ.get("COLUMNS", "100"))
    names = [_printable(r.source.name) for r in results]
    name_w = min(max(map(len, names), default=4), 40)
    lines = [f"{'case':<{name_w}}  {'outcome':<16}  reasons"]
    for r, name in zip(results, names, strict=True):
        reason = _printable(" ".join("; ".join(r.reasons).split())) or "-"
        room = max(20, width - name_w - 20)
        if len(reason) > room:
            reason = reason[: room - 1] + "…"
        lines.append(f"{name[:name_w]:<{name_w}}  {STATUS_LABELS[r.status]:<16}  {reason}")
    counts: dict[str, int] = {}
    for r in results:
        counts[STATUS_LABELS[r.status]] = counts.get(STATUS_LABELS[r.status], 0) + 1
    lines.append("")
    lines.append(
        ", ".join(f"{n} {label}" for label, n in counts.items()) + f" ({len(results)} cases)"
    )
    return "\n".join(lines)


def _printable(text: str) -> str:
    """``text`` with control characters shown as ``?``: a file name never drives the terminal."""
    return "".join(c if c.isprintable() else "?" for c in text)
