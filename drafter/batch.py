"""Draft many cases at once: bounded concurrency, resumable, one failure never stops the rest.

:func:`run` drafts every case into its own folder (:mod:`drafter.batchfiles`), on threads
or worker processes (:mod:`drafter.batchworkers`), and returns one
:class:`~drafter.batchreport.CaseResult` per case. A draft is written, then its manifest
entry, both atomically, so a rerun skips exactly the drafts that are on disk for that
content and those settings; a crash between the two redrafts one artifact, never keeps a
stale one.
"""

from __future__ import annotations

import hashlib
import json
import threading
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal, Protocol, TypeVar

from drafter.artifacts import artifact
from drafter.batchfiles import (
    MANIFEST,
    clean,
    done,
    folders_for,
    inside,
    job_key,
    locked,
    read_manifest,
    reply_file,
)
from drafter.batchreport import CaseResult
from drafter.batchworkers import run_processes, run_threads
from drafter.casefile import read_bytes
from drafter.drafts import Kind
from drafter.errors import DrafterError, InputError
from drafter.output import EXTENSIONS, Format, write_atomic

T = TypeVar("T")


class Drafted(Protocol):
    """One artifact drafted for the batch to write (``pipeline.Produced`` is one)."""

    @property
    def data(self) -> bytes:
        """The formatted draft."""

    @property
    def route(self) -> Literal["model", "repaired", "template"]:
        """How it was made."""

    @property
    def reasons(self) -> Sequence[str]:
        """Why it is not the model's own draft."""

    def written(self, target: str) -> None:
        """Note that the draft reached ``target`` (the history log's "written" mark)."""


Produce = Callable[[Path, Kind, bytes], Drafted | None]
"""Draft one artifact of one case file, given the file's bytes as hashed for its resume key
(so the draft and the key always describe the same content); ``None`` when the case has
nothing to draft it from (a follow-up without ``after_meeting``): nothing is written."""


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
    if not inside(root, folder):
        result.reasons.append(f"its folder {folder} is outside {root}; nothing was written")
        return result
    try:
        if case_bytes is None:
            _, case_bytes = read_bytes(str(source))
        replied = _reply_key(source)
    except InputError as exc:
        result.invalid = True
        result.reasons.append(str(exc))
        return result
    clean(folder)
    manifest = read_manifest(folder)
    for kind in kinds:
        answered = {**settings, **replied} if artifact(kind).replies else settings
        key = job_key(case_bytes, kind, answered)
        target = folder / f"{kind}{EXTENSIONS[fmt]}"
        if done(folder, manifest.get(kind), key, target.name):
            result.statuses[kind] = "skipped"
            continue
        if stop is not None and stop.is_set():
            break
        try:
            drafted = produce(source, kind, case_bytes)
            if drafted is None:
                continue
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
        result.statuses[kind] = drafted.route
        result.reasons.extend(f"{kind}: {r}" for r in drafted.reasons)
    return result


def _reply_key(source: Path) -> dict[str, str]:
    """What the resume key of a letter answering the case's ``reply-to.eml`` adds: a hash
    of that file (none without one), so a new message to answer is drafted again."""
    reply = reply_file(source)
    if reply is None:
        return {}
    try:
        return {"reply": hashlib.sha256(reply.read_bytes()).hexdigest()}
    except OSError as exc:
        raise InputError(f"{reply}: cannot be read ({exc.strerror or exc}).") from None


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
            return run_processes(job, cases, jobs, processes, progress)
        return run_threads(job, cases, jobs, progress)


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
