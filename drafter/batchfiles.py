"""A batch's files: the case files it reads, the folder each case's drafts go to, the lock on
the output folder, and the resume records (manifests) that let a rerun skip finished drafts.

Each case gets a folder ``OUT/<case name>/`` (a sanitised, unique name: see
:func:`folders_for`) holding its drafts and a small manifest (``.drafter.json``) that
records, per artifact, a key hashing the case file's bytes and every setting that shapes
the draft (:func:`job_key`), the file written and a hash of its bytes. One batch at a time
holds ``OUT/.drafter.lock``; temporary files left by a killed run are removed by the next one.
"""

from __future__ import annotations

import contextlib
import glob
import hashlib
import json
import os
import re
import sys
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from drafter import __version__
from drafter.drafts import Kind
from drafter.errors import InputError, OutputError

MANIFEST = ".drafter.json"
REPLY_TO = "reply-to.eml"
"""The customer's message a case's letters answer, beside the case file."""
LOCK = ".drafter.lock"
CASE_SUFFIXES = (".yaml", ".yml")
NAME_BYTES = 80
"""The longest folder name taken from a case file's name, in UTF-8 bytes."""
_SUFFIX_LENGTHS = (8, 16, 64)
"""Lengths of the path hash that tells clashing folder names apart, tried in turn."""
_UNSAFE = re.compile(r"[^\w.\- ]+")
_TEMPORARY = re.compile(r"\..+\.[a-z0-9_]{8}\.tmp(\.old)?")


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


def reply_file(case: Path) -> Path | None:
    """The .eml ``case``'s letters answer: ``<case>.reply-to.eml`` beside it, else
    :data:`REPLY_TO` when no other case file shares the folder (with others it is
    ambiguous: :class:`InputError`); ``None`` when there is neither."""
    own = case.with_name(f"{case.stem}.{REPLY_TO}")
    if _is_file(own):
        return own
    shared = case.with_name(REPLY_TO)
    if not _is_file(shared):
        return None
    others = [
        p.name
        for p in case.parent.iterdir()
        if p.suffix.lower() in CASE_SUFFIXES and p.name != case.name and p.is_file()
    ]
    if others:
        raise InputError(
            f"{shared}: it is beside {len(others) + 1} case files, so which case it answers "
            f"is unclear; name it {case.stem}.{REPLY_TO} to answer it in {case.name}."
        )
    return shared


def _is_file(path: Path) -> bool:
    """Whether ``path`` is a file; not when its name is too long for the file system."""
    try:
        return path.is_file()
    except OSError:
        return False


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


def inside(root: Path, path: Path) -> bool:
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


def read_manifest(folder: Path) -> dict[str, Any]:
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


def done(folder: Path, entry: object, key: str | None = None, file: str | None = None) -> bool:
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
        done(folder, entry) for folder in folders for entry in read_manifest(folder).values()
    )


def clean(folder: Path) -> None:
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
        clean(out)
        yield
