"""Running a batch's cases: on threads of this process, or spread over forked worker
processes (each running its share as threads) when that is worth it (:func:`worker_processes`).
"""

from __future__ import annotations

import gc
import os
import queue
import signal
import sys
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from drafter.batchreport import CaseResult

if TYPE_CHECKING:
    from multiprocessing.connection import Connection
    from multiprocessing.process import BaseProcess


class Job(Protocol):
    """Drafts one case of the batch; starts no new draft once ``stop`` is set."""

    @property
    def folders(self) -> Mapping[Path, Path]:
        """Each case's output folder."""

    def __call__(self, case: Path, stop: threading.Event) -> CaseResult:
        """Draft ``case``; never raises for a failure of the case itself."""


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


def run_threads(
    job: Job,
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


def run_processes(
    job: Job,
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


def _worker(job: Job, cases: list[Path], threads: int, conn: Connection, parent: int) -> None:
    """A forked worker: draft ``cases`` on ``threads`` threads, sending each result home.

    It dies with its parent, however the parent dies (even ``kill -9``). Ctrl-C reaches the
    whole process group; the parent alone decides, and stops workers with SIGTERM, which
    here means "start nothing new and leave"; drafts in flight are abandoned.
    """
    _die_with(parent)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, _interrupt)
    try:
        run_threads(job, cases, threads, conn.send)
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
